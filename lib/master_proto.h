/* master_proto.h - how master and the children it spawns talk.
 *
 * A child is exec'd as
 *     PROGRAM -c CONFIG_DIR -n SERVICE -t inet|unix [-l NLISTEN] [-g GEN] [-S] [-u]
 *             [-o name=value]...
 * with the status pipe on MASTER_STATUS_FD and its NLISTEN listening
 * sockets on MASTER_LISTEN_FD and up.  -S tells it to chroot (master.conf
 * chroot column); -u marks the service unprivileged.
 *
 * Status reports are fixed-size records written with one write(2), smaller
 * than PIPE_BUF, so reports from every child of a service arrive whole and
 * never interleave.  Closing the pipe (by exiting) is the last report.
 */
#ifndef TERN_MASTER_PROTO_H
#define TERN_MASTER_PROTO_H

#include <sys/types.h>

#define MASTER_STATUS_FD 3
#define MASTER_LISTEN_FD 4

enum master_status_kind {
	MASTER_STAT_READY = 1,	/* initialised, about to wait for work */
	MASTER_STAT_BUSY = 2,	/* serving: master may need another process */
	MASTER_STAT_IDLE = 3,	/* waiting for work again */
	MASTER_STAT_FAILED = 4,	/* initialisation failed; will exit */
};

struct master_status {
	pid_t pid;
	int kind;		/* enum master_status_kind */
	unsigned gen;		/* service generation (reload) from -g */
	int reserved;
};

#endif

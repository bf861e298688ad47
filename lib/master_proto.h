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

/*
 * The control socket, `queue_directory/private/control` (mode 0600), speaks
 * attr records (attr.h).  The client opens with attr_hello_write(s,
 * MASTER_CONTROL_PROTO, MASTER_CONTROL_VERSION) and sends one request:
 *
 *   request=status   reply: status=ok, pid=<master pid>, then one entry per
 *                    service as parallel lists, index i of each list
 *                    describing service i: service, type (inet|unix),
 *                    listen (address or path), maxproc, procs (process
 *                    count), busy (count), ready (yes|no: every process
 *                    reported ready at least once), throttled (yes|no),
 *                    pids (space-separated).
 *   request=reload   same as SIGHUP; reply status=ok.
 *   request=stop     same as SIGTERM; reply status=ok, then master exits.
 *
 * On error the reply is status=error, reason=<text>.
 *
 * Starting: `master -c DIR [-f] [-r FD]`.  Without -f master detaches
 * (fork, setsid) after binding its listeners.  With -r, master writes one
 * line to FD and closes it: "ready\n" once every service has reported ready
 * (or, for services that start no process until a client arrives, once its
 * listeners are bound), or "error: REASON\n" when it cannot start or not
 * every service was ready within `master_start_timeout`.  mailctl start
 * uses this to return only when the suite is up.
 *
 * master holds an exclusive flock on `queue_directory/pid/master.pid`
 * while it runs: a second master on the same configuration refuses to
 * start, and mailctl stop knows master has exited when the lock is free.
 */
#define MASTER_CONTROL_PROTO "master-control"
#define MASTER_CONTROL_VERSION 1
#define MASTER_CONTROL_SOCKET "private/control"
#define MASTER_PID_FILE "pid/master.pid"

#endif

/* master_proto.h - how master and the children it spawns talk.
 *
 * A child is exec'd as
 *     PROGRAM -c CONFIG_DIR -n SERVICE -t inet|unix [-l NLISTEN] [-g GEN] [-S] [-u]
 *             [-v] [-o name=value]...
 * with the status channel on MASTER_STATUS_FD and its NLISTEN listening
 * sockets on MASTER_LISTEN_FD and up.  -S tells it to chroot (master.conf
 * chroot column); -u marks the service unprivileged.
 *
 * stderr is the service's output pipe, which master reads: a child copies
 * its warnings and worse there (with -v, given under master -f, every log
 * line), each line one write(2) of at most PIPE_BUF bytes, so the lines of
 * siblings never mix.  The pipe is non-blocking: a line that does not fit
 * is lost, and no child ever waits for master.  master keeps each
 * service's last MASTER_OUTPUT_LINES lines (cut to MASTER_OUTPUT_LINE_MAX
 * bytes, control characters masked) to tell `mailctl start` why a service
 * failed, and under -f copies every line to its own stderr.  Whatever a
 * child says before its log is set up (a bad main.conf, a failed exec)
 * reaches master the same way.
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

#define MASTER_OUTPUT_LINES	5
#define MASTER_OUTPUT_LINE_MAX	1024

enum master_status_kind {
	MASTER_STAT_READY = 1,	/* initialised, about to wait for work */
	MASTER_STAT_BUSY = 2,	/* serving: master may need another process */
	MASTER_STAT_IDLE = 3,	/* waiting for work again */
	MASTER_STAT_FAILED = 4,	/* initialisation failed; will exit */
	/* Accepts no more clients, ever (max_use, a stop of accepting):
	 * serves the ones it has, then exits.  Master no longer counts it
	 * against maxproc, so processes kept alive by their last clients
	 * cannot use up the service's slots (audit i12-08, i12-14). */
	MASTER_STAT_DRAINING = 5,
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
 * attr record (attr.h) to FD and closes it, once every service has
 * reported ready (or, for services that start no process until a client
 * arrives, once its listeners are bound), or when it cannot start or not
 * every service was ready within `master_start_timeout`:
 *
 *   status=ready | error
 *   reason=TEXT        error: why master could not start
 *   log=TEXT           where the suite logs (maillog_where()), once known
 *   service=NAME       error: the service that failed, if one did
 *   output=LINE        error, a list: that service's last lines on its
 *                      output pipe (above), oldest first
 *
 * The record is at most MASTER_REPORT_MAX bytes.  mailctl start uses it to
 * return only when the suite is up, or to say why not.
 *
 * master holds an exclusive flock on `queue_directory/pid/master.pid`
 * while it runs: a second master on the same configuration refuses to
 * start, and mailctl stop knows master has exited when the lock is free.
 */
#define MASTER_CONTROL_PROTO "master-control"
#define MASTER_CONTROL_VERSION 1
#define MASTER_CONTROL_SOCKET "private/control"
#define MASTER_PID_FILE "pid/master.pid"
#define MASTER_REPORT_MAX 16384

#endif

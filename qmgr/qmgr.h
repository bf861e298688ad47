/* qmgr.h - what the files of qmgr share.
 *
 * qmgr owns the queue (architecture §4).  Its working directory is
 * queue_directory, so every path below is relative to it.  A message it
 * works on lives in active/ and in memory as a qmgr_msg_t; each message
 * hands its local recipients to the delivery code (qmgr_deliver.c) in
 * jobs, and when the last job of a message has answered, the message is
 * finished: bounced, removed or moved to deferred/ (qmgr_msg.c).
 */
#ifndef TERN_QMGR_H
#define TERN_QMGR_H

#include <stddef.h>
#include <time.h>

#include "attr.h"
#include "queue.h"

/* Files left in tmp/ longer than this were abandoned by a crashed writer. */
#define QMGR_TMP_MAX_AGE 3600

typedef struct qmgr_msg {
	char id[QUEUE_ID_LEN + 1];
	int fd;			/* active/ID, O_RDWR | O_APPEND */
	queue_msg_t q;
	double arrival;		/* epoch seconds */
	int jobs;		/* delivery requests in flight */
	int dirty;		/* records appended but not yet synced */
	struct qmgr_msg *next;
} qmgr_msg_t;

/* Settings read once after the privilege drop (qmgr.c). */
struct qmgr_conf {
	char **mydestination;
	const char *myhostname;
	const char *myorigin;
	const char *delimiter;
	long min_backoff, max_backoff;
	long lifetime, warn_time;
	long run_delay;
	long active_limit;
	long delivery_timeout;
	long ipc_timeout;
	long concurrency, rcpt_limit;		/* local */
	long smtp_concurrency, smtp_initial;	/* per remote destination */
	long smtp_rcpt_limit, smtp_process_limit;
	long smtp_rate_delay;			/* seconds */
	long smtp_probe_time;			/* seconds */
	char *relayhost;			/* canonical nexthop, or NULL */
	long long bounce_size_limit;
	const char *queue_dir;		/* queue_directory, for messages */
};
extern struct qmgr_conf qmgr_conf;
/* Alias expansion over alias_maps (qmgr_aliasdb.c), set up by init. */
struct alias_conf;
extern struct alias_conf qmgr_alias_conf;
void qmgr_aliasdb_init(void);

/* qmgr.c: the stop flag, and asking for an early scan of incoming/. */
int qmgr_stopping(void);
void qmgr_wakeup(void);

/* qmgr_scan.c: the queue directories. */
void qmgr_scan_incoming(void);
/* Take incoming/ID now (smtpd's wake-up names it), if there is room; when
 * there is none, the scan after the next finished message finds it. */
void qmgr_scan_incoming_id(const char *id);
/* Deferred files whose retry time has come (all of them when flush). */
void qmgr_scan_deferred(int flush);
/* Deferred files with a deferred recipient in domain, now. */
void qmgr_scan_deferred_domain(const char *domain);
/* A message left active/: when files wait for room and a tenth of
 * active/ is free, wake the scans (qmgr_wakeup -> qmgr_scan_resume). */
void qmgr_scan_room_freed(void);
/* incoming/, and deferred/ when a scan of it was cut short. */
void qmgr_scan_resume(void);
/* At start: continue every message left in active/ by a crash. */
void qmgr_scan_active(void);
void qmgr_scan_tmp(void);
/* Move sub/ID to dest/ID without ever overwriting: link, then unlink.
 * 0, or -1 with errno (ENOENT: the file went away, e.g. mailctl). */
int qmgr_move(const char *id, const char *sub, const char *dest);

/* qmgr_corrupt.c: active/ID, open as fd, cannot be read (why): report it
 * to postmaster and the sender, then move it to corrupt/. */
void qmgr_corrupt(const char *id, int fd, const char *why);

/* qmgr_msg.c: one message in active/. */
/* Take active/ID: read it, expand aliases on the first take, schedule. */
void qmgr_msg_take(const char *id);
size_t qmgr_msg_count(void);
/* A delivery job of msg ended: reply is the agent's answer, or NULL with
 * dsn and failure saying why there is none.  idx lists the job's
 * recipients; relay names the agent for log lines. */
void qmgr_msg_job_done(qmgr_msg_t *msg, const size_t *idx, size_t n,
		       const attr_t *reply, const char *dsn, const char *failure,
		       const char *relay);
/* The address a recipient was originally sent to (before aliases). */
const queue_rcpt_t *qmgr_msg_top(const queue_msg_t *q, size_t i);
/* The address with a domain: a bare local part gets myorigin. */
char *qmgr_msg_qualify(const char *addr);
/* Does r want notices of kind what ("FAILURE", "DELAY")?  No NOTIFY: yes. */
int qmgr_msg_notify_has(const queue_rcpt_t *r, const char *what);

/* The delivery agents qmgr sends jobs to. */
enum qmgr_transport {
	QMGR_TRANSPORT_LOCAL,		/* private/local */
	QMGR_TRANSPORT_SMTP,		/* private/smtp-out */
	QMGR_TRANSPORT_COUNT,
};
const char *qmgr_transport_name(enum qmgr_transport t);

struct qmgr_dest;
struct qmgr_conn;

/* A batch of one message's recipients for one destination. */
typedef struct qmgr_job {
	qmgr_msg_t *msg;
	size_t *idx;
	size_t n;
	struct qmgr_dest *dest;
	struct qmgr_conn *conn;	/* while in flight */
	attr_t *reply;
	int restarted;		/* already started again once */
	struct qmgr_job *next;	/* in the destination's queue */
} qmgr_job_t;

/* qmgr_route.c: where a recipient goes. */
typedef struct qmgr_route {
	enum { QMGR_ROUTE_DELIVER, QMGR_ROUTE_FAIL } kind;
	enum qmgr_transport transport;
	char *nexthop;		/* smtp: canonical (transport(5)); NULL for local */
	char dsn[10];		/* FAIL: the status; 4.x.x defers, 5.x.x bounces */
	char *text;		/* FAIL: why */
} qmgr_route_t;
void qmgr_route_init(void);
void qmgr_route_find(const char *addr, qmgr_route_t *r);
void qmgr_route_free(qmgr_route_t *r);

/* qmgr_dest.c: destinations and the scheduler. */
/* Queue a job of msg's recipients idx[0..n) for transport/nexthop. */
void qmgr_dest_submit(qmgr_msg_t *msg, const size_t *idx, size_t n,
		      enum qmgr_transport t, const char *nexthop);
/* The job ended: reply is the agent's answer, or NULL with dsn/failure
 * saying why there is none. */
void qmgr_dest_job_done(qmgr_job_t *job, const char *dsn, const char *failure);
size_t qmgr_dest_running(void);
const char *qmgr_dest_nexthop(const struct qmgr_dest *d);
enum qmgr_transport qmgr_dest_transport(const struct qmgr_dest *d);
/* Free the destinations whose dead mark has run out and that hold no
 * job (from the periodic timer): their number stays bounded. */
void qmgr_dest_sweep(void);
/* Forget the dead mark of nexthop's destination (NULL: of all of them):
 * `mailctl queue flush` retries now. */
void qmgr_dest_revive(const char *nexthop);

/* qmgr_deliver.c: jobs over connections to the agents. */
/* Send the job; it ends later through qmgr_dest_job_done() (never from
 * inside this call). */
void qmgr_deliver_start(qmgr_job_t *job);
/* Close idle connections (stopping). */
void qmgr_deliver_close_idle(void);

/* qmgr_backoff.c */
/* The delay before try number tries + 1 (tries >= 1 failures so far). */
long qmgr_backoff(int tries, long min, long max);

/* qmgr_index.c: the Berkeley DB cache of the queue (index/queue.db). */
void qmgr_index_rebuild(void);
void qmgr_index_update(const char *id, const char *state, const queue_msg_t *q,
		       time_t next);
void qmgr_index_remove(const char *id);
void qmgr_index_sync(void);
void qmgr_index_close(void);

#endif

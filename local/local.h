/* local.h - what the files of local share.
 *
 * One request (lib/deliver_proto.h) names one message - a read-only
 * descriptor of its queue file - and a batch of its recipients.  Each
 * recipient is first resolved to a mailbox and the user that owns it
 * (local_resolve.c), then delivered as that user (local_child.c,
 * local_deliver.c): in local itself when it already is that user, else by
 * a child that switches to it; every recipient ends with an enhanced
 * status code and a text, which go back to qmgr.
 */
#ifndef TERN_LOCAL_H
#define TERN_LOCAL_H

#include <sys/types.h>

#include "buf.h"

/* What local reads from main.conf and the -o overrides: once, in the
 * pre-drop hook, when its process starts (a reload replaces processes;
 * architecture §8), and inherited by the reader and the writers it
 * forks.  No request reads the configuration. */
typedef struct local_conf {
	char *mail_directory;
	char *delimiter;		/* recipient_delimiter */
	char *queue_directory;
	char *vmail_owner;
	int system_accounts;
	int ipc_timeout;		/* seconds: qmgr, auth, reader<->writer */
	int daemon_timeout;		/* seconds: a writer's results at most */
	long max_requests;		/* per connection: max_use, 0 = no limit */
} local_conf_t;

extern local_conf_t local_conf;

typedef struct local_req {
	const char *id;
	const char *sender;	/* "" for the null sender */
	int fd;			/* the queue file, read-only */
	off_t offset;
	size_t length;
	double arrival;
} local_req_t;

typedef struct local_rcpt {
	const char *addr;	/* as qmgr sent it */
	const char *orig;	/* before alias expansion */
	const char *index;	/* qmgr's rcpt_index, echoed back */
	char *lower;		/* addr in lower case: the Delivered-To value */
	int resolved;		/* 1: mailbox, uid and gid are set */
	char *mailbox;		/* Maildir directory */
	char *user;		/* system user to run as (initgroups) */
	uid_t uid;
	gid_t gid;
	buf_t dsn;		/* result, once known */
	buf_t text;
} local_rcpt_t;

/* local_resolve.c: find the mailbox of r, or set its result. */
void local_resolve_init(void);
void local_resolve(local_rcpt_t *r);

/* local_child.c: deliver the recipients with the same uid as rcpts[first]
 * as that user - in this process when local runs as that user and not as
 * root, else in one child process; sets their results. */
void local_child_run(const local_req_t *req, local_rcpt_t *rcpts, size_t n,
		     size_t first);

/* local_spawn.c: system_accounts mode (see there).  Serve one qmgr
 * connection: fork the reader, which drops to vmail_owner and runs
 * reader(fd); answer its spawn requests until it leaves.  *client is
 * closed here and set to -1. */
void local_spawn_serve(int *client, void (*reader)(int client));
/* In the reader: whether writers come from the root parent; and a
 * descriptor that becomes readable when that parent wants the reader to
 * leave (local stops or retires, or the parent is gone), -1 outside the
 * reader. */
int local_spawn_active(void);
int local_spawn_stop_fd(void);
/* In the reader: have the parent start a writer as uid/gid (a system
 * user's account) that takes its job from work.  0, or -1 with errno. */
int local_spawn_writer(uid_t uid, gid_t gid, int work);
/* In a writer: read the job from work, deliver, write the results. */
void local_child_job(int work);

/* local_deliver.c, as the mailbox owner.  The message's header, read
 * once into hdr (for the loop check): 0, or -1 with errno. */
int local_deliver_header(const local_req_t *req, buf_t *hdr);
/* Deliver one recipient, setting its result. */
void local_deliver_one(const local_req_t *req, local_rcpt_t *r,
		       const buf_t *hdr);

#endif

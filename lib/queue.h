/* queue.h - queue files: the durable truth of every accepted message (architecture §4).
 *
 * A queue file is
 *
 *     TERNQ1 <content offset, 12 digits> <content length, 12 digits>\n
 *     envelope: an attr record (attr.h), `name=value` lines, blank line
 *     content: the message, LF line ends, exactly <content length> bytes
 *     result records appended after commit, one per line
 *
 * The writer (smtpd, and qmgr for bounces) builds the file under
 * queue_directory/tmp/, fills in the sizes, fsyncs it, link()s it into
 * incoming/ (never a rename that could overwrite), fsyncs incoming/ and only
 * then reports success.  After the commit the only write allowed is an
 * append of a result record, so the content is never rewritten.
 *
 * A result record is one line "TYPE name=value ... .": values are escaped
 * (%XX for '%', space, CR, LF, NUL), and the trailing " ." marks a record as
 * complete, so a line torn by a crash is recognised and ignored; the next
 * append first ends such a line.  Types:
 *     add     parent=N addr=A [orcpt=O] [notify=L]  a recipient from alias
 *             expansion; its index is the count of recipients so far
 *     expand  rcpt=N                 N was replaced by the recipients added
 *     done    rcpt=N dsn=D text=T    delivered (final)
 *     fail    rcpt=N dsn=D text=T    permanent failure (final once notified)
 *     defer   rcpt=N dsn=D text=T next=EPOCH   temporary failure
 *     notified rcpt=N                the sender was sent the bounce for N,
 *                                    or, after "done", the success notice
 *                                    (RFC 3461 NOTIFY=SUCCESS) for N
 *     warned                         the delay warning was sent
 *     resolved                       alias expansion is complete: the
 *                                    recipient list is final, never
 *                                    expanded again (qmgr, first take)
 */
#ifndef TERN_QUEUE_H
#define TERN_QUEUE_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "attr.h"
#include "buf.h"

#define QUEUE_ID_LEN 21		/* 13 hex digits of time, 5 of pid, 3 of count */

/* The queue sub-directories master creates under queue_directory. */
#define QUEUE_DIRS "tmp incoming active deferred hold corrupt"

/* A new queue id: sorts by arrival time, unique, file-name safe. */
void queue_id_new(char out[QUEUE_ID_LEN + 1]);
int queue_id_valid(const char *id);

/* ---- writing (before commit) ---- */

typedef struct queue_writer queue_writer_t;

/* Create the temporary file; NULL with errno set (ENOSPC etc.). */
queue_writer_t *queue_writer_open(const char *queue_dir);
const char *queue_writer_id(const queue_writer_t *w);
/* The envelope, written out by the first content call. */
attr_t *queue_writer_envelope(queue_writer_t *w);
/* Append content; -1 with errno on failure (sticky). */
int queue_writer_content(queue_writer_t *w, const void *data, size_t len);
size_t queue_writer_content_len(const queue_writer_t *w);
/* Commit as described above; 0, or -1 with errno (the file is removed). */
int queue_writer_commit(queue_writer_t *w);
/* Discard an uncommitted file (also what free does when not committed). */
void queue_writer_free(queue_writer_t **wp);

/* ---- reading ---- */

enum queue_rcpt_state {
	QUEUE_RCPT_PENDING,	/* to be delivered */
	QUEUE_RCPT_DEFERRED,	/* temporary failure seen */
	QUEUE_RCPT_DONE,	/* delivered */
	QUEUE_RCPT_FAILED,	/* permanent failure, bounce not yet sent */
	QUEUE_RCPT_NOTIFIED,	/* permanent failure, bounce sent */
	QUEUE_RCPT_EXPANDED,	/* replaced by alias expansion */
};

typedef struct queue_rcpt {
	char *addr;
	char *orcpt;		/* RFC 3461 ORCPT, or NULL */
	char *notify;		/* RFC 3461 NOTIFY list, or NULL */
	int parent;		/* index of the alias it came from, or -1 */
	enum queue_rcpt_state state;
	char *dsn;		/* last status code, or NULL */
	char *text;		/* last reason, or NULL */
	time_t next_try;	/* for DEFERRED */
	int tries;
	int notified;		/* DONE and the success notice was sent */
} queue_rcpt_t;

typedef struct queue_msg {
	char id[QUEUE_ID_LEN + 1];
	attr_t *env;
	off_t content_off;
	size_t content_len;
	queue_rcpt_t *rcpts;
	size_t nrcpts;
	int warned;
	int resolved;		/* a "resolved" record was seen */
	int torn;		/* the file ends in an incomplete record */
} queue_msg_t;

/* Read everything but the content from an open queue file.  0, or -1 with
 * *err_r a static description (a corrupt file). */
int queue_msg_read(int fd, queue_msg_t *m, const char **err_r);
void queue_msg_clear(queue_msg_t *m);
/* Is every recipient final (DONE, NOTIFIED or EXPANDED)? */
int queue_msg_finished(const queue_msg_t *m);

/* Move queue_dir/from/id to queue_dir/to/id without ever overwriting:
 * link, then unlink.  A move cut short by a crash (the same file under
 * both names) is completed.  0, or -1 with errno (ENOENT: no such file,
 * EEXIST: another file of that id is already there). */
int queue_file_move(const char *queue_dir, const char *id, const char *from,
		    const char *to);

/* Append one record to a committed file opened O_RDWR|O_APPEND.  type and
 * the name/value pairs (NULL-terminated vararg list of const char *).
 * sync: fsync afterwards.  0 or -1 with errno. */
int queue_append(int fd, int sync, const char *type, ...) __attribute__((sentinel));

#endif

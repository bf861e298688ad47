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
 *
 * Limits.  The format has its own, below, and they are the same on both
 * sides: the writer encodes the envelope with the limits the reader decodes
 * it with and refuses (EMSGSIZE) an envelope the reader would refuse, and
 * queue_append() refuses a record line the reader would refuse, so a file
 * that was committed can always be read back.  smtpd stays within them
 * when it accepts recipients (queue_rcpt_size()), qmgr when it expands
 * aliases.  The result records have no total limit: they grow with every
 * retry, and the reader goes through them a line at a time.  A file that
 * still cannot be read (damage on the disk, a bug) is moved to corrupt/ by
 * qmgr, which reports it; queue_msg_salvage() recovers what it can of it.
 */
#ifndef TERN_QUEUE_H
#define TERN_QUEUE_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "attr.h"
#include "buf.h"

#define QUEUE_ID_LEN 21		/* 13 hex digits of time, 5 of pid, 3 of count */

/* Recipients of one envelope: smtpd_recipient_limit may not be more. */
#define QUEUE_MAX_RCPTS 10000
/* ... and with those alias expansion adds ("add" records). */
#define QUEUE_MAX_TOTAL_RCPTS (2 * QUEUE_MAX_RCPTS)
/* Octets of one recipient's fields, decoded: an address (an SMTP path is
 * at most 254 plus room for canonical forms), an ORCPT (RFC 3461 §4.2: at
 * most 500) and a NOTIFY list ("SUCCESS,FAILURE,DELAY"). */
#define QUEUE_MAX_ADDR 512
#define QUEUE_MAX_ORCPT 512
#define QUEUE_MAX_NOTIFY 32
/* Envelope attributes other than the recipients' (sender, helo, ...). */
#define QUEUE_MAX_ENV_OTHER 64
/* The encoded envelope, every line feed counted. */
#define QUEUE_MAX_ENVELOPE (4 * 1024 * 1024)
/* Of that, what the recipients may take: the rest is kept for the other
 * attributes, each far shorter than an SMTP command line. */
#define QUEUE_MAX_RCPT_BYTES (QUEUE_MAX_ENVELOPE - 64 * 1024)
/* A result record's text is cut to this many octets by queue_append(). */
#define QUEUE_MAX_TEXT 1024
/* One result record line, LF not counted: every value escaped (3 octets
 * for 1 at worst), and room for the type, names and numbers. */
#define QUEUE_MAX_RECORD_LINE (3 * (QUEUE_MAX_ADDR + QUEUE_MAX_ORCPT + \
				    QUEUE_MAX_NOTIFY + QUEUE_MAX_TEXT) + 256)

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
/* The bytes a recipient (orcpt, notify: NULL or "" when none) takes in the
 * envelope, or 0 when one of its fields is over the limits above.  smtpd
 * adds these up and stays within QUEUE_MAX_RCPT_BYTES. */
size_t queue_rcpt_size(const char *addr, const char *orcpt, const char *notify);
/* Append content; -1 with errno on failure (sticky): EMSGSIZE when the
 * envelope is over the limits, at the first call. */
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
	int relayed;		/* in memory only: DONE by a server that sends
				 * no notices (its success notice says
				 * "relayed", RFC 3461 §6.2.2) */
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
/* For a file queue_msg_read() refused: what can still be read.  Envelope
 * attributes that decode, the recipients they name (and "add" records
 * name), the result records that apply; a bad line is skipped, not fatal.
 * m->id is "" unless the envelope has a valid one, content_len 0 when the
 * header is bad.  0, or -1 (m empty) when nothing could be read: no
 * queue file at all, or not one envelope attribute. */
int queue_msg_salvage(int fd, queue_msg_t *m);
/* The same two on the bytes of a whole queue file in memory: the parse is
 * the one above, only the reads differ (unit tests, the fuzz target). */
int queue_msg_read_bytes(const char *data, size_t len, queue_msg_t *m,
			 const char **err_r);
int queue_msg_salvage_bytes(const char *data, size_t len, queue_msg_t *m);
void queue_msg_clear(queue_msg_t *m);
/* Append a recipient (PENDING, no parent, no DSN fields) to m: the one way
 * to grow m->rcpts, which may move (earlier pointers into it go stale). */
queue_rcpt_t *queue_msg_add_rcpt(queue_msg_t *m, const char *addr);
/* Is every recipient final (DONE, NOTIFIED or EXPANDED)? */
int queue_msg_finished(const queue_msg_t *m);

/* Move queue_dir/from/id to queue_dir/to/id without ever overwriting:
 * link, then unlink.  A move cut short by a crash (the same file under
 * both names) is completed.  0, or -1 with errno (ENOENT: no such file,
 * EEXIST: another file of that id is already there). */
int queue_file_move(const char *queue_dir, const char *id, const char *from,
		    const char *to);

/* Append one record to a committed file opened O_RDWR|O_APPEND.  type and
 * the name/value pairs (NULL-terminated vararg list of const char *; a NULL
 * value leaves its pair out).  A "text" value is cut to QUEUE_MAX_TEXT
 * octets; a line still over QUEUE_MAX_RECORD_LINE is not written
 * (EMSGSIZE).  sync: fsync afterwards.  0 or -1 with errno. */
int queue_append(int fd, int sync, const char *type, ...) __attribute__((sentinel));

#endif

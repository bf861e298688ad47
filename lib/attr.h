/* attr.h - the IPC record of every tern UNIX-socket protocol (architecture §5).
 *
 * A record is a list of `name=value` lines ended by a blank line.  In values
 * `%`, CR, LF and NUL are written as %XX; names are [a-z0-9_]+.  A list is the
 * same name repeated, in order.  The first record on a connection names the
 * protocol and its version (`proto=auth`, `version=1`): see attr_hello().
 *
 * Readers enforce the limits below and treat a malformed record from an
 * internal peer as fatal for that connection (ATTR_BAD).  The same encoding
 * serves records kept in files (the queue file envelope, queue.h), which
 * have limits of their own: the *_limited functions take the limits as an
 * argument, and a writer that encodes with the limits its reader decodes
 * with can never write what that reader refuses.  Records that carry
 * a descriptor are sent with one sendmsg() and read with recvmsg(), never
 * through a buffered stream, so the descriptor cannot be separated from its
 * record.
 */
#ifndef TERN_ATTR_H
#define TERN_ATTR_H

#include <stddef.h>

#include "buf.h"
#include "stream.h"

#define ATTR_MAX_LINE   65536	/* one name=value line, encoded */
#define ATTR_MAX_COUNT  1024	/* attributes in one record */
#define ATTR_MAX_RECORD (1024 * 1024)	/* whole encoded record */

/* Limits of one record; the IPC readers and writers use attr_ipc_limits
 * (the ATTR_MAX_* values above). */
typedef struct attr_limits {
	size_t max_line;	/* one encoded name=value line, LF not counted */
	size_t max_count;	/* attributes */
	size_t max_record;	/* encoded, every LF and the blank line counted */
} attr_limits_t;

extern const attr_limits_t attr_ipc_limits;

enum attr_status {
	ATTR_OK = 1,
	ATTR_EOF = 0,		/* clean end before a record started */
	ATTR_BAD = -1,		/* malformed, over a limit, or EOF mid-record */
	ATTR_IOERR = -2,	/* timeout or I/O error (stream_status tells) */
};

typedef struct attr {
	size_t count, alloc;
	char **names;
	char **values;		/* decoded; may contain NUL only via values_len */
	size_t *values_len;
} attr_t;

attr_t *attr_new(void);
void attr_free(attr_t **ap);
void attr_clear(attr_t *a);
/* Zero every value (a record that carried a password or a token) before it
 * is freed or reused. */
void attr_wipe(attr_t *a);

void attr_add(attr_t *a, const char *name, const char *value);
void attr_add_n(attr_t *a, const char *name, const void *value, size_t len);
void attr_addf(attr_t *a, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void attr_add_long(attr_t *a, const char *name, long value);

/* First value of name, or NULL. */
const char *attr_get(const attr_t *a, const char *name);
/* Value as a number; 0 with *ok_r = 0 (when ok_r not NULL) if absent/bad. */
long attr_get_long(const attr_t *a, const char *name, int *ok_r);
/* Number of values of name, and the i-th of them. */
size_t attr_count_of(const attr_t *a, const char *name);
const char *attr_get_nth(const attr_t *a, const char *name, size_t i);

/* Encode (appending to out) / decode a complete record (including the blank
 * line).  Decode returns ATTR_OK or ATTR_BAD. */
void attr_encode(const attr_t *a, buf_t *out);
int attr_decode(const char *data, size_t len, attr_t *a);
/* The same within lim: encode appends the record and returns ATTR_OK, or
 * ATTR_BAD (out then holds an unfinished record) when a decoder with the
 * same limits would refuse it; decode as attr_decode, with lim. */
int attr_encode_limited(const attr_t *a, buf_t *out, const attr_limits_t *lim);
int attr_decode_limited(const char *data, size_t len, attr_t *a,
			const attr_limits_t *lim);
/* Bytes the attribute name=value takes in an encoded record, its LF
 * included: what a writer counts to stay within a byte budget. */
size_t attr_encoded_size(const char *name, const void *value, size_t len);
/* Add the attribute of one encoded line (without its LF, at most max_line
 * bytes) to a: ATTR_OK, or ATTR_BAD with a unchanged.  For recovering what
 * can be read of a damaged record line by line; never for IPC. */
int attr_decode_line(const char *line, size_t len, size_t max_line, attr_t *a);

/* Over a stream: write + flush; read one record (a is cleared first). */
int attr_write(stream_t *s, const attr_t *a);
int attr_read(stream_t *s, attr_t *a);
/* Non-blocking read for event-driven servers: ATTR_OK when a whole record
 * was buffered, ATTR_EOF/ATTR_BAD as above, and 2 when more input is needed. */
#define ATTR_AGAIN 2
int attr_try_read(stream_t *s, attr_t *a);

/* Record + descriptor over a UNIX socket (fd < 0: none). */
int attr_send_fd(int sock, const attr_t *a, int fd);
/* Reads exactly one record sent by attr_send_fd, waiting up to timeout
 * seconds; *fd_r gets the descriptor or -1. */
int attr_recv_fd(int sock, attr_t *a, int *fd_r, int timeout);

/* The first record of a connection: write proto/version, and check one. */
int attr_hello_write(stream_t *s, const char *proto, int version);
int attr_hello_check(stream_t *s, const char *proto, int version);

#endif

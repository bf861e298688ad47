/* attr.c - IPC records: build, encode, decode, read, write (see attr.h).
 *
 * One line parser serves every way a record arrives: a complete buffer
 * (attr_decode), a blocking stream (attr_read), a non-blocking stream
 * (attr_try_read) and a descriptor-passing socket (attr_recv_fd), and also
 * records kept in files (attr_decode_limited with the file format's own
 * limits, attr_decode_line to recover a damaged one).  It checks every
 * limit as it goes, so a broken peer costs at most one record's worth of
 * memory before it is refused.  The decoder is strict: a raw CR or NUL,
 * a '%' not followed by two hex digits, a name outside [a-z0-9_]+ or a line
 * without '=' makes the whole record ATTR_BAD.
 *
 * Records with a descriptor are framed differently on the wire, because a
 * stream socket keeps no message boundaries and a reader must never consume
 * bytes (or a descriptor) of the record after its own:
 *
 *     4-byte record length, big-endian | encoded record (with blank line)
 *
 * all sent by one sendmsg() whose SCM_RIGHTS rides on the first byte.  The
 * receiver reads the length with recvmsg(), which also yields the
 * descriptor, then exactly that many bytes.  The direction of a connection
 * that passes descriptors therefore uses attr_send_fd()/attr_recv_fd() for
 * every record, never attr_write()/attr_read().
 */
#define _GNU_SOURCE	/* MSG_CMSG_CLOEXEC */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attr.h"
#include "event.h"
#include "hex.h"
#include "log.h"
#include "mem.h"

/* attr_send_fd() has no timeout argument; a peer that accepts nothing
 * for this long is as good as dead. */
#define ATTR_SEND_TIMEOUT_MS 60000
/* Room to receive (and then close) a few descriptors too many. */
#define ATTR_RECV_MAX_FDS 8

const attr_limits_t attr_ipc_limits = {
	.max_line = ATTR_MAX_LINE,
	.max_count = ATTR_MAX_COUNT,
	.max_record = ATTR_MAX_RECORD,
};

enum attr_line {
	ATTR_LINE_MORE,		/* an attribute was added */
	ATTR_LINE_END,		/* the blank line that ends a record */
	ATTR_LINE_BAD,
};

attr_t *attr_new(void)
{
	return MEM_NEW(attr_t);
}

void attr_wipe(attr_t *a)
{
	for (size_t i = 0; i < a->count; i++)
		explicit_bzero(a->values[i], a->values_len[i]);
}

void attr_clear(attr_t *a)
{
	/* Any record may have carried a password or a token; records are
	 * small, so every value is wiped rather than trusting each caller. */
	attr_wipe(a);
	for (size_t i = 0; i < a->count; i++) {
		mem_free(a->names[i]);
		mem_free(a->values[i]);
	}
	a->count = 0;
}

void attr_free(attr_t **ap)
{
	attr_t *a = *ap;

	if (a == NULL)
		return;
	attr_clear(a);
	mem_free(a->names);
	mem_free(a->values);
	mem_free(a->values_len);
	MEM_FREE(*ap);
}

static int attr_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* Append an attribute, taking ownership of name and value. */
static void attr_push(attr_t *a, char *name, char *value, size_t len)
{
	if (a->count == a->alloc) {
		a->alloc = a->alloc ? a->alloc * 2 : 8;
		a->names = mem_reallocarray(a->names, a->alloc, sizeof(char *));
		a->values = mem_reallocarray(a->values, a->alloc, sizeof(char *));
		a->values_len = mem_reallocarray(a->values_len, a->alloc,
						 sizeof(size_t));
	}
	a->names[a->count] = name;
	a->values[a->count] = value;
	a->values_len[a->count] = len;
	a->count++;
}

void attr_add_n(attr_t *a, const char *name, const void *value, size_t len)
{
	char *copy;

	/* Names come from program text, never from a peer: a bad one is a bug. */
	if (*name == '\0')
		log_panic("attr_add: empty attribute name");
	for (const char *p = name; *p; p++)
		if (!attr_name_char(*p))
			log_panic("attr_add: bad attribute name \"%s\"", name);
	copy = mem_alloc(len + 1);
	if (len)
		memcpy(copy, value, len);
	copy[len] = '\0';
	attr_push(a, mem_strdup(name), copy, len);
}

void attr_add(attr_t *a, const char *name, const char *value)
{
	attr_add_n(a, name, value, strlen(value));
}

void attr_addf(attr_t *a, const char *name, const char *fmt, ...)
{
	buf_t b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	attr_add_n(a, name, buf_str(&b), b.len);
	buf_release(&b);
}

void attr_add_long(attr_t *a, const char *name, long value)
{
	attr_addf(a, name, "%ld", value);
}

/* Index of the nth attribute called name, or a->count. */
static size_t attr_find(const attr_t *a, const char *name, size_t nth)
{
	for (size_t i = 0; i < a->count; i++)
		if (strcmp(a->names[i], name) == 0 && nth-- == 0)
			return i;
	return a->count;
}

const char *attr_get(const attr_t *a, const char *name)
{
	return attr_get_nth(a, name, 0);
}

const char *attr_get_nth(const attr_t *a, const char *name, size_t i)
{
	size_t at = attr_find(a, name, i);

	return at < a->count ? a->values[at] : NULL;
}

size_t attr_count_of(const attr_t *a, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < a->count; i++)
		if (strcmp(a->names[i], name) == 0)
			n++;
	return n;
}

long attr_get_long(const attr_t *a, const char *name, int *ok_r)
{
	size_t at = attr_find(a, name, 0);
	const char *v;
	char *end;
	long n;

	if (ok_r)
		*ok_r = 0;
	if (at == a->count)
		return 0;
	v = a->values[at];
	/* strtol alone would also take blanks, a '+' and an embedded NUL. */
	if (!((v[0] >= '0' && v[0] <= '9') ||
	      (v[0] == '-' && v[1] >= '0' && v[1] <= '9')))
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end != v + a->values_len[at])
		return 0;
	if (ok_r)
		*ok_r = 1;
	return n;
}

/* The special octets of a value, each of which takes %XX. */
static int attr_special(char c)
{
	return c == '%' || c == '\r' || c == '\n' || c == '\0';
}

static void attr_encode_value(buf_t *out, const char *v, size_t len)
{
	size_t run = 0;

	for (size_t i = 0; i < len; i++) {
		char c = v[i];

		if (!attr_special(c))
			continue;
		buf_append(out, v + run, i - run);
		buf_printf(out, "%%%02X", (unsigned char) c);
		run = i + 1;
	}
	buf_append(out, v + run, len - run);
}

void attr_encode(const attr_t *a, buf_t *out)
{
	for (size_t i = 0; i < a->count; i++) {
		buf_puts(out, a->names[i]);
		buf_putc(out, '=');
		attr_encode_value(out, a->values[i], a->values_len[i]);
		buf_putc(out, '\n');
	}
	buf_putc(out, '\n');
}

size_t attr_encoded_size(const char *name, const void *value, size_t len)
{
	const char *v = value;
	size_t n = strlen(name) + 1 + len + 1;

	for (size_t i = 0; i < len; i++)
		if (attr_special(v[i]))
			n += 2;
	return n;
}

/* The checks mirror attr_parse_line(), so that whatever passes here
 * decodes with the same limits. */
int attr_encode_limited(const attr_t *a, buf_t *out, const attr_limits_t *lim)
{
	size_t start = out->len;

	if (a->count > lim->max_count)
		return ATTR_BAD;
	for (size_t i = 0; i < a->count; i++) {
		size_t line = out->len;

		buf_puts(out, a->names[i]);
		buf_putc(out, '=');
		attr_encode_value(out, a->values[i], a->values_len[i]);
		if (out->len - line > lim->max_line)
			return ATTR_BAD;
		buf_putc(out, '\n');
		if (out->len - start >= lim->max_record)
			return ATTR_BAD;
	}
	buf_putc(out, '\n');
	return ATTR_OK;
}

/*
 * Parse one line, given without its LF, into a.  *size counts the encoded
 * record so far, line feeds included, for the max_record check.
 */
static enum attr_line attr_parse_line(attr_t *a, size_t *size,
				      const char *line, size_t len,
				      const attr_limits_t *lim)
{
	const char *eq, *end = line + len;
	char *value, *v;

	*size += len + 1;
	if (len > lim->max_line || *size > lim->max_record)
		return ATTR_LINE_BAD;
	if (len == 0)
		return ATTR_LINE_END;
	if (a->count >= lim->max_count)
		return ATTR_LINE_BAD;
	eq = memchr(line, '=', len);
	if (eq == NULL || eq == line)
		return ATTR_LINE_BAD;
	for (const char *p = line; p < eq; p++)
		if (!attr_name_char(*p))
			return ATTR_LINE_BAD;

	/* Decoding only shrinks, so the encoded length is enough room. */
	v = value = mem_alloc((size_t) (end - eq));
	for (const char *p = eq + 1; p < end; p++) {
		int hi, lo;

		if (*p == '\r' || *p == '\0')
			goto bad;
		if (*p != '%') {
			*v++ = *p;
			continue;
		}
		if (end - p < 3 || (hi = hex_value(p[1])) < 0 ||
		    (lo = hex_value(p[2])) < 0)
			goto bad;
		*v++ = (char) (hi << 4 | lo);
		p += 2;
	}
	*v = '\0';
	attr_push(a, mem_strndup(line, (size_t) (eq - line)), value,
		  (size_t) (v - value));
	return ATTR_LINE_MORE;
bad:
	mem_free(value);
	return ATTR_LINE_BAD;
}

int attr_decode(const char *data, size_t len, attr_t *a)
{
	return attr_decode_limited(data, len, a, &attr_ipc_limits);
}

int attr_decode_limited(const char *data, size_t len, attr_t *a,
			const attr_limits_t *lim)
{
	size_t pos = 0, size = 0;

	attr_clear(a);
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t line_len;
		enum attr_line r;

		if (nl == NULL)
			break;
		line_len = (size_t) (nl - (data + pos));
		r = attr_parse_line(a, &size, data + pos, line_len, lim);
		pos += line_len + 1;
		if (r == ATTR_LINE_BAD)
			break;
		if (r == ATTR_LINE_END) {
			if (pos == len)
				return ATTR_OK;
			break;
		}
	}
	attr_clear(a);
	return ATTR_BAD;
}

int attr_decode_line(const char *line, size_t len, size_t max_line, attr_t *a)
{
	/* One line alone: only its own length and a's count are limits. */
	attr_limits_t lim = {
		.max_line = max_line, .max_count = (size_t) -1,
		.max_record = (size_t) -1,
	};
	size_t size = 0;

	if (len == 0)
		return ATTR_BAD;
	return attr_parse_line(a, &size, line, len, &lim) == ATTR_LINE_MORE ?
		ATTR_OK : ATTR_BAD;
}

/* A line from a stream, LF included; at EOF it may lack the LF. */
static enum attr_line attr_take_line(attr_t *a, size_t *size, const buf_t *line)
{
	if (line->len == 0 || line->data[line->len - 1] != '\n')
		return ATTR_LINE_BAD;
	return attr_parse_line(a, size, line->data, line->len - 1,
			       &attr_ipc_limits);
}

/* Map a stream failure to a record status; size 0: no line started yet. */
static int attr_stream_status(int sr, size_t size)
{
	if (sr == STREAM_EOF)
		return size == 0 ? ATTR_EOF : ATTR_BAD;
	if (sr == STREAM_TOOLONG)
		return ATTR_BAD;
	return ATTR_IOERR;
}

int attr_read(stream_t *s, attr_t *a)
{
	/* Records may carry passwords and tokens: nothing read is left
	 * behind in freed memory. */
	buf_t line = BUF_INIT_SECRET;
	size_t size = 0;
	int r;

	attr_clear(a);
	/* Two bytes over the limit, so an overlong line reaches the parser
	 * whatever the stream counts the LF as, and is refused there. */
	stream_set_line_limit(s, ATTR_MAX_LINE + 2);
	for (;;) {
		int sr = stream_read_line(s, &line);
		enum attr_line lr;

		if (sr != STREAM_OK) {
			r = attr_stream_status(sr, size);
			break;
		}
		lr = attr_take_line(a, &size, &line);
		if (lr != ATTR_LINE_MORE) {
			r = lr == ATTR_LINE_END ? ATTR_OK : ATTR_BAD;
			break;
		}
	}
	buf_release(&line);
	if (r != ATTR_OK)
		attr_clear(a);
	return r;
}

int attr_try_read(stream_t *s, attr_t *a)
{
	/* As attr_read: records may carry passwords and tokens. */
	buf_t line = BUF_INIT_SECRET, taken = BUF_INIT_SECRET;
	size_t size = 0;
	int r;

	attr_clear(a);
	stream_set_line_limit(s, ATTR_MAX_LINE + 2);
	for (;;) {
		int sr = stream_try_line(s, &line);
		enum attr_line lr;

		if (sr == STREAM_TIMEOUT && stream_status(s) == STREAM_OK) {
			/* Half a record: give its lines back, so the next call
			 * parses it whole and no state lives between calls. */
			if (taken.len)
				stream_unread(s, taken.data, taken.len);
			r = ATTR_AGAIN;
			break;
		}
		if (sr != STREAM_OK) {
			r = attr_stream_status(sr, size);
			break;
		}
		buf_append(&taken, line.data, line.len);
		lr = attr_take_line(a, &size, &line);
		if (lr != ATTR_LINE_MORE) {
			r = lr == ATTR_LINE_END ? ATTR_OK : ATTR_BAD;
			break;
		}
	}
	buf_release(&line);
	buf_release(&taken);
	if (r != ATTR_OK)
		attr_clear(a);
	return r;
}

int attr_write(stream_t *s, const attr_t *a)
{
	buf_t out = BUF_INIT;
	int r;

	/* The encoding of a verify request holds a password. */
	buf_set_secret(&out);
	r = attr_encode_limited(a, &out, &attr_ipc_limits);

	if (r == ATTR_OK && (stream_write(s, out.data, out.len) != STREAM_OK ||
			     stream_flush(s) != STREAM_OK))
		r = ATTR_IOERR;
	buf_release(&out);
	return r;
}

/* Wait for events on fd until deadline: 1 ready, 0 timed out, -1 error. */
static int attr_wait(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		int64_t left = deadline - event_now_ms();
		int n;

		if (left < 0)
			left = 0;
		n = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int) left);
		if (n > 0)
			return 1;
		if (n == 0 && left == 0) {
			errno = ETIMEDOUT;
			return 0;
		}
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

int attr_send_fd(int sock, const attr_t *a, int fd)
{
	union {
		struct cmsghdr hdr;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl;
	int64_t deadline = event_now_ms() + ATTR_SEND_TIMEOUT_MS;
	struct msghdr msg;
	struct iovec iov;
	buf_t out = BUF_INIT;
	uint32_t len;
	int r;

	buf_set_secret(&out);		/* a hand-off carries a token */
	buf_append(&out, "\0\0\0\0", 4);
	r = attr_encode_limited(a, &out, &attr_ipc_limits);
	if (r != ATTR_OK) {
		buf_release(&out);
		return r;
	}
	len = (uint32_t) (out.len - 4);
	out.data[0] = (char) (len >> 24);
	out.data[1] = (char) (len >> 16);
	out.data[2] = (char) (len >> 8);
	out.data[3] = (char) len;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = out.data;
	iov.iov_len = out.len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd >= 0) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.space;
		msg.msg_controllen = sizeof(ctl.space);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	while (iov.iov_len > 0) {
		ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			/* The descriptor went with the first byte; a record
			 * bigger than the socket buffer goes on without it. */
			iov.iov_base = (char *) iov.iov_base + n;
			iov.iov_len -= (size_t) n;
			msg.msg_control = NULL;
			msg.msg_controllen = 0;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && attr_wait(sock, POLLOUT, deadline) > 0)
			continue;
		r = ATTR_IOERR;
		break;
	}
	buf_release(&out);
	return r;
}

/* Collect descriptors from one recvmsg(): at most one per record; any
 * beyond it, or a truncated list, makes the record bad (all are closed). */
static int attr_take_fds(struct msghdr *msg, int *fd_r)
{
	int bad = (msg->msg_flags & MSG_CTRUNC) != 0;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm != NULL;
	     cm = CMSG_NXTHDR(msg, cm)) {
		size_t nfds;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfds = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfds; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (*fd_r < 0)
				*fd_r = fd;
			else {
				close(fd);
				bad = 1;
			}
		}
	}
	return bad ? ATTR_BAD : ATTR_OK;
}

/* Read exactly len bytes; EOF before the first byte of a record is ATTR_EOF
 * when at_start is set, anywhere else the record is cut short. */
static int attr_recv_exact(int sock, char *data, size_t len, int *fd_r,
			   int64_t deadline, int at_start)
{
	union {
		struct cmsghdr hdr;
		char space[CMSG_SPACE(sizeof(int) * ATTR_RECV_MAX_FDS)];
	} ctl;
	size_t got = 0;

	while (got < len) {
		struct iovec iov = { .iov_base = data + got, .iov_len = len - got };
		struct msghdr msg;
		ssize_t n;

		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = ctl.space;
		msg.msg_controllen = sizeof(ctl.space);
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN && attr_wait(sock, POLLIN, deadline) > 0)
				continue;
			return ATTR_IOERR;
		}
		if (attr_take_fds(&msg, fd_r) != ATTR_OK)
			return ATTR_BAD;
		if (n == 0)
			return at_start && got == 0 ? ATTR_EOF : ATTR_BAD;
		got += (size_t) n;
	}
	return ATTR_OK;
}

int attr_recv_fd(int sock, attr_t *a, int *fd_r, int timeout)
{
	int64_t deadline = event_now_ms() + (timeout > 0 ? timeout : 0) * 1000LL;
	unsigned char hdr[4];
	uint32_t len;
	char *body;
	int r;

	*fd_r = -1;
	attr_clear(a);
	r = attr_recv_exact(sock, (char *) hdr, sizeof(hdr), fd_r, deadline, 1);
	if (r == ATTR_OK) {
		len = (uint32_t) hdr[0] << 24 | (uint32_t) hdr[1] << 16 |
			(uint32_t) hdr[2] << 8 | hdr[3];
		if (len == 0 || len > ATTR_MAX_RECORD) {
			r = ATTR_BAD;
		} else {
			body = mem_alloc(len);
			r = attr_recv_exact(sock, body, len, fd_r, deadline, 0);
			if (r == ATTR_OK)
				r = attr_decode(body, len, a);
			/* a hand-off record carries a token */
			explicit_bzero(body, len);
			mem_free(body);
		}
	}
	if (r != ATTR_OK && *fd_r >= 0) {
		close(*fd_r);
		*fd_r = -1;
	}
	return r;
}

int attr_hello_write(stream_t *s, const char *proto, int version)
{
	attr_t *a = attr_new();
	int r;

	attr_add(a, "proto", proto);
	attr_add_long(a, "version", version);
	r = attr_write(s, a);
	attr_free(&a);
	return r;
}

int attr_hello_check(stream_t *s, const char *proto, int version)
{
	attr_t *a = attr_new();
	size_t at;
	long v;
	int ok, r;

	r = attr_read(s, a);
	if (r == ATTR_OK) {
		at = attr_find(a, "proto", 0);
		v = attr_get_long(a, "version", &ok);
		/* Length too: a NUL must not make "auth\0x" pass as "auth". */
		if (at == a->count || a->values_len[at] != strlen(proto) ||
		    strcmp(a->values[at], proto) != 0 || !ok || v != version)
			r = ATTR_BAD;
	}
	attr_free(&a);
	return r;
}

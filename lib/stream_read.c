/* stream_read.c - the input side of a stream (stream.h): one read without
 * waiting, the input buffer with its read offset, lines with their limit
 * and deadline, and bulk reads.
 *
 * Input lives in one buf_t with a read offset, so consuming a line is
 * O(line) and the buffer is compacted only when the consumed part is large;
 * a 30 MB message passes through in 64 KiB reads without quadratic copying.
 * A line read must finish within `timeout` seconds of its start (a client
 * trickling one byte at a time cannot hold a process for line_limit *
 * timeout); a bulk read's deadline moves with every byte that arrives.
 * Pending output is flushed before a read waits (stream.c), so a peer
 * waiting for a reply is never kept waiting by a server waiting for it.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "stream.h"
#include "stream_impl.h"

#define STREAM_NEED_MORE	1	/* internal: no whole line buffered yet */

/*
 * One read without waiting: bytes (> 0), 0 when the caller must wait for
 * *wait_r, or STREAM_EOF / STREAM_ERROR.
 */
ssize_t stream_recv(stream_t *s, void *data, size_t len, short *wait_r)
{
	ssize_t n;

	*wait_r = POLLIN;
	if (s->tls_ops)
		return s->tls_ops->recv(s, data, len, wait_r);
	for (;;) {
		n = read(s->fd, data, len);
		if (n > 0)
			return n;
		if (n == 0)
			return STREAM_EOF;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == ECONNRESET)
			return stream_fail(s, STREAM_ERROR, "connection reset by peer");
		if (errno != EINTR)
			return stream_fail(s, STREAM_ERROR, "read: %s", strerror(errno));
	}
}

/*
 * Read into data, waiting until the deadline: bytes, or a status.  Output
 * still buffered is sent first when we have to wait, since the peer may be
 * waiting for it before it sends anything.
 */
static ssize_t stream_recv_wait(stream_t *s, void *data, size_t len, int64_t deadline)
{
	for (;;) {
		short events;
		ssize_t n = stream_recv(s, data, len, &events);
		int status;

		if (n != 0)
			return n;
		if (s->out.len && (status = stream_flush_until(s, deadline)) != STREAM_OK)
			return status;
		if ((status = stream_wait(s, events, deadline)) != STREAM_OK)
			return status;
	}
}

/* Make room for one chunk at the end of the input buffer. */
static void stream_in_make_room(stream_t *s)
{
	size_t pending = s->in.len - s->in_off;

	if (s->in_off && (s->in_off >= pending || s->in.size - s->in.len < s->chunk)) {
		memmove(s->in.data, s->in.data + s->in_off, pending);
		if (s->in.secret)
			explicit_bzero(s->in.data + pending, s->in.len - pending);
		s->in.len = pending;
		s->in_off = 0;
	}
	buf_reserve(&s->in, s->chunk);
}

/* Append one read's worth to the input buffer: bytes, or a status. */
static ssize_t stream_in_read(stream_t *s, int64_t deadline)
{
	ssize_t n;

	stream_in_make_room(s);
	n = stream_recv_wait(s, s->in.data + s->in.len, s->in.size - s->in.len - 1, deadline);
	if (n > 0) {
		s->in.len += (size_t) n;
		s->in.data[s->in.len] = '\0';
	} else if (n == STREAM_EOF) {
		s->eof = 1;
	}
	return n;
}

static void stream_in_consume(stream_t *s, size_t n)
{
	/* Nothing to wipe in a buffer never allocated (NULL + 0 is
	 * undefined, and UBSan says so: stream_discard_input() before the
	 * first read, as at the start of implicit TLS). */
	if (s->in.secret && n > 0)
		explicit_bzero(s->in.data + s->in_off, n);
	s->in_off += n;
	s->scanned = 0;
	if (s->in_off >= s->in.len) {
		buf_reset(&s->in);
		s->in_off = 0;
	}
}

void stream_set_read_chunk(stream_t *s, size_t n)
{
	/* One less than a power of two: with the terminating NUL the
	 * buffer is that power, not twice it. */
	s->chunk = n > 1 ? n - 1 : 1;
}

void stream_trim(stream_t *s)
{
	if (stream_pending(s) == 0 && s->in.data != NULL) {
		int secret = s->in.secret;

		buf_release(&s->in);	/* wipes a secret buffer */
		s->in.secret = secret;
		s->in_off = 0;
		s->scanned = 0;
	}
	if (s->out.len == 0 && s->out.data != NULL) {
		int secret = s->out.secret;

		buf_release(&s->out);
		s->out.secret = secret;
	}
}

void stream_consume(stream_t *s, size_t n)
{
	if (n > stream_pending(s))
		n = stream_pending(s);
	stream_in_consume(s, n);
}

void stream_set_secret(stream_t *s)
{
	buf_set_secret(&s->in);
	buf_set_secret(&s->out);
}

void stream_wipe_consumed(stream_t *s)
{
	if (s->in.data == NULL)
		return;
	explicit_bzero(s->in.data, s->in_off);
	/* past len: what stream_in_make_room() moved away from, or what a
	 * reset left behind */
	explicit_bzero(s->in.data + s->in.len, s->in.size - s->in.len);
}

size_t stream_pending(const stream_t *s)
{
	return s->in.len - s->in_off;
}

int stream_input_ready(const stream_t *s)
{
	return stream_pending(s) > 0 || s->eof || s->status != STREAM_OK ||
		(s->tls_ops != NULL && s->tls_ops->pending(s) > 0);
}

const char *stream_pending_data(const stream_t *s)
{
	return s->in.data ? s->in.data + s->in_off : "";
}

void stream_discard_input(stream_t *s)
{
	stream_in_consume(s, stream_pending(s));
}

void stream_unread(stream_t *s, const void *data, size_t len)
{
	size_t pending = stream_pending(s);

	if (len == 0)
		return;
	s->scanned = 0;
	if (s->in_off >= len) {
		s->in_off -= len;
		memcpy(s->in.data + s->in_off, data, len);
		return;
	}
	buf_reserve(&s->in, len);
	memmove(s->in.data + len, s->in.data + s->in_off, pending);
	memcpy(s->in.data, data, len);
	s->in_off = 0;
	s->in.len = len + pending;
	s->in.data[s->in.len] = '\0';
}

/* Drop buffered bytes of a too-long line; true once its LF has gone. */
static int stream_skip_long_line(stream_t *s)
{
	size_t pending = stream_pending(s);
	const char *lf = memchr(s->in.data + s->in_off, '\n', pending);

	if (pending == 0)
		return 0;
	if (lf == NULL) {
		stream_in_consume(s, pending);
		return 0;
	}
	stream_in_consume(s, (size_t) (lf - (s->in.data + s->in_off)) + 1);
	s->skipping = 0;
	return 1;
}

/* Take one line from the buffer: OK, TOOLONG, EOF or STREAM_NEED_MORE. */
static int stream_take_line(stream_t *s, buf_t *line)
{
	const char *start, *lf = NULL;
	size_t pending, scan;

	if (s->skipping && !stream_skip_long_line(s))
		return s->eof ? STREAM_EOF : STREAM_NEED_MORE;
	pending = stream_pending(s);
	/* Nothing buffered yet: in.data may still be NULL, and even a zero
	 * offset from NULL is undefined (found by fuzz_stream_line under
	 * -fno-sanitize-recover). */
	start = pending > 0 ? s->in.data + s->in_off : NULL;
	scan = pending < s->line_limit ? pending : s->line_limit;
	if (scan > s->scanned)
		lf = memchr(start + s->scanned, '\n', scan - s->scanned);
	if (lf != NULL) {
		size_t n = (size_t) (lf - start) + 1;

		buf_append(line, start, n);
		stream_in_consume(s, n);
		return STREAM_OK;
	}
	s->scanned = scan;
	if (pending > s->line_limit) {
		buf_append(line, start, s->line_limit);
		stream_in_consume(s, s->line_limit);
		s->skipping = 1;
		return STREAM_TOOLONG;
	}
	if (s->eof) {
		if (pending == 0)
			return STREAM_EOF;
		buf_append(line, start, pending);
		stream_in_consume(s, pending);
		return STREAM_OK;
	}
	return STREAM_NEED_MORE;
}

int stream_read_line(stream_t *s, buf_t *line)
{
	int64_t deadline = stream_deadline(s);
	int status;

	buf_reset(line);
	if (s->status != STREAM_OK)
		return s->status;
	while ((status = stream_take_line(s, line)) == STREAM_NEED_MORE) {
		ssize_t n = stream_in_read(s, deadline);

		if (n < 0 && n != STREAM_EOF)
			return (int) n;
	}
	return status;
}

int stream_try_line(stream_t *s, buf_t *line)
{
	int status;

	buf_reset(line);
	if (s->status != STREAM_OK)
		return s->status;
	status = stream_take_line(s, line);
	return status == STREAM_NEED_MORE ? STREAM_TIMEOUT : status;
}

ssize_t stream_fill(stream_t *s)
{
	ssize_t total = 0;

	if (s->status != STREAM_OK)
		return s->status;
	if (s->eof)
		return STREAM_EOF;
	/* TLS may hold decrypted records the descriptor will not signal. */
	do {
		short events;
		ssize_t n;

		stream_in_make_room(s);
		n = stream_recv(s, s->in.data + s->in.len, s->in.size - s->in.len - 1, &events);
		if (n == 0)
			break;
		if (n < 0) {
			if (n == STREAM_EOF)
				s->eof = 1;
			return total ? total : n;
		}
		s->in.len += (size_t) n;
		s->in.data[s->in.len] = '\0';
		total += n;
	} while (s->tls_ops && s->tls_ops->pending(s) > 0);
	return total;
}

ssize_t stream_read(stream_t *s, void *data, size_t len)
{
	size_t pending;
	ssize_t n;

	if (s->status != STREAM_OK)
		return s->status;
	if (len == 0)
		return 0;
	if (stream_pending(s) == 0) {
		if (s->eof)
			return STREAM_EOF;
		if ((n = stream_in_read(s, stream_deadline(s))) < 0)
			return n;
	}
	pending = stream_pending(s);
	if (len > pending)
		len = pending;
	memcpy(data, s->in.data + s->in_off, len);
	stream_in_consume(s, len);
	return (ssize_t) len;
}

int stream_read_exact(stream_t *s, buf_t *out, size_t len)
{
	size_t pending = stream_pending(s);
	size_t take = len < pending ? len : pending;
	int64_t deadline = stream_deadline(s);

	if (s->status != STREAM_OK)
		return s->status;
	buf_append(out, s->in.data + s->in_off, take);
	stream_in_consume(s, take);
	len -= take;
	/* Large bodies go straight into out, never through the input buffer. */
	while (len > 0) {
		size_t room;
		ssize_t n;

		if (s->eof)
			return STREAM_EOF;
		buf_reserve(out, len < STREAM_CHUNK ? len : STREAM_CHUNK);
		room = out->size - out->len - 1;
		n = stream_recv_wait(s, out->data + out->len, len < room ? len : room,
				     deadline);
		if (n == STREAM_EOF)
			s->eof = 1;
		if (n < 0)
			return (int) n;
		out->len += (size_t) n;
		out->data[out->len] = '\0';
		len -= (size_t) n;
		deadline = stream_deadline(s);
	}
	return STREAM_OK;
}

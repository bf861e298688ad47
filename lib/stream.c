/* stream.c - buffered plain/TLS streams with deadlines; see stream.h.
 *
 * The descriptor is non-blocking; every wait is a poll(2) bounded by a
 * deadline.  A line read must finish within `timeout` seconds of its start,
 * so a client trickling one byte at a time cannot hold a process for
 * line_limit * timeout.  Bulk transfers (stream_read_exact, stream_flush)
 * carry unbounded amounts of data, so their deadline moves forward whenever
 * bytes move: there the timeout bounds idleness, not the whole transfer.
 *
 * Input lives in one buf_t with a read offset, so consuming a line is
 * O(line) and the buffer is compacted only when the consumed part is large;
 * a 30 MB message passes through in 64 KiB reads without quadratic copying.
 * Pending output is flushed before a read has to wait, so a pipelining
 * server answers a whole batch of commands in one write (RFC 2920) and no
 * caller deadlocks waiting for a reply to a command still in its buffer.
 *
 * Writes use send(MSG_NOSIGNAL) so a peer that went away is an error, not a
 * SIGPIPE that kills the daemon; descriptors that are not sockets (pipes in
 * tests and tools) fall back to write(2).  TLS is a layer installed on the
 * stream by stream_tls.c (see stream_impl.h for why it lives apart).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mem.h"
#include "stream.h"
#include "stream_impl.h"

#define STREAM_DEFAULT_TIMEOUT	300
#define STREAM_DEFAULT_LIMIT	8192
#define STREAM_NEED_MORE	1	/* internal: no whole line buffered yet */

static int64_t stream_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t stream_deadline(const stream_t *s)
{
	return stream_now_ms() + (int64_t) s->timeout * 1000;
}

/* Record the first fatal status; later ones are consequences of it. */
int stream_fail(stream_t *s, int status, const char *fmt, ...)
{
	va_list ap;
	buf_t msg = BUF_INIT;

	if (s->status != STREAM_OK)
		return s->status;
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	s->status = status;
	s->error = buf_steal(&msg);
	return status;
}

stream_t *stream_open(int fd)
{
	stream_t *s = MEM_NEW(stream_t);

	s->fd = fd;
	s->fd_flags = fcntl(fd, F_GETFL);
	if (s->fd_flags < 0 || fcntl(fd, F_SETFL, s->fd_flags | O_NONBLOCK) < 0)
		stream_fail(s, STREAM_ERROR, "fcntl: %s", strerror(errno));
	s->timeout = STREAM_DEFAULT_TIMEOUT;
	s->line_limit = STREAM_DEFAULT_LIMIT;
	s->chunk = STREAM_CHUNK;
	buf_init(&s->in);
	buf_init(&s->out);
	return s;
}

static void stream_free(stream_t *s)
{
	if (s->tls_ops)
		s->tls_ops->free(s);
	buf_release(&s->in);
	buf_release(&s->out);
	mem_free(s->error);
	mem_free(s);
}

void stream_close(stream_t **sp)
{
	stream_t *s = *sp;

	if (s == NULL)
		return;
	if (s->status == STREAM_OK && s->out.len)
		stream_flush(s);
	/* A close_notify is a courtesy; waiting for the peer's is not needed. */
	if (s->tls_ops && s->status == STREAM_OK)
		s->tls_ops->shutdown(s);
	close(s->fd);
	stream_free(s);
	*sp = NULL;
}

int stream_release_fd(stream_t **sp)
{
	stream_t *s = *sp;
	int fd = s->fd;

	if (s->status == STREAM_OK && s->out.len)
		stream_flush(s);
	if (s->fd_flags >= 0)
		fcntl(fd, F_SETFL, s->fd_flags);
	stream_free(s);
	*sp = NULL;
	return fd;
}

void stream_forget(stream_t **sp)
{
	stream_t *s = *sp;

	if (s == NULL)
		return;
	close(s->fd);
	stream_free(s);
	*sp = NULL;
}

int stream_fd(const stream_t *s)
{
	return s->fd;
}

void stream_set_timeout(stream_t *s, int seconds)
{
	s->timeout = seconds > 0 ? seconds : 0;
}

void stream_set_line_limit(stream_t *s, size_t max)
{
	s->line_limit = max;
}

int stream_status(const stream_t *s)
{
	return s->status;
}

const char *stream_strerror(const stream_t *s)
{
	return s->error ? s->error : "no error";
}

int stream_wait(stream_t *s, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = s->fd, .events = events };

	for (;;) {
		int64_t left = deadline - stream_now_ms();
		int n = poll(&pfd, 1, left > 0 ? (left > INT_MAX ? INT_MAX : (int) left) : 0);

		if (n > 0)
			return STREAM_OK;
		if (n == 0)
			return stream_fail(s, STREAM_TIMEOUT, "timeout after %d seconds",
					   s->timeout);
		if (errno != EINTR)
			return stream_fail(s, STREAM_ERROR, "poll: %s", strerror(errno));
	}
}

/*
 * One read without waiting: bytes (> 0), 0 when the caller must wait for
 * *wait_r, or STREAM_EOF / STREAM_ERROR.
 */
static ssize_t stream_recv(stream_t *s, void *data, size_t len, short *wait_r)
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

ssize_t stream_sys_write(stream_t *s, const void *data, size_t len)
{
	ssize_t n;

	if (!s->not_socket) {
		n = send(s->fd, data, len, MSG_NOSIGNAL);
		if (n >= 0 || errno != ENOTSOCK)
			return n;
		s->not_socket = 1;
	}
	return write(s->fd, data, len);
}

/* One write without waiting; same conventions as stream_recv(). */
static ssize_t stream_send(stream_t *s, const void *data, size_t len, short *wait_r)
{
	ssize_t n;

	*wait_r = POLLOUT;
	if (s->tls_ops)
		return s->tls_ops->send(s, data, len, wait_r);
	for (;;) {
		n = stream_sys_write(s, data, len);
		if (n >= 0)
			return n;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno != EINTR)
			return stream_fail(s, STREAM_ERROR, "write: %s", strerror(errno));
	}
}

int stream_flush_until(stream_t *s, int64_t deadline)
{
	size_t done = 0;
	int status = STREAM_OK;

	while (done < s->out.len) {
		short events;
		ssize_t n = stream_send(s, s->out.data + done, s->out.len - done, &events);

		if (n > 0) {
			done += (size_t) n;
			deadline = stream_deadline(s);
			continue;
		}
		status = n < 0 ? (int) n : stream_wait(s, events, deadline);
		if (status != STREAM_OK)
			break;
	}
	buf_consume(&s->out, done);
	return status;
}

int stream_try_flush(stream_t *s, short *wait_r)
{
	size_t done = 0;
	int status = STREAM_OK;

	*wait_r = POLLOUT;
	if (s->status != STREAM_OK)
		return s->status;
	while (done < s->out.len) {
		ssize_t n = stream_send(s, s->out.data + done, s->out.len - done,
					wait_r);

		if (n > 0) {
			done += (size_t) n;
			continue;
		}
		status = n < 0 ? (int) n : 1;
		break;
	}
	buf_consume(&s->out, done);
	return status;
}

size_t stream_out_pending(const stream_t *s)
{
	return s->out.len;
}

int stream_flush(stream_t *s)
{
	if (s->status != STREAM_OK)
		return s->status;
	return stream_flush_until(s, stream_deadline(s));
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

int stream_write(stream_t *s, const void *data, size_t len)
{
	if (s->status != STREAM_OK)
		return s->status;
	buf_append(&s->out, data, len);
	if (s->out.len >= STREAM_CHUNK)
		return stream_flush(s);
	return STREAM_OK;
}

int stream_puts(stream_t *s, const char *str)
{
	return stream_write(s, str, strlen(str));
}

int stream_printf(stream_t *s, const char *fmt, ...)
{
	va_list ap;

	if (s->status != STREAM_OK)
		return s->status;
	va_start(ap, fmt);
	buf_vprintf(&s->out, fmt, ap);
	va_end(ap);
	if (s->out.len >= STREAM_CHUNK)
		return stream_flush(s);
	return STREAM_OK;
}

int stream_is_tls(const stream_t *s)
{
	return s->tls_ops != NULL;
}

const char *stream_tls_version(const stream_t *s)
{
	return s->tls_ops ? s->tls_ops->version(s) : NULL;
}

const char *stream_tls_cipher(const stream_t *s)
{
	return s->tls_ops ? s->tls_ops->cipher(s) : NULL;
}

/* stream.c - buffered plain/TLS streams with deadlines; see stream.h.
 *
 * The descriptor is non-blocking; every wait is a poll(2) bounded by a
 * deadline.  A line read must finish within `timeout` seconds of its start,
 * so a client trickling one byte at a time cannot hold a process for
 * line_limit * timeout.  Bulk transfers (stream_read_exact, stream_flush)
 * carry unbounded amounts of data, so their deadline moves forward whenever
 * bytes move: there the timeout bounds idleness, not the whole transfer.
 *
 * Pending output is flushed before a read has to wait, so a pipelining
 * server answers a whole batch of commands in one write (RFC 2920) and no
 * caller deadlocks waiting for a reply to a command still in its buffer.
 *
 * Writes use send(MSG_NOSIGNAL) so a peer that went away is an error, not a
 * SIGPIPE that kills the daemon; descriptors that are not sockets (pipes in
 * tests and tools) fall back to write(2).  TLS is a layer installed on the
 * stream by stream_tls.c (see stream_impl.h for why it lives apart).
 *
 * This file holds the stream itself, its waits and its output side; the
 * input side (the buffer, lines, bulk reads) is stream_read.c.
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

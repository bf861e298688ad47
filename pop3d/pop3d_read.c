/* pop3d_read.c - reading and splitting POP3 command lines (both roles).
 *
 * Every read waits at most pop3d_idle_timeout (RFC 1939 §3: the autologout
 * timer, at least 10 minutes unless configured lower), flushing pending
 * replies first.  A line may be at most POP3D_LINE_MAX octets including
 * CRLF (RFC 2449 §4); a longer one is answered "-ERR" here, the rest of it
 * is skipped by the stream, and the session goes on.  While a client is
 * idle between commands, a stop request (SIGTERM, or SIGHUP on reload)
 * ends the session: POP3D_SHUTDOWN.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <time.h>

#include "daemon.h"
#include "pop3d.h"

static int64_t pop3d_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Flush, then wait for input (or a buffered line) within the idle time. */
static int pop3d_wait_input(stream_t *s)
{
	int64_t deadline;
	int status;

	if (stream_pending(s) > 0)
		return STREAM_OK;
	if ((status = stream_flush(s)) != STREAM_OK)
		return status;
	deadline = pop3d_now_ms() + (int64_t) pop3d_conf.idle_timeout * 1000;
	for (;;) {
		struct pollfd pfd = { .fd = stream_fd(s), .events = POLLIN };
		int64_t left;
		int n;

		if (daemon_stopping())
			return POP3D_SHUTDOWN;
		left = deadline - pop3d_now_ms();
		if (left <= 0)
			return STREAM_TIMEOUT;
		n = poll(&pfd, 1, left > 1000 ? 1000 : (int) left);
		if (n > 0)
			return STREAM_OK;
		if (n < 0 && errno != EINTR)
			return STREAM_ERROR;
	}
}

int pop3d_read_raw(stream_t *s, buf_t *line)
{
	return pop3d_read_limited(s, line, POP3D_LINE_MAX);
}

int pop3d_read_limited(stream_t *s, buf_t *line, size_t limit)
{
	int status;

	buf_reset(line);
	if ((status = pop3d_wait_input(s)) != STREAM_OK)
		return status;
	stream_set_line_limit(s, limit);
	status = stream_read_line(s, line);
	if (status == STREAM_TOOLONG) {
		buf_reset(line);
		pop3d_err(s, NULL, "Line too long (at most %zu octets)", limit);
		return STREAM_TOOLONG;
	}
	if (status == STREAM_OK && (line->len == 0 ||
				    line->data[line->len - 1] != '\n'))
		return STREAM_EOF;	/* an unterminated last line */
	buf_chomp(line);
	return status;
}

int pop3d_read_command(stream_t *s, buf_t *line, pop3_cmd_t *cmd)
{
	int status = pop3d_read_raw(s, line);

	if (status != STREAM_OK)
		return status;
	pop3_parse(line, cmd);
	return STREAM_OK;
}

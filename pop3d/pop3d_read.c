/* pop3d_read.c - reading and splitting POP3 command lines (both roles).
 *
 * Every read waits at most pop3d_idle_timeout (RFC 1939 §3: the autologout
 * timer, at least 10 minutes unless configured lower), flushing pending
 * replies first.  A line may be at most POP3D_LINE_MAX octets including
 * CRLF (RFC 2449 §4); a longer one is answered "-ERR" here, the rest of it
 * is skipped by the stream, and the session goes on.  While a client is
 * idle between commands, or has sent only part of one, a stop request
 * (SIGTERM; a SIGHUP retirement lets the client go on) ends the session
 * at once: POP3D_SHUTDOWN.  The wait
 * is daemon_wait() on the stream and the skeleton's stop descriptor, idle
 * time for the skeleton's watchdog: each line read starts a request, so a
 * client may stay idle for all of pop3d_idle_timeout however short
 * daemon_timeout is.
 */
#include "daemon.h"
#include "event_wait.h"
#include "pop3d.h"

/* Flush, then wait for a whole line within the idle time; a stop ends
 * the wait even with half a line buffered (event_wait_line).  The line
 * comes without its CRLF. */
static int pop3d_read_line(stream_t *s, buf_t *line, size_t limit)
{
	event_wait_t w = EVENT_WAIT_INIT;
	int status = STREAM_OK;

	buf_reset(line);
	w.stream = s;
	w.stop_fd = daemon_stop_fd();
	w.timeout_ms = (long) pop3d_conf.idle_timeout * 1000;
	stream_set_line_limit(s, limit);
	switch (event_wait_line(&w, daemon_wait, line, &status)) {
	case EVENT_WAKE_STOP:
		return POP3D_SHUTDOWN;
	case EVENT_WAKE_TIMEOUT:
		return STREAM_TIMEOUT;
	default:
		break;
	}
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
	int status = pop3d_read_line(s, line, POP3D_LINE_MAX);

	if (status != STREAM_OK)
		return status;
	pop3_parse(line, cmd);
	return STREAM_OK;
}

/* imapd_read.c - lines and literals from the client (RFC 3501 §2.2, §4.3).
 *
 * Every wait is bounded by imapd_idle_timeout (RFC 3501 §5.4: at least 30
 * minutes of inactivity before an autologout) and ends at once when the
 * daemon is asked to stop (IMAPD_SHUTDOWN).  Pending replies are flushed
 * before each wait, so answers to pipelined commands leave together.  A
 * literal is read in pieces of at most IMAPD_READ_PIECE octets: an APPEND
 * of 50 MB never needs 50 MB of memory.
 */
#include "daemon.h"
#include "event_wait.h"
#include "imapd_session.h"
#include "mem.h"

#define IMAPD_READ_PIECE	65536

int imapd_read_line(imapd_session_t *sess, buf_t *line, size_t limit)
{
	event_wait_t w = EVENT_WAIT_INIT;
	int status = STREAM_OK;

	buf_reset(line);
	w.stream = sess->s;
	w.stop_fd = daemon_stop_fd();
	w.timeout_ms = (long) imapd_conf.idle_timeout * 1000;
	stream_set_line_limit(sess->s, limit);
	switch (event_wait_line(&w, daemon_wait, line, &status)) {
	case EVENT_WAKE_STOP:
		return IMAPD_SHUTDOWN;
	case EVENT_WAKE_TIMEOUT:
		return STREAM_TIMEOUT;
	default:
		break;
	}
	if (status == STREAM_OK && (line->len == 0 ||
				    line->data[line->len - 1] != '\n'))
		return STREAM_EOF;	/* an unterminated last line */
	return status;
}

/* Wait for input on the stream within the idle timeout. */
static int imapd_read_wait(imapd_session_t *sess)
{
	event_wait_t w = EVENT_WAIT_INIT;

	if (stream_input_ready(sess->s))
		return STREAM_OK;
	w.stream = sess->s;
	w.stop_fd = daemon_stop_fd();
	w.timeout_ms = (long) imapd_conf.idle_timeout * 1000;
	switch (event_wait(&w)) {
	case EVENT_WAKE_STOP:
		return IMAPD_SHUTDOWN;
	case EVENT_WAKE_TIMEOUT:
		return STREAM_TIMEOUT;
	default:
		return STREAM_OK;
	}
}

int imapd_read_stream(imapd_session_t *sess, uint64_t len,
		      int (*cb)(const char *p, size_t n, void *ctx), void *ctx,
		      int *cb_failed)
{
	char *piece = NULL;
	int status = STREAM_OK;

	*cb_failed = 0;
	while (len > 0) {
		size_t want = len > IMAPD_READ_PIECE ? IMAPD_READ_PIECE : (size_t) len;
		ssize_t n;

		if ((status = imapd_read_wait(sess)) != STREAM_OK)
			break;
		if (piece == NULL)
			piece = mem_alloc(IMAPD_READ_PIECE);
		n = stream_read(sess->s, piece, want);
		if (n <= 0) {
			status = n == 0 ? STREAM_EOF : (int) n;
			break;
		}
		len -= (uint64_t) n;
		if (!*cb_failed && cb != NULL && cb(piece, (size_t) n, ctx) < 0)
			*cb_failed = 1;
	}
	mem_free(piece);
	return status;
}

static int imapd_read_append(const char *p, size_t n, void *ctx)
{
	buf_append(ctx, p, n);
	return 0;
}

int imapd_read_exact(imapd_session_t *sess, buf_t *out, size_t len)
{
	int failed;

	buf_reset(out);
	return imapd_read_stream(sess, len, imapd_read_append, out, &failed);
}

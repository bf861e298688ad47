/* imapd_cmd_idle.c - IDLE (RFC 2177).
 *
 * After "+ idling" the session waits for the first of: the client's line
 * (DONE ends the command; anything else is BAD), a change in the selected
 * folder (the inotify watch of new/ and cur/, lib/maildir_watch.h: a
 * delivery, another session's flag change or expunge), a stop of the
 * daemon, or the idle timeout.  Changes are reported at once, EXPUNGE
 * included (RFC 2177 §3).  RFC 2177 §3 asks clients to re-issue IDLE
 * at least every 29 minutes, so imapd_idle_timeout (30 minutes) bounds
 * an IDLE as it bounds any wait.  Without a watch (inotify refused), the
 * folder is looked at every IMAPD_IDLE_POLL seconds instead.
 */
#include <strings.h>

#include "daemon.h"
#include "event.h"
#include "event_wait.h"
#include "maildir_watch.h"
#include "imapd_session.h"

#define IMAPD_IDLE_POLL		30

void imapd_cmd_idle(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	long long deadline = event_now_ms() + (long long) imapd_conf.idle_timeout * 1000;
	buf_t line = BUF_INIT;

	(void) args;
	if (nargs != 0) {
		imapd_bad(sess, NULL, "IDLE takes no arguments");
		return;
	}
	if (sess->state == IMAPD_SELECTED)
		(void) imapd_sync(sess, 1);
	stream_puts(sess->s, "+ idling\r\n");
	stream_flush(sess->s);
	while (sess->state != IMAPD_LOGOUT) {
		event_wait_t w = EVENT_WAIT_INIT;
		long long left = deadline - event_now_ms();
		event_wake_t wake;

		if (left <= 0) {
			imapd_untagged(sess, "BYE Autologout: idle for too long");
			imapd_log_info(sess, "idle timeout in IDLE");
			sess->state = IMAPD_LOGOUT;
			break;
		}
		w.stream = sess->s;
		w.stop_fd = daemon_stop_fd();
		w.change_fd = sess->state == IMAPD_SELECTED ? sess->watch_fd : -1;
		w.timeout_ms = left;
		if (sess->state == IMAPD_SELECTED && sess->watch_fd < 0 &&
		    w.timeout_ms > IMAPD_IDLE_POLL * 1000)
			w.timeout_ms = IMAPD_IDLE_POLL * 1000;
		wake = daemon_wait(&w);
		if (wake == EVENT_WAKE_STOP) {
			imapd_untagged(sess, "BYE Server shutting down");
			sess->state = IMAPD_LOGOUT;
			break;
		}
		if (wake == EVENT_WAKE_CHANGE || wake == EVENT_WAKE_TIMEOUT) {
			if (wake == EVENT_WAKE_CHANGE)
				(void) maildir_watch_drain(sess->watch_fd);
			if (sess->state == IMAPD_SELECTED)
				(void) imapd_sync(sess, 1);
			stream_flush(sess->s);
			continue;
		}
		switch (imapd_read_line(sess, &line, imapd_conf.max_line)) {
		case STREAM_OK:
			buf_chomp(&line);
			if (strcasecmp(buf_str(&line), "DONE") == 0)
				imapd_ok(sess, NULL, "IDLE terminated");
			else
				imapd_bad(sess, NULL, "Expected DONE");
			goto out;
		case STREAM_TOOLONG:
			imapd_bad(sess, NULL, "Expected DONE");
			goto out;
		default:
			imapd_log_info(sess, "connection lost in IDLE");
			sess->state = IMAPD_LOGOUT;
			goto out;
		}
	}
out:
	if (sess->state == IMAPD_SELECTED)
		(void) imapd_sync(sess, 1);
	buf_release(&line);
}

/* event_wait.h - a one-client process waits for its next request.
 *
 * A session process (smtpd, the pop3d roles, local, later imapd) talks to
 * one peer with blocking streams; between requests it must still notice a
 * stop request at once, give up after an idle timeout, and (IMAP IDLE and
 * NOOP) see a mailbox change.  event_wait() sleeps until one of those
 * happens, in one poll(2) with no periodic wake-up: each condition is a
 * descriptor that becomes readable.
 *
 *   input   a stream (its buffered input and the TLS layer's decrypted
 *           bytes count, stream_input_ready()) or a bare descriptor;
 *   stop    a descriptor that becomes readable when the process must stop
 *           and stays so: daemon_stop_fd() or daemon_retire_fd() from the
 *           skeleton (daemon.h), or any descriptor with that meaning (local's
 *           reader watches its root parent's channel);
 *   change  a descriptor readable when something watched has changed
 *           (maildir_watch.h); the caller consumes what made it readable;
 *   timeout milliseconds on the monotonic clock (event_now_ms()).
 *
 * A server on the daemon skeleton waits for its next request through
 * daemon_wait() (daemon.h), which also keeps the skeleton's watchdog off
 * while it sleeps; a wait inside a request calls event_wait() itself.
 * Multi-client processes do not wait like this: they register their
 * descriptors with the event loop (event.h).
 */
#ifndef TERN_EVENT_WAIT_H
#define TERN_EVENT_WAIT_H

#include "stream.h"

typedef enum event_wake {
	EVENT_WAKE_INPUT,	/* the next read will not wait (data, EOF, error) */
	EVENT_WAKE_STOP,	/* the stop descriptor is readable */
	EVENT_WAKE_CHANGE,	/* the change descriptor is readable */
	EVENT_WAKE_TIMEOUT,	/* timeout_ms passed with none of the above */
} event_wake_t;

typedef struct event_wait {
	stream_t *stream;	/* input on this stream; NULL: see fd */
	int fd;			/* input on this descriptor; -1: none */
	int stop_fd;		/* -1: a stop does not end this wait */
	int change_fd;		/* -1: nothing watched */
	long timeout_ms;	/* -1: none */
} event_wait_t;

#define EVENT_WAIT_INIT { NULL, -1, -1, -1, -1 }

/*
 * Wait for the first of the conditions in w.  Input already buffered in
 * the stream wins without a wait; otherwise the stream's pending output is
 * flushed first (the peer may be waiting for those replies before it sends
 * more; a failed flush is reported as input, so that the read that follows
 * meets the stream's sticky error).  When several are ready at once, stop
 * comes before input and input before change: a stopping server answers
 * its shutdown reply rather than a new command, as it always did.
 */
event_wake_t event_wait(const event_wait_t *w);

/*
 * Wait for a whole line on w->stream (the caller set its line limit) with
 * wait (event_wait, or daemon_wait for the watchdog): EVENT_WAKE_INPUT
 * with *status_r the stream_try_line() status of the line (OK, TOOLONG,
 * EOF or the stream's error), or the wake that ended the wait.  Unlike a
 * wait followed by stream_read_line(), the wait for the rest of a line
 * already begun still watches w's stop descriptor, and w->timeout_ms
 * bounds the whole line: half a command cannot make a process deaf to a
 * stop.  w->change_fd is not for this call (pass -1).
 */
event_wake_t event_wait_line(const event_wait_t *w,
			     event_wake_t (*wait)(const event_wait_t *),
			     buf_t *line, int *status_r);

#endif

/* event_wait.c - wait for input, a stop, a change or a timeout; event_wait.h.
 *
 * One poll(2) over at most three descriptors per wait, for the whole of the
 * remaining time: nothing is registered anywhere, so no state can outlive a
 * descriptor that the caller closes and the next client reuses, and a wait
 * costs one system call.  The process's event loop (event.c) is the tool
 * for many clients; this is its counterpart for one, and shares its clock.
 * A signal interrupts poll() (SA_RESTART does not restart it): the wait
 * then resumes with what is left of the timeout; a stop request wakes it
 * because the signal handler has made the stop descriptor readable.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>

#include "event.h"
#include "event_wait.h"
#include "log.h"

/* Milliseconds for poll(): what is left of the deadline, -1 for none. */
static int event_wait_left(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - event_now_ms();
	if (left <= 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int) left;
}

event_wake_t event_wait(const event_wait_t *w)
{
	struct pollfd pfd[3];
	int in = -1, stop = -1, change = -1, n = 0;
	int input_fd = w->stream ? stream_fd(w->stream) : w->fd;
	int64_t deadline = -1;

	if (w->stream != NULL) {
		if (stream_input_ready(w->stream))
			return EVENT_WAKE_INPUT;
		if (stream_flush(w->stream) != STREAM_OK)
			return EVENT_WAKE_INPUT;
	}
	if (w->timeout_ms >= 0)
		deadline = event_now_ms() + w->timeout_ms;
	if (w->stop_fd >= 0) {
		stop = n;
		pfd[n++] = (struct pollfd) { .fd = w->stop_fd, .events = POLLIN };
	}
	if (input_fd >= 0) {
		in = n;
		pfd[n++] = (struct pollfd) { .fd = input_fd, .events = POLLIN };
	}
	if (w->change_fd >= 0) {
		change = n;
		pfd[n++] = (struct pollfd) { .fd = w->change_fd, .events = POLLIN };
	}
	if (n == 0 && deadline < 0)
		log_panic("event_wait: nothing to wait for");
	for (;;) {
		int left = event_wait_left(deadline);
		int r;

		r = poll(pfd, (nfds_t) n, left);
		if (r < 0) {
			if (errno != EINTR)
				log_fatal("poll: %s", strerror(errno));
			continue;
		}
		/* Hang-up and error count as what was waited for: the read or
		 * the check that follows meets them. */
		if (stop >= 0 && pfd[stop].revents != 0)
			return EVENT_WAKE_STOP;
		if (in >= 0 && pfd[in].revents != 0)
			return EVENT_WAKE_INPUT;
		if (change >= 0 && pfd[change].revents != 0)
			return EVENT_WAKE_CHANGE;
		if (r == 0 && event_wait_left(deadline) == 0)
			return EVENT_WAKE_TIMEOUT;
	}
}

event_wake_t event_wait_line(const event_wait_t *w,
			     event_wake_t (*wait)(const event_wait_t *),
			     buf_t *line, int *status_r)
{
	stream_t *s = w->stream;
	event_wait_t more = *w;
	int64_t deadline = w->timeout_ms >= 0 ? event_now_ms() + w->timeout_ms : -1;
	event_wake_t wake = wait(w);	/* flushes the replies first */

	/* From here the buffer is looked at by stream_try_line and only the
	 * descriptor is waited for: buffered bytes of a line are no input. */
	more.stream = NULL;
	more.fd = stream_fd(s);
	while (wake == EVENT_WAKE_INPUT) {
		*status_r = stream_try_line(s, line);
		if (*status_r != STREAM_TIMEOUT || stream_status(s) != STREAM_OK)
			return EVENT_WAKE_INPUT;
		if (stream_fill(s) != 0)
			continue;	/* bytes, EOF or an error: look again */
		if (deadline >= 0) {
			more.timeout_ms = (long) (deadline - event_now_ms());
			if (more.timeout_ms <= 0)
				return EVENT_WAKE_TIMEOUT;
		}
		/* Replies to the lines already taken go out first, as in
		 * event_wait(): the peer may wait for them. */
		if (stream_flush(s) != STREAM_OK) {
			*status_r = stream_status(s);
			return EVENT_WAKE_INPUT;
		}
		wake = wait(&more);
	}
	buf_reset(line);
	return wake;
}

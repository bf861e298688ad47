/* login_relay.c - relaying a TLS client to its session inside the login
 * process's event loop (see login_relay.h).
 *
 * The client side is a stream: its input buffer holds what came from the
 * client and is still to go to the session, its output buffer what came
 * from the session and is still to go to the client.  Every event ends in
 * login_relay_pump(), which moves what can be moved without waiting and
 * then sets the watches from the buffers' levels: read a side only while
 * the other direction has room, watch for writing only while something
 * waits to be written.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "login_relay.h"
#include "mem.h"
#include "sock.h"

struct login_relay {
	stream_t *client;
	int sess;
	int timeout;			/* seconds without write progress */
	int client_open;		/* the client may still send */
	int sess_open;			/* the session may still send */
	int sess_shut;			/* told the session: no more input */
	short client_wait;		/* what a pending TLS write waits for */
	int ended;
	event_timer_id timer;
	event_timer_id kick;		/* the first pump, from the loop */
	login_relay_done_cb *done;
	void *ctx;
};

static void login_relay_end(login_relay_t *r)
{
	if (r->ended)
		return;
	r->ended = 1;
	if (r->timer)
		event_cancel_timer(r->timer);
	if (r->kick)
		event_cancel_timer(r->kick);
	event_del_fd(stream_fd(r->client));
	event_del_fd(r->sess);
	close(r->sess);
	/* Nothing left to write: a close_notify; else no flush that waits. */
	if (stream_out_pending(r->client) == 0)
		stream_close(&r->client);
	else
		stream_forget(&r->client);
	log_info("TLS relay finished");
	r->done(r->ctx);
	mem_free(r);
}

void login_relay_stop(login_relay_t *r)
{
	login_relay_end(r);
}

static void login_relay_on_timeout(void *ctx)
{
	login_relay_t *r = ctx;

	r->timer = 0;
	log_info("TLS relay: no write progress for %d seconds", r->timeout);
	login_relay_end(r);
}

/* Client input to the session: 0, or -1 when the session is gone. */
static int login_relay_to_session(login_relay_t *r, int *progress)
{
	while (stream_pending(r->client) > 0) {
		ssize_t n = send(r->sess, stream_pending_data(r->client),
				 stream_pending(r->client),
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n > 0) {
			stream_consume(r->client, (size_t) n);
			*progress = 1;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		return -1;
	}
	if (!r->client_open && !r->sess_shut) {
		shutdown(r->sess, SHUT_WR);
		r->sess_shut = 1;
	}
	return 0;
}

/* Session output to the client's buffer: 0, or -1 on a read error.  The
 * chunk is wiped before returning: the process serves other clients, and
 * a mailbox's content must not outlive its relay on the stack (audit
 * i12-09; the stream's own buffers are secret and wiped). */
static int login_relay_from_session(login_relay_t *r)
{
	char chunk[LOGIN_RELAY_BUFFER];
	size_t used = 0;
	int ret = 0;

	while (r->sess_open && stream_out_pending(r->client) < LOGIN_RELAY_BUFFER) {
		ssize_t n = recv(r->sess, chunk, sizeof(chunk), MSG_DONTWAIT);

		if (n > 0) {
			if ((size_t) n > used)
				used = (size_t) n;
			/* Below the stream's own flush threshold: buffered. */
			stream_write(r->client, chunk, (size_t) n);
			continue;
		}
		if (n == 0) {
			r->sess_open = 0;	/* the session has finished */
			break;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		if (errno != EINTR) {
			ret = -1;
			break;
		}
	}
	explicit_bzero(chunk, used);
	return ret;
}

static void login_relay_on_event(int fd, int events, void *ctx);

static void login_relay_pump(login_relay_t *r)
{
	int progress = 0, cev = 0, sev = 0, st;
	size_t before;

	if (r->client_open && stream_pending(r->client) < LOGIN_RELAY_BUFFER) {
		ssize_t n = stream_fill(r->client);

		if (n < 0) {
			r->client_open = 0;
			if (n != STREAM_EOF) {
				login_relay_end(r);
				return;
			}
		}
	}
	if (login_relay_to_session(r, &progress) < 0 ||
	    login_relay_from_session(r) < 0) {
		login_relay_end(r);
		return;
	}
	before = stream_out_pending(r->client);
	st = stream_try_flush(r->client, &r->client_wait);
	if (st < 0) {
		login_relay_end(r);
		return;
	}
	if (stream_out_pending(r->client) < before)
		progress = 1;
	/* The session has finished and everything it said has gone out;
	 * or both sides are done. */
	if ((!r->sess_open && st == STREAM_OK) ||
	    (!r->client_open && r->sess_shut && !r->sess_open)) {
		login_relay_end(r);
		return;
	}
	if (r->client_open && stream_pending(r->client) < LOGIN_RELAY_BUFFER)
		cev |= EVENT_READ;
	if (st == 1)
		cev |= r->client_wait == POLLIN ? EVENT_READ : EVENT_WRITE;
	if (r->sess_open && stream_out_pending(r->client) < LOGIN_RELAY_BUFFER)
		sev |= EVENT_READ;
	if (stream_pending(r->client) > 0)
		sev |= EVENT_WRITE;
	if (cev)
		event_add_fd(stream_fd(r->client), cev, login_relay_on_event, r);
	else
		event_del_fd(stream_fd(r->client));
	if (sev)
		event_add_fd(r->sess, sev, login_relay_on_event, r);
	else
		event_del_fd(r->sess);
	/* Idle: no buffer memory held (most relayed connections are idle
	 * most of the time). */
	stream_trim(r->client);
	/* The write timeout runs while output waits and nothing moves. */
	if (st == 1 || stream_pending(r->client) > 0) {
		if (progress && r->timer) {
			event_cancel_timer(r->timer);
			r->timer = 0;
		}
		if (!r->timer)
			r->timer = event_add_timer((long) r->timeout * 1000,
						   login_relay_on_timeout, r);
	} else if (r->timer) {
		event_cancel_timer(r->timer);
		r->timer = 0;
	}
}

static void login_relay_on_event(int fd, int events, void *ctx)
{
	(void) fd;
	(void) events;
	login_relay_pump(ctx);
}

/* TLS may hold decrypted input the descriptor will not signal: the first
 * pump runs from the loop, so start never calls done itself. */
static void login_relay_on_kick(void *ctx)
{
	login_relay_t *r = ctx;

	r->kick = 0;
	login_relay_pump(r);
}

login_relay_t *login_relay_start(stream_t *client, int session_fd, int timeout,
				 login_relay_done_cb *done, void *ctx)
{
	login_relay_t *r = MEM_NEW(login_relay_t);

	r->client = client;
	r->sess = session_fd;
	r->timeout = timeout;
	r->client_open = 1;
	r->sess_open = 1;
	r->done = done;
	r->ctx = ctx;
	sock_set_nonblock(session_fd, 1);
	r->kick = event_add_timer(0, login_relay_on_kick, r);
	return r;
}

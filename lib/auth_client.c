/* auth_client.c - the client side of the auth protocol (see auth_client.h).
 *
 * One persistent connection per auth_client_t (lib/attr_client.c: opened
 * on the first request, so a program that never authenticates never
 * connects; replaced once when found broken).  Every failure to get a
 * valid answer (no listener, a timeout, a malformed reply) is
 * AUTH_TEMPFAIL: the caller answers its own client with a temporary error
 * and never mistakes an auth outage for wrong credentials.
 *
 * auth_request_start() is the event-driven form: one connection per
 * request (connected without waiting, retried while auth's backlog is
 * full), HELLO (auth's hello awaited) then REPLY (the answer awaited),
 * read with stream_fill + attr_try_read when the descriptor is readable.
 *
 * The timeout bounds every read and write; callers pick it longer than
 * auth's failure delay (auth_failure_delay_max), since a failed verify is
 * answered only after that delay.  Passwords and tokens are never logged.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "attr_client.h"
#include "auth_client.h"
#include "event.h"
#include "log.h"
#include "mem.h"
#include "sock.h"

struct auth_client {
	attr_client_t *conn;
};

auth_client_t *auth_client_new(const char *socket_path, int timeout)
{
	auth_client_t *c = MEM_NEW(auth_client_t);

	c->conn = attr_client_new(socket_path, AUTH_PROTO, AUTH_VERSION, timeout);
	attr_client_set_secret(c->conn);	/* passwords out, tokens in */
	return c;
}

void auth_client_release(auth_client_t *c)
{
	if (c != NULL)
		attr_client_disconnect(c->conn);
}

void auth_client_free(auth_client_t **cp)
{
	auth_client_t *c = *cp;

	if (c == NULL)
		return;
	attr_client_free(&c->conn);
	MEM_FREE(*cp);
}

/* The enum auth_result of a reply's status, or -1 for a malformed one. */
static int auth_client_status(const attr_t *reply)
{
	const char *st = attr_get(reply, "status");

	if (st == NULL)
		return -1;
	if (strcmp(st, "ok") == 0)
		return AUTH_OK;
	if (strcmp(st, "fail") == 0 || strcmp(st, "noent") == 0)
		return AUTH_FAIL;
	if (strcmp(st, "tempfail") == 0)
		return AUTH_TEMPFAIL;
	return -1;
}

int auth_client_request(auth_client_t *c, const attr_t *req, attr_t *reply)
{
	buf_t why = BUF_INIT;
	int status;

	if (attr_client_request(c->conn, req, reply, &why) < 0) {
		log_error("auth server %s: %s", attr_client_path(c->conn),
			  buf_str(&why));
		buf_release(&why);
		return AUTH_TEMPFAIL;
	}
	buf_release(&why);
	status = auth_client_status(reply);
	if (status < 0) {
		log_error("auth server %s: %s request: reply without a valid "
			  "status", attr_client_path(c->conn),
			  attr_get(req, "request"));
		attr_client_disconnect(c->conn);
		attr_clear(reply);
		return AUTH_TEMPFAIL;
	}
	return status;
}

/* An ok reply must name the user; copy it or turn the reply into a
 * temporary failure. */
static int auth_client_take_user(auth_client_t *c, const attr_t *reply,
				 const char *what, buf_t *user_r)
{
	const char *user = attr_get(reply, "user");

	if (user == NULL || *user == '\0') {
		log_error("auth server %s: %s reply: status=ok without a user",
			  attr_client_path(c->conn), what);
		attr_client_disconnect(c->conn);
		return AUTH_TEMPFAIL;
	}
	buf_set(user_r, user);
	return AUTH_OK;
}

int auth_client_verify(auth_client_t *c, const char *mech, const char *user,
		       const char *password, const char *authzid,
		       const char *client_addr, const char *service,
		       buf_t *user_r, buf_t *reason_r, int *retire_r)
{
	attr_t *req = attr_new(), *reply = attr_new();
	const char *reason;
	int r;

	attr_add(req, "request", "verify");
	attr_add(req, "mech", mech);
	attr_add(req, "user", user);
	attr_add(req, "password", password);
	if (authzid != NULL && *authzid != '\0')
		attr_add(req, "authzid", authzid);
	attr_add(req, "client", client_addr);
	attr_add(req, "service", service);
	r = auth_client_request(c, req, reply);
	if (r == AUTH_OK)
		r = auth_client_take_user(c, reply, "verify", user_r);
	if (r != AUTH_OK && reason_r != NULL) {
		reason = attr_get(reply, "reason");
		buf_set(reason_r, reason != NULL ? reason :
			r == AUTH_FAIL ? "authentication failed" :
			"authentication service unavailable");
	}
	if (retire_r != NULL) {
		const char *retire = attr_get(reply, "retire");

		*retire_r = r == AUTH_TEMPFAIL && retire != NULL &&
			strcmp(retire, "yes") == 0;
	}
	/* attr_free wipes: the request held the password. */
	attr_free(&req);
	attr_free(&reply);
	return r;
}

int auth_client_lookup(auth_client_t *c, const char *address, buf_t *user_r)
{
	attr_t *req = attr_new(), *reply = attr_new();
	int r;

	attr_add(req, "request", "lookup");
	attr_add(req, "user", address);
	r = auth_client_request(c, req, reply);
	if (r == AUTH_OK)
		r = auth_client_take_user(c, reply, "lookup", user_r);
	attr_free(&req);
	attr_free(&reply);
	return r;
}

/* ---- without waiting ----------------------------------------------------- */

/* Waits between tries to connect while auth's backlog is full: short
 * first (auth is busy, not gone), then at most this. */
#define AUTH_REQUEST_RETRY_MIN_MS	20
#define AUTH_REQUEST_RETRY_MAX_MS	500

struct auth_request {
	stream_t *s;			/* NULL until connected */
	buf_t out;			/* hello and request, until connected */
	long retry_ms;
	event_timer_id retry_timer;
	int hello_seen;
	char *path;
	auth_request_cb *cb;
	void *ctx;
	event_timer_id timer;
	attr_t *reply;
};

static void auth_request_free(auth_request_t *r)
{
	if (r->timer)
		event_cancel_timer(r->timer);
	if (r->retry_timer)
		event_cancel_timer(r->retry_timer);
	buf_release(&r->out);
	if (r->s != NULL) {
		event_del_fd(stream_fd(r->s));
		stream_close(&r->s);
	}
	attr_free(&r->reply);
	mem_free(r->path);
	mem_free(r);
}

void auth_request_cancel(auth_request_t **rp)
{
	if (*rp == NULL)
		return;
	auth_request_free(*rp);
	*rp = NULL;
}

/* Call back and free: the request is over. */
static void auth_request_finish(auth_request_t *r, int result, const char *why)
{
	if (why != NULL) {
		log_error("auth server %s: %s", r->path, why);
		attr_clear(r->reply);
	}
	r->cb(result, r->reply, r->ctx);
	auth_request_free(r);
}

static void auth_request_on_timeout(void *ctx)
{
	auth_request_t *r = ctx;

	r->timer = 0;
	auth_request_finish(r, AUTH_TEMPFAIL, "request timed out");
}

/* Auth's hello, then its reply, as they come. */
static void auth_request_on_read(int fd, int events, void *ctx)
{
	auth_request_t *r = ctx;
	ssize_t n;
	int st;

	(void) fd;
	(void) events;
	n = stream_fill(r->s);
	for (;;) {
		st = attr_try_read(r->s, r->reply);
		if (st == ATTR_AGAIN) {
			if (n < 0)
				auth_request_finish(r, AUTH_TEMPFAIL,
						    "connection closed before the reply");
			return;
		}
		if (st != ATTR_OK) {
			auth_request_finish(r, AUTH_TEMPFAIL, "malformed reply");
			return;
		}
		if (!r->hello_seen) {
			const char *proto = attr_get(r->reply, "proto");
			int ok;

			if (proto == NULL || strcmp(proto, AUTH_PROTO) != 0 ||
			    attr_get_long(r->reply, "version", &ok) != AUTH_VERSION ||
			    !ok) {
				auth_request_finish(r, AUTH_TEMPFAIL, "bad hello");
				return;
			}
			r->hello_seen = 1;
			continue;
		}
		st = auth_client_status(r->reply);
		if (st < 0) {
			auth_request_finish(r, AUTH_TEMPFAIL,
					    "reply without a valid status");
			return;
		}
		auth_request_finish(r, st, NULL);
		return;
	}
}

/* Connect and send: 1 done (the reply is watched for), 0 auth's backlog
 * is full (try again), -1 failed (logged). */
static int auth_request_connect(auth_request_t *r)
{
	int fd = sock_connect_unix_try(r->path);

	if (fd < 0 && errno == EAGAIN)
		return 0;
	if (fd < 0) {
		log_error("auth server %s: connect: %s", r->path, strerror(errno));
		return -1;
	}
	r->s = stream_open(fd);
	stream_set_secret(r->s);
	stream_set_read_chunk(r->s, 4096);	/* one short reply */
	/* A few hundred bytes into an empty socket buffer: the write does
	 * not wait, and auth reads them when it gets to them. */
	stream_write(r->s, r->out.data, r->out.len);
	buf_release(&r->out);
	stream_set_timeout(r->s, 1);
	if (stream_flush(r->s) != STREAM_OK) {
		log_error("auth server %s: write: %s", r->path,
			  stream_strerror(r->s));
		return -1;
	}
	event_add_fd(stream_fd(r->s), EVENT_READ, auth_request_on_read, r);
	return 1;
}

/* auth's backlog was full: a blocking connect would stop every other
 * client of this process until auth caught up (audit i12-13), so the
 * process tries again later, within the request's own timeout. */
static void auth_request_on_retry(void *ctx)
{
	auth_request_t *r = ctx;
	int st;

	r->retry_timer = 0;
	st = auth_request_connect(r);
	if (st < 0) {
		auth_request_finish(r, AUTH_TEMPFAIL, "cannot send the request");
		return;
	}
	if (st == 0) {
		r->retry_ms = r->retry_ms * 2 > AUTH_REQUEST_RETRY_MAX_MS ?
			AUTH_REQUEST_RETRY_MAX_MS : r->retry_ms * 2;
		r->retry_timer = event_add_timer(r->retry_ms, auth_request_on_retry, r);
	}
}

auth_request_t *auth_request_start(const char *socket_path, int timeout,
				   const attr_t *req, auth_request_cb *cb,
				   void *ctx)
{
	auth_request_t *r = MEM_NEW(auth_request_t);
	attr_t *hello = attr_new();
	int st;

	r->out = (buf_t) BUF_INIT_SECRET;
	r->path = mem_strdup(socket_path);
	r->cb = cb;
	r->ctx = ctx;
	r->reply = attr_new();
	attr_add(hello, "proto", AUTH_PROTO);
	attr_add_long(hello, "version", AUTH_VERSION);
	attr_encode(hello, &r->out);
	attr_encode(req, &r->out);
	attr_free(&hello);
	st = auth_request_connect(r);
	if (st < 0) {
		auth_request_free(r);
		return NULL;
	}
	if (st == 0) {
		r->retry_ms = AUTH_REQUEST_RETRY_MIN_MS;
		r->retry_timer = event_add_timer(r->retry_ms, auth_request_on_retry, r);
	}
	r->timer = event_add_timer((long) timeout * 1000, auth_request_on_timeout, r);
	return r;
}

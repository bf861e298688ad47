/* auth_client.c - the client side of the auth protocol (see auth_client.h).
 *
 * One persistent connection per auth_client_t, opened on the first request
 * (so a program that never authenticates never connects) and greeted with
 * the hello exchange of attr.h.  A connection that turns out to be broken
 * when a request is sent over it - auth was restarted, or closed an idle
 * connection - is replaced once, transparently.  Anything else (no
 * listener, a timeout, a malformed reply) is AUTH_TEMPFAIL: the caller
 * answers its own client with a temporary error and never mistakes an auth
 * outage for wrong credentials.
 *
 * The timeout bounds every read and write; callers pick it longer than
 * auth's failure delay (auth_failure_delay_max), since a failed verify is
 * answered only after that delay.  Passwords and tokens are never logged.
 */
#include <errno.h>
#include <string.h>

#include "auth_client.h"
#include "log.h"
#include "mem.h"
#include "sock.h"
#include "stream.h"

struct auth_client {
	char *path;
	int timeout;
	stream_t *s;		/* NULL while not connected */
};

auth_client_t *auth_client_new(const char *socket_path, int timeout)
{
	auth_client_t *c = MEM_NEW(auth_client_t);

	c->path = mem_strdup(socket_path);
	c->timeout = timeout > 0 ? timeout : 1;
	return c;
}

static void auth_client_disconnect(auth_client_t *c)
{
	if (c->s != NULL)
		stream_close(&c->s);
}

void auth_client_release(auth_client_t *c)
{
	if (c != NULL)
		auth_client_disconnect(c);
}

void auth_client_free(auth_client_t **cp)
{
	auth_client_t *c = *cp;

	if (c == NULL)
		return;
	auth_client_disconnect(c);
	mem_free(c->path);
	MEM_FREE(*cp);
}

/* Connect and exchange hellos.  0, or -1 (logged). */
static int auth_client_connect(auth_client_t *c)
{
	int fd = sock_connect_unix(c->path, c->timeout);
	int r;

	if (fd < 0) {
		log_error("auth server %s: connect: %s", c->path, strerror(errno));
		return -1;
	}
	c->s = stream_open(fd);
	stream_set_secret(c->s);	/* passwords out, tokens in */
	stream_set_timeout(c->s, c->timeout);
	r = attr_hello_write(c->s, AUTH_PROTO, AUTH_VERSION);
	if (r == ATTR_OK)
		r = attr_hello_check(c->s, AUTH_PROTO, AUTH_VERSION);
	if (r != ATTR_OK) {
		log_error("auth server %s: hello: %s", c->path,
			  r == ATTR_BAD ? "protocol mismatch" :
			  r == ATTR_EOF ? "connection closed" :
			  stream_strerror(c->s));
		auth_client_disconnect(c);
		return -1;
	}
	return 0;
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

/*
 * One request/reply exchange over the current connection.  Returns ATTR_OK
 * with the reply read, or the failing attr status with *why_r saying what
 * went wrong; *broken_r tells whether the failure looks like a connection
 * the peer had already closed (write error, or end of file before any
 * reply), which deserves one reconnect.
 */
static int auth_client_exchange(auth_client_t *c, const attr_t *req,
				attr_t *reply, int *broken_r, const char **why_r)
{
	int r = attr_write(c->s, req);

	*broken_r = 0;
	if (r != ATTR_OK) {
		*broken_r = r == ATTR_IOERR && stream_status(c->s) == STREAM_ERROR;
		*why_r = r == ATTR_BAD ? "request over the record limits" :
			stream_strerror(c->s);
		return r;
	}
	r = attr_read(c->s, reply);
	if (r == ATTR_EOF || (r == ATTR_IOERR &&
			      stream_status(c->s) == STREAM_ERROR))
		*broken_r = 1;
	*why_r = r == ATTR_BAD ? "malformed reply" :
		r == ATTR_EOF ? "connection closed" : stream_strerror(c->s);
	return r;
}

int auth_client_request(auth_client_t *c, const attr_t *req, attr_t *reply)
{
	const char *what = attr_get(req, "request"), *why = NULL;
	int fresh, broken, r, status;

	if (what == NULL)
		log_panic("auth_client_request: no request attribute");
	attr_clear(reply);
	for (int attempt = 0; ; attempt++) {
		fresh = c->s == NULL;
		if (fresh && auth_client_connect(c) < 0)
			return AUTH_TEMPFAIL;
		r = auth_client_exchange(c, req, reply, &broken, &why);
		if (r == ATTR_OK)
			break;
		/* Over a connection that worked before, a write error or an
		 * immediate end of file means auth went away meanwhile: one
		 * new connection may reach its successor. */
		if (broken && !fresh && attempt == 0) {
			auth_client_disconnect(c);
			continue;
		}
		log_error("auth server %s: %s request: %s", c->path, what, why);
		auth_client_disconnect(c);
		attr_clear(reply);
		return AUTH_TEMPFAIL;
	}
	status = auth_client_status(reply);
	if (status < 0) {
		log_error("auth server %s: %s request: reply without a valid "
			  "status", c->path, what);
		auth_client_disconnect(c);
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
			  c->path, what);
		auth_client_disconnect(c);
		return AUTH_TEMPFAIL;
	}
	buf_set(user_r, user);
	return AUTH_OK;
}

int auth_client_verify(auth_client_t *c, const char *mech, const char *user,
		       const char *password, const char *authzid,
		       const char *client_addr, const char *service,
		       buf_t *user_r, buf_t *reason_r)
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
	/* The encoded request held the password: wipe our copy. */
	attr_wipe(req);
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

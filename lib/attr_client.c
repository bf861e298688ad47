/* attr_client.c - a persistent attr-record connection to an internal
 * service (see attr_client.h).
 *
 * The one subtle point is when to reconnect.  A request over a connection
 * that worked before may meet a server that went away meanwhile: the write
 * fails, or the reply is an immediate end of file.  Only then, and only
 * once, is the request sent again over a new connection; a timeout or a
 * malformed reply is never retried, since the server may have acted on
 * the request.
 */
#include <errno.h>
#include <string.h>

#include "attr_client.h"
#include "log.h"
#include "mem.h"
#include "sock.h"
#include "stream.h"

struct attr_client {
	char *path;
	char *proto;
	int version;
	int timeout;
	int secret;
	stream_t *s;		/* NULL while not connected */
};

attr_client_t *attr_client_new(const char *path, const char *proto,
			       int version, int timeout)
{
	attr_client_t *c = MEM_NEW(attr_client_t);

	c->path = mem_strdup(path);
	c->proto = mem_strdup(proto);
	c->version = version;
	c->timeout = timeout > 0 ? timeout : 1;
	return c;
}

void attr_client_disconnect(attr_client_t *c)
{
	if (c->s != NULL)
		stream_close(&c->s);
}

void attr_client_free(attr_client_t **cp)
{
	attr_client_t *c = *cp;

	if (c == NULL)
		return;
	attr_client_disconnect(c);
	mem_free(c->path);
	mem_free(c->proto);
	MEM_FREE(*cp);
}

void attr_client_set_secret(attr_client_t *c)
{
	c->secret = 1;
	if (c->s != NULL)
		stream_set_secret(c->s);
}

const char *attr_client_path(const attr_client_t *c)
{
	return c->path;
}

/* Connect and exchange hellos.  0, or -1 with why_r set. */
static int attr_client_connect(attr_client_t *c, buf_t *why)
{
	int fd = sock_connect_unix(c->path, c->timeout);
	int r;

	if (fd < 0) {
		buf_printf(why, "connect: %s", strerror(errno));
		return -1;
	}
	c->s = stream_open(fd);
	if (c->secret)
		stream_set_secret(c->s);
	stream_set_timeout(c->s, c->timeout);
	r = attr_hello_write(c->s, c->proto, c->version);
	if (r == ATTR_OK)
		r = attr_hello_check(c->s, c->proto, c->version);
	if (r != ATTR_OK) {
		buf_printf(why, "hello: %s", r == ATTR_BAD ? "protocol mismatch" :
			   r == ATTR_EOF ? "connection closed" :
			   stream_strerror(c->s));
		attr_client_disconnect(c);
		return -1;
	}
	return 0;
}

/*
 * One request/reply exchange over the current connection.  Returns ATTR_OK
 * with the reply read, or the failing attr status with *why_r saying what
 * went wrong; *broken_r tells whether the failure looks like a connection
 * the peer had already closed (write error, or end of file before any
 * reply), which deserves one reconnect.
 */
static int attr_client_exchange(attr_client_t *c, const attr_t *req,
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

int attr_client_request(attr_client_t *c, const attr_t *req, attr_t *reply,
			buf_t *why_r)
{
	const char *what = attr_get(req, "request"), *why = NULL;
	buf_t scratch = BUF_INIT, *out = why_r != NULL ? why_r : &scratch;
	int fresh, broken, r;

	if (what == NULL)
		log_panic("attr_client_request: no request attribute");
	buf_reset(out);
	attr_clear(reply);
	for (int attempt = 0; ; attempt++) {
		fresh = c->s == NULL;
		if (fresh && attr_client_connect(c, out) < 0)
			goto fail;
		r = attr_client_exchange(c, req, reply, &broken, &why);
		if (r == ATTR_OK)
			break;
		/* Over a connection that worked before, a write error or an
		 * immediate end of file means the server went away
		 * meanwhile: one new connection may reach its successor. */
		if (broken && !fresh && attempt == 0) {
			attr_client_disconnect(c);
			continue;
		}
		buf_printf(out, "%s request: %s", what, why);
		goto fail;
	}
	if (attr_get(reply, "status") == NULL) {
		buf_printf(out, "%s request: reply without a status",
			   what);
		goto fail;
	}
	buf_release(&scratch);
	return 0;
fail:
	attr_client_disconnect(c);
	attr_clear(reply);
	buf_release(&scratch);
	return -1;
}

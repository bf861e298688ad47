/* anvil_client.c - the client side of the anvil protocol (see
 * anvil_client.h).
 *
 * One persistent connection per anvil_client_t (lib/attr_client.c); the
 * servers keep one per process for their whole life, since the counts
 * they hold live on that connection.  Every failure is a warning and
 * ANVIL_UNAVAILABLE: the limits are a defence against abuse, and anvil
 * being down must not turn into refusing everyone.
 */
#include <string.h>

#include "anvil_client.h"
#include "attr_client.h"
#include "log.h"
#include "mem.h"

struct anvil_client {
	attr_client_t *conn;
};

anvil_client_t *anvil_client_new(const char *socket_path, int timeout)
{
	anvil_client_t *c = MEM_NEW(anvil_client_t);

	c->conn = attr_client_new(socket_path, ANVIL_PROTO, ANVIL_VERSION,
				  timeout);
	return c;
}

void anvil_client_free(anvil_client_t **cp)
{
	anvil_client_t *c = *cp;

	if (c == NULL)
		return;
	attr_client_free(&c->conn);
	MEM_FREE(*cp);
}

/* Send req and check that the reply says status=ok.  ANVIL_OK, or
 * ANVIL_UNAVAILABLE after a warning that ends with then. */
static int anvil_client_request(anvil_client_t *c, const attr_t *req,
				attr_t *reply, const char *then)
{
	const char *what = attr_get(req, "request");
	const char *status, *reason;
	buf_t why = BUF_INIT;

	if (attr_client_request(c->conn, req, reply, &why) < 0) {
		log_warn("anvil server %s: %s%s", attr_client_path(c->conn),
			 buf_str(&why), then);
		buf_release(&why);
		return ANVIL_UNAVAILABLE;
	}
	buf_release(&why);
	status = attr_get(reply, "status");
	if (strcmp(status, "ok") != 0) {
		reason = attr_get(reply, "reason");
		log_warn("anvil server %s: %s request: %s: %s%s",
			 attr_client_path(c->conn), what, status,
			 reason != NULL ? reason : "no reason given", then);
		return ANVIL_UNAVAILABLE;
	}
	return ANVIL_OK;
}

int anvil_client_connect(anvil_client_t *c, const char *service,
			 const char *client, int handoff, long *count_r,
			 long *rate_r)
{
	attr_t *req = attr_new(), *reply = attr_new();
	int r, ok_count, ok_rate;

	attr_add(req, "request", "connect");
	attr_add(req, "service", service);
	attr_add(req, "client", client);
	if (handoff)
		attr_add(req, "handoff", "yes");
	r = anvil_client_request(c, req, reply, "; client let in unchecked");
	if (r == ANVIL_OK) {
		*count_r = attr_get_long(reply, "count", &ok_count);
		*rate_r = attr_get_long(reply, "rate", &ok_rate);
		if (!ok_count || !ok_rate || *count_r < 1 || *rate_r < 0) {
			log_warn("anvil server %s: connect reply without valid "
				 "counts; client let in unchecked",
				 attr_client_path(c->conn));
			/* Whatever anvil counted goes with the connection. */
			attr_client_disconnect(c->conn);
			r = ANVIL_UNAVAILABLE;
		}
	}
	attr_free(&req);
	attr_free(&reply);
	return r;
}

int anvil_client_disconnect(anvil_client_t *c, const char *service,
			    const char *client)
{
	attr_t *req = attr_new(), *reply = attr_new();
	int r;

	attr_add(req, "request", "disconnect");
	attr_add(req, "service", service);
	attr_add(req, "client", client);
	r = anvil_client_request(c, req, reply, "");
	attr_free(&req);
	attr_free(&reply);
	return r;
}

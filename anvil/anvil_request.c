/* anvil_request.c - one request of the anvil protocol, one reply.
 *
 * The requests of lib/anvil_client.h, each from a table entry naming its
 * handler:
 *   connect     count a connection for the peer -> its count and rate
 *   disconnect  give one back (one the peer does not hold is ignored: it
 *               may have been counted by an anvil process that is gone)
 *   status      every entry with open connections or a current rate
 * A request that lacks an attribute its kind needs, or carries a name
 * that is empty, too long, or holds a space, a control character or a
 * NUL, is malformed: the peer is broken and loses its connection (and
 * with it what it held).
 *
 * When the table is full of entries with open connections, a connect is
 * answered status=fail, which the server takes as "let in unchecked";
 * that is logged at most once a minute.
 */
#include <string.h>

#include "anvil.h"
#include "anvil_client.h"
#include "config.h"
#include "event.h"
#include "log.h"
#include "mem.h"

#define ANVIL_FULL_LOG_MS	60000

static struct {
	anvil_table_t *table;
	long unit_s;
	long table_size;
	int64_t full_logged_ms;
} req;

void anvil_request_init(void)
{
	req.unit_s = config_time("anvil_rate_time_unit");
	req.table_size = config_int("anvil_table_size");
	req.table = anvil_table_new(req.unit_s * 1000, (size_t) req.table_size);
}

anvil_owner_t *anvil_request_owner_new(void)
{
	return anvil_owner_new(req.table);
}

void anvil_request_owner_free(anvil_owner_t **op, const char *peer)
{
	long held = anvil_owner_free(req.table, op, event_now_ms());

	if (held > 0)
		log_info("peer %s: connection closed holding %ld connection%s; "
			 "released", peer, held, held == 1 ? "" : "s");
}

/* A service or client name: one value, 1..ANVIL_NAME_MAX printable
 * characters, no space.  NULL when absent or malformed. */
static const char *anvil_request_name(const attr_t *r, const char *name)
{
	const char *v = attr_get(r, name);
	size_t len;

	if (v == NULL || attr_count_of(r, name) != 1)
		return NULL;
	len = strlen(v);
	if (len == 0 || len > ANVIL_NAME_MAX)
		return NULL;
	for (size_t i = 0; i < r->count; i++)
		if (strcmp(r->names[i], name) == 0 && r->values_len[i] != len)
			return NULL;		/* a NUL inside */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char) v[i] <= 0x20 || (unsigned char) v[i] >= 0x7f)
			return NULL;
	return v;
}

static int anvil_request_connect(const attr_t *r, anvil_owner_t *o,
				 const char *peer, attr_t *reply)
{
	const char *service = anvil_request_name(r, "service");
	const char *client = anvil_request_name(r, "client");
	const char *handoff = attr_get(r, "handoff");
	int64_t now = event_now_ms();
	long count, rate;

	if (service == NULL || client == NULL ||
	    (handoff != NULL && strcmp(handoff, "yes") != 0)) {
		log_warn("peer %s: malformed connect request; closing", peer);
		return -1;
	}
	if (anvil_table_connect(req.table, o, service, client, handoff != NULL,
				now, &count, &rate) < 0) {
		if (req.full_logged_ms == 0 ||
		    now - req.full_logged_ms >= ANVIL_FULL_LOG_MS) {
			log_warn("table full: %ld pairs of service and client "
				 "address with open connections "
				 "(anvil_table_size); new clients are let in "
				 "uncounted", req.table_size);
			req.full_logged_ms = now;
		}
		attr_add(reply, "status", "fail");
		attr_add(reply, "reason", "table full");
		return 0;
	}
	attr_add(reply, "status", "ok");
	attr_add_long(reply, "count", count);
	attr_add_long(reply, "rate", rate);
	return 0;
}

static int anvil_request_disconnect(const attr_t *r, anvil_owner_t *o,
				    const char *peer, attr_t *reply)
{
	const char *service = anvil_request_name(r, "service");
	const char *client = anvil_request_name(r, "client");

	if (service == NULL || client == NULL) {
		log_warn("peer %s: malformed disconnect request; closing", peer);
		return -1;
	}
	anvil_table_disconnect(req.table, o, service, client, event_now_ms());
	attr_add(reply, "status", "ok");
	return 0;
}

struct anvil_status_walk {
	attr_t *reply;
	size_t entries;
};

static void anvil_request_status_entry(const char *service, const char *client,
				       long count, long rate, void *ctx)
{
	struct anvil_status_walk *w = ctx;

	if (w->entries++ < ANVIL_STATUS_MAX)
		attr_addf(w->reply, "entry", "%s %s %ld %ld", service, client,
			  count, rate);
}

static int anvil_request_status(const attr_t *r, anvil_owner_t *o,
				const char *peer, attr_t *reply)
{
	struct anvil_status_walk w = { .reply = reply, .entries = 0 };
	int64_t now = event_now_ms();

	(void) r;
	(void) o;
	(void) peer;
	attr_add(reply, "status", "ok");
	attr_add_long(reply, "rate_time_unit", req.unit_s);
	attr_add_long(reply, "tracked", (long) anvil_table_size(req.table, now));
	attr_add_long(reply, "peers", anvil_conn_count());
	anvil_table_walk(req.table, now, anvil_request_status_entry, &w);
	if (w.entries > ANVIL_STATUS_MAX)
		attr_add_long(reply, "truncated",
			      (long) (w.entries - ANVIL_STATUS_MAX));
	return 0;
}

static const struct anvil_request_kind {
	const char *name;
	int (*handle)(const attr_t *r, anvil_owner_t *o, const char *peer,
		      attr_t *reply);
} anvil_requests[] = {
	{ "connect", anvil_request_connect },
	{ "disconnect", anvil_request_disconnect },
	{ "status", anvil_request_status },
	{ NULL, NULL },
};

int anvil_request_handle(const attr_t *r, anvil_owner_t *o, const char *peer,
			 attr_t *reply)
{
	const char *what = attr_get(r, "request");

	for (const struct anvil_request_kind *k = anvil_requests;
	     what != NULL && k->name != NULL; k++)
		if (strcmp(k->name, what) == 0)
			return k->handle(r, o, peer, reply);
	log_warn("peer %s: %s; closing", peer, what != NULL ?
		 "unknown request" : "record without a request");
	return -1;
}

/* qmgr_route.c - where a recipient goes (architecture §4).
 *
 * After alias expansion every recipient is routed, in this order:
 *   1. a domain of mydestination: local;
 *   2. transport_maps (transport(5)): the first entry for the domain or
 *      one of its parents names smtp with a nexthop, local, or an error;
 *   3. relayhost: smtp-out to that host;
 *   4. smtp-out to the recipient's domain, by its MX records; an address
 *      literal (user@[192.0.2.1], RFC 5321 §4.1.3) goes to that address.
 * A transport_maps entry "smtp:" without a nexthop means step 4 for that
 * domain, whatever relayhost says (transport(5)).
 * The nexthop names the destination: qmgr queues, limits and marks dead
 * per nexthop, and smtp-out resolves it (smtp_out_route.c).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "config.h"
#include "dns_wire.h"
#include "log.h"
#include "mem.h"
#include "qmgr.h"
#include "transport.h"

static transport_maps_t *qmgr_transport_maps;

const char *qmgr_transport_name(enum qmgr_transport t)
{
	return t == QMGR_TRANSPORT_LOCAL ? "local" : "smtp";
}

static void qmgr_route_fail(qmgr_route_t *r, const char *dsn, char *text)
{
	r->kind = QMGR_ROUTE_FAIL;
	snprintf(r->dsn, sizeof(r->dsn), "%s", dsn);
	r->text = text;
}

/* The nexthop for a domain routed by DNS: the domain in lower case, or
 * an address literal in brackets. */
static int qmgr_route_domain(const char *domain, qmgr_route_t *r)
{
	const char *why;
	char *d;

	if (*domain == '[') {
		/* RFC 5321 §4.1.3: an IPv4 address, or IPv6: and an IPv6
		 * address; anything else in brackets is no destination. */
		size_t n = strlen(domain);
		const char *in = domain + 1;
		unsigned char bytes[16];
		char text[64];
		int v6 = 0;

		if (n < 3 || domain[n - 1] != ']')
			return -1;
		if (strncasecmp(in, "IPv6:", 5) == 0) {
			in += 5;
			v6 = 1;
		}
		if ((size_t) (domain + n - 1 - in) >= sizeof(text))
			return -1;
		memcpy(text, in, (size_t) (domain + n - 1 - in));
		text[domain + n - 1 - in] = '\0';
		if (inet_pton(v6 ? AF_INET6 : AF_INET, text, bytes) != 1)
			return -1;
		r->nexthop = mem_printf("[%s]", text);
		addr_lower(r->nexthop);
		return 0;
	}
	if (dns_name_check(domain, &why) < 0)
		return -1;
	d = mem_strdup(domain);
	addr_lower(d);
	if (d[0] != '\0' && d[strlen(d) - 1] == '.')
		d[strlen(d) - 1] = '\0';
	r->nexthop = d;
	return 0;
}

void qmgr_route_find(const char *addr, qmgr_route_t *r)
{
	const char *domain = addr_domain(addr);

	memset(r, 0, sizeof(*r));
	r->kind = QMGR_ROUTE_DELIVER;
	if (addr_domain_in(domain, qmgr_conf.mydestination)) {
		r->transport = QMGR_TRANSPORT_LOCAL;
		return;
	}
	r->transport = QMGR_TRANSPORT_SMTP;
	if (qmgr_transport_maps != NULL && *domain != '[') {
		transport_route_t t;
		int found = transport_maps_lookup(qmgr_transport_maps, domain, &t);

		if (found < 0) {
			qmgr_route_fail(r, "4.3.5", mem_printf(
				"transport_maps: cannot route %s (see the log)",
				domain));
			return;
		}
		if (found > 0) {
			if (t.kind == TRANSPORT_LOCAL) {
				r->transport = QMGR_TRANSPORT_LOCAL;
			} else if (t.kind == TRANSPORT_ERROR) {
				qmgr_route_fail(r, t.dsn, mem_strdup(t.text));
			} else if (t.nexthop != NULL) {
				r->nexthop = t.nexthop;
				t.nexthop = NULL;
			} else if (qmgr_route_domain(domain, r) < 0) {
				qmgr_route_fail(r, "5.1.2", mem_printf(
					"bad destination domain \"%s\"", domain));
			}
			transport_route_free(&t);
			return;
		}
	}
	if (qmgr_conf.relayhost != NULL) {
		r->nexthop = mem_strdup(qmgr_conf.relayhost);
		return;
	}
	if (qmgr_route_domain(domain, r) < 0)
		qmgr_route_fail(r, "5.1.2", mem_printf("bad destination domain "
						       "\"%s\"", domain));
}

void qmgr_route_free(qmgr_route_t *r)
{
	mem_free(r->nexthop);
	mem_free(r->text);
	memset(r, 0, sizeof(*r));
}

/* A bad relayhost or a transport map that cannot be opened is fatal:
 * mailctl check reports both, and mail must not take another route
 * than the administrator wrote. */
void qmgr_route_init(void)
{
	transport_nexthop_t nh;
	const char *why;
	char *err = NULL;
	int r = transport_relayhost_parse(config_str("relayhost"), &nh, &why);

	if (r < 0)
		log_fatal("relayhost \"%s\": %s", config_str("relayhost"), why);
	if (r > 0) {
		qmgr_conf.relayhost = transport_nexthop_format(&nh);
		transport_nexthop_free(&nh);
	}
	qmgr_transport_maps = transport_maps_from_config(&err);
	if (qmgr_transport_maps == NULL && err != NULL)
		log_fatal("transport_maps: %s", err);
}

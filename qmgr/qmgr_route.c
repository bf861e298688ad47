/* qmgr_route.c - where a recipient goes (architecture §4).
 *
 * After alias expansion every recipient is routed, in this order:
 *   1. a domain of mydestination: local;
 *   2. transport_maps (transport(5)): the first entry for the domain or
 *      one of its parents names smtp with a nexthop, local, or an error;
 *   3. relayhost: smtp-out to that host;
 *   4. smtp-out to the recipient's domain, by its MX records; an address
 *      literal (user@[192.0.2.1], RFC 5321 §4.1.3) goes to that address.
 * The nexthop names the destination: qmgr queues, limits and marks dead
 * per nexthop, and smtp-out resolves it (smtp_out_route.c).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "config.h"
#include "dns_wire.h"
#include "mem.h"
#include "qmgr.h"

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
		size_t n = strlen(domain);
		const char *in = domain + 1;

		if (n < 3 || domain[n - 1] != ']')
			return -1;
		if (strncasecmp(in, "IPv6:", 5) == 0)
			in += 5;
		r->nexthop = mem_printf("[%.*s]", (int) (domain + n - 1 - in), in);
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

void qmgr_route_init(void)
{
	const char *relay = config_str("relayhost");

	if (*relay != '\0') {
		qmgr_conf.relayhost = mem_strdup(relay);
		addr_lower(qmgr_conf.relayhost);
	}
}

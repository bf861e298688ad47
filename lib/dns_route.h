/* dns_route.h - from a mail domain to the hosts and addresses to try,
 * by RFC 5321 §5.1.
 *
 * The MX records in order of preference, records of equal preference in
 * random order (so mail spreads over them); without MX records the
 * domain itself (the "implicit MX"); then each host's addresses (AAAA
 * records first, then A: RFC 6724's default prefers IPv6; within each,
 * the resolver's order, which rotates between lookups).  What ends
 * the route before any connection:
 *   - the domain does not exist (NXDOMAIN): permanent, 5.1.2;
 *   - a null MX (RFC 7505: the only MX record names the root, "."): the
 *     domain accepts no mail, permanent, 5.1.10;
 *   - no host has an address, and every lookup said so: permanent, 5.4.4;
 *   - a lookup that got no answer (SERVFAIL, timeout) where the route
 *     depended on it: temporary, 4.4.3.
 * A host whose lookups failed stays in the list without addresses, with
 * the reason, when another host has addresses: smtp-out tries the
 * others, and mailctl route shows it.
 *
 * The lookups and the random choice come from the caller's ops, so the
 * order is tested without a network (tests/unit/test_dns_route.c);
 * dns_route_lookup does it with a dns.h context.  Loop detection (a host
 * that is this instance) is smtp-out's, which knows its listeners.
 */
#ifndef TERN_DNS_ROUTE_H
#define TERN_DNS_ROUTE_H

#include <stddef.h>

#include "dns.h"

enum dns_route_status {
	DNS_ROUTE_OK,		/* at least one address to try */
	DNS_ROUTE_PERMANENT,	/* bounce: dsn and reason say why */
	DNS_ROUTE_TEMPORARY,	/* defer: dsn and reason say why */
};

typedef struct dns_route_host {
	char *name;
	unsigned pref;		/* the MX preference; 0 for the implicit MX */
	size_t addr_count;
	dns_addr_t *addr;	/* in the order to try */
	/* No address: why, e.g. "AAAA: NXDOMAIN; A: NXDOMAIN"
	 * (mem-allocated), and whether it may change (a lookup failed). */
	char *why;
	int temporary;
} dns_route_host_t;

typedef struct dns_route {
	enum dns_route_status status;
	int implicit_mx;	/* no MX record: the domain itself */
	const char *dsn;	/* enhanced status code (RFC 3463); "2.0.0" when OK */
	char *reason;		/* mem-allocated; NULL when OK */
	size_t count;
	dns_route_host_t *host;	/* by preference, then shuffled */
} dns_route_t;

typedef struct dns_route_ops {
	/* dns_lookup() or a test's table; fills r, returns r->status. */
	enum dns_status (*lookup)(void *arg, const char *name,
				  enum dns_type type, dns_result_t *r);
	/* A number from 0 to n - 1, n >= 1. */
	unsigned (*random)(void *arg, unsigned n);
	void *arg;
	/* Most addresses in the route (smtp_mx_address_limit), 0: no
	 * limit.  Hosts after the one that reaches it are not looked up, so
	 * a domain with thousands of MX records costs a bounded number of
	 * lookups. */
	size_t address_limit;
} dns_route_ops_t;

/* Fill route for domain (a name dns_name_check accepts); release it with
 * dns_route_free.  Returns route->status. */
enum dns_route_status dns_route_find(const char *domain,
				     const dns_route_ops_t *ops,
				     dns_route_t *route);
/* The same with the resolver of ctx, a random order from the kernel and
 * address_limit as in dns_route_ops_t. */
enum dns_route_status dns_route_lookup(dns_ctx_t *ctx, const char *domain,
				       size_t address_limit, dns_route_t *route);
void dns_route_free(dns_route_t *route);

#endif

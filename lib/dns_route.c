/* dns_route.c - the hosts and addresses for a mail domain (dns_route.h).
 *
 * Pure logic over the caller's lookups: MX answer -> hosts sorted by
 * preference, duplicates dropped, equal preferences shuffled -> each
 * host's AAAA and A records -> one verdict.  The enhanced status codes
 * are RFC 3463's and RFC 7505's.
 */
#include <stdlib.h>
#include <string.h>

#include "dns_route.h"
#include "mem.h"

static void dns_route_fail(dns_route_t *route, enum dns_route_status status,
			   const char *dsn, char *reason)
{
	route->status = status;
	route->dsn = dsn;
	route->reason = reason;
}

struct dns_route_mx {
	const dns_mx_t *mx;
	size_t index;		/* in the answer: equal preferences keep order */
};

static int dns_route_mx_cmp(const void *a, const void *b)
{
	const struct dns_route_mx *x = a, *y = b;

	if (x->mx->pref != y->mx->pref)
		return x->mx->pref < y->mx->pref ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* The hosts of an MX answer in the order to try; 0, or -1 when the answer
 * holds nothing but the null MX. */
static int dns_route_from_mx(const dns_result_t *mx, const dns_route_ops_t *ops,
			     dns_route_t *route)
{
	struct dns_route_mx *sorted = mem_reallocarray(NULL, mx->count, sizeof(*sorted));
	size_t n = 0, start;

	/* "." is no host to connect to: alone it is RFC 7505's null MX;
	 * beside other records (which the RFC forbids) it is skipped. */
	for (size_t i = 0; i < mx->count; i++)
		if (strcmp(mx->mx[i].host, ".") != 0) {
			sorted[n].mx = &mx->mx[i];
			sorted[n].index = i;
			n++;
		}
	if (n == 0) {
		mem_free(sorted);
		return -1;
	}
	qsort(sorted, n, sizeof(*sorted), dns_route_mx_cmp);
	route->host = mem_reallocarray(NULL, n, sizeof(*route->host));
	for (size_t i = 0; i < n; i++) {
		size_t j;

		/* a host named twice is tried once, at its best preference */
		for (j = 0; j < route->count; j++)
			if (strcmp(route->host[j].name, sorted[i].mx->host) == 0)
				break;
		if (j < route->count)
			continue;
		memset(&route->host[route->count], 0, sizeof(route->host[0]));
		route->host[route->count].name = mem_strdup(sorted[i].mx->host);
		route->host[route->count].pref = sorted[i].mx->pref;
		route->count++;
	}
	mem_free(sorted);
	/* Fisher-Yates within each run of equal preference (§5.1: "randomize
	 * them to spread the load") */
	for (start = 0; start < route->count; ) {
		size_t end = start + 1;

		while (end < route->count &&
		       route->host[end].pref == route->host[start].pref)
			end++;
		for (size_t i = end - 1; i > start; i--) {
			size_t k = start + ops->random(ops->arg, (unsigned) (i - start + 1));
			dns_route_host_t tmp = route->host[i];

			route->host[i] = route->host[k];
			route->host[k] = tmp;
		}
		start = end;
	}
	return 0;
}

/* A host's addresses, AAAA records first, or why it has none. */
static void dns_route_addresses(dns_route_host_t *h, const dns_route_ops_t *ops)
{
	static const enum dns_type types[] = { DNS_TYPE_AAAA, DNS_TYPE_A };
	buf_t why = BUF_INIT;

	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		dns_result_t r;

		ops->lookup(ops->arg, h->name, types[t], &r);
		if (r.status == DNS_FOUND) {
			h->addr = mem_reallocarray(h->addr, h->addr_count + r.count,
						   sizeof(*h->addr));
			memcpy(h->addr + h->addr_count, r.addr, r.count * sizeof(*r.addr));
			h->addr_count += r.count;
		} else {
			buf_printf(&why, "%s%s: %s", why.len ? "; " : "",
				   types[t] == DNS_TYPE_A ? "A" : "AAAA",
				   r.reason ? r.reason : "no answer");
			if (r.status == DNS_TEMPFAIL)
				h->temporary = 1;
		}
		dns_result_free(&r);
	}
	if (h->addr_count == 0)
		h->why = buf_steal(&why);
	else
		h->temporary = 0;
	buf_release(&why);
}

/* No host has an address: the verdict and the reasons of each host. */
static void dns_route_no_address(const char *domain, dns_route_t *route)
{
	buf_t reason = BUF_INIT;
	int temporary = 0;

	if (route->implicit_mx)
		buf_printf(&reason, "%s has no MX record and no address: %s",
			   domain, route->host[0].why);
	else
		buf_printf(&reason, "no mail host of %s has an address:", domain);
	for (size_t i = 0; i < route->count; i++) {
		if (!route->implicit_mx)
			buf_printf(&reason, "%s %s (%s)", i ? "," : "",
				   route->host[i].name, route->host[i].why);
		temporary |= route->host[i].temporary;
	}
	if (temporary)
		dns_route_fail(route, DNS_ROUTE_TEMPORARY, "4.4.3", buf_steal(&reason));
	else
		dns_route_fail(route, DNS_ROUTE_PERMANENT, "5.4.4", buf_steal(&reason));
	buf_release(&reason);
}

enum dns_route_status dns_route_find(const char *domain,
				     const dns_route_ops_t *ops,
				     dns_route_t *route)
{
	dns_result_t mx;
	size_t total = 0;
	int any = 0;

	memset(route, 0, sizeof(*route));
	switch (ops->lookup(ops->arg, domain, DNS_TYPE_MX, &mx)) {
	case DNS_NXDOMAIN:
		dns_route_fail(route, DNS_ROUTE_PERMANENT, "5.1.2",
			       mem_printf("%s: no such domain (NXDOMAIN)", domain));
		break;
	case DNS_TEMPFAIL:
		dns_route_fail(route, DNS_ROUTE_TEMPORARY, "4.4.3",
			       mem_printf("MX lookup of %s: %s", domain, mx.reason));
		break;
	case DNS_NODATA:
		route->implicit_mx = 1;
		route->host = mem_zalloc(sizeof(*route->host));
		route->host[0].name = mem_strdup(domain);
		route->count = 1;
		break;
	case DNS_FOUND:
		if (dns_route_from_mx(&mx, ops, route) < 0)
			dns_route_fail(route, DNS_ROUTE_PERMANENT, "5.1.10",
				       mem_printf("%s accepts no mail: null MX "
						  "(RFC 7505)", domain));
		break;
	}
	dns_result_free(&mx);
	if (route->reason != NULL)
		return route->status;
	for (size_t i = 0; i < route->count; i++) {
		dns_route_host_t *h = &route->host[i];

		if (ops->address_limit > 0 && total >= ops->address_limit) {
			/* enough to try: the rest is never looked up */
			for (size_t j = i; j < route->count; j++)
				mem_free(route->host[j].name);
			route->count = i;
			break;
		}
		dns_route_addresses(h, ops);
		if (ops->address_limit > 0 && total + h->addr_count > ops->address_limit)
			h->addr_count = ops->address_limit - total;
		total += h->addr_count;
		any |= h->addr_count > 0;
	}
	if (any) {
		route->status = DNS_ROUTE_OK;
		route->dsn = "2.0.0";
	} else {
		dns_route_no_address(domain, route);
	}
	return route->status;
}

static enum dns_status dns_route_resolver(void *arg, const char *name,
					  enum dns_type type, dns_result_t *r)
{
	return dns_lookup(arg, name, type, r);
}

static unsigned dns_route_kernel_random(void *arg, unsigned n)
{
	(void) arg;
	return arc4random_uniform(n);
}

enum dns_route_status dns_route_lookup(dns_ctx_t *ctx, const char *domain,
				       size_t address_limit, dns_route_t *route)
{
	const dns_route_ops_t ops = {
		dns_route_resolver, dns_route_kernel_random, ctx, address_limit,
	};

	return dns_route_find(domain, &ops, route);
}

void dns_route_free(dns_route_t *route)
{
	for (size_t i = 0; i < route->count; i++) {
		mem_free(route->host[i].name);
		mem_free(route->host[i].addr);
		mem_free(route->host[i].why);
	}
	mem_free(route->host);
	mem_free(route->reason);
	memset(route, 0, sizeof(*route));
}

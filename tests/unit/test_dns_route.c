/* test_dns_route.c - unit tests for lib/dns_route.c: the order of hosts
 * and addresses and the verdicts of RFC 5321 §5.1 and RFC 7505, from
 * lookup results the test injects (no network). */
#include <arpa/inet.h>

#include "../../lib/dns_route.h"
#include "../../lib/mem.h"
#include "test.h"

/* One injected answer: for name and type, a status and its records
 * ("10 mx1.example" for MX, an address for A and AAAA, ' '-separated
 * for addresses, ','-separated for MX).  Unlisted: NXDOMAIN. */
struct test_answer {
	const char *name;
	enum dns_type type;
	enum dns_status status;
	const char *records;
};

struct test_dns {
	const struct test_answer *answers;
	unsigned (*pick)(unsigned n, unsigned call);
	unsigned calls;		/* random() calls so far */
	unsigned lookups;
};

static enum dns_status test_lookup(void *arg, const char *name,
				   enum dns_type type, dns_result_t *r)
{
	struct test_dns *t = arg;
	const struct test_answer *a;

	t->lookups++;
	memset(r, 0, sizeof(*r));
	for (a = t->answers; a->name != NULL; a++)
		if (strcmp(a->name, name) == 0 && a->type == type)
			break;
	if (a->name == NULL) {
		r->status = DNS_NXDOMAIN;
		r->reason = mem_strdup("NXDOMAIN");
		return r->status;
	}
	r->status = a->status;
	if (a->status != DNS_FOUND) {
		r->reason = mem_strdup(a->status == DNS_TEMPFAIL ? "SERVFAIL" :
				       a->status == DNS_NODATA ? "no record" : "NXDOMAIN");
		return r->status;
	}
	{
		char *copy = mem_strdup(a->records), *save = NULL;

		for (char *tok = strtok_r(copy, type == DNS_TYPE_MX ? "," : " ", &save);
		     tok != NULL; tok = strtok_r(NULL, type == DNS_TYPE_MX ? "," : " ", &save)) {
			if (type == DNS_TYPE_MX) {
				char host[256];

				r->mx = mem_reallocarray(r->mx, r->count + 1, sizeof(*r->mx));
				sscanf(tok, "%u %255s", &r->mx[r->count].pref, host);
				r->mx[r->count].host = mem_strdup(host);
			} else {
				dns_addr_t *ad;

				r->addr = mem_reallocarray(r->addr, r->count + 1, sizeof(*r->addr));
				ad = &r->addr[r->count];
				memset(ad, 0, sizeof(*ad));
				ad->family = type == DNS_TYPE_A ? AF_INET : AF_INET6;
				inet_pton(ad->family, tok, ad->bytes);
				snprintf(ad->text, sizeof(ad->text), "%s", tok);
			}
			r->count++;
		}
		mem_free(copy);
	}
	return r->status;
}

static unsigned test_pick_last(unsigned n, unsigned call)
{
	(void) call;
	return n - 1;		/* Fisher-Yates keeps the order */
}

static unsigned test_pick_first(unsigned n, unsigned call)
{
	(void) n;
	(void) call;
	return 0;		/* each swap brings the front one back */
}

static unsigned test_random(void *arg, unsigned n)
{
	struct test_dns *t = arg;
	unsigned k = t->pick(n, t->calls++);

	return k < n ? k : n - 1;
}

static enum dns_route_status test_route_limit(const struct test_answer *answers,
					      unsigned (*pick)(unsigned, unsigned),
					      const char *domain, size_t limit,
					      dns_route_t *route, struct test_dns *t)
{
	dns_route_ops_t ops = { test_lookup, test_random, t, limit };

	memset(t, 0, sizeof(*t));
	t->answers = answers;
	t->pick = pick;
	return dns_route_find(domain, &ops, route);
}

static enum dns_route_status test_route(const struct test_answer *answers,
					unsigned (*pick)(unsigned, unsigned),
					const char *domain, dns_route_t *route,
					struct test_dns *t)
{
	return test_route_limit(answers, pick, domain, 0, route, t);
}

/* The route as "HOST ADDR ADDR|HOST -" words, for comparison. */
static char *test_route_text(const dns_route_t *route)
{
	buf_t b = BUF_INIT;

	for (size_t i = 0; i < route->count; i++) {
		buf_printf(&b, "%s%u:%s", i ? " | " : "", route->host[i].pref,
			   route->host[i].name);
		if (route->host[i].addr_count == 0)
			buf_puts(&b, " -");
		for (size_t j = 0; j < route->host[i].addr_count; j++)
			buf_printf(&b, " %s", route->host[i].addr[j].text);
	}
	return buf_steal(&b);
}

static const struct test_answer test_mx_zone[] = {
	{ "d.example", DNS_TYPE_MX, DNS_FOUND,
	  "20 c.example,10 a.example,30 d2.example,10 b.example,20 a.example" },
	{ "a.example", DNS_TYPE_A, DNS_FOUND, "192.0.2.1 192.0.2.2" },
	{ "a.example", DNS_TYPE_AAAA, DNS_FOUND, "2001:db8::1" },
	{ "b.example", DNS_TYPE_A, DNS_FOUND, "192.0.2.3" },
	{ "b.example", DNS_TYPE_AAAA, DNS_NODATA, NULL },
	{ "c.example", DNS_TYPE_A, DNS_TEMPFAIL, NULL },
	{ "c.example", DNS_TYPE_AAAA, DNS_TEMPFAIL, NULL },
	/* d2.example: NXDOMAIN */
	{ NULL, 0, 0, NULL },
};

static void test_dns_route_mx_order(void)
{
	struct test_dns t;
	dns_route_t route;
	char *text;

	test_begin("dns_route: MX by preference, duplicates once, AAAA first, hosts without address kept");
	test_assert_int(test_route(test_mx_zone, test_pick_last, "d.example", &route, &t),
			DNS_ROUTE_OK);
	test_assert_str(route.dsn, "2.0.0");
	test_assert(route.reason == NULL);
	test_assert(!route.implicit_mx);
	text = test_route_text(&route);
	test_assert_str(text, "10:a.example 2001:db8::1 192.0.2.1 192.0.2.2 | "
			"10:b.example 192.0.2.3 | 20:c.example - | 30:d2.example -");
	mem_free(text);
	test_assert_int(route.host[2].temporary, 1);
	test_assert_str(route.host[2].why, "AAAA: SERVFAIL; A: SERVFAIL");
	test_assert_int(route.host[3].temporary, 0);
	test_assert_str(route.host[3].why, "AAAA: NXDOMAIN; A: NXDOMAIN");
	test_assert(route.host[0].why == NULL && route.host[1].why == NULL);
	/* one MX lookup, two for each of the four hosts */
	test_assert_int(t.lookups, 9);
	dns_route_free(&route);
	test_assert(route.host == NULL && route.count == 0);
	test_end();
}

static void test_dns_route_limit(void)
{
	static const struct { size_t limit; const char *route; unsigned lookups; } cases[] = {
		{ 2, "10:a.example 2001:db8::1 192.0.2.1", 3 },
		{ 3, "10:a.example 2001:db8::1 192.0.2.1 192.0.2.2", 3 },
		{ 4, "10:a.example 2001:db8::1 192.0.2.1 192.0.2.2 | 10:b.example 192.0.2.3", 5 },
		/* short of the limit: every host, those without address too */
		{ 5, "10:a.example 2001:db8::1 192.0.2.1 192.0.2.2 | 10:b.example 192.0.2.3 | "
		     "20:c.example - | 30:d2.example -", 9 },
	};
	struct test_dns t;
	dns_route_t route;

	test_begin("dns_route: smtp_mx_address_limit cuts the route and the lookups");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text;

		test_assert_int(test_route_limit(test_mx_zone, test_pick_last, "d.example",
						 cases[i].limit, &route, &t), DNS_ROUTE_OK);
		text = test_route_text(&route);
		test_assert_str(text, cases[i].route);
		test_assert_int(t.lookups, cases[i].lookups);
		mem_free(text);
		dns_route_free(&route);
	}
	test_end();
}

static void test_dns_route_shuffle(void)
{
	static const struct test_answer zone[] = {
		{ "s.example", DNS_TYPE_MX, DNS_FOUND,
		  "5 z.example,10 p.example,10 q.example,10 r.example,20 y.example" },
		{ "p.example", DNS_TYPE_A, DNS_FOUND, "192.0.2.1" },
		{ "q.example", DNS_TYPE_A, DNS_FOUND, "192.0.2.2" },
		{ "r.example", DNS_TYPE_A, DNS_FOUND, "192.0.2.3" },
		{ "y.example", DNS_TYPE_A, DNS_FOUND, "192.0.2.4" },
		{ "z.example", DNS_TYPE_A, DNS_FOUND, "192.0.2.5" },
		{ NULL, 0, 0, NULL },
	};
	struct test_dns t;
	dns_route_t route;
	char *text;

	test_begin("dns_route: equal preferences in the random order, others stay");
	test_route(zone, test_pick_last, "s.example", &route, &t);
	text = test_route_text(&route);
	test_assert_str(text, "5:z.example 192.0.2.5 | 10:p.example 192.0.2.1 | "
			"10:q.example 192.0.2.2 | 10:r.example 192.0.2.3 | "
			"20:y.example 192.0.2.4");
	/* a run of one asks for no random number; of three, for two */
	test_assert_int(t.calls, 2);
	mem_free(text);
	dns_route_free(&route);

	/* always 0: Fisher-Yates from the end swaps p and r (r q p), then
	 * r and q (q r p) */
	test_route(zone, test_pick_first, "s.example", &route, &t);
	text = test_route_text(&route);
	test_assert_str(text, "5:z.example 192.0.2.5 | 10:q.example 192.0.2.2 | "
			"10:r.example 192.0.2.3 | 10:p.example 192.0.2.1 | "
			"20:y.example 192.0.2.4");
	mem_free(text);
	dns_route_free(&route);
	test_end();
}

static void test_dns_route_implicit(void)
{
	static const struct test_answer zone[] = {
		{ "a.example", DNS_TYPE_MX, DNS_NODATA, NULL },
		{ "a.example", DNS_TYPE_A, DNS_FOUND, "192.0.2.7" },
		{ "a.example", DNS_TYPE_AAAA, DNS_NODATA, NULL },
		{ "n.example", DNS_TYPE_MX, DNS_NODATA, NULL },
		{ "n.example", DNS_TYPE_A, DNS_NODATA, NULL },
		{ "n.example", DNS_TYPE_AAAA, DNS_NODATA, NULL },
		{ "t.example", DNS_TYPE_MX, DNS_NODATA, NULL },
		{ "t.example", DNS_TYPE_A, DNS_TEMPFAIL, NULL },
		{ "t.example", DNS_TYPE_AAAA, DNS_NODATA, NULL },
		{ NULL, 0, 0, NULL },
	};
	struct test_dns t;
	dns_route_t route;
	char *text;

	test_begin("dns_route: no MX: the domain itself; no address: 5.4.4, or 4.4.3 when a lookup failed");
	test_assert_int(test_route(zone, test_pick_last, "a.example", &route, &t),
			DNS_ROUTE_OK);
	test_assert(route.implicit_mx);
	text = test_route_text(&route);
	test_assert_str(text, "0:a.example 192.0.2.7");
	mem_free(text);
	dns_route_free(&route);

	test_assert_int(test_route(zone, test_pick_last, "n.example", &route, &t),
			DNS_ROUTE_PERMANENT);
	test_assert_str(route.dsn, "5.4.4");
	test_assert_str(route.reason, "n.example has no MX record and no address: "
			"AAAA: no record; A: no record");
	dns_route_free(&route);

	test_assert_int(test_route(zone, test_pick_last, "t.example", &route, &t),
			DNS_ROUTE_TEMPORARY);
	test_assert_str(route.dsn, "4.4.3");
	dns_route_free(&route);
	test_end();
}

static void test_dns_route_failures(void)
{
	static const struct test_answer zone[] = {
		{ "null.example", DNS_TYPE_MX, DNS_FOUND, "0 ." },
		{ "null10.example", DNS_TYPE_MX, DNS_FOUND, "10 ." },
		{ "mixed.example", DNS_TYPE_MX, DNS_FOUND, "0 .,10 m.example" },
		{ "m.example", DNS_TYPE_A, DNS_FOUND, "192.0.2.9" },
		{ "sf.example", DNS_TYPE_MX, DNS_TEMPFAIL, NULL },
		{ "gone.example", DNS_TYPE_MX, DNS_FOUND, "10 x.example,20 y.example" },
		{ "half.example", DNS_TYPE_MX, DNS_FOUND, "10 x.example,20 sf.example" },
		{ "sf.example", DNS_TYPE_A, DNS_TEMPFAIL, NULL },
		{ NULL, 0, 0, NULL },
	};
	struct test_dns t;
	dns_route_t route;

	test_begin("dns_route: null MX 5.1.10, NXDOMAIN 5.1.2, SERVFAIL 4.4.3, no host address");
	test_assert_int(test_route(zone, test_pick_last, "null.example", &route, &t),
			DNS_ROUTE_PERMANENT);
	test_assert_str(route.dsn, "5.1.10");
	test_assert_str(route.reason, "null.example accepts no mail: null MX (RFC 7505)");
	test_assert_int(t.lookups, 1);		/* no address lookups */
	dns_route_free(&route);
	test_assert_int(test_route(zone, test_pick_last, "null10.example", &route, &t),
			DNS_ROUTE_PERMANENT);
	test_assert_str(route.dsn, "5.1.10");
	dns_route_free(&route);
	/* "." beside other records (RFC 7505 forbids it) is skipped */
	test_assert_int(test_route(zone, test_pick_last, "mixed.example", &route, &t),
			DNS_ROUTE_OK);
	test_assert_int(route.count, 1);
	test_assert_str(route.host[0].name, "m.example");
	dns_route_free(&route);

	test_assert_int(test_route(zone, test_pick_last, "nx.example", &route, &t),
			DNS_ROUTE_PERMANENT);
	test_assert_str(route.dsn, "5.1.2");
	test_assert_str(route.reason, "nx.example: no such domain (NXDOMAIN)");
	dns_route_free(&route);

	test_assert_int(test_route(zone, test_pick_last, "sf.example", &route, &t),
			DNS_ROUTE_TEMPORARY);
	test_assert_str(route.dsn, "4.4.3");
	test_assert_str(route.reason, "MX lookup of sf.example: SERVFAIL");
	test_assert_int(route.count, 0);
	dns_route_free(&route);

	/* every MX host NXDOMAIN: permanent, each named */
	test_assert_int(test_route(zone, test_pick_last, "gone.example", &route, &t),
			DNS_ROUTE_PERMANENT);
	test_assert_str(route.dsn, "5.4.4");
	test_assert_str(route.reason, "no mail host of gone.example has an address: "
			"x.example (AAAA: NXDOMAIN; A: NXDOMAIN), "
			"y.example (AAAA: NXDOMAIN; A: NXDOMAIN)");
	dns_route_free(&route);
	/* one of them only for now: temporary */
	test_assert_int(test_route(zone, test_pick_last, "half.example", &route, &t),
			DNS_ROUTE_TEMPORARY);
	test_assert_str(route.dsn, "4.4.3");
	dns_route_free(&route);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_dns_route_mx_order, test_dns_route_limit, test_dns_route_shuffle,
		test_dns_route_implicit, test_dns_route_failures, NULL,
	};
	return test_main(tests);
}

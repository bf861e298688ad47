/* test_transport.c - unit tests for lib/transport.c (the route and next-hop
 * syntax) and lib/transport_maps.c (lookups in transport_maps), on maps
 * compiled in a temporary directory.
 */
#include <stdio.h>

#include "../../lib/buf.h"
#include "../../lib/log.h"
#include "../../lib/map.h"
#include "../../lib/mem.h"
#include "../../lib/transport.h"
#include "test.h"
#include "test_map.h"

static const char *test_dir;

static char *test_path(const char *name)
{
	return mem_printf("%s/%s", test_dir, name);
}

static char *make_map(const char *name, const char *text)
{
	return test_map_make(test_dir, name, text);
}

/* text as a next hop: its canonical form, or "ERR" (the reason in
 * *err_r). */
static char *nexthop(const char *text)
{
	transport_nexthop_t nh;
	const char *err;
	char *s;

	if (transport_nexthop_parse(text, &nh, &err) < 0)
		return mem_strdup("ERR");
	s = transport_nexthop_format(&nh);
	transport_nexthop_free(&nh);
	return s;
}

static void check_nexthop(const char *text, const char *want)
{
	char *got = nexthop(text);

	if (strcmp(got, want) != 0)
		printf("  next hop \"%s\":\n", text);
	test_assert_str(got, want);
	mem_free(got);
}

static void test_nexthop_forms(void)
{
	transport_nexthop_t nh;
	const char *err;

	test_begin("next hop: every form, canonical and lower case");
	check_nexthop("[127.0.0.1]:2525", "[127.0.0.1]:2525");
	check_nexthop("[127.0.0.1]", "[127.0.0.1]");
	check_nexthop("[Mail.Example.COM]:587", "[mail.example.com]:587");
	check_nexthop("[mail.example.com]", "[mail.example.com]");
	check_nexthop("Example.Com", "example.com");
	check_nexthop("example.com.", "example.com");
	check_nexthop("mx.example.com:2525", "mx.example.com:2525");
	check_nexthop("localhost:25", "localhost:25");
	check_nexthop("[::1]:2525", "[::1]:2525");
	check_nexthop("[::1]", "[::1]");
	check_nexthop("[0:0::1]", "[::1]");
	check_nexthop("[2001:DB8::A]:25", "[2001:db8::a]:25");
	check_nexthop("[IPv6:::1]:2525", "[::1]:2525");
	check_nexthop("[ipv6:2001:db8::1]", "[2001:db8::1]");
	check_nexthop("mx.example.com:00025", "mx.example.com:25");
	check_nexthop("a:65535", "a:65535");
	check_nexthop("a:1", "a:1");

	test_assert_int(transport_nexthop_parse("[192.0.2.1]:2525", &nh, &err), 0);
	test_assert_str(nh.host, "192.0.2.1");
	test_assert_int(nh.port, 2525);
	test_assert_int(nh.mx, 0);
	transport_nexthop_free(&nh);
	test_assert(nh.host == NULL);
	test_assert_int(transport_nexthop_parse("Relay.Example", &nh, &err), 0);
	test_assert_str(nh.host, "relay.example");
	test_assert_int(nh.port, 0);
	test_assert_int(nh.mx, 1);
	transport_nexthop_free(&nh);
	test_end();
}

static void test_nexthop_bad(void)
{
	static const char *const bad[] = {
		/* ports */
		"host:0", "host:65536", "host:99999", "host:123456", "host:",
		"host:abc", "host:-1", "host:+25", "host:2 5", "[::1]:",
		"[::1]:0", "[127.0.0.1]:70000", "host:25x",
		/* hosts */
		"", "[]", ":25", "[]:25", "a..b", ".example.com", "exa mple.com",
		"exa/mple", "host\n", "[127.0.0.1", "[127.0.0.1]x",
		"[127.0.0.1]25", "127.0.0.1", "127.0.0.1:25", "::1", "2001:db8::1",
		"[fe80::1%eth0]", "[IPv6:1.2.3.4]", "[IPv6:]", "[1.2.3]",
		"example.123", "1.2.3", "[1.2.3.256]", "[::1]]", "[[::1]]",
		"h\xc3\xa9llo.example",
		NULL,
	};
	char *longname;
	buf_t b = BUF_INIT;

	test_begin("next hop: bad ports and hosts refused");
	for (size_t i = 0; bad[i] != NULL; i++) {
		char *got = nexthop(bad[i]);

		if (strcmp(got, "ERR") != 0)
			printf("  \"%s\" taken as %s\n", bad[i], got);
		test_assert_str(got, "ERR");
		mem_free(got);
	}
	/* 64-byte label, 254-byte name */
	for (int i = 0; i < 64; i++)
		buf_putc(&b, 'a');
	buf_puts(&b, ".example");
	longname = nexthop(buf_str(&b));
	test_assert_str(longname, "ERR");
	mem_free(longname);
	buf_reset(&b);
	for (int i = 0; i < 127; i++)
		buf_puts(&b, "a.");
	buf_puts(&b, "ab");
	longname = nexthop(buf_str(&b));
	test_assert_str(longname, "ERR");
	mem_free(longname);
	buf_release(&b);
	test_end();
}

static void test_relayhost(void)
{
	transport_nexthop_t nh;
	const char *err;

	test_begin("relayhost: empty, next-hop forms, no smtp: prefix");
	test_assert_int(transport_relayhost_parse("", &nh, &err), 0);
	test_assert(nh.host == NULL);
	test_assert_int(transport_relayhost_parse("[127.0.0.1]:2525", &nh, &err), 1);
	test_assert_str(nh.host, "127.0.0.1");
	test_assert_int(nh.port, 2525);
	test_assert_int(nh.mx, 0);
	transport_nexthop_free(&nh);
	test_assert_int(transport_relayhost_parse("smtp.example.com", &nh, &err), 1);
	test_assert_int(nh.mx, 1);
	transport_nexthop_free(&nh);
	test_assert_int(transport_relayhost_parse("smtp:[127.0.0.1]", &nh, &err), -1);
	test_assert_int(transport_relayhost_parse("127.0.0.1:2525", &nh, &err), -1);
	test_assert_str(err, "an IP address goes in brackets, as [192.0.2.1]");
	test_end();
}

/* value as a route, formatted canonically, or "ERR". */
static char *route(const char *value)
{
	transport_route_t r;
	const char *err;
	char *s;

	if (transport_route_parse(value, &r, &err) < 0)
		return mem_strdup("ERR");
	s = transport_route_format(&r);
	transport_route_free(&r);
	return s;
}

static void check_route(const char *value, const char *want)
{
	char *got = route(value);

	if (strcmp(got, want) != 0)
		printf("  route \"%s\":\n", value);
	test_assert_str(got, want);
	mem_free(got);
}

static void test_route_forms(void)
{
	transport_route_t r;
	const char *err;

	test_begin("route: smtp, local and error forms");
	check_route("smtp:[127.0.0.1]:2525", "smtp:[127.0.0.1]:2525");
	check_route("smtp:[Relay.Example]", "smtp:[relay.example]");
	check_route("smtp:Example.COM:2525", "smtp:example.com:2525");
	check_route("smtp:example.com", "smtp:example.com");
	check_route("smtp:[::1]:2525", "smtp:[::1]:2525");
	check_route("smtp:", "smtp:");
	check_route("smtp", "smtp:");
	check_route("SMTP:[127.0.0.1]", "smtp:[127.0.0.1]");
	check_route("local", "local");
	check_route("Local:", "local");
	check_route("error:5.1.1 no such user here", "error:5.1.1 no such user here");
	check_route("error:4.7.1 try later", "error:4.7.1 try later");
	check_route("error:mail refused", "error:5.0.0 mail refused");
	check_route("error: 5.7.1  policy", "error:5.7.1 policy");
	check_route("error:5.1.10", "error:5.1.10 delivery refused by the transport map");
	check_route("error:", "error:5.0.0 delivery refused by the transport map");
	check_route("error", "error:5.0.0 delivery refused by the transport map");
	/* not a code: part of the text */
	check_route("error:5.1 nope", "error:5.0.0 5.1 nope");
	check_route("error:5.1.1234 x", "error:5.0.0 5.1.1234 x");
	check_route("error:5.1.1x", "error:5.0.0 5.1.1x");
	check_route("error:550 no", "error:5.0.0 550 no");

	test_assert_int(transport_route_parse("smtp:[127.0.0.1]:25", &r, &err), 0);
	test_assert_int(r.kind, TRANSPORT_SMTP);
	test_assert_str(r.nexthop, "[127.0.0.1]:25");
	test_assert(r.key == NULL);
	transport_route_free(&r);
	test_assert_int(transport_route_parse("smtp:", &r, &err), 0);
	test_assert_int(r.kind, TRANSPORT_SMTP);
	test_assert(r.nexthop == NULL);
	transport_route_free(&r);
	test_assert_int(transport_route_parse("local", &r, &err), 0);
	test_assert_int(r.kind, TRANSPORT_LOCAL);
	transport_route_free(&r);
	test_assert_int(transport_route_parse("error:4.4.1 down for maintenance", &r, &err), 0);
	test_assert_int(r.kind, TRANSPORT_ERROR);
	test_assert_str(r.dsn, "4.4.1");
	test_assert_str(r.text, "down for maintenance");
	test_assert_int(r.temporary, 1);
	transport_route_free(&r);
	test_assert_int(transport_route_parse("error:no", &r, &err), 0);
	test_assert_str(r.dsn, "5.0.0");
	test_assert_str(r.text, "no");
	test_assert_int(r.temporary, 0);
	transport_route_free(&r);
	test_end();
}

static void test_route_bad(void)
{
	static const char *const bad[] = {
		"", "smtp:127.0.0.1", "smtp:[127.0.0.1]:0", "smtp:host:65536",
		"smtp:[::1", "smtp: [::1]", "smtp:host ", "smtpx:host", "smtp;host",
		"local:x", "local:[127.0.0.1]", "relay:[127.0.0.1]", "lmtp:x",
		"error:2.0.0 fine", "error:3.1.1 x", "error:bad\x01text",
		"error:caf\xc3\xa9", " smtp:", "smtp:a..b", "x",
		NULL,
	};
	buf_t longtext = BUF_INIT;
	char *got;

	test_begin("route: bad values refused");
	for (size_t i = 0; bad[i] != NULL; i++) {
		got = route(bad[i]);
		if (strcmp(got, "ERR") != 0)
			printf("  \"%s\" taken as %s\n", bad[i], got);
		test_assert_str(got, "ERR");
		mem_free(got);
	}
	buf_puts(&longtext, "error:5.0.0 ");
	for (int i = 0; i < TRANSPORT_TEXT_MAX; i++)
		buf_putc(&longtext, 'x');
	got = route(buf_str(&longtext));
	test_assert(strcmp(got, "ERR") != 0);
	mem_free(got);
	buf_putc(&longtext, 'x');
	got = route(buf_str(&longtext));
	test_assert_str(got, "ERR");
	mem_free(got);
	buf_release(&longtext);
	test_end();
}

static void test_key_check(void)
{
	const char *err;

	test_begin("transport_maps keys: domain or .domain");
	test_assert_int(transport_key_check("example.com", &err), 0);
	test_assert_int(transport_key_check(".example.com", &err), 0);
	test_assert_int(transport_key_check("localhost", &err), 0);
	test_assert_int(transport_key_check(".", &err), -1);
	test_assert_int(transport_key_check("", &err), -1);
	test_assert_int(transport_key_check("..example.com", &err), -1);
	test_assert_int(transport_key_check("example.com.", &err), -1);
	test_assert_int(transport_key_check("user@example.com", &err), -1);
	test_assert_int(transport_key_check("*", &err), -1);
	test_end();
}

/* domain looked up in m: "KEY ROUTE", "none" or "error". */
static char *lookup(map_t *m, const char *domain)
{
	transport_route_t r;
	char *s, *out;
	int found = transport_lookup(m, domain, &r);

	if (found < 0)
		return mem_strdup("error");
	if (found == 0)
		return mem_strdup("none");
	s = transport_route_format(&r);
	out = mem_printf("%s %s", r.key, s);
	mem_free(s);
	transport_route_free(&r);
	return out;
}

static void check_lookup(map_t *m, const char *domain, const char *want)
{
	char *got = lookup(m, domain);

	if (strcmp(got, want) != 0)
		printf("  lookup \"%s\":\n", domain);
	test_assert_str(got, want);
	mem_free(got);
}

static void test_lookup_order(void)
{
	char *src = make_map("transport",
		"# routes\n"
		"example.com       smtp:[127.0.0.1]:2525\n"
		".example.com      smtp:[127.0.0.2]:2525\n"
		".b.example.com    smtp:b-relay.example:2526\n"
		"Upper.Example     local\n"
		".org              error:5.7.1 no mail to .org\n"
		"bad.example       smtp:127.0.0.1\n");
	char *db = mem_printf("%s.db", src), *err = NULL;
	map_t *m = map_open(db, MAP_RDONLY, &err);

	test_begin("lookup: exact, then .parent from the nearest up");
	test_assert(m != NULL);
	if (m == NULL) {
		printf("  %s\n", err);
		test_end();
		return;
	}
	check_lookup(m, "example.com", "example.com smtp:[127.0.0.1]:2525");
	check_lookup(m, "a.example.com", ".example.com smtp:[127.0.0.2]:2525");
	check_lookup(m, "x.y.z.example.com", ".example.com smtp:[127.0.0.2]:2525");
	check_lookup(m, "b.example.com", ".example.com smtp:[127.0.0.2]:2525");
	check_lookup(m, "a.b.example.com", ".b.example.com smtp:b-relay.example:2526");
	check_lookup(m, "c.a.b.example.com", ".b.example.com smtp:b-relay.example:2526");
	/* case folding of the keys and of the domain */
	check_lookup(m, "EXAMPLE.com", "example.com smtp:[127.0.0.1]:2525");
	check_lookup(m, "upper.example", "upper.example local");
	check_lookup(m, "UPPER.EXAMPLE", "upper.example local");
	check_lookup(m, "example.com.", "example.com smtp:[127.0.0.1]:2525");
	/* .org matches subdomains only, at any depth */
	check_lookup(m, "org", "none");
	check_lookup(m, "x.org", ".org error:5.7.1 no mail to .org");
	check_lookup(m, "a.b.x.org", ".org error:5.7.1 no mail to .org");
	/* no match */
	check_lookup(m, "example.net", "none");
	check_lookup(m, "notexample.com", "none");
	check_lookup(m, "com", "none");
	check_lookup(m, "sub.upper.example", "none");
	check_lookup(m, "[127.0.0.1]", "none");
	check_lookup(m, "", "none");
	/* a value that does not parse is an error, not "none" */
	check_lookup(m, "bad.example", "error");
	map_close(&m);
	mem_free(db);
	mem_free(src);
	test_end();
}

static void test_maps_list(void)
{
	char *first = make_map("t1", ".example.com smtp:[127.0.0.1]:1\n"
				     "only1.example smtp:[127.0.0.1]:3\n");
	char *second = make_map("t2", "a.example.com smtp:[127.0.0.1]:2\n"
				      "only1.example local\n");
	char *missing = test_path("absent");
	char *files[] = { first, second, missing, NULL };
	transport_maps_t *t;
	transport_route_t r;
	char *err = NULL;

	test_begin("transport_maps: each key in every map before the next key");
	t = transport_maps_open(files, &err);
	test_assert(t != NULL);
	if (t == NULL) {
		printf("  %s\n", err);
		test_end();
		return;
	}
	/* the exact key in the second map beats the parent in the first */
	test_assert_int(transport_maps_lookup(t, "a.example.com", &r), 1);
	test_assert_str(r.nexthop, "[127.0.0.1]:2");
	test_assert_str(r.key, "a.example.com");
	transport_route_free(&r);
	test_assert_int(transport_maps_lookup(t, "b.example.com", &r), 1);
	test_assert_str(r.nexthop, "[127.0.0.1]:1");
	test_assert_str(r.key, ".example.com");
	transport_route_free(&r);
	/* the same key in both: the first map's */
	test_assert_int(transport_maps_lookup(t, "only1.example", &r), 1);
	test_assert_int(r.kind, TRANSPORT_SMTP);
	transport_route_free(&r);
	test_assert_int(transport_maps_lookup(t, "example.org", &r), 0);
	transport_maps_free(&t);
	test_assert(t == NULL);
	transport_maps_free(&t);
	/* transport_maps = (empty): no routes at all */
	t = transport_maps_open(&files[3], &err);
	test_assert(t != NULL);
	if (t != NULL)
		test_assert_int(transport_maps_lookup(t, "a.example.com", &r), 0);
	transport_maps_free(&t);
	mem_free(first);
	mem_free(second);
	mem_free(missing);
	test_end();
}

static void test_maps_reopen(void)
{
	char *src = make_map("reopen", "example.com smtp:[127.0.0.1]:2525\n");
	char *files[] = { src, NULL };
	char *db = mem_printf("%s.db", src), *err = NULL;
	transport_maps_t *t;
	transport_route_t r;

	test_begin("transport_maps: a recompiled or removed map is reopened");
	t = transport_maps_open(files, &err);
	test_assert(t != NULL);
	if (t == NULL) {
		printf("  %s\n", err);
		test_end();
		return;
	}
	test_assert_int(transport_maps_lookup(t, "example.com", &r), 1);
	test_assert_str(r.nexthop, "[127.0.0.1]:2525");
	transport_route_free(&r);
	mem_free(make_map("reopen", "example.com smtp:[127.0.0.1]:2526\n"
				    "example.net local\n"));
	test_assert_int(transport_maps_lookup(t, "example.com", &r), 1);
	test_assert_str(r.nexthop, "[127.0.0.1]:2526");
	transport_route_free(&r);
	test_assert_int(transport_maps_lookup(t, "example.net", &r), 1);
	test_assert_int(r.kind, TRANSPORT_LOCAL);
	transport_route_free(&r);
	unlink(db);
	test_assert_int(transport_maps_lookup(t, "example.com", &r), 0);
	/* a database that is there and cannot be read is an error */
	mem_free(make_map("reopen", "example.com local\n"));
	test_assert(truncate(db, 10) == 0);
	test_assert_int(transport_maps_lookup(t, "example.com", &r), -1);
	transport_maps_free(&t);
	test_assert(transport_maps_open(files, &err) == NULL);
	test_assert(err != NULL);
	mem_free(err);
	mem_free(db);
	mem_free(src);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_nexthop_forms, test_nexthop_bad, test_relayhost,
		test_route_forms, test_route_bad, test_key_check,
		test_lookup_order, test_maps_list, test_maps_reopen,
		NULL,
	};

	test_dir = test_tmpdir();
	/* Bad values in the maps are logged: expected here. */
	log_set_dest(LOG_DEST_FILE, "/dev/null");
	return test_main(tests);
}

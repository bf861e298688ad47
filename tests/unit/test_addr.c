/* test_addr.c - unit tests for lib/addr.c (RFC 5321 paths). */
#include "../../lib/addr.h"
#include "test.h"

static int parse(const char *s, int flags, buf_t *out, addr_info_t *info,
		 const char **end)
{
	const char *err = NULL;

	return addr_parse_path(s, flags, out, info, end, &err);
}

static void test_addr_plain(void)
{
	buf_t a = BUF_INIT;
	addr_info_t info;
	const char *end;

	test_begin("addr: plain, null, postmaster");
	test_assert_int(parse("<Joe.User@Example.ORG> SIZE=10", 0, &a, &info, &end), 0);
	test_assert_str(buf_str(&a), "Joe.User@Example.ORG");
	test_assert_str(end, " SIZE=10");
	test_assert_int(info.at, 8);
	test_assert(!info.quoted && !info.null && !info.route_hack);
	test_assert_int(parse("<>", ADDR_ALLOW_NULL, &a, &info, &end), 0);
	test_assert(info.null && a.len == 0);
	test_assert_int(parse("<>", 0, &a, &info, &end), -1);
	test_assert_int(parse("<postmaster>", ADDR_ALLOW_NODOMAIN, &a, &info, &end), 0);
	test_assert_str(buf_str(&a), "postmaster");
	test_assert_int(parse("<postmaster>", 0, &a, &info, &end), -1);
	test_assert_int(parse("<a@[127.0.0.1]>", 0, &a, &info, &end), 0);
	test_assert_str(buf_str(&a), "a@[127.0.0.1]");
	buf_release(&a);
	test_end();
}

static void test_addr_quoting(void)
{
	buf_t a = BUF_INIT;
	addr_info_t info;
	const char *end;

	test_begin("addr: quoted local parts are canonicalised");
	test_assert_int(parse("<\"joe\"@x.org>", 0, &a, &info, &end), 0);
	test_assert_str(buf_str(&a), "joe@x.org");
	test_assert(!info.quoted);
	test_assert_int(parse("<\"a b@c\"@x.org>", 0, &a, &info, &end), 0);
	test_assert_str(buf_str(&a), "\"a b@c\"@x.org");
	test_assert(info.quoted);
	test_assert_int(addr_at(buf_str(&a)), 7);
	test_assert_str(addr_domain(buf_str(&a)), "x.org");
	{
		buf_t l = BUF_INIT;

		addr_local_unquoted(buf_str(&a), &l);
		test_assert_str(buf_str(&l), "a b@c");
		buf_release(&l);
	}
	test_assert_int(parse("<\"q\\\"x\"@x>", 0, &a, &info, &end), 0);
	test_assert_str(buf_str(&a), "\"q\\\"x\"@x");
	buf_release(&a);
	test_end();
}

static void test_addr_routes(void)
{
	buf_t a = BUF_INIT;
	addr_info_t info;
	const char *end;

	test_begin("addr: source routes dropped, % and ! flagged");
	test_assert_int(parse("<@relay.example,@b.example:user@x.org>", 0, &a, &info, &end), 0);
	test_assert_str(buf_str(&a), "user@x.org");
	test_assert_int(parse("<user%other.org@x.org>", 0, &a, &info, &end), 0);
	test_assert(info.route_hack);
	test_assert_int(parse("<host!user@x.org>", 0, &a, &info, &end), 0);
	test_assert(info.route_hack);
	buf_release(&a);
	test_end();
}

static void test_addr_bad(void)
{
	static const char *const bad[] = {
		"user@x.org", "<user@x.org", "<user@@x.org>", "<a..b@x>",
		"<.a@x>", "<a@-x.org>", "<a@x-.org>", "<a@x..org>", "<a b@x>",
		"<a@x> ", "<\"unterminated@x>", "<a@[]>", "<a@x>junk",
		"<\xc3\xa9@x.org>", "<a\x01@x>", "<@x:>", "<@x,y:a@b>",
	};
	buf_t a = BUF_INIT;
	const char *end;
	char big[400];

	test_begin("addr: malformed paths refused");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse(bad[i], 0, &a, NULL, &end);

		/* "<a@x> " parses; the trailing space is the caller's. */
		if (strcmp(bad[i], "<a@x> ") == 0 || strcmp(bad[i], "<a@x>junk") == 0)
			test_assert(r == 0 && *end != '\0');
		else if (r != -1)
			{ printf("  accepted: %s\n", bad[i]); test_assert(r == -1); }
	}
	memset(big, 'a', sizeof(big));
	big[0] = '<';
	memcpy(big + 70, "@x.org>", 8);
	test_assert_int(parse(big, 0, &a, NULL, &end), -1);	/* local part > 64 */
	test_assert_int(parse("<\xc3\xa9@x.org>", ADDR_ALLOW_UTF8, &a, NULL, &end), 0);
	buf_release(&a);
	test_end();
}

static void test_addr_helpers(void)
{
	buf_t b = BUF_INIT;
	char s[] = "MiXeD@Example.Org";
	char *list[] = { "example.org", "localhost", NULL };

	test_begin("addr: lower, extension, domain comparison");
	addr_lower(s);
	test_assert_str(s, "mixed@example.org");
	addr_strip_extension("user+tag+more", "+", &b);
	test_assert_str(buf_str(&b), "user");
	addr_strip_extension("user-tag", "+-", &b);
	test_assert_str(buf_str(&b), "user");
	addr_strip_extension("+tag", "+", &b);
	test_assert_str(buf_str(&b), "+tag");
	addr_strip_extension("plain", "", &b);
	test_assert_str(buf_str(&b), "plain");
	test_assert(addr_domain_eq("Example.ORG.", "example.org"));
	test_assert(!addr_domain_eq("example.org", "example.or"));
	test_assert(addr_domain_in("LOCALHOST", list));
	test_assert(!addr_domain_in("other.org", list));
	buf_reset(&b);
	addr_quote_local("a.b", 3, &b);
	test_assert_str(buf_str(&b), "a.b");
	buf_reset(&b);
	addr_quote_local("a..b", 4, &b);
	test_assert_str(buf_str(&b), "\"a..b\"");
	buf_release(&b);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_addr_plain, test_addr_quoting, test_addr_routes,
		test_addr_bad, test_addr_helpers, NULL,
	};
	return test_main(tests);
}

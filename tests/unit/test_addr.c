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

static void test_addr_utf8(void)
{
	/* Each is refused with ADDR_ALLOW_UTF8: not UTF-8, or a C1 control
	 * (which a terminal reading the log would obey). */
	static const char *const bad[] = {
		"<a\x9b" "2J@x.org>",		/* a raw C1 octet */
		"<a\xc2\x9b" "2J@x.org>",	/* U+009B, CSI, as UTF-8 */
		"<a\xc2\x80@x.org>",		/* U+0080 */
		"<a@x\xc2\x85.org>",		/* U+0085 in the domain */
		"<@x\xc2\x9b:a@x.org>",		/* in the dropped source route */
		"<\"a\xc2\x9b\"@x.org>",		/* in a quoted local part */
		"<\xc3\x28@x.org>",		/* a lead without continuation */
		"<\xa9@x.org>",			/* a lone continuation */
		"<\xc0\xaf@x.org>",		/* overlong "/" */
		"<\xe0\x80\xaf@x.org>",		/* overlong, three octets */
		"<\xed\xa0\x80@x.org>",		/* a surrogate, U+D800 */
		"<\xf4\x90\x80\x80@x.org>",	/* past U+10FFFF */
		"<\xf5\x80\x80\x80@x.org>",
		"<\xe2\x82@x.org>",		/* cut short */
		"<a@x.org\xc3>",
	};
	static const char *const good[] = {
		"<\xc3\xa9@x.org>",		/* U+00E9 */
		"<\xc2\xa0" "a@x.org>",		/* U+00A0, first past C1 */
		"<\xe2\x82\xac@x.org>",		/* U+20AC */
		"<\xf0\x9f\x93\xa7@\xc3\xa9.org>",	/* U+1F4E7, IDN */
		"<\xf4\x8f\xbf\xbf@x.org>",	/* U+10FFFF */
	};
	buf_t a = BUF_INIT;
	const char *end;

	test_begin("addr: UTF-8 must be well-formed, without C1 controls");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], ADDR_ALLOW_UTF8, &a, NULL, &end) != -1) {
			printf("  accepted: bad[%zu]\n", i);
			test_case_failed = 1;
		}
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (parse(good[i], ADDR_ALLOW_UTF8, &a, NULL, &end) != 0 ||
		    *end != '\0') {
			printf("  refused: good[%zu]\n", i);
			test_case_failed = 1;
		}
	}
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
		test_addr_bad, test_addr_utf8, test_addr_helpers, NULL,
	};
	return test_main(tests);
}

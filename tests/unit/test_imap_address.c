/* test_imap_address.c - unit tests for imap_address: RFC 5322 address
 * lists as IMAP address structures, exact output strings. */
#include "test.h"

#include "imap_address.h"
#include "imap_quote.h"

static const char *addrs(const char *v, int flags)
{
	static buf_t out;
	imap_address_t *a;
	unsigned int n = imap_address_parse(v, strlen(v), &a);

	buf_reset(&out);
	imap_address_write(&out, a, n, flags);
	imap_address_free(&a, n);
	test_assert(a == NULL);
	return buf_str(&out);
}

static void test_plain(void)
{
	test_begin("plain, named, quoted, commented addresses");
	test_assert_str(addrs("", 0), "NIL");
	test_assert_str(addrs("  (only a comment) ", 0), "NIL");
	test_assert_str(addrs("joe@example.org", 0), "((NIL NIL \"joe\" \"example.org\"))");
	test_assert_str(addrs("Joe Q. Public <john.q.public@example.com>", 0),
			"((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\"))");
	test_assert_str(addrs("\"Doe, \\\"Jane\\\"\" <jane@x.y>, bob@z", 0),
			"((\"Doe, \\\"Jane\\\"\" NIL \"jane\" \"x.y\")"
			"(NIL NIL \"bob\" \"z\"))");
	test_assert_str(addrs("mary@x.test (Mary Smith), <a@b> (not next), c@d", 0),
			"((\"Mary Smith\" NIL \"mary\" \"x.test\")"
			"(NIL NIL \"a\" \"b\")(NIL NIL \"c\" \"d\"))");
	test_assert_str(addrs("\"john doe\"@example.com", 0),
			"((NIL NIL \"john doe\" \"example.com\"))");
	test_assert_str(addrs("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", 0),
			"((\"Pete\" NIL \"pete\" \"silly.test\"))");
	test_assert_str(addrs("a@[192.0.2.1], b @ c . d", 0),
			"((NIL NIL \"a\" \"[192.0.2.1]\")(NIL NIL \"b\" \"c.d\"))");
	test_end();
}

static void test_groups(void)
{
	test_begin("groups as RFC 3501 group markers");
	test_assert_str(addrs("undisclosed-recipients:;", 0),
			"((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL))");
	test_assert_str(addrs("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>; x@y", 0),
			"((NIL NIL \"A Group\" NIL)"
			"(\"Ed Jones\" NIL \"c\" \"a.test\")"
			"(NIL NIL \"joe\" \"where.test\")"
			"(\"John\" NIL \"jdoe\" \"one.test\")"
			"(NIL NIL NIL NIL)"
			"(NIL NIL \"x\" \"y\"))");
	test_assert_str(addrs("group:;, group2: (foo) ;", 0),
			"((NIL NIL \"group\" NIL)(NIL NIL NIL NIL)"
			"(NIL NIL \"group2\" NIL)(NIL NIL NIL NIL))");
	/* left open: closed at the end; nested ':' ignored */
	test_assert_str(addrs("g: a@b, h: c@d", 0),
			"((NIL NIL \"g\" NIL)(NIL NIL \"a\" \"b\")(NIL NIL \"c\" \"d\")"
			"(NIL NIL NIL NIL))");
	test_end();
}

static void test_odd(void)
{
	test_begin("routes, missing parts, 8-bit, unterminated");
	test_assert_str(addrs("<@a.test,@b.test:joe@c.test>", 0),
			"((NIL \"@a.test,@b.test\" \"joe\" \"c.test\"))");
	test_assert_str(addrs("Undisclosed recipients", 0),
			"((\"Undisclosed recipients\" NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\"))");
	test_assert_str(addrs("Name <user>, <>, Other <@host>, Third <\"\"@host>", 0),
			"((\"Name\" NIL \"user\" \"MISSING_DOMAIN\")"
			"(NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")"
			"(\"Other\" \"@host\" \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")"
			"(\"Third\" NIL \"\" \"host\"))");
	test_assert_str(addrs("=?utf-8?q?J=C3=B6rg?= <j@x>", 0),
			"((\"=?utf-8?q?J=C3=B6rg?=\" NIL \"j\" \"x\"))");
	test_assert_str(addrs("J\xc3\xb6rg <j@x>", 0),
			"(({5}\r\nJ\xc3\xb6rg NIL \"j\" \"x\"))");
	test_assert_str(addrs("J\xc3\xb6rg <j@x>", IMAP_QUOTE_UTF8),
			"((\"J\xc3\xb6rg\" NIL \"j\" \"x\"))");
	test_assert_str(addrs("\"unterminated <a@b>", 0),
			"((\"unterminated <a@b>\" NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\"))");
	test_assert_str(addrs("Joe <joe@x", 0), "((\"Joe\" NIL \"joe\" \"x\"))");
	test_assert_str(addrs("a@b c@d", 0), "((NIL NIL \"a\" \"b\")(NIL NIL \"c\" \"d\"))");
	test_assert_str(addrs("Folded\r\n Name <f@x>,\r\n\tg@y", 0),
			"((\"Folded Name\" NIL \"f\" \"x\")(NIL NIL \"g\" \"y\"))");
	test_assert_str(addrs(">;,:@", 0), "((NIL NIL \"\" NIL)(NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")"
			"(NIL NIL NIL NIL))");
	test_end();
}

static void test_limit(void)
{
	buf_t v = BUF_INIT;
	imap_address_t *a;
	unsigned int n;

	test_begin("IMAP_ADDRESS_MAX, group end kept");
	buf_puts(&v, "g:");
	for (int i = 0; i < IMAP_ADDRESS_MAX + 5; i++)
		buf_puts(&v, "a@b,");
	n = imap_address_parse(v.data, v.len, &a);
	test_assert_int(n, IMAP_ADDRESS_MAX);
	test_assert(a[n - 1].mailbox == NULL && a[n - 1].host == NULL);
	test_assert_str(a[0].mailbox, "g");
	test_assert(a[0].host == NULL);
	imap_address_free(&a, n);
	buf_release(&v);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_plain, test_groups, test_odd, test_limit, NULL
	};

	return test_main(tests);
}

/* test_imap_utf7.c - unit tests for lib/imap_utf7.c: modified UTF-7
 * mailbox names (RFC 3501 §5.1.3) to and from UTF-8, the RFC's example,
 * surrogate pairs, and every kind of non-canonical input refused.
 */
#include <string.h>

#include "../../lib/buf.h"
#include "../../lib/imap_utf7.h"
#include "test.h"

static const char *dec(const char *s)
{
	static buf_t out = BUF_INIT;

	buf_set(&out, "x");
	if (imap_utf7_to_utf8(s, strlen(s), &out) < 0)
		return strcmp(buf_str(&out), "x") == 0 ? "(bad)" : "(bad, out changed)";
	return buf_str(&out) + 1;
}

static const char *enc(const char *s)
{
	static buf_t out = BUF_INIT;

	buf_set(&out, "x");
	if (imap_utf8_to_utf7(s, strlen(s), &out) < 0)
		return strcmp(buf_str(&out), "x") == 0 ? "(bad)" : "(bad, out changed)";
	return buf_str(&out) + 1;
}

static void test_imap_utf7_good(void)
{
	static const char *const pairs[][2] = {
		{ "", "" },
		{ "INBOX", "INBOX" },
		{ "~peter/mail/&U,BTFw-/&ZeVnLIqe-",
		  "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" },
		{ "&-", "&" },
		{ "A&-B&-&-", "A&B&&" },
		{ "Entw&APw-rfe", "Entw\xc3\xbc" "rfe" },
		{ "&AOQA9gD8-", "\xc3\xa4\xc3\xb6\xc3\xbc" },
		{ "&AOQ-&-", "\xc3\xa4&" },
		{ "&2D3eAA-", "\xf0\x9f\x98\x80" },
		{ "a&2D3eAADY2D3eAA-b", "a\xf0\x9f\x98\x80\xc3\x98\xf0\x9f\x98\x80" "b" },
		{ "&AAE-", "\x01" },
		{ "Hi Mom -&Jjo--!", "Hi Mom -\xe2\x98\xba-!" },
		{ NULL, NULL },
	};

	test_begin("imap_utf7: decode and encode, both ways");
	for (size_t i = 0; pairs[i][0] != NULL; i++) {
		test_assert_str(dec(pairs[i][0]), pairs[i][1]);
		test_assert_str(enc(pairs[i][1]), pairs[i][0]);
	}
	test_end();
}

static void test_imap_utf7_bad(void)
{
	static const char *const bad[] = {
		"&", "&AOQ", "a&", "&&-", "&x", "&AGE-", "&ACY-", "&AC0-",
		"&AOQ-&APY-", "&AO-", "&AOQA-", "&AOR-", "&AOQA9gD-", "&2D0-",
		"&3gA-", "&2D3YPQ-", "&3gDYPQ-", "&U/BTFw-", "&U=BTFw-", "&AAA-",
		"a\tb", "a\x7f", "\xc3\xa4", "&AOQ -", NULL,
	};

	test_begin("imap_utf7: non-canonical or invalid input refused");
	for (size_t i = 0; bad[i] != NULL; i++) {
		test_assert_str(dec(bad[i]), "(bad)");
		if (strcmp(dec(bad[i]), "(bad)") != 0)
			printf("  accepted \"%s\"\n", bad[i]);
	}
	test_assert_str(enc("\xff"), "(bad)");
	test_assert_str(enc("a\xc0\xaf"), "(bad)");
	test_assert_str(enc("\xed\xa0\x80"), "(bad)");
	test_assert_str(enc("\xc3"), "(bad)");
	{
		buf_t out = BUF_INIT;

		test_assert_int(imap_utf8_to_utf7("a\0b", 3, &out), -1);
		test_assert_int(out.len, 0);
		test_assert_int(imap_utf7_to_utf8("a\0b", 3, &out), -1);
		buf_release(&out);
	}
	test_end();
}

static void test_imap_utf7_long(void)
{
	buf_t name = BUF_INIT, wire = BUF_INIT, back = BUF_INIT;

	test_begin("imap_utf7: a long shift stays one shift");
	for (int i = 0; i < 200; i++)
		buf_puts(&name, i % 3 ? "\xc3\xa4" : "\xf0\x9f\x98\x80");
	test_assert_int(imap_utf8_to_utf7(name.data, name.len, &wire), 0);
	test_assert(wire.data[0] == '&' && strchr(wire.data + 1, '&') == NULL);
	test_assert(wire.data[wire.len - 1] == '-' && strchr(wire.data, '-') == wire.data + wire.len - 1);
	test_assert_int(imap_utf7_to_utf8(wire.data, wire.len, &back), 0);
	test_assert(back.len == name.len && memcmp(back.data, name.data, name.len) == 0);
	buf_release(&name);
	buf_release(&wire);
	buf_release(&back);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_imap_utf7_good,
		test_imap_utf7_bad,
		test_imap_utf7_long,
		NULL,
	};

	return test_main(tests);
}

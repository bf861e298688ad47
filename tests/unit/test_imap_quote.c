/* test_imap_quote.c - unit tests for imap_quote (RFC 3501 strings). */
#include "test.h"

#include "imap_quote.h"

static buf_t out;

static const char *q(const char *s, size_t len, int flags)
{
	buf_reset(&out);
	imap_quote_string(&out, s, len, flags);
	return buf_str(&out);
}

static void test_quoted(void)
{
	test_begin("quoted strings");
	test_assert_str(q("", 0, 0), "\"\"");
	test_assert_str(q("hello world", 11, 0), "\"hello world\"");
	test_assert_str(q("a\"b\\c", 5, 0), "\"a\\\"b\\\\c\"");
	test_assert_str(q("\\", 1, 0), "\"\\\\\"");
	test_assert_str(q("tab\there", 8, 0), "\"tab\there\"");
	test_assert_str(q("(){}%*]", 7, 0), "\"(){}%*]\"");
	test_end();
}

static void test_literal(void)
{
	test_begin("literals forced by CR, LF, NUL and 8-bit");
	test_assert_str(q("a\r\nb", 4, 0), "{4}\r\na\r\nb");
	test_assert_str(q("a\nb", 3, 0), "{3}\r\na\nb");
	test_assert_str(q("a\rb", 3, 0), "{3}\r\na\rb");
	test_assert_str(q("caf\xc3\xa9", 5, 0), "{5}\r\ncaf\xc3\xa9");
	test_assert_str(q("caf\xc3\xa9", 5, IMAP_QUOTE_UTF8), "\"caf\xc3\xa9\"");
	test_assert_str(q("x\"\r", 3, IMAP_QUOTE_UTF8), "{3}\r\nx\"\r");
	buf_reset(&out);
	imap_quote_string(&out, "a\0b", 3, IMAP_QUOTE_UTF8);
	test_assert_int(out.len, 8);
	test_assert(memcmp(out.data, "{3}\r\na\x80" "b", 8) == 0);
	buf_reset(&out);
	imap_quote_literal(&out, "plain", 5);
	test_assert_str(buf_str(&out), "{5}\r\nplain");
	test_end();
}

static void test_nstring(void)
{
	test_begin("nstring");
	buf_reset(&out);
	imap_quote_nstring(&out, NULL, 0, 0);
	buf_putc(&out, ' ');
	imap_quote_nstr(&out, NULL, 0);
	buf_putc(&out, ' ');
	imap_quote_nstr(&out, "NIL", 0);
	buf_putc(&out, ' ');
	imap_quote_nstring(&out, "", 0, 0);
	test_assert_str(buf_str(&out), "NIL NIL \"NIL\" \"\"");
	test_end();
}

static void test_astring(void)
{
	test_begin("astring");
	buf_reset(&out);
	imap_quote_astring(&out, "INBOX", 5, 0);
	buf_putc(&out, ' ');
	imap_quote_astring(&out, "a]b", 3, 0);
	buf_putc(&out, ' ');
	imap_quote_astring(&out, "", 0, 0);
	buf_putc(&out, ' ');
	imap_quote_astring(&out, "two words", 9, 0);
	buf_putc(&out, ' ');
	imap_quote_astring(&out, "a%", 2, 0);
	buf_putc(&out, ' ');
	imap_quote_astring(&out, "a{", 2, 0);
	buf_putc(&out, ' ');
	imap_quote_astring(&out, "x\x7f", 2, 0);
	buf_putc(&out, ' ');
	imap_quote_astring(&out, "\xc3\xa9", 2, 0);
	test_assert_str(buf_str(&out),
			"INBOX a]b \"\" \"two words\" \"a%\" \"a{\" \"x\x7f\" {2}\r\n\xc3\xa9");
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_quoted, test_literal, test_nstring, test_astring, NULL
	};
	int r = test_main(tests);

	buf_release(&out);
	return r;
}

/* test_imap_bodystructure.c - unit tests for imap_bodystructure: exact
 * BODY and BODYSTRUCTURE strings. */
#include "test.h"

#include "imap_bodystructure.h"
#include "imap_quote.h"
#include "mime_test_msgs.h"

static const char *bs(const char *msg, int extended, int flags)
{
	static buf_t out;
	mime_part_t *root = mime_parse(msg, strlen(msg));

	buf_reset(&out);
	imap_bodystructure_write(&out, msg, root, extended, flags);
	mime_part_free(&root);
	return buf_str(&out);
}

#define CAROL "((\"Carol\" NIL \"carol\" \"example.com\"))"

static void test_nested(void)
{
	test_begin("nested: multipart in message/rfc822 in multipart/mixed");
	test_assert_str(bs(mime_test_nested, 1, 0),
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 0 NIL NIL NIL NIL)"
		"(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 263 "
		"(NIL \"inner\" " CAROL " " CAROL " " CAROL " NIL NIL NIL NIL NIL) "
		"((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 2 0 NIL NIL NIL NIL)"
		"(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"quoted-printable\" 11 1 NIL NIL NIL NIL) "
		"\"alternative\" (\"boundary\" \"inner\") NIL NIL NIL) 14 NIL NIL NIL NIL)"
		"(\"application\" \"pdf\" (\"name\" \"a b.pdf\") \"<pdf@x>\" \"A file\" \"base64\" 4 "
		"\"Q2hlY2sgSW50ZWdyaXR5IQ==\" (\"attachment\" (\"filename\" \"a b.pdf\")) "
		"(\"en\" \"de\") \"http://x/a.pdf\") "
		"\"mixed\" (\"boundary\" \"outer\") NIL NIL NIL)");
	test_assert_str(bs(mime_test_nested, 0, 0),
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 0)"
		"(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 263 "
		"(NIL \"inner\" " CAROL " " CAROL " " CAROL " NIL NIL NIL NIL NIL) "
		"((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 2 0)"
		"(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"quoted-printable\" 11 1) \"alternative\") 14)"
		"(\"application\" \"pdf\" (\"name\" \"a b.pdf\") \"<pdf@x>\" \"A file\" \"base64\" 4) "
		"\"mixed\")");
	test_end();
}

static void test_epilogues(void)
{
	test_begin("preambles and epilogues, folded boundary (as Dovecot)");
	test_assert_str(bs(mime_test_epilogues, 1, 0),
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 7 1 NIL NIL NIL NIL)"
		"(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 115 "
		"(NIL \"inner\" NIL NIL NIL NIL NIL NIL NIL NIL) "
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0 NIL NIL NIL NIL) "
		"\"related\" (\"boundary\" \"in\") NIL NIL NIL) 9 NIL NIL NIL NIL) "
		"\"mixed\" (\"boundary\" \"two words\") NIL NIL NIL)");
	test_end();
}

static void test_single(void)
{
	test_begin("single parts: default, case kept, one language, 8-bit");
	test_assert_str(bs("Subject: x\n\nhello\nworld\n", 1, 0),
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 14 2 NIL NIL NIL NIL)");
	test_assert_str(bs("Content-Type: TEXT/Plain; CHARSET=UTF-8\n"
			   "Content-Language: fr\nContent-Transfer-Encoding: 8BIT\n"
			   "Content-Disposition: inline\n\n\xc3\xa9t\xc3\xa9", 1, 0),
		"(\"TEXT\" \"Plain\" (\"CHARSET\" \"UTF-8\") NIL NIL \"8BIT\" 5 0 NIL "
		"(\"inline\" NIL) (\"fr\") NIL)");
	/* a text part without charset: us-ascii shown last, as Dovecot */
	test_assert_str(bs("Content-Type: text/html; format=flowed\n\nx\ny", 1, 0),
		"(\"text\" \"html\" (\"format\" \"flowed\" \"charset\" \"us-ascii\") NIL NIL "
		"\"7bit\" 4 1 NIL NIL NIL NIL)");
	test_assert_str(bs("Content-Type: image/png; name=\"\xc3\xa9.png\"\n\nPNG", 1, 0),
		"(\"image\" \"png\" (\"name\" {6}\r\n\xc3\xa9.png) NIL NIL \"7bit\" 3 NIL NIL NIL NIL)");
	test_assert_str(bs("Content-Type: image/png; name=\"\xc3\xa9.png\"\n\nPNG", 0,
			   IMAP_QUOTE_UTF8),
		"(\"image\" \"png\" (\"name\" \"\xc3\xa9.png\") NIL NIL \"7bit\" 3)");
	test_assert_str(bs("Content-Description: two\r lines\n\n", 0, 0),
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL \"two lines\" \"7bit\" 0 0)");
	test_end();
}

static void test_digest(void)
{
	test_begin("digest, empty enclosed message, top-level message/rfc822");
	test_assert_str(bs(mime_test_digest, 0, 0),
		"((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 32 "
		"(NIL \"one\" ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\")) "
		"NIL NIL NIL NIL NIL) "
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 0) 3)"
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 0)"
		"(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 0 "
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) "
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) 0) \"digest\")");
	test_assert_str(bs("Content-Type: Message/RFC822\n\nSubject: s\n\nb", 0, 0),
		"(\"Message\" \"RFC822\" NIL NIL NIL \"7bit\" 15 "
		"(NIL \"s\" NIL NIL NIL NIL NIL NIL NIL NIL) "
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0) 2)");
	test_end();
}

static void test_broken(void)
{
	buf_t m = BUF_INIT;
	const char *s;
	size_t opens = 0, closes = 0;

	test_begin("multipart without parts, opaque parts past the depth limit");
	test_assert_str(bs("Content-Type: multipart/mixed; boundary=z\n\nno parts\n", 1, 0),
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL) "
		"\"mixed\" (\"boundary\" \"z\") NIL NIL NIL)");
	test_assert_str(bs("Content-Type: multipart/related\n\nx", 0, 0),
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"related\")");
	for (int i = 0; i < MIME_MAX_DEPTH + 1; i++)
		buf_puts(&m, "Content-Type: message/rfc822\n\n");
	buf_puts(&m, "x");
	s = bs(m.data, 0, 0);
	test_assert(strstr(s, "(\"application\" \"octet-stream\" NIL NIL NIL \"7bit\" 1)") != NULL);
	for (; *s != '\0'; s++) {
		opens += *s == '(';
		closes += *s == ')';
	}
	test_assert_int(opens, closes);
	buf_release(&m);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_nested, test_epilogues, test_single, test_digest, test_broken, NULL
	};

	return test_main(tests);
}

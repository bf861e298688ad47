/* test_imap_envelope.c - unit tests for imap_envelope: exact ENVELOPE
 * strings for full, sparse and odd headers. */
#include "test.h"

#include "imap_envelope.h"
#include "imap_quote.h"

static const char *env(const char *hdr, int flags)
{
	static buf_t out;

	buf_reset(&out);
	buf_puts(&out, "x ");		/* the sender copy must use offsets */
	imap_envelope_write(&out, hdr, strlen(hdr), flags);
	return buf_str(&out) + 2;
}

static void test_full(void)
{
	test_begin("every field");
	test_assert_str(env(
		"Date: Mon, 7 Dec 2026 10:00:00 +0000\n"
		"Subject: a \"quoted\" \\ subject\n"
		"From: Alice <alice@example.org>\n"
		"Sender: sec@example.org\n"
		"Reply-To: list@example.org\n"
		"To: bob@example.net, Carol <carol@example.com>\n"
		"Cc: team: d@e.f;\n"
		"Bcc: hidden@x\n"
		"In-Reply-To: <0@example.org>\n"
		"Message-ID: <1@example.org>\n"
		"Subject: second subject ignored\n"
		"\n", 0),
		"(\"Mon, 7 Dec 2026 10:00:00 +0000\" \"a \\\"quoted\\\" \\\\ subject\" "
		"((\"Alice\" NIL \"alice\" \"example.org\")) "
		"((NIL NIL \"sec\" \"example.org\")) "
		"((NIL NIL \"list\" \"example.org\")) "
		"((NIL NIL \"bob\" \"example.net\")(\"Carol\" NIL \"carol\" \"example.com\")) "
		"((NIL NIL \"team\" NIL)(NIL NIL \"d\" \"e.f\")(NIL NIL NIL NIL)) "
		"((NIL NIL \"hidden\" \"x\")) "
		"\"<0@example.org>\" \"<1@example.org>\")");
	test_end();
}

static void test_defaults(void)
{
	test_begin("absent and empty fields; sender and reply-to from From");
	test_assert_str(env("", 0), "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
	test_assert_str(env("Subject:\nFrom: a@b\nSender:  \nTo:\n", 0),
			"(NIL \"\" ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\")) "
			"((NIL NIL \"a\" \"b\")) NIL NIL NIL NIL NIL)");
	/* fields after the empty line are body */
	test_assert_str(env("X: y\n\nSubject: body\n", 0),
			"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
	test_end();
}

static void test_odd(void)
{
	test_begin("folding, CR, 8-bit, no colon");
	test_assert_str(env("subject: folded\n  twice\n\tthrice \nFROM x\nfrom: (c) f@g\n", 0),
			"(NIL \"folded  twice\tthrice\" ((\"c\" NIL \"f\" \"g\")) "
			"((\"c\" NIL \"f\" \"g\")) ((\"c\" NIL \"f\" \"g\")) NIL NIL NIL NIL NIL)");
	/* a stored CR ends a line, as on the wire */
	test_assert_str(env("Subject: bare\rcr\n", 0),
			"(NIL \"bare\" NIL NIL NIL NIL NIL NIL NIL NIL)");
	test_assert_str(env("Subject: a\r b\nTo: c@d\r\nCc: e@f\n", 0),
			"(NIL \"a b\" NIL NIL NIL ((NIL NIL \"c\" \"d\")) NIL NIL NIL NIL)");
	test_assert_str(env("Subject: caf\xc3\xa9\n", 0),
			"(NIL {5}\r\ncaf\xc3\xa9 NIL NIL NIL NIL NIL NIL NIL NIL)");
	test_assert_str(env("Subject: caf\xc3\xa9\n", IMAP_QUOTE_UTF8),
			"(NIL \"caf\xc3\xa9\" NIL NIL NIL NIL NIL NIL NIL NIL)");
	test_assert_str(env("Subject: =?utf-8?B?w6k=?=\n", 0),
			"(NIL \"=?utf-8?B?w6k=?=\" NIL NIL NIL NIL NIL NIL NIL NIL)");
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = { test_full, test_defaults, test_odd, NULL };

	return test_main(tests);
}

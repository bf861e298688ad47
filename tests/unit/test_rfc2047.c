/* test_rfc2047.c - unit tests for lib/rfc2047.c: RFC 2047 §8's examples,
 * B and Q words in real-world charsets, adjacent words (whitespace
 * dropped, a character split between words joined), words separated by
 * text, RFC 2231 languages, malformed words left as they are, folding,
 * and a value built to make a careless scanner quadratic. */
#include <time.h>

#include "../../lib/rfc2047.h"
#include "test.h"

static int decodes(const char *in, const char *expect)
{
	buf_t out = BUF_INIT;
	int ok;

	rfc2047_decode(in, strlen(in), &out);
	ok = strcmp(buf_str(&out), expect) == 0;
	if (!ok)
		printf("  \"%s\" -> \"%s\", expected \"%s\"\n", in, buf_str(&out), expect);
	buf_release(&out);
	return ok;
}

static void test_rfc2047_rfc_examples(void)
{
	test_begin("rfc2047: the examples of RFC 2047 §8");
	test_assert(decodes("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>",
			    "Keld J\xC3\xB8rn Simonsen <keld@dkuug.dk>"));
	test_assert(decodes("=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>",
			    "Keith Moore <moore@cs.utk.edu>"));
	test_assert(decodes("=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
			    "Andr\xC3\xA9 Pirard <PIRARD@vm1.ulg.ac.be>"));
	test_assert(decodes("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n"
			    " =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
			    "If you can read this you understand the example."));
	test_assert(decodes("(=?ISO-8859-1?Q?a?=)", "(a)"));
	test_assert(decodes("(=?ISO-8859-1?Q?a?= b)", "(a b)"));
	test_assert(decodes("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)"));
	test_assert(decodes("(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)"));
	test_assert(decodes("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)"));
	test_assert(decodes("(=?ISO-8859-1?Q?a_b?=)", "(a b)"));
	test_assert(decodes("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)"));
	test_end();
}

static void test_rfc2047_real(void)
{
	test_begin("rfc2047: real-world charsets, split characters, text between");
	/* UTF-8 B, lower-case letters. */
	test_assert(decodes("=?utf-8?b?w4l0w6kgw6AgUGFyaXM=?=", "\xC3\x89t\xC3\xA9 \xC3\xA0 Paris"));
	/* KOI8-R Q: Привет */
	test_assert(decodes("=?koi8-r?Q?=F0=D2=C9=D7=C5=D4?=",
			    "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82"));
	/* ISO-2022-JP B, as Japanese mailers send it: 日本語 */
	test_assert(decodes("=?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"));
	/* Shift_JIS */
	test_assert(decodes("=?Shift_JIS?B?k/qWe4zq?=", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"));
	/* windows-1252 curly quotes */
	test_assert(decodes("=?windows-1252?Q?=93Hi=94?=", "\xE2\x80\x9CHi\xE2\x80\x9D"));
	/* é (C3 A9) split between two words of one charset: joined. */
	test_assert(decodes("=?UTF-8?Q?caf=C3?= =?utf-8?Q?=A9?=", "caf\xC3\xA9"));
	test_assert(decodes("=?UTF-8?B?Y2Fmww==?=\r\n =?UTF-8?B?qQ==?=", "caf\xC3\xA9"));
	/* Separated by text: the whitespace stays. */
	test_assert(decodes("Re: =?utf-8?q?caf=C3=A9?= and =?utf-8?q?th=C3=A9?= ok",
			    "Re: caf\xC3\xA9 and th\xC3\xA9 ok"));
	/* Not separated from text (§5 forbids it; mail has it). */
	test_assert(decodes("x=?utf-8?q?A?=y", "xAy"));
	/* RFC 2231 §5 language. */
	test_assert(decodes("=?US-ASCII*EN?Q?Keith_Moore?=", "Keith Moore"));
	test_assert(decodes("=?utf-8*fr-CA?B?w6l0w6k=?=", "\xC3\xA9t\xC3\xA9"));
	/* Unpadded B, "?" in Q text, unknown charset read as UTF-8. */
	test_assert(decodes("=?utf-8?B?w6l0w6k?=", "\xC3\xA9t\xC3\xA9"));
	test_assert(decodes("=?utf-8?Q?why?_not?=", "why? not"));
	test_assert(decodes("=?x-unknown?Q?caf=C3=A9_=E9?=", "caf\xC3\xA9 \xEF\xBF\xBD"));
	/* Raw UTF-8 (RFC 6532) and folding. */
	test_assert(decodes("Gr\xC3\xBC\xC3\x9F" "e\r\n aus Wien\xFF", "Gr\xC3\xBC\xC3\x9F" "e aus Wien\xEF\xBF\xBD"));
	test_assert(decodes("=?utf-8?q?a?= \r\n", "a \r\n"));
	/* A header block: fields stay on their lines. */
	test_assert(decodes("Subject: =?utf-8?q?caf=C3=A9?=\r\n =?utf-8?q?_noir?=\r\n"
			    "From: =?utf-8?q?Z?= <z@x>\nTo: a,\n\tb\n",
			    "Subject: caf\xC3\xA9 noir\r\nFrom: Z <z@x>\nTo: a,\tb\n"));
	test_end();
}

static void test_rfc2047_malformed(void)
{
	test_begin("rfc2047: malformed words are left as they are");
	test_assert(decodes("=?utf-8?x?abc?=", "=?utf-8?x?abc?="));
	test_assert(decodes("=?utf-8?q?abc", "=?utf-8?q?abc"));
	test_assert(decodes("=?utf-8?q?a b?=", "=?utf-8?q?a b?="));
	test_assert(decodes("=?utf-8?b?a*b=?=", "=?utf-8?b?a*b=?="));
	test_assert(decodes("=??q?abc?=", "=??q?abc?="));
	test_assert(decodes("=?utf-8?q?", "=?utf-8?q?"));
	test_assert(decodes("=?", "=?"));
	test_assert(decodes("=?utf-8?q?=4?=", "=4"));
	test_assert(decodes("=?utf-8?q?=?= =?utf-8?q?=zz?=", "==zz"));
	test_assert(decodes("a =?utf-8?q?bad word?= =?utf-8?q?ok?=", "a =?utf-8?q?bad word?= ok"));
	test_assert(decodes("=?=?utf-8?q?x?=", "=?x"));
	test_end();
}

static void test_rfc2047_bounded(void)
{
	size_t len = RFC2047_INPUT_MAX;
	char *v = malloc(len + 100);
	buf_t out = BUF_INIT;
	clock_t t0 = clock();

	test_begin("rfc2047: many word starts without an end stay linear");
	for (size_t i = 0; i < len; i++)
		v[i] = "=?a?q?x"[i % 7];
	rfc2047_decode(v, len, &out);
	test_assert_int(out.len, len);
	test_assert(memcmp(out.data, v, len) == 0);
	test_assert((double) (clock() - t0) / CLOCKS_PER_SEC < 2.0);
	buf_reset(&out);
	/* Longer than the limit: the rest is not looked at. */
	memset(v, 'a', len + 100);
	rfc2047_decode(v, len + 100, &out);
	test_assert_int(out.len, RFC2047_INPUT_MAX);
	buf_release(&out);
	free(v);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_rfc2047_rfc_examples,
		test_rfc2047_real,
		test_rfc2047_malformed,
		test_rfc2047_bounded,
		NULL
	};

	return test_main(tests);
}

/* test_utf8.c - unit tests for lib/utf8.c: well-formed sequences of every
 * length, the ill-formed ones RFC 3629 §10 warns about (overlong forms,
 * surrogates, beyond U+10FFFF), maximal-subpart replacement, and
 * sequences cut by the end of input. */
#include "../../lib/utf8.h"
#include "test.h"

static void test_utf8_roundtrip(void)
{
	static const uint32_t cps[] = { 0, 0x41, 0x7F, 0x80, 0xE9, 0x7FF, 0x800,
		0x3A3, 0xFFFD, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF };
	unsigned char seq[UTF8_SEQ_MAX];

	test_begin("utf8: encode and decode every length, both ends");
	for (size_t i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
		size_t n = utf8_encode(cps[i], seq);
		uint32_t cp = 1;

		test_assert_int(utf8_decode(seq, n, &cp), n);
		test_assert_int(cp, cps[i]);
		/* Cut short: 0, "wait for more". */
		if (n > 1)
			test_assert_int(utf8_decode(seq, n - 1, &cp), 0);
	}
	test_assert_int(utf8_encode(0xD800, seq), 3);	/* as U+FFFD */
	test_assert(seq[0] == 0xEF && seq[1] == 0xBF && seq[2] == 0xBD);
	test_assert_int(utf8_encode(0x110000, seq), 3);
	test_end();
}

static void test_utf8_ill_formed(void)
{
	static const struct {
		const char *in;
		size_t take;
	} cases[] = {
		{ "\xC0\xAF", 1 },		/* overlong "/" */
		{ "\xE0\x80\xAF", 1 },		/* overlong, 3 octets */
		{ "\xED\xA0\x80", 1 },		/* surrogate D800 */
		{ "\xF4\x90\x80\x80", 1 },	/* beyond U+10FFFF */
		{ "\xF5\x80", 1 },
		{ "\x80", 1 },			/* lone continuation */
		{ "\xE2\x82" "A", 2 },		/* truncated, then ASCII */
		{ "\xF0\x9F\x98" "x", 3 },
		{ "\xFF", 1 },
	};
	uint32_t cp;

	test_begin("utf8: ill-formed sequences are U+FFFD per maximal subpart");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cp = 0;
		test_assert_int(utf8_decode((const unsigned char *) cases[i].in,
					    strlen(cases[i].in), &cp), cases[i].take);
		test_assert_int(cp, UTF8_REPLACEMENT);
	}
	test_assert_int(utf8_decode_end((const unsigned char *) "\xE2\x82", 2, &cp), 2);
	test_assert_int(cp, UTF8_REPLACEMENT);
	test_end();
}

static void test_utf8_sanitize(void)
{
	buf_t b = BUF_INIT;

	test_begin("utf8: sanitize keeps good text and counts replacements");
	test_assert_int(utf8_sanitize("caf\xC3\xA9 \xEF\xBF\xBD", 9, &b), 0);
	test_assert_str(buf_str(&b), "caf\xC3\xA9 \xEF\xBF\xBD");
	buf_reset(&b);
	test_assert_int(utf8_sanitize("a\xE9z\xE2\x82", 5, &b), 2);
	test_assert_str(buf_str(&b), "a\xEF\xBF\xBDz\xEF\xBF\xBD");
	buf_release(&b);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_utf8_roundtrip,
		test_utf8_ill_formed,
		test_utf8_sanitize,
		NULL
	};

	return test_main(tests);
}

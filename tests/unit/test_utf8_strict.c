/* test_utf8_strict.c - unit tests for lib/utf8_strict.c: strict UTF-8 (RFC 3629 §4),
 * the edges of every sequence length and the forms refused.
 */
#include <string.h>

#include "../../lib/utf8_strict.h"
#include "test.h"

static long decode(const char *s, size_t len)
{
	uint32_t cp;
	int n = utf8_strict_decode((const unsigned char *) s, len, &cp);

	return n < 0 ? -1 : (long) cp;
}

static void test_utf8_strict_decode(void)
{
	test_begin("utf8_strict: code points at the edges, refused forms");
	test_assert_int(decode("A", 1), 'A');
	test_assert_int(decode("\x7f", 1), 0x7f);
	test_assert_int(decode("\xc2\x80", 2), 0x80);
	test_assert_int(decode("\xdf\xbf", 2), 0x7ff);
	test_assert_int(decode("\xe0\xa0\x80", 3), 0x800);
	test_assert_int(decode("\xed\x9f\xbf", 3), 0xd7ff);
	test_assert_int(decode("\xee\x80\x80", 3), 0xe000);
	test_assert_int(decode("\xef\xbf\xbf", 3), 0xffff);
	test_assert_int(decode("\xf0\x90\x80\x80", 4), 0x10000);
	test_assert_int(decode("\xf4\x8f\xbf\xbf", 4), 0x10ffff);
	test_assert_int(decode("", 0), -1);
	test_assert_int(decode("\x80", 1), -1);
	test_assert_int(decode("\xc0\xaf", 2), -1);
	test_assert_int(decode("\xc1\xbf", 2), -1);
	test_assert_int(decode("\xe0\x9f\xbf", 3), -1);
	test_assert_int(decode("\xed\xa0\x80", 3), -1);
	test_assert_int(decode("\xf0\x8f\xbf\xbf", 4), -1);
	test_assert_int(decode("\xf4\x90\x80\x80", 4), -1);
	test_assert_int(decode("\xf5\x80\x80\x80", 4), -1);
	test_assert_int(decode("\xe2\x82", 2), -1);
	test_assert_int(decode("\xe2\x28\xa1", 3), -1);
	test_assert_int(utf8_strict_valid("a\xc3\xa4\xf0\x9f\x98\x80", 7), 1);
	test_assert_int(utf8_strict_valid("a\xc3", 2), 0);
	test_assert_int(utf8_strict_valid("", 0), 1);
	test_end();
}

static void test_utf8_strict_encode(void)
{
	static const uint32_t cps[] = { 0, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff,
					0xe000, 0xffff, 0x10000, 0x10ffff };
	unsigned char out[UTF8_STRICT_MAX_LEN];

	test_begin("utf8_strict: encode gives what decode takes");
	for (size_t i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
		int n = utf8_strict_encode(cps[i], out);
		uint32_t cp = 1;

		test_assert(n > 0);
		test_assert_int(utf8_strict_decode(out, (size_t) n, &cp), n);
		test_assert_int(cp, cps[i]);
	}
	test_assert_int(utf8_strict_encode(0xd800, out), 0);
	test_assert_int(utf8_strict_encode(0xdfff, out), 0);
	test_assert_int(utf8_strict_encode(0x110000, out), 0);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_utf8_strict_decode,
		test_utf8_strict_encode,
		NULL,
	};

	return test_main(tests);
}

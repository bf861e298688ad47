/* test_hex.c - unit tests for lib/hex.c: every octet's value. */
#include "../../lib/hex.h"
#include "test.h"

static void test_hex_values(void)
{
	test_begin("hex_value: digits in both cases, nothing else");
	for (int c = 0; c < 256; c++) {
		int want = c >= '0' && c <= '9' ? c - '0' :
			c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		test_assert(hex_value(c) == want);
	}
	test_assert(hex_value(-1) == -1);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = { test_hex_values, NULL };

	return test_main(tests);
}

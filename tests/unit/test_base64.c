/* test_base64.c - unit tests for lib/base64.c: RFC 4648 §10 vectors, round
 * trips of every byte value, and the strictness SASL needs. */
#include "../../lib/base64.h"
#include "test.h"

static void test_base64_vectors(void)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	buf_t b = BUF_INIT;

	test_begin("base64: RFC 4648 §10 test vectors both ways");
	for (size_t i = 0; i < 7; i++) {
		buf_reset(&b);
		base64_encode(plain[i], strlen(plain[i]), &b);
		test_assert_str(buf_str(&b), coded[i]);
		test_assert_int(base64_decode(coded[i], strlen(coded[i]), &b), 0);
		test_assert_str(buf_str(&b), plain[i]);
	}
	buf_release(&b);
	test_end();
}

static void test_base64_binary(void)
{
	unsigned char all[256];
	buf_t enc = BUF_INIT, dec = BUF_INIT;

	test_begin("base64: every byte value round-trips (SASL PLAIN NULs)");
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char) i;
	for (size_t n = 0; n <= 256; n += 37) {
		buf_reset(&enc);
		base64_encode(all, n, &enc);
		test_assert_int(enc.len % 4, 0);
		test_assert_int(base64_decode(enc.data ? enc.data : "", enc.len, &dec), 0);
		test_assert_int(dec.len, n);
		test_assert(n == 0 || memcmp(dec.data, all, n) == 0);
	}
	buf_release(&enc);
	buf_release(&dec);
	test_end();
}

static void test_base64_strict(void)
{
	static const char *const bad[] = {
		"Zg=", "Zg", "Z===", "Zm9v\n", "Zm 9v", "Zg==Zg==", "=Zg=", "Zm9*", "Zm=v",
	};
	buf_t b = BUF_INIT;

	test_begin("base64: malformed input refused");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (base64_decode(bad[i], strlen(bad[i]), &b) != -1) {
			printf("  accepted: \"%s\"\n", bad[i]);
			test_assert(0);
		}
	buf_release(&b);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_base64_vectors, test_base64_binary, test_base64_strict, NULL,
	};
	return test_main(tests);
}

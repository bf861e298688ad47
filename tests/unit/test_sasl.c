/* test_sasl.c - unit tests for lib/sasl.c (PLAIN messages, LOGIN fields). */
#include "../../lib/sasl.h"
#include "test.h"

static void test_sasl_plain(void)
{
	sasl_plain_t p;
	char big[600];

	test_begin("sasl: PLAIN split, with and without authzid");
	test_assert_int(sasl_plain_parse("\0bob\0secret", 11, &p), 0);
	test_assert_int(p.authzid_len, 0);
	test_assert(p.authcid_len == 3 && memcmp(p.authcid, "bob", 3) == 0);
	test_assert(p.passwd_len == 6 && memcmp(p.passwd, "secret", 6) == 0);
	test_assert_int(sasl_plain_parse("admin\0bob\0pass word", 19, &p), 0);
	test_assert(p.authzid_len == 5 && memcmp(p.authzid, "admin", 5) == 0);
	test_assert(p.passwd_len == 9 && memcmp(p.passwd, "pass word", 9) == 0);
	test_end();

	test_begin("sasl: malformed PLAIN refused");
	test_assert_int(sasl_plain_parse("", 0, &p), -1);
	test_assert_int(sasl_plain_parse("bob", 3, &p), -1);
	test_assert_int(sasl_plain_parse("\0bob", 4, &p), -1);		/* one NUL */
	test_assert_int(sasl_plain_parse("\0\0pw", 4, &p), -1);		/* empty authcid */
	test_assert_int(sasl_plain_parse("\0bob\0", 5, &p), -1);		/* empty passwd */
	test_assert_int(sasl_plain_parse("\0bob\0pw\0x", 9, &p), -1);	/* extra NUL */
	memset(big, 'a', sizeof(big));
	big[0] = '\0';
	big[4] = '\0';
	test_assert_int(sasl_plain_parse(big, 4 + 1 + 255, &p), 0);
	test_assert_int(sasl_plain_parse(big, 4 + 1 + 256, &p), -1);	/* passwd > 255 */
	test_end();
}

static void test_sasl_login(void)
{
	char big[300];

	memset(big, 'x', sizeof(big));
	test_begin("sasl: LOGIN fields");
	test_assert_int(sasl_login_field_check("bob", 3), 0);
	test_assert_int(sasl_login_field_check("", 0), -1);
	test_assert_int(sasl_login_field_check("b\0b", 3), -1);
	test_assert_int(sasl_login_field_check(big, 255), 0);
	test_assert_int(sasl_login_field_check(big, 256), -1);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = { test_sasl_plain, test_sasl_login, NULL };
	return test_main(tests);
}

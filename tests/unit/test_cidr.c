/* test_cidr.c - unit tests for lib/cidr.c (mynetworks matching). */
#include "../../lib/cidr.h"
#include "../../lib/mem.h"
#include "test.h"

static void test_cidr_match(void)
{
	char *err = NULL;
	cidr_list_t *l = cidr_parse("127.0.0.0/8 [::1]/128, 192.168.10.0/23 2001:db8::/32 10.1.2.3", &err);

	test_begin("cidr: v4, v6, mapped, host entries");
	test_assert(l != NULL);
	test_assert(cidr_match(l, "127.0.0.1"));
	test_assert(cidr_match(l, "127.255.1.2"));
	test_assert(!cidr_match(l, "128.0.0.1"));
	test_assert(cidr_match(l, "::1"));
	test_assert(cidr_match(l, "::ffff:127.0.0.5"));
	test_assert(cidr_match(l, "192.168.11.200"));
	test_assert(!cidr_match(l, "192.168.12.1"));
	test_assert(cidr_match(l, "2001:db8:ffff::1"));
	test_assert(!cidr_match(l, "2001:db9::1"));
	test_assert(cidr_match(l, "10.1.2.3"));
	test_assert(!cidr_match(l, "10.1.2.4"));
	test_assert(!cidr_match(l, "not-an-address"));
	cidr_free(&l);
	test_assert(l == NULL);
	test_end();
}

static void test_cidr_bad(void)
{
	static const char *const bad[] = {
		"127.0.0.0/33", "::1/129", "300.1.1.1", "1.2.3.4/", "1.2.3.4/x",
		"[::1", "example.org",
	};
	char *err = NULL;

	test_begin("cidr: bad entries refused with their text");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cidr_list_t *l = cidr_parse(bad[i], &err);

		test_assert(l == NULL);
		test_assert(err != NULL && strstr(err, bad[i]) != NULL);
		MEM_FREE(err);
	}
	{
		cidr_list_t *l = cidr_parse("", &err);

		test_assert(l != NULL && !cidr_match(l, "127.0.0.1"));
		cidr_free(&l);
	}
	{
		cidr_list_t *l = cidr_parse("0.0.0.0/0", &err);

		test_assert(l != NULL && cidr_match(l, "8.8.8.8"));
		cidr_free(&l);
	}
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = { test_cidr_match, test_cidr_bad, NULL };
	return test_main(tests);
}

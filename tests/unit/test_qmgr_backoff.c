/* test_qmgr_backoff.c - unit tests for qmgr/qmgr_backoff.c: the retry
 * delay doubles from minimal_backoff_time up to maximal_backoff_time. */
#include "../../qmgr/qmgr.h"
#include "test.h"

static void test_backoff_doubles(void)
{
	test_begin("backoff: doubles from the minimum");
	test_assert_int(qmgr_backoff(1, 300, 4000), 300);
	test_assert_int(qmgr_backoff(2, 300, 4000), 600);
	test_assert_int(qmgr_backoff(3, 300, 4000), 1200);
	test_assert_int(qmgr_backoff(4, 300, 4000), 2400);
	test_end();
}

static void test_backoff_caps(void)
{
	test_begin("backoff: never above the maximum, even after many tries");
	test_assert_int(qmgr_backoff(5, 300, 4000), 4000);
	test_assert_int(qmgr_backoff(1000, 300, 4000), 4000);
	test_assert_int(qmgr_backoff(2147483647, 1, 86400), 86400);
	test_end();
}

static void test_backoff_odd_settings(void)
{
	test_begin("backoff: a minimum above the maximum, zero and first try");
	test_assert_int(qmgr_backoff(3, 500, 100), 500);
	test_assert_int(qmgr_backoff(1, 0, 10), 1);
	test_assert_int(qmgr_backoff(0, 60, 600), 60);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_backoff_doubles, test_backoff_caps, test_backoff_odd_settings,
		NULL,
	};

	return test_main(tests);
}

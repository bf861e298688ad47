/* test_auth_process.c - unit tests for auth/auth_process.c, the failure
 * budget per login process: the budget is per pid, a window restarts it,
 * limit 0 means none, and a full table forgets the least recent pid. */
#include "../../auth/auth_process.h"
#include "test.h"

static void test_budget_per_pid(void)
{
	auth_process_t *p = auth_process_new(3, 1000, 16);

	test_begin("auth_process: a pid is refused after its budget, another is not");
	for (int i = 0; i < 3; i++) {
		test_assert(!auth_process_over(p, 100, 10));
		auth_process_spend(p, 100, 10);
	}
	test_assert(auth_process_over(p, 100, 20));
	test_assert(!auth_process_over(p, 200, 20));
	test_assert_int(auth_process_spend(p, 200, 20), 1);
	/* the window restarts the count */
	test_assert(auth_process_over(p, 100, 1009));
	test_assert(!auth_process_over(p, 100, 1010));
	auth_process_free(&p);
	test_assert(p == NULL);
	test_end();
}

static void test_no_limit_and_eviction(void)
{
	auth_process_t *p = auth_process_new(0, 1000, 2);

	test_begin("auth_process: limit 0 refuses nobody; a full table forgets the oldest");
	for (int i = 0; i < 50; i++)
		auth_process_spend(p, 1, 5);
	test_assert(!auth_process_over(p, 1, 5));
	auth_process_free(&p);
	p = auth_process_new(2, 1000, 2);
	auth_process_spend(p, 1, 1);
	auth_process_spend(p, 1, 1);
	auth_process_spend(p, 2, 2);
	test_assert(auth_process_over(p, 1, 3));
	/* pid 3 takes the place of pid 1, seen least recently */
	auth_process_spend(p, 3, 4);
	test_assert(!auth_process_over(p, 1, 5));
	test_assert_int(auth_process_spend(p, 2, 6), 2);
	auth_process_free(&p);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_budget_per_pid, test_no_limit_and_eviction, NULL,
	};

	return test_main(tests);
}

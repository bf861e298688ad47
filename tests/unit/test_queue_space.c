/* test_queue_space.c - unit tests for lib/queue_space.c: the queue_minfree
 * rule smtpd and terndrop share. */
#include <string.h>

#include "../../lib/queue_space.h"
#include "test.h"

static struct statvfs fs(unsigned long long avail)
{
	struct statvfs st;

	memset(&st, 0, sizeof(st));
	st.f_frsize = 4096;
	st.f_bavail = (fsblkcnt_t) (avail / 4096);
	return st;
}

static void test_queue_space_need(void)
{
	test_begin("queue_space_need: queue_minfree, or 1.5 x message_size_limit");
	test_assert(queue_space_need(1000, 50000) == 1000);
	test_assert(queue_space_need(0, 50000) == 75000);
	test_assert(queue_space_need(0, 0) == 0);
	test_end();
}

static void test_queue_space_ok(void)
{
	struct statvfs st = fs(1024 * 1024);

	test_begin("queue_space_ok: room for size on top of what stays free");
	test_assert(queue_space_ok(&st, 512 * 1024, 0, 0));
	test_assert(queue_space_ok(&st, 512 * 1024, 0, 512 * 1024));
	test_assert(!queue_space_ok(&st, 512 * 1024, 0, 512 * 1024 + 1));
	test_assert(!queue_space_ok(&st, 2 * 1024 * 1024, 0, 0));
	test_assert(queue_space_ok(&st, 0, 600 * 1024, 100 * 1024));
	test_assert(!queue_space_ok(&st, 0, 800 * 1024, 0));	/* needs 1.2m */
	/* Only what an unprivileged writer may use counts. */
	st.f_bfree = st.f_bavail * 2;
	test_assert(!queue_space_ok(&st, 1536 * 1024, 0, 0));
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_queue_space_need,
		test_queue_space_ok,
		NULL,
	};

	return test_main(tests);
}

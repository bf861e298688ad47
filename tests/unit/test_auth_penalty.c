/* test_auth_penalty.c - unit tests for auth/auth_penalty.c, auth's table of
 * failure delays and limits per client address.  Time is passed in, so the
 * tests walk through minutes of it without waiting.
 */
#include "../../auth/auth_penalty.h"
#include "../../lib/buf.h"
#include "../../lib/mem.h"
#include "test.h"

static const auth_penalty_limits_t lim = {
	.delay_ms = 1000, .delay_max_ms = 8000, .limit = 6,
	.window_ms = 60000, .max_entries = 100,
};

static void test_penalty_delays_grow(void)
{
	auth_penalty_t *p = auth_penalty_new(&lim);
	static const long want[] = { 1000, 2000, 4000, 8000, 8000, 8000 };

	test_begin("each failure waits twice as long, up to the maximum");
	for (int i = 0; i < 6; i++)
		test_assert_int(auth_penalty_fail(p, "192.0.2.1", 1000 * i), want[i]);
	test_assert_int(auth_penalty_failures(p, "192.0.2.1", 6000), 6);
	/* Another address is a stranger. */
	test_assert_int(auth_penalty_fail(p, "192.0.2.2", 6000), 1000);
	test_assert_int(auth_penalty_size(p), 2);
	auth_penalty_free(&p);
	test_assert(p == NULL);
	test_end();
}

static void test_penalty_limit_and_window(void)
{
	auth_penalty_t *p = auth_penalty_new(&lim);
	int64_t t = 0;

	test_begin("the limit refuses an address until the window has passed");
	for (int i = 0; i < 5; i++, t += 10000) {
		auth_penalty_fail(p, "198.51.100.7", t);
		test_assert_int(auth_penalty_blocked(p, "198.51.100.7", t), 0);
	}
	auth_penalty_fail(p, "198.51.100.7", t);	/* the 6th, at 50 s */
	test_assert_int(auth_penalty_blocked(p, "198.51.100.7", t), 1);
	/* Refused attempts are not failures: the window does not move. */
	test_assert_int(auth_penalty_blocked(p, "198.51.100.7", t + 59999), 1);
	test_assert_int(auth_penalty_blocked(p, "198.51.100.7", t + 60000), 0);
	test_assert_int(auth_penalty_failures(p, "198.51.100.7", t + 60000), 0);
	test_assert_int(auth_penalty_size(p), 0);
	test_assert_int(auth_penalty_fail(p, "198.51.100.7", t + 60000), 1000);
	auth_penalty_free(&p);
	test_end();
}

static void test_penalty_gap_forgets(void)
{
	auth_penalty_t *p = auth_penalty_new(&lim);

	test_begin("a failure after a quiet window starts from scratch");
	test_assert_int(auth_penalty_fail(p, "192.0.2.9", 0), 1000);
	test_assert_int(auth_penalty_fail(p, "192.0.2.9", 59999), 2000);
	test_assert_int(auth_penalty_fail(p, "192.0.2.9", 59999 + 60000), 1000);
	auth_penalty_free(&p);
	test_end();
}

static void test_penalty_success_resets(void)
{
	auth_penalty_t *p = auth_penalty_new(&lim);

	test_begin("a success forgets the address");
	auth_penalty_fail(p, "192.0.2.3", 0);
	auth_penalty_fail(p, "192.0.2.3", 1);
	auth_penalty_fail(p, "192.0.2.4", 1);
	auth_penalty_success(p, "192.0.2.3");
	test_assert_int(auth_penalty_failures(p, "192.0.2.3", 2), 0);
	test_assert_int(auth_penalty_failures(p, "192.0.2.4", 2), 1);
	test_assert_int(auth_penalty_fail(p, "192.0.2.3", 3), 1000);
	auth_penalty_success(p, "203.0.113.1");		/* unknown: no-op */
	test_assert_int(auth_penalty_size(p), 2);
	auth_penalty_free(&p);
	test_end();
}

static void test_penalty_bounded(void)
{
	auth_penalty_limits_t small = lim;
	auth_penalty_t *p;
	buf_t a = BUF_INIT;

	test_begin("the table is bounded; the oldest address goes first");
	small.max_entries = 4;
	p = auth_penalty_new(&small);
	for (int i = 1; i <= 5; i++) {
		buf_reset(&a);
		buf_printf(&a, "10.0.0.%d", i);
		auth_penalty_fail(p, buf_str(&a), i);
		if (i == 2)	/* refresh 10.0.0.1: now 10.0.0.2 is oldest */
			auth_penalty_fail(p, "10.0.0.1", i);
	}
	test_assert_int(auth_penalty_size(p), 4);
	test_assert_int(auth_penalty_failures(p, "10.0.0.2", 6), 0);
	test_assert_int(auth_penalty_failures(p, "10.0.0.1", 6), 2);
	test_assert_int(auth_penalty_failures(p, "10.0.0.5", 6), 1);
	auth_penalty_free(&p);

	small.max_entries = 1000;
	p = auth_penalty_new(&small);
	for (int i = 0; i < 20000; i++) {
		buf_reset(&a);
		buf_printf(&a, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		auth_penalty_fail(p, buf_str(&a), i);
	}
	test_assert_int(auth_penalty_size(p), 1000);
	test_assert_int(auth_penalty_failures(p, "10.0.78.31", 20000), 1);
	test_assert_int(auth_penalty_failures(p, "10.0.0.1", 20000), 0);
	for (int i = 19000; i < 20000; i++) {
		buf_reset(&a);
		buf_printf(&a, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		auth_penalty_success(p, buf_str(&a));
	}
	test_assert_int(auth_penalty_size(p), 0);
	auth_penalty_free(&p);
	buf_release(&a);
	test_end();
}

static void test_penalty_no_delay_no_limit(void)
{
	auth_penalty_limits_t none = { 0, 0, 0, 60000, 10 };
	auth_penalty_t *p = auth_penalty_new(&none);

	test_begin("delay 0 and limit 0 switch the penalties off");
	for (int i = 0; i < 1000; i++)
		test_assert_int(auth_penalty_fail(p, "192.0.2.1", i), 0);
	test_assert_int(auth_penalty_blocked(p, "192.0.2.1", 1000), 0);
	test_assert_int(auth_penalty_failures(p, "192.0.2.1", 1000), 1000);
	auth_penalty_free(&p);
	test_end();
}

static void test_penalty_keys(void)
{
	auth_penalty_t *p = auth_penalty_new(&lim);
	buf_t k = BUF_INIT;

	test_begin("IPv6 counts per /64, mapped IPv4 as IPv4");
	auth_penalty_key("2001:db8:1:2:3:4:5:6", &k);
	test_assert_str(buf_str(&k), "2001:db8:1:2::/64");
	auth_penalty_key("::ffff:192.0.2.1", &k);
	test_assert_str(buf_str(&k), "192.0.2.1");
	auth_penalty_key("192.0.2.1", &k);
	test_assert_str(buf_str(&k), "192.0.2.1");
	auth_penalty_key("local", &k);
	test_assert_str(buf_str(&k), "local");
	auth_penalty_fail(p, "2001:db8::1", 0);
	test_assert_int(auth_penalty_fail(p, "2001:db8::ffff:2", 0), 2000);
	test_assert_int(auth_penalty_fail(p, "2001:db8:0:1::1", 0), 1000);
	auth_penalty_fail(p, "::ffff:192.0.2.1", 0);
	test_assert_int(auth_penalty_failures(p, "192.0.2.1", 0), 1);
	auth_penalty_free(&p);
	buf_release(&k);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_penalty_delays_grow, test_penalty_limit_and_window,
		test_penalty_gap_forgets, test_penalty_success_resets,
		test_penalty_bounded, test_penalty_no_delay_no_limit,
		test_penalty_keys, NULL,
	};

	return test_main(tests);
}

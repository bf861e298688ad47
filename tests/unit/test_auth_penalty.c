/* test_auth_penalty.c - unit tests for auth/auth_penalty.c, auth's tables
 * of failure delays and limits per client address, per address and user,
 * and per user.  Time is passed in, so the tests walk through minutes of it
 * without waiting.
 */
#include "../../auth/auth_penalty.h"
#include "../../lib/buf.h"
#include "../../lib/mem.h"
#include "test.h"

static const auth_penalty_limits_t lim = {
	.delay_ms = 1000, .delay_max_ms = 8000, .limit = 6,
	.window_ms = 60000, .max_entries = 100,
	.user_limit = 5, .user_window_ms = 30000, .user_max_entries = 100,
};

/* "u<i>@example.org" in b: a user of its own for each i. */
static const char *user_n(buf_t *b, int i)
{
	buf_reset(b);
	buf_printf(b, "u%d@example.org", i);
	return buf_str(b);
}

static const char *addr_n(buf_t *b, int i)
{
	buf_reset(b);
	buf_printf(b, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
	return buf_str(b);
}

static void test_penalty_delays_grow(void)
{
	auth_penalty_t *p = auth_penalty_new(&lim);
	static const long want[] = { 1000, 2000, 4000, 8000, 8000, 8000 };
	buf_t u = BUF_INIT;

	test_begin("each failure of an address waits twice as long, up to the maximum");
	/* A user each, so that only the address's count grows. */
	for (int i = 0; i < 6; i++)
		test_assert_int(auth_penalty_fail(p, "192.0.2.1", user_n(&u, i),
						  1000 * i), want[i]);
	test_assert_int(auth_penalty_failures(p, "192.0.2.1", 6000), 6);
	/* Another address, another user, is a stranger. */
	test_assert_int(auth_penalty_fail(p, "192.0.2.2", "x@example.org", 6000),
			1000);
	test_assert_int(auth_penalty_size(p, AUTH_PENALTY_ADDRESSES), 2);
	test_assert_int(auth_penalty_size(p, AUTH_PENALTY_PAIRS), 7);
	test_assert_int(auth_penalty_size(p, AUTH_PENALTY_USERS), 7);
	auth_penalty_free(&p);
	test_assert(p == NULL);
	buf_release(&u);
	test_end();
}

static void test_penalty_limit_and_window(void)
{
	auth_penalty_t *p = auth_penalty_new(&lim);
	const char *a = "198.51.100.7";
	buf_t u = BUF_INIT;
	int64_t t = 0;

	test_begin("the limit refuses an address, for every user, until the window has passed");
	for (int i = 0; i < 5; i++, t += 10000) {
		auth_penalty_fail(p, a, user_n(&u, i), t);
		test_assert_int(auth_penalty_check(p, a, "v@example.org", t),
				AUTH_PENALTY_NONE);
	}
	auth_penalty_fail(p, a, user_n(&u, 5), t);	/* the 6th, at 50 s */
	test_assert_int(auth_penalty_check(p, a, "v@example.org", t),
			AUTH_PENALTY_ADDRESS);
	test_assert_int(auth_penalty_check(p, a, "u0@example.org", t),
			AUTH_PENALTY_ADDRESS);
	/* Refused attempts are not failures: the window does not move. */
	test_assert_int(auth_penalty_check(p, a, "v@example.org", t + 59999),
			AUTH_PENALTY_ADDRESS);
	test_assert_int(auth_penalty_check(p, a, "v@example.org", t + 60000),
			AUTH_PENALTY_NONE);
	test_assert_int(auth_penalty_failures(p, a, t + 60000), 0);
	test_assert_int(auth_penalty_size(p, AUTH_PENALTY_ADDRESSES), 0);
	test_assert_int(auth_penalty_size(p, AUTH_PENALTY_PAIRS), 0);
	test_assert_int(auth_penalty_size(p, AUTH_PENALTY_USERS), 0);
	test_assert_int(auth_penalty_fail(p, a, "v@example.org", t + 60000), 1000);
	auth_penalty_free(&p);
	buf_release(&u);
	test_end();
}

static void test_penalty_gap_forgets(void)
{
	auth_penalty_t *p = auth_penalty_new(&lim);

	test_begin("a failure after a quiet window starts from scratch");
	test_assert_int(auth_penalty_fail(p, "192.0.2.9", "a@x.org", 0), 1000);
	test_assert_int(auth_penalty_fail(p, "192.0.2.9", "b@x.org", 59999), 2000);
	test_assert_int(auth_penalty_fail(p, "192.0.2.9", "c@x.org", 59999 + 60000),
			1000);
	auth_penalty_free(&p);
	test_end();
}

/* The finding this table was redesigned for: one account's logins must
 * not refill the budget of an address guessing at another. */
static void test_penalty_success_keeps_budget(void)
{
	auth_penalty_limits_t l = lim;
	auth_penalty_t *p;
	const char *x = "203.0.113.5";
	int64_t t = 0;
	int guesses = 0;

	test_begin("A's success from X does not reset X's budget for guesses at B");
	l.user_limit = 100;	/* the address's limit, not B's, is under test */
	p = auth_penalty_new(&l);
	for (int round = 0; round < 20; round++, t += 100) {
		if (auth_penalty_check(p, x, "a@example.org", t) == AUTH_PENALTY_NONE)
			auth_penalty_success(p, x, "a@example.org", t);
		if (auth_penalty_check(p, x, "b@example.org", t) == AUTH_PENALTY_NONE) {
			auth_penalty_fail(p, x, "b@example.org", t);
			guesses++;
		}
	}
	test_assert_int(guesses, lim.limit);
	test_assert_int(auth_penalty_failures(p, x, t), lim.limit);
	test_assert_int(auth_penalty_check(p, x, "b@example.org", t),
			AUTH_PENALTY_ADDRESS);
	/* The budget is the address's: A is refused there too. */
	test_assert_int(auth_penalty_check(p, x, "a@example.org", t),
			AUTH_PENALTY_ADDRESS);
	/* A success that got through anyway (a caller that does not check)
	 * still forgives nothing of B's. */
	auth_penalty_success(p, x, "a@example.org", t);
	test_assert_int(auth_penalty_failures(p, x, t), lim.limit);
	test_assert_int(auth_penalty_pair_failures(p, x, "b@example.org", t),
			lim.limit);
	auth_penalty_free(&p);
	test_end();
}

static void test_penalty_success_forgives_own(void)
{
	auth_penalty_t *p = auth_penalty_new(&lim);
	const char *x = "192.0.2.3", *y = "192.0.2.4";

	test_begin("A's success forgives A's own failures from that address only");
	auth_penalty_fail(p, x, "Alice@Example.ORG", 0);
	auth_penalty_fail(p, x, "alice@example.org", 1);
	auth_penalty_fail(p, x, "bob@example.org", 2);
	auth_penalty_fail(p, y, "alice@example.org", 3);
	test_assert_int(auth_penalty_failures(p, x, 4), 3);
	test_assert_int(auth_penalty_pair_failures(p, x, "ALICE@example.org", 4), 2);
	/* Case does not matter: the names are the same user. */
	auth_penalty_success(p, x, "alice@EXAMPLE.org", 5);
	test_assert_int(auth_penalty_failures(p, x, 5), 1);
	test_assert_int(auth_penalty_pair_failures(p, x, "alice@example.org", 5), 0);
	test_assert_int(auth_penalty_pair_failures(p, x, "bob@example.org", 5), 1);
	/* Y's failure for alice, and alice's count across addresses, stay. */
	test_assert_int(auth_penalty_failures(p, y, 5), 1);
	test_assert_int(auth_penalty_user_failures(p, "alice@example.org", 5), 3);
	/* X's next failure is its second, not its fourth. */
	test_assert_int(auth_penalty_fail(p, x, "carol@example.org", 6), 2000);
	/* Forgiving all of an address's failures forgets the address. */
	auth_penalty_success(p, y, "alice@example.org", 7);
	test_assert_int(auth_penalty_size(p, AUTH_PENALTY_ADDRESSES), 1);
	auth_penalty_success(p, "203.0.113.1", "alice@example.org", 8);	/* no-op */
	test_assert_int(auth_penalty_size(p, AUTH_PENALTY_ADDRESSES), 1);
	auth_penalty_free(&p);
	test_end();
}

static void test_penalty_stale_pair(void)
{
	auth_penalty_limits_t l = lim;
	auth_penalty_t *p;
	const char *x = "192.0.2.30";

	test_begin("failures from a forgotten entry of the address are not forgiven");
	l.window_ms = 10000;		/* pairs now outlive addresses */
	p = auth_penalty_new(&l);
	for (int i = 0; i < 3; i++)
		auth_penalty_fail(p, x, "a@example.org", i);
	test_assert_int(auth_penalty_failures(p, x, 10002), 0);
	test_assert_int(auth_penalty_pair_failures(p, x, "a@example.org", 10002), 3);
	auth_penalty_fail(p, x, "b@example.org", 20000);
	auth_penalty_fail(p, x, "b@example.org", 20001);
	auth_penalty_success(p, x, "a@example.org", 20002);
	test_assert_int(auth_penalty_failures(p, x, 20002), 2);
	auth_penalty_free(&p);

	/* A pair failing again under a new entry starts its count anew. */
	p = auth_penalty_new(&l);
	for (int i = 0; i < 3; i++)
		auth_penalty_fail(p, x, "a@example.org", i);
	auth_penalty_fail(p, x, "a@example.org", 15000);	/* new entry */
	test_assert_int(auth_penalty_pair_failures(p, x, "a@example.org", 15000), 1);
	auth_penalty_fail(p, x, "b@example.org", 15001);
	auth_penalty_success(p, x, "a@example.org", 15002);
	test_assert_int(auth_penalty_failures(p, x, 15002), 1);
	auth_penalty_free(&p);
	test_end();
}

static void test_penalty_user_limit(void)
{
	auth_penalty_t *p = auth_penalty_new(&lim);
	static const long want[] = { 1000, 2000, 4000, 8000, 8000 };
	const char *v = "victim@example.org";
	buf_t a = BUF_INIT;
	int64_t t = 0;

	test_begin("the per-user limit: one account guessed at from many addresses");
	for (int i = 1; i <= 5; i++, t += 1000) {
		test_assert_int(auth_penalty_check(p, addr_n(&a, i), v, t),
				AUTH_PENALTY_NONE);
		/* Each address fails once; the user's count makes the delay. */
		test_assert_int(auth_penalty_fail(p, addr_n(&a, i), v, t),
				want[i - 1]);
	}
	test_assert_int(auth_penalty_user_failures(p, "VICTIM@example.org", t), 5);
	/* Every address that failed for v is refused for v, even though it
	 * is far within its own budget... */
	for (int i = 1; i <= 5; i++) {
		test_assert_int(auth_penalty_failures(p, addr_n(&a, i), t), 1);
		test_assert_int(auth_penalty_check(p, addr_n(&a, i), v, t),
				AUTH_PENALTY_USER);
		/* ...for v only. */
		test_assert_int(auth_penalty_check(p, addr_n(&a, i),
						   "other@example.org", t),
				AUTH_PENALTY_NONE);
	}
	/* An address without failures for v is checked: the real user logs
	 * in, and the success does not unlock v for the others. */
	test_assert_int(auth_penalty_check(p, "192.0.2.77", v, t), AUTH_PENALTY_NONE);
	auth_penalty_success(p, "192.0.2.77", v, t);
	test_assert_int(auth_penalty_user_failures(p, v, t), 5);
	test_assert_int(auth_penalty_check(p, addr_n(&a, 1), v, t), AUTH_PENALTY_USER);
	/* A fresh attacker's address gets one guess, then is refused. */
	test_assert_int(auth_penalty_check(p, addr_n(&a, 6), v, t), AUTH_PENALTY_NONE);
	test_assert_int(auth_penalty_fail(p, addr_n(&a, 6), v, t), 8000);
	test_assert_int(auth_penalty_check(p, addr_n(&a, 6), v, t), AUTH_PENALTY_USER);
	test_assert_int(auth_penalty_user_failures(p, v, t), 5);	/* held */
	/* A user limit of 0: the failures count and delay, nothing locks. */
	auth_penalty_free(&p);
	{
		auth_penalty_limits_t l = lim;

		l.user_limit = 0;
		p = auth_penalty_new(&l);
		for (int i = 1; i <= 50; i++)
			auth_penalty_fail(p, addr_n(&a, i), v, i);
		test_assert_int(auth_penalty_user_failures(p, v, 51), 50);
		test_assert_int(auth_penalty_check(p, addr_n(&a, 1), v, 51),
				AUTH_PENALTY_NONE);
		test_assert_int(auth_penalty_fail(p, addr_n(&a, 1), v, 52), 8000);
		auth_penalty_free(&p);
	}
	buf_release(&a);
	test_end();
}

static void test_penalty_user_lockout_expires(void)
{
	auth_penalty_t *p = auth_penalty_new(&lim);
	const char *v = "victim@example.org";
	buf_t a = BUF_INIT;
	int64_t t;

	test_begin("the per-user lockout ends after its short window");
	for (int i = 1; i <= 5; i++)
		auth_penalty_fail(p, addr_n(&a, i), v, 1000 * i);
	/* Locked from 5 s, the last failure; the window is 30 s. */
	test_assert_int(auth_penalty_check(p, addr_n(&a, 5), v, 5000 + 29999),
			AUTH_PENALTY_USER);
	test_assert_int(auth_penalty_check(p, addr_n(&a, 5), v, 5000 + 30000),
			AUTH_PENALTY_NONE);
	test_assert_int(auth_penalty_user_failures(p, v, 35000), 0);
	/* The address budget, with its longer window, still remembers. */
	test_assert_int(auth_penalty_failures(p, addr_n(&a, 5), 35000), 1);
	auth_penalty_free(&p);

	/* However long others keep guessing, from fresh addresses, an
	 * address is refused for v at most user_window after its own last
	 * failure for v. */
	p = auth_penalty_new(&lim);
	for (int i = 1; i <= 5; i++)
		auth_penalty_fail(p, addr_n(&a, i), v, 0);
	for (t = 0; t <= 120000; t += 5000) {
		auth_penalty_fail(p, addr_n(&a, 100 + (int) (t / 5000)), v, t);
		test_assert_int(auth_penalty_check(p, addr_n(&a, 1), v, t),
				t < 30000 ? AUTH_PENALTY_USER : AUTH_PENALTY_NONE);
	}
	test_assert_int(auth_penalty_user_failures(p, v, t), lim.user_limit);
	/* The real user at address 1 mistypes: refused for 30 s, no more. */
	auth_penalty_fail(p, addr_n(&a, 1), v, t);
	test_assert_int(auth_penalty_check(p, addr_n(&a, 1), v, t + 29999),
			AUTH_PENALTY_USER);
	auth_penalty_fail(p, addr_n(&a, 999), v, t + 29999);	/* still guessed at */
	test_assert_int(auth_penalty_check(p, addr_n(&a, 1), v, t + 30000),
			AUTH_PENALTY_NONE);
	auth_penalty_free(&p);
	buf_release(&a);
	test_end();
}

static void test_penalty_names(void)
{
	auth_penalty_t *p = auth_penalty_new(&lim);
	buf_t a = BUF_INIT, u = BUF_INIT, k = BUF_INIT;

	test_begin("user names: case-insensitive; non-addresses share one entry");
	auth_penalty_user_key("Alice@Example.ORG", &k);
	test_assert_str(buf_str(&k), "alice@example.org");
	auth_penalty_user_key("my secret password", &k);
	test_assert_str(buf_str(&k), AUTH_PENALTY_NOT_A_USER);
	auth_penalty_user_key("", &k);
	test_assert_str(buf_str(&k), AUTH_PENALTY_NOT_A_USER);
	buf_reset(&u);
	for (int i = 0; i < 300; i++)
		buf_putc(&u, 'x');
	buf_puts(&u, "@example.org");
	auth_penalty_user_key(buf_str(&u), &k);
	test_assert_str(buf_str(&k), AUTH_PENALTY_NOT_A_USER);
	/* However many names that cannot be users: one entry, one pair per
	 * address. */
	for (int i = 0; i < 1000; i++) {
		buf_reset(&u);
		buf_printf(&u, "guess %d", i);
		auth_penalty_fail(p, addr_n(&a, i % 10), buf_str(&u), i);
	}
	test_assert_int(auth_penalty_size(p, AUTH_PENALTY_USERS), 1);
	test_assert_int(auth_penalty_size(p, AUTH_PENALTY_PAIRS), 10);
	test_assert_int(auth_penalty_user_failures(p, "another guess", 1000),
			lim.user_limit);
	/* Unknown but well-formed names count like users. */
	auth_penalty_fail(p, "192.0.2.1", "Nobody@Example.org", 1000);
	test_assert_int(auth_penalty_user_failures(p, "nobody@example.org", 1000), 1);
	auth_penalty_free(&p);
	buf_release(&a);
	buf_release(&u);
	buf_release(&k);
	test_end();
}

static void test_penalty_bounded(void)
{
	auth_penalty_limits_t small = lim;
	auth_penalty_t *p;
	buf_t a = BUF_INIT, u = BUF_INIT;

	test_begin("every table is bounded; the oldest entry goes first");
	small.max_entries = 4;
	small.user_max_entries = 3;
	p = auth_penalty_new(&small);
	for (int i = 1; i <= 5; i++) {
		auth_penalty_fail(p, addr_n(&a, i), user_n(&u, i), i);
		if (i == 2)	/* refresh address 1: now 2 is oldest */
			auth_penalty_fail(p, addr_n(&a, 1), "u1@example.org", i);
	}
	test_assert_int(auth_penalty_size(p, AUTH_PENALTY_ADDRESSES), 4);
	test_assert_int(auth_penalty_size(p, AUTH_PENALTY_PAIRS), 4);
	test_assert_int(auth_penalty_size(p, AUTH_PENALTY_USERS), 3);
	test_assert_int(auth_penalty_failures(p, addr_n(&a, 2), 6), 0);
	test_assert_int(auth_penalty_failures(p, addr_n(&a, 1), 6), 2);
	test_assert_int(auth_penalty_failures(p, addr_n(&a, 5), 6), 1);
	test_assert_int(auth_penalty_user_failures(p, "u1@example.org", 6), 0);
	test_assert_int(auth_penalty_user_failures(p, "u2@example.org", 6), 0);
	test_assert_int(auth_penalty_user_failures(p, "u3@example.org", 6), 1);
	/* One address guessing at many users fills the pair table alone. */
	for (int i = 0; i < 100; i++)
		auth_penalty_fail(p, "192.0.2.200", user_n(&u, 1000 + i), 10);
	test_assert_int(auth_penalty_size(p, AUTH_PENALTY_PAIRS), 4);
	test_assert_int(auth_penalty_size(p, AUTH_PENALTY_USERS), 3);
	auth_penalty_free(&p);

	small.max_entries = 1000;
	small.user_max_entries = 500;
	p = auth_penalty_new(&small);
	for (int i = 0; i < 20000; i++)
		auth_penalty_fail(p, addr_n(&a, i), user_n(&u, i), i);
	test_assert_int(auth_penalty_size(p, AUTH_PENALTY_ADDRESSES), 1000);
	test_assert_int(auth_penalty_size(p, AUTH_PENALTY_PAIRS), 1000);
	test_assert_int(auth_penalty_size(p, AUTH_PENALTY_USERS), 500);
	test_assert_int(auth_penalty_failures(p, "10.0.78.31", 20000), 1);
	test_assert_int(auth_penalty_failures(p, "10.0.0.1", 20000), 0);
	test_assert_int(auth_penalty_user_failures(p, "u19999@example.org", 20000), 1);
	test_assert_int(auth_penalty_user_failures(p, "u19499@example.org", 20000), 0);
	for (int i = 19000; i < 20000; i++)
		auth_penalty_success(p, addr_n(&a, i), user_n(&u, i), 20000);
	test_assert_int(auth_penalty_size(p, AUTH_PENALTY_ADDRESSES), 0);
	test_assert_int(auth_penalty_size(p, AUTH_PENALTY_PAIRS), 0);
	/* Successes leave the users' counts. */
	test_assert_int(auth_penalty_size(p, AUTH_PENALTY_USERS), 500);
	auth_penalty_free(&p);
	buf_release(&a);
	buf_release(&u);
	test_end();
}

static void test_penalty_no_delay_no_limit(void)
{
	auth_penalty_limits_t none = { 0, 0, 0, 60000, 10, 0, 60000, 10 };
	auth_penalty_t *p = auth_penalty_new(&none);

	test_begin("delay 0 and limits 0 switch the penalties off");
	for (int i = 0; i < 1000; i++)
		test_assert_int(auth_penalty_fail(p, "192.0.2.1", "a@example.org", i), 0);
	test_assert_int(auth_penalty_check(p, "192.0.2.1", "a@example.org", 1000),
			AUTH_PENALTY_NONE);
	test_assert_int(auth_penalty_failures(p, "192.0.2.1", 1000), 1000);
	test_assert_int(auth_penalty_user_failures(p, "a@example.org", 1000), 1000);
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
	auth_penalty_fail(p, "2001:db8::1", "a@example.org", 0);
	test_assert_int(auth_penalty_fail(p, "2001:db8::ffff:2", "b@example.org", 0),
			2000);
	test_assert_int(auth_penalty_fail(p, "2001:db8:0:1::1", "c@example.org", 0),
			1000);
	/* The pair too is keyed by the /64. */
	test_assert_int(auth_penalty_pair_failures(p, "2001:db8::99",
						   "b@example.org", 0), 1);
	auth_penalty_fail(p, "::ffff:192.0.2.1", "d@example.org", 0);
	test_assert_int(auth_penalty_failures(p, "192.0.2.1", 0), 1);
	auth_penalty_free(&p);
	buf_release(&k);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_penalty_delays_grow, test_penalty_limit_and_window,
		test_penalty_gap_forgets, test_penalty_success_keeps_budget,
		test_penalty_success_forgives_own, test_penalty_stale_pair,
		test_penalty_user_limit, test_penalty_user_lockout_expires,
		test_penalty_names, test_penalty_bounded,
		test_penalty_no_delay_no_limit, test_penalty_keys, NULL,
	};

	return test_main(tests);
}

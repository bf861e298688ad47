/* test_anvil_table.c - unit tests for anvil/anvil_table.c: open
 * connections and rates per service and client address, what owners hold
 * and give back, the time unit, hand-offs, and the bounded table.  Time
 * is passed in, so nothing sleeps.
 */
#include <stdio.h>
#include <string.h>

#include "../../anvil/anvil_table.h"
#include "test.h"

#define UNIT 60000	/* ms */

static void test_anvil_count(void)
{
	anvil_table_t *t = anvil_table_new(UNIT, 100);
	anvil_owner_t *a = anvil_owner_new(t), *b = anvil_owner_new(t);
	long count = -1, rate = -1;

	test_begin("count: open connections per service and address");
	for (int i = 1; i <= 3; i++) {
		test_assert_int(anvil_table_connect(t, a, "smtp", "192.0.2.1", 0,
						    i, &count, &rate), 0);
		test_assert_int(count, i);
		test_assert_int(rate, i);
	}
	/* Another owner adds to the same pair; other pairs are apart. */
	anvil_table_connect(t, b, "smtp", "192.0.2.1", 0, 10, &count, &rate);
	test_assert_int(count, 4);
	anvil_table_connect(t, b, "smtp", "192.0.2.2", 0, 10, &count, &rate);
	test_assert_int(count, 1);
	anvil_table_connect(t, b, "pop3", "192.0.2.1", 0, 10, &count, &rate);
	test_assert_int(count, 1);
	test_assert_int(rate, 1);
	/* IPv6 is counted per address as given. */
	anvil_table_connect(t, b, "smtp", "2001:db8::1", 0, 10, &count, &rate);
	anvil_table_connect(t, b, "smtp", "2001:db8::2", 0, 10, &count, &rate);
	test_assert_int(count, 1);
	test_assert_int(anvil_owner_held(a), 3);
	test_assert_int(anvil_owner_held(b), 5);

	test_assert_int(anvil_table_disconnect(t, a, "smtp", "192.0.2.1", 20), 0);
	anvil_table_lookup(t, "smtp", "192.0.2.1", 20, &count, &rate);
	test_assert_int(count, 3);
	test_assert_int(rate, 4);
	/* An owner gives back only what it holds. */
	test_assert_int(anvil_table_disconnect(t, a, "smtp", "192.0.2.2", 20), -1);
	test_assert_int(anvil_table_disconnect(t, a, "imap", "192.0.2.1", 20), -1);
	anvil_table_lookup(t, "smtp", "192.0.2.2", 20, &count, &rate);
	test_assert_int(count, 1);
	anvil_table_connect(t, a, "smtp", "192.0.2.1", 0, 30, &count, &rate);
	test_assert_int(count, 4);
	test_assert_int(rate, 5);
	anvil_owner_free(t, &a, 40);
	anvil_owner_free(t, &b, 40);
	anvil_table_free(&t);
	test_end();
}

static void test_anvil_owner_free(void)
{
	anvil_table_t *t = anvil_table_new(UNIT, 100);
	anvil_owner_t *dead = anvil_owner_new(t), *live = anvil_owner_new(t);
	long count, rate;

	test_begin("a closed connection gives back everything it held");
	anvil_table_connect(t, dead, "smtp", "192.0.2.1", 0, 0, &count, &rate);
	anvil_table_connect(t, dead, "smtp", "192.0.2.1", 0, 0, &count, &rate);
	anvil_table_connect(t, dead, "pop3", "192.0.2.9", 0, 0, &count, &rate);
	anvil_table_connect(t, live, "smtp", "192.0.2.1", 0, 0, &count, &rate);
	test_assert_int(count, 3);
	test_assert_int(anvil_owner_free(t, &dead, 5), 3);
	test_assert(dead == NULL);
	anvil_table_lookup(t, "smtp", "192.0.2.1", 5, &count, &rate);
	test_assert_int(count, 1);
	test_assert_int(rate, 3);	/* the rate remembers the connections */
	anvil_table_lookup(t, "pop3", "192.0.2.9", 5, &count, &rate);
	test_assert_int(count, 0);
	test_assert_int(rate, 1);
	test_assert_int(anvil_owner_free(t, &live, 6), 1);
	anvil_table_lookup(t, "smtp", "192.0.2.1", 6, &count, &rate);
	test_assert_int(count, 0);
	anvil_table_free(&t);
	test_end();
}

static void test_anvil_rate_unit(void)
{
	anvil_table_t *t = anvil_table_new(UNIT, 100);
	anvil_owner_t *o = anvil_owner_new(t);
	long count, rate;

	test_begin("rate: connections in the time unit begun by the first");
	anvil_table_connect(t, o, "smtp", "192.0.2.1", 0, 1000, &count, &rate);
	anvil_table_disconnect(t, o, "smtp", "192.0.2.1", 1001);
	anvil_table_connect(t, o, "smtp", "192.0.2.1", 0, 30000, &count, &rate);
	anvil_table_disconnect(t, o, "smtp", "192.0.2.1", 30001);
	anvil_table_connect(t, o, "smtp", "192.0.2.1", 0, 60999, &count, &rate);
	test_assert_int(count, 1);
	test_assert_int(rate, 3);
	anvil_table_disconnect(t, o, "smtp", "192.0.2.1", 61000);
	anvil_table_lookup(t, "smtp", "192.0.2.1", 60999 + 1, &count, &rate);
	test_assert_int(rate, 0);	/* the unit from 1000 is over */
	/* The next connection begins a new unit. */
	anvil_table_connect(t, o, "smtp", "192.0.2.1", 0, 61000, &count, &rate);
	test_assert_int(rate, 1);
	anvil_table_connect(t, o, "smtp", "192.0.2.1", 0, 120999, &count, &rate);
	test_assert_int(rate, 2);
	test_assert_int(count, 2);
	anvil_table_connect(t, o, "smtp", "192.0.2.1", 0, 121000, &count, &rate);
	test_assert_int(rate, 1);
	test_assert_int(count, 3);	/* open connections never expire */
	anvil_owner_free(t, &o, 130000);
	anvil_table_free(&t);
	test_end();
}

static void test_anvil_handoff(void)
{
	anvil_table_t *t = anvil_table_new(UNIT, 100);
	anvil_owner_t *login = anvil_owner_new(t), *sess = anvil_owner_new(t);
	long count, rate;

	test_begin("handoff: counted as open, not again in the rate");
	anvil_table_connect(t, login, "pop3", "192.0.2.1", 0, 0, &count, &rate);
	test_assert_int(rate, 1);
	anvil_table_connect(t, sess, "pop3", "192.0.2.1", 1, 10, &count, &rate);
	test_assert_int(count, 2);
	test_assert_int(rate, 1);
	anvil_table_disconnect(t, login, "pop3", "192.0.2.1", 20);
	anvil_table_lookup(t, "pop3", "192.0.2.1", 20, &count, &rate);
	test_assert_int(count, 1);
	test_assert_int(rate, 1);
	/* A hand-off of a pair anvil no longer knows (a new anvil). */
	anvil_table_connect(t, sess, "pop3", "192.0.2.7", 1, 30, &count, &rate);
	test_assert_int(count, 1);
	test_assert_int(rate, 0);
	anvil_owner_free(t, &sess, 40);
	anvil_owner_free(t, &login, 40);
	anvil_table_free(&t);
	test_end();
}

static void test_anvil_expiry(void)
{
	anvil_table_t *t = anvil_table_new(UNIT, 100);
	anvil_owner_t *o = anvil_owner_new(t);
	long count, rate;

	test_begin("entries without connections expire after a unit");
	anvil_table_connect(t, o, "smtp", "192.0.2.1", 0, 0, &count, &rate);
	anvil_table_connect(t, o, "smtp", "192.0.2.2", 0, 0, &count, &rate);
	anvil_table_disconnect(t, o, "smtp", "192.0.2.1", 1000);
	test_assert_int(anvil_table_size(t, 1000), 2);
	test_assert_int(anvil_table_size(t, 60999), 2);
	test_assert_int(anvil_table_size(t, 61000), 1);	/* .2 is open */
	test_assert_int(anvil_table_size(t, 10000000), 1);
	anvil_table_disconnect(t, o, "smtp", "192.0.2.2", 10000000);
	test_assert_int(anvil_table_size(t, 10000000 + UNIT), 0);
	anvil_owner_free(t, &o, 0);
	anvil_table_free(&t);
	test_end();
}

struct walk_result {
	char text[512];
	size_t n;
};

static void walk_collect(const char *service, const char *client, long count,
			 long rate, void *ctx)
{
	struct walk_result *w = ctx;
	size_t len = strlen(w->text);

	snprintf(w->text + len, sizeof(w->text) - len, "%s%s/%s/%ld/%ld",
		 len ? "," : "", service, client, count, rate);
	w->n++;
}

static void test_anvil_walk(void)
{
	anvil_table_t *t = anvil_table_new(UNIT, 100);
	anvil_owner_t *o = anvil_owner_new(t);
	struct walk_result w = { "", 0 };
	long count, rate;

	test_begin("walk: entries with connections or a current rate");
	anvil_table_connect(t, o, "pop3s", "2001:db8::1", 0, 0, &count, &rate);
	anvil_table_connect(t, o, "smtp", "192.0.2.1", 0, 0, &count, &rate);
	anvil_table_disconnect(t, o, "smtp", "192.0.2.1", 0);
	test_assert_int(anvil_table_walk(t, 100, walk_collect, &w), 2);
	test_assert(strstr(w.text, "pop3s/2001:db8::1/1/1") != NULL);
	test_assert(strstr(w.text, "smtp/192.0.2.1/0/1") != NULL);
	memset(&w, 0, sizeof(w));
	test_assert_int(anvil_table_walk(t, UNIT, walk_collect, &w), 1);
	test_assert_str(w.text, "pop3s/2001:db8::1/1/0");
	anvil_owner_free(t, &o, UNIT);
	anvil_table_free(&t);
	test_end();
}

static void test_anvil_bounded(void)
{
	anvil_table_t *t = anvil_table_new(UNIT, 3);
	anvil_owner_t *o = anvil_owner_new(t);
	long count, rate;

	test_begin("bounded: idle entries make room, oldest first; full refuses");
	anvil_table_connect(t, o, "smtp", "192.0.2.1", 0, 0, &count, &rate);
	anvil_table_connect(t, o, "smtp", "192.0.2.2", 0, 1, &count, &rate);
	anvil_table_connect(t, o, "smtp", "192.0.2.3", 0, 2, &count, &rate);
	anvil_table_disconnect(t, o, "smtp", "192.0.2.2", 3);
	anvil_table_disconnect(t, o, "smtp", "192.0.2.1", 4);
	/* .2 became idle first: it gives up its place. */
	test_assert_int(anvil_table_connect(t, o, "smtp", "192.0.2.4", 0, 5,
					    &count, &rate), 0);
	test_assert_int(anvil_table_size(t, 5), 3);
	anvil_table_lookup(t, "smtp", "192.0.2.2", 5, &count, &rate);
	test_assert_int(rate, 0);
	anvil_table_lookup(t, "smtp", "192.0.2.1", 5, &count, &rate);
	test_assert_int(rate, 1);
	/* A pair already known is always counted. */
	test_assert_int(anvil_table_connect(t, o, "smtp", "192.0.2.1", 0, 6,
					    &count, &rate), 0);
	test_assert_int(rate, 2);
	/* Every entry has open connections: a new pair is not counted. */
	count = rate = 99;
	test_assert_int(anvil_table_connect(t, o, "smtp", "192.0.2.5", 0, 7,
					    &count, &rate), -1);
	test_assert_int(anvil_owner_held(o), 3);
	test_assert_int(anvil_table_disconnect(t, o, "smtp", "192.0.2.5", 8), -1);
	anvil_table_disconnect(t, o, "smtp", "192.0.2.3", 9);
	test_assert_int(anvil_table_connect(t, o, "smtp", "192.0.2.5", 0, 10,
					    &count, &rate), 0);
	test_assert_int(count, 1);
	anvil_owner_free(t, &o, 11);
	test_assert_int(anvil_table_size(t, 11), 3);
	test_assert_int(anvil_table_size(t, 11 + UNIT), 0);
	anvil_table_free(&t);
	test_end();
}

static void test_anvil_many(void)
{
	anvil_table_t *t = anvil_table_new(10000000, 5000);
	anvil_owner_t *o = anvil_owner_new(t);
	char addr[64];
	long count, rate, bad = 0;

	test_begin("many addresses: counts stay exact, memory stays bounded");
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 20000; i++) {
			snprintf(addr, sizeof(addr), "2001:db8::%x", i);
			if (anvil_table_connect(t, o, "smtp", addr, 0,
						round * 100000 + i, &count,
						&rate) < 0)
				continue;
			if (count != 1 || rate != 1)
				bad++;
			anvil_table_disconnect(t, o, "smtp", addr,
					       round * 100000 + i);
		}
		test_assert(anvil_table_size(t, round * 100000 + 20000) <= 5000);
	}
	test_assert_int(bad, 0);
	test_assert_int(anvil_owner_held(o), 0);
	anvil_owner_free(t, &o, 0);
	anvil_table_free(&t);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_anvil_count, test_anvil_owner_free, test_anvil_rate_unit,
		test_anvil_handoff, test_anvil_expiry, test_anvil_walk,
		test_anvil_bounded, test_anvil_many, NULL,
	};

	return test_main(tests);
}

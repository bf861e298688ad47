/* test_auth_queue.c - unit tests for auth/auth_queue.c: verify requests
 * take turns by client address, an address's requests keep their order,
 * and a request whose connection closed leaves the line wherever it is.
 */
#include "../../auth/auth_queue.h"
#include "test.h"

static char items[10];		/* their addresses are the items */

/* The next items as their indexes, "-" for none: "0 3 -". */
static const char *take(auth_queue_t *q, int n)
{
	static char out[64];
	size_t len = 0;

	out[0] = '\0';
	for (int k = 0; k < n; k++) {
		char *it = auth_queue_next(q);

		if (it == NULL)
			len += (size_t) snprintf(out + len, sizeof(out) - len,
						 "%s-", k ? " " : "");
		else
			len += (size_t) snprintf(out + len, sizeof(out) - len,
						 "%s%d", k ? " " : "",
						 (int) (it - items));
	}
	return out;
}

static void test_queue_turns(void)
{
	auth_queue_t *q = auth_queue_new();

	test_begin("queue: addresses take turns, each in its own order");
	test_assert_str(take(q, 1), "-");
	auth_queue_add(q, "A", &items[0]);
	auth_queue_add(q, "A", &items[1]);
	auth_queue_add(q, "A", &items[2]);
	auth_queue_add(q, "B", &items[3]);
	auth_queue_add(q, "C", &items[4]);
	test_assert_int(auth_queue_count(q), 5);
	/* A's burst does not go first as a whole: one check per turn */
	test_assert_str(take(q, 2), "0 3");
	/* a newcomer waits behind the addresses already in line */
	auth_queue_add(q, "D", &items[5]);
	auth_queue_add(q, "B", &items[6]);
	test_assert_str(take(q, 6), "4 1 5 6 2 -");
	test_assert_int(auth_queue_count(q), 0);
	auth_queue_free(&q);
	test_assert(q == NULL);
	test_end();
}

static void test_queue_remove(void)
{
	auth_queue_t *q = auth_queue_new();

	test_begin("queue: a closed connection's request leaves the line");
	auth_queue_add(q, "A", &items[0]);
	auth_queue_add(q, "B", &items[1]);
	auth_queue_add(q, "A", &items[2]);
	auth_queue_add(q, "C", &items[3]);
	test_assert_int(auth_queue_remove(q, &items[1]), 1);	/* B gone */
	test_assert_int(auth_queue_remove(q, &items[1]), 0);
	test_assert_int(auth_queue_remove(q, &items[9]), 0);
	test_assert_int(auth_queue_remove(q, &items[3]), 1);	/* the tail */
	test_assert_int(auth_queue_count(q), 2);
	auth_queue_add(q, "E", &items[4]);
	test_assert_str(take(q, 4), "0 4 2 -");
	/* freed with items still waiting (ASan: no leak) */
	auth_queue_add(q, "A", &items[0]);
	auth_queue_add(q, "B", &items[1]);
	auth_queue_add(q, "B", &items[2]);
	auth_queue_free(&q);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_queue_turns, test_queue_remove, NULL,
	};

	return test_main(tests);
}

/* test_buf.c - unit tests for lib/buf.c and lib/mem.c. */
#include "../../lib/buf.h"
#include "../../lib/mem.h"
#include "test.h"

static void test_buf_append(void)
{
	buf_t *b = buf_new(1);

	test_begin("buf append and grow");
	for (int i = 0; i < 1000; i++)
		buf_puts(b, "ab");
	test_assert_int(b->len, 2000);
	test_assert(b->data[2000] == '\0');
	test_assert(memcmp(b->data, "abab", 4) == 0);
	buf_append(b, "\0x", 2);
	test_assert_int(b->len, 2002);
	test_assert(b->data[2000] == '\0' && b->data[2001] == 'x');
	buf_free(&b);
	test_assert(b == NULL);
	test_end();
}

static void test_buf_printf(void)
{
	buf_t b = BUF_INIT;
	char big[300];

	test_begin("buf printf beyond first reservation");
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_printf(&b, "%d-%s", 42, big);
	test_assert_int(b.len, 3 + 299);
	test_assert(strncmp(buf_str(&b), "42-zzz", 6) == 0);
	buf_printf(&b, "!");
	test_assert(b.data[b.len - 1] == '!');
	buf_release(&b);
	test_end();
}

static void test_buf_edit(void)
{
	buf_t b = BUF_INIT;
	char *s;

	test_begin("buf consume, truncate, chomp, steal");
	test_assert_str(buf_str(&b), "");
	buf_set(&b, "hello world\r\n");
	buf_chomp(&b);
	test_assert_str(buf_str(&b), "hello world");
	buf_consume(&b, 6);
	test_assert_str(buf_str(&b), "world");
	buf_truncate(&b, 3);
	test_assert_str(buf_str(&b), "wor");
	buf_set(&b, "x\n");
	buf_chomp(&b);
	test_assert_str(buf_str(&b), "x");
	buf_consume(&b, 10);
	test_assert_int(b.len, 0);
	buf_puts(&b, "keep");
	s = buf_steal(&b);
	test_assert_str(s, "keep");
	test_assert(b.data == NULL && b.len == 0);
	mem_free(s);
	test_end();
}

static void test_mem(void)
{
	char *s = mem_printf("%s=%d", "a", 7);
	char *n = mem_strndup("abcdef", 3);

	test_begin("mem printf and strndup");
	test_assert_str(s, "a=7");
	test_assert_str(n, "abc");
	MEM_FREE(s);
	test_assert(s == NULL);
	mem_free(n);
	test_end();
}

static void mem_overflow(void *ctx)
{
	(void) ctx;
	mem_reallocarray(NULL, (size_t) -1 / 2, 4);
}

static void test_mem_fatal(void)
{
	test_begin("mem overflow is fatal, not NULL");
	test_assert(test_expect_fatal(mem_overflow, NULL));
	test_end();
}

/* A secret buffer leaves no copy behind where it can be seen: wiped on
 * demand, and the tail a consume moves away from is zeroed. */
static void test_buf_secret(void)
{
	buf_t b = BUF_INIT_SECRET, plain = BUF_INIT;
	char *old;

	test_begin("buf secret: wipe, consume, growth keep no stale copy");
	test_assert(b.secret);
	buf_puts(&b, "AUTH PLAIN c2VjcmV0");
	buf_consume(&b, 5);
	test_assert_str(buf_str(&b), "PLAIN c2VjcmV0");
	/* the 5 bytes moved away from are zero past the new end */
	for (size_t i = b.len; i < b.len + 5; i++)
		test_assert(b.data[i] == '\0');
	old = b.data;
	buf_reserve(&b, 4096);	/* grows into a new block */
	test_assert_str(buf_str(&b), "PLAIN c2VjcmV0");
	test_assert(b.data != old || b.size >= 4096);
	buf_wipe(&b);
	test_assert_int(b.len, 0);
	for (size_t i = 0; i < b.size; i++)
		test_assert(b.data[i] == '\0');
	buf_release(&b);
	test_assert(!b.secret && b.data == NULL);
	buf_puts(&plain, "x");
	test_assert(!plain.secret);
	buf_release(&plain);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_buf_append, test_buf_printf, test_buf_edit, test_mem,
		test_mem_fatal, test_buf_secret, NULL,
	};
	return test_main(tests);
}

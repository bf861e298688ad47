/* test_imap_seqset.c - unit tests for lib/imap_seqset.c: sequence sets
 * parsed, "*" resolved, sorted and merged ranges, membership, counting,
 * iteration, clamping, the compact uid-set form, and refused syntax.
 */
#include <string.h>

#include "../../lib/buf.h"
#include "../../lib/imap_seqset.h"
#include "test.h"

static const char *fmt(const imap_seqset_t *s)
{
	static buf_t out = BUF_INIT;

	buf_reset(&out);
	imap_seqset_format(s, &out);
	return buf_str(&out);
}

/* Parse text, resolve with max, and give the compact form. */
static const char *norm(const char *text, uint32_t max)
{
	imap_seqset_t s = IMAP_SEQSET_INIT;
	static char out[200];

	if (imap_seqset_parse(&s, text, strlen(text)) < 0)
		return "(bad)";
	imap_seqset_resolve(&s, max);
	snprintf(out, sizeof(out), "%s", fmt(&s));
	imap_seqset_release(&s);
	return out;
}

static void test_imap_seqset_parse(void)
{
	imap_seqset_t s = IMAP_SEQSET_INIT;

	test_begin("imap_seqset: parse, resolve *, sort and merge");
	test_assert_str(norm("1", 10), "1");
	test_assert_str(norm("1:3,4,6:7,9", 10), "1:4,6:7,9");
	test_assert_str(norm("5:2", 10), "2:5");
	test_assert_str(norm("9,1,5:3,2", 10), "1:5,9");
	test_assert_str(norm("*", 10), "10");
	test_assert_str(norm("1:*", 10), "1:10");
	test_assert_str(norm("*:4", 10), "4:10");
	test_assert_str(norm("559:*", 100), "100:559");
	test_assert_str(norm("4294967295", 1), "4294967295");
	test_assert_str(norm("1:4294967295,7", 1), "1:4294967295");
	test_assert_str(norm("3,3,3:3", 1), "3");
	test_assert_int(imap_seqset_parse(&s, "2,7:5,*", 7), 0);
	test_assert_int(s.resolved, 0);
	test_assert_int(s.star, 1);
	test_assert_int(s.max_explicit, 7);
	imap_seqset_resolve(&s, 3);
	test_assert_str(fmt(&s), "2:3,5:7");
	test_assert_int(imap_seqset_parse(&s, "2,8:5", 5), 0);
	test_assert_int(s.resolved, 1);
	test_assert_int(s.star, 0);
	test_assert_int(s.max_explicit, 8);
	test_assert_str(fmt(&s), "2,5:8");
	test_assert_int(imap_seqset_parse(&s, "$", 1), 0);
	test_assert_int(s.saved, 1);
	test_assert_int(s.count, 0);
	test_assert_int(imap_seqset_parse(&s, "1", 1), 0);
	test_assert_int(s.saved, 0);
	imap_seqset_release(&s);
	test_end();
}

static void test_imap_seqset_bad(void)
{
	static const char *const bad[] = {
		"", "0", "01", "1:0", "0:1", "1,", ",1", "1,,2", "1:", ":1",
		"1:2:3", "4294967296", "99999999999", "a", "1 2", "-1", "1:*x",
		"**", "*:", "$,1", "1,$", "$$", "+1", "1.5", NULL,
	};
	imap_seqset_t s = IMAP_SEQSET_INIT;
	buf_t many = BUF_INIT;

	test_begin("imap_seqset: bad syntax and too many items refused");
	for (size_t i = 0; bad[i] != NULL; i++) {
		int r = imap_seqset_parse(&s, bad[i], strlen(bad[i]));

		test_assert_int(r, -1);
		if (r != -1)
			printf("  accepted \"%s\"\n", bad[i]);
		test_assert_int(s.count, 0);
	}
	test_assert_int(imap_seqset_parse(&s, "1\0", 2), -1);
	for (int i = 0; i < IMAP_SEQSET_ITEMS_MAX; i++)
		buf_printf(&many, "%s%d", i ? "," : "", 2 * i + 1);
	test_assert_int(imap_seqset_parse(&s, many.data, many.len), 0);
	test_assert_int(s.count, IMAP_SEQSET_ITEMS_MAX);
	buf_puts(&many, ",1");
	test_assert_int(imap_seqset_parse(&s, many.data, many.len), -1);
	buf_release(&many);
	imap_seqset_release(&s);
	test_end();
}

static void test_imap_seqset_read(void)
{
	imap_seqset_t s = IMAP_SEQSET_INIT;
	imap_seqset_iter_t it;
	uint32_t n, seen[16];
	size_t k = 0;

	test_begin("imap_seqset: membership, count, ascending iteration");
	test_assert_int(imap_seqset_parse(&s, "10:12,3,5:6", 11), 0);
	test_assert(imap_seqset_contains(&s, 3));
	test_assert(!imap_seqset_contains(&s, 4));
	test_assert(imap_seqset_contains(&s, 5));
	test_assert(imap_seqset_contains(&s, 6));
	test_assert(!imap_seqset_contains(&s, 9));
	test_assert(imap_seqset_contains(&s, 12));
	test_assert(!imap_seqset_contains(&s, 13));
	test_assert(!imap_seqset_contains(&s, 0));
	test_assert_int(imap_seqset_count(&s), 6);
	imap_seqset_iter_init(&it);
	while (k < 16 && imap_seqset_iter_next(&s, &it, &n))
		seen[k++] = n;
	test_assert_int(k, 6);
	test_assert(k == 6 && seen[0] == 3 && seen[1] == 5 && seen[2] == 6 &&
		    seen[3] == 10 && seen[4] == 11 && seen[5] == 12);
	test_assert_int(imap_seqset_iter_next(&s, &it, &n), 0);
	test_assert_int(imap_seqset_parse(&s, "4294967294:*", 12), 0);
	imap_seqset_resolve(&s, UINT32_MAX);
	test_assert_int(imap_seqset_count(&s), 2);
	imap_seqset_iter_init(&it);
	test_assert(imap_seqset_iter_next(&s, &it, &n) && n == 4294967294u);
	test_assert(imap_seqset_iter_next(&s, &it, &n) && n == 4294967295u);
	test_assert_int(imap_seqset_iter_next(&s, &it, &n), 0);
	test_assert_int(imap_seqset_parse(&s, "1:*", 3), 0);
	imap_seqset_resolve(&s, UINT32_MAX);
	test_assert_int(imap_seqset_count(&s), 4294967295ull);
	imap_seqset_clamp(&s, 1, 100);
	test_assert_str(fmt(&s), "1:100");
	test_assert_int(imap_seqset_parse(&s, "1:5,8,10:20,30", 14), 0);
	imap_seqset_clamp(&s, 4, 12);
	test_assert_str(fmt(&s), "4:5,8,10:12");
	imap_seqset_clamp(&s, 13, 14);
	test_assert_str(fmt(&s), "");
	test_assert_int(imap_seqset_count(&s), 0);
	imap_seqset_iter_init(&it);
	test_assert_int(imap_seqset_iter_next(&s, &it, &n), 0);
	imap_seqset_release(&s);
	test_end();
}

static void test_imap_seqset_add(void)
{
	imap_seqset_t s = IMAP_SEQSET_INIT;

	test_begin("imap_seqset: building a uid-set for COPYUID and APPENDUID");
	test_assert_str(fmt(&s), "");
	for (uint32_t u = 100; u <= 104; u++)
		imap_seqset_add(&s, u, u);
	imap_seqset_add(&s, 107, 107);
	imap_seqset_add(&s, 108, 110);
	test_assert_str(fmt(&s), "100:104,107:110");
	imap_seqset_add(&s, 2, 1);
	test_assert_str(fmt(&s), "1:2,100:104,107:110");
	imap_seqset_add(&s, 105, 106);
	test_assert_str(fmt(&s), "1:2,100:110");
	imap_seqset_add(&s, 3, 99);
	test_assert_str(fmt(&s), "1:110");
	test_assert_int(imap_seqset_count(&s), 110);
	imap_seqset_add(&s, UINT32_MAX, UINT32_MAX);
	imap_seqset_add(&s, UINT32_MAX - 1, UINT32_MAX);
	test_assert_str(fmt(&s), "1:110,4294967294:4294967295");
	imap_seqset_release(&s);
	test_assert(s.ranges == NULL);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_imap_seqset_parse,
		test_imap_seqset_bad,
		test_imap_seqset_read,
		test_imap_seqset_add,
		NULL,
	};

	return test_main(tests);
}

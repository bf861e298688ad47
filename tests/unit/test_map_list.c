/* test_map_list.c - unit tests for lib/map_list.c: the databases of a list
 * of text maps, looked up in order, a missing one empty, a replaced one
 * reopened (unless the list is fixed), one that cannot be read an error.
 */
#include <stdio.h>

#include "../../lib/buf.h"
#include "../../lib/log.h"
#include "../../lib/map.h"
#include "../../lib/map_list.h"
#include "../../lib/mem.h"
#include "test.h"
#include "test_map.h"

static const char *test_dir;

static char *make_map(const char *name, const char *text)
{
	return test_map_make(test_dir, name, text);
}

static void test_map_list_order(void)
{
	char *a = make_map("a", "both one\nonly-a two\n");
	char *b = make_map("b", "both three\nonly-b four\n");
	char *none = mem_printf("%s/none", test_dir);
	char *files[] = { a, none, b, NULL };
	char *b_db = mem_printf("%s.db", b), *err = NULL;
	const char *path = NULL;
	buf_t v = BUF_INIT;
	map_list_t *l;

	test_begin("map_list: first map with the key answers; missing is empty");
	l = map_list_open(files, &err);
	test_assert(l != NULL);
	if (l == NULL) {
		printf("  %s\n", err);
		test_end();
		return;
	}
	test_assert_int(map_list_get(l, "both", &v, &path), 1);
	test_assert_str(buf_str(&v), "one");
	test_assert_int(map_list_get(l, "only-b", &v, &path), 1);
	test_assert_str(buf_str(&v), "four");
	test_assert_str(path, b_db);
	test_assert_int(map_list_get(l, "only-b", &v, NULL), 1);
	test_assert_int(map_list_get(l, "nowhere", &v, &path), 0);
	/* a map made after the open is found */
	mem_free(make_map("none", "late five\n"));
	test_assert_int(map_list_get(l, "late", &v, &path), 1);
	test_assert_str(buf_str(&v), "five");
	map_list_free(&l);
	test_assert(l == NULL);
	map_list_free(&l);
	buf_release(&v);
	mem_free(b_db);
	mem_free(a);
	mem_free(b);
	mem_free(none);
	test_end();
}

static void test_map_list_reopen(void)
{
	char *src = make_map("r", "key old\n");
	char *db = mem_printf("%s.db", src), *err = NULL;
	char *files[] = { src, NULL };
	buf_t v = BUF_INIT;
	map_list_t *l = map_list_open(files, &err);

	test_begin("map_list: replaced, removed and unreadable databases");
	test_assert(l != NULL);
	if (l == NULL) {
		printf("  %s\n", err);
		test_end();
		return;
	}
	test_assert_int(map_list_get(l, "key", &v, NULL), 1);
	test_assert_str(buf_str(&v), "old");
	mem_free(make_map("r", "key new\n"));
	test_assert_int(map_list_get(l, "key", &v, NULL), 1);
	test_assert_str(buf_str(&v), "new");
	unlink(db);
	test_assert_int(map_list_get(l, "key", &v, NULL), 0);
	mem_free(make_map("r", "key again\n"));
	test_assert(truncate(db, 10) == 0);
	test_assert_int(map_list_get(l, "key", &v, NULL), -1);
	map_list_free(&l);
	test_assert(map_list_open(files, &err) == NULL);
	test_assert(err != NULL && strstr(err, db) != NULL);
	mem_free(err);
	buf_release(&v);
	mem_free(db);
	mem_free(src);
	test_end();
}

/* A fixed list keeps what it opened: the process may be chrooted. */
static void test_map_list_fixed(void)
{
	char *src = make_map("f", "key old\n");
	char *db = mem_printf("%s.db", src), *err = NULL;
	char *files[] = { src, NULL };
	buf_t v = BUF_INIT;
	map_list_t *l = map_list_open(files, &err);

	test_begin("map_list: a fixed list never reopens, even when the path is gone");
	test_assert(l != NULL);
	if (l != NULL) {
		map_list_fix(l);
		mem_free(make_map("f", "key new\n"));
		test_assert_int(map_list_get(l, "key", &v, NULL), 1);
		test_assert_str(buf_str(&v), "old");
		unlink(db);
		test_assert_int(map_list_get(l, "key", &v, NULL), 1);
		test_assert_str(buf_str(&v), "old");
		map_list_free(&l);
	}
	buf_release(&v);
	mem_free(db);
	mem_free(src);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_map_list_order, test_map_list_reopen, test_map_list_fixed,
		NULL,
	};

	test_dir = test_tmpdir();
	/* Unreadable databases are logged: expected here. */
	log_set_dest(LOG_DEST_FILE, "/dev/null");
	return test_main(tests);
}

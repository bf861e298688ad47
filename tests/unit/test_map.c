/* test_map.c - unit tests for lib/map.c: the Berkeley DB lookup interface
 * and the compiling of text maps, in a temporary directory.
 */
#include <sys/stat.h>

#include "../../lib/buf.h"
#include "../../lib/log.h"
#include "../../lib/map.h"
#include "../../lib/mem.h"
#include "test.h"

static const char *test_dir;

static char *test_path(const char *name)
{
	return mem_printf("%s/%s", test_dir, name);
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL) {
		printf("  cannot write %s\n", path);
		exit(1);
	}
	fputs(text, fp);
	fclose(fp);
}

static int count_entry(const char *key, size_t klen, const char *value,
		       size_t vlen, void *ctx)
{
	int *n = ctx;

	/* Keys and values arrive NUL-terminated at their length. */
	if (key[klen] != '\0' || value[vlen] != '\0' || strlen(key) != klen)
		return -1;
	(*n)++;
	return 0;
}

static int stop_at_second(const char *key, size_t klen, const char *value,
			  size_t vlen, void *ctx)
{
	int *n = ctx;

	(void) key;
	(void) klen;
	(void) value;
	(void) vlen;
	return ++(*n) == 2 ? 42 : 0;
}

static void test_map_basic(void)
{
	char *path = test_path("basic.db");
	buf_t v = BUF_INIT;
	char *err = NULL;
	map_t *m;
	int n = 0;

	test_begin("map put, get, del, iterate, reopen");
	m = map_open(path, MAP_RDWR | MAP_CREATE, &err);
	test_assert(m != NULL);
	if (m == NULL) {
		printf("  %s\n", err);
		test_end();
		return;
	}
	test_assert_str(map_path(m), path);
	test_assert(map_put(m, "alpha", "one", 3) == 0);
	test_assert(map_put(m, "beta", "two", 3) == 0);
	test_assert(map_put(m, "gamma", "", 0) == 0);
	test_assert(map_put(m, "alpha", "uno", 3) == 0);
	test_assert_int(map_get(m, "alpha", &v), 1);
	test_assert_str(buf_str(&v), "uno");
	test_assert_int(map_get(m, "gamma", &v), 1);
	test_assert_int(v.len, 0);
	test_assert_int(map_get(m, "delta", &v), 0);
	/* Keys are stored without their NUL: a prefix is another key. */
	test_assert_int(map_get(m, "alph", &v), 0);
	test_assert_int(map_del(m, "beta"), 1);
	test_assert_int(map_del(m, "beta"), 0);
	test_assert_int(map_get(m, "beta", &v), 0);
	test_assert_int(map_iterate(m, count_entry, &n), 0);
	test_assert_int(n, 2);
	n = 0;
	test_assert(map_put(m, "beta", "two", 3) == 0);
	test_assert_int(map_iterate(m, stop_at_second, &n), 42);
	test_assert_int(n, 2);
	test_assert(map_sync(m) == 0);
	test_assert_int(map_changed(m), 0);
	map_close(&m);
	test_assert(m == NULL);

	m = map_open(path, MAP_RDONLY, &err);
	test_assert(m != NULL);
	if (m != NULL) {
		test_assert_int(map_get(m, "alpha", &v), 1);
		test_assert_str(buf_str(&v), "uno");
		test_assert_int(map_get(m, "beta", &v), 1);
		test_assert(map_put(m, "x", "y", 1) < 0);
		map_close(&m);
	}
	buf_release(&v);
	mem_free(path);
	test_end();
}

static void test_map_binary(void)
{
	static const char bytes[] = { 'a', '\0', '\n', '\r', (char) 0xff, '%' };
	char *path = test_path("binary.db");
	buf_t v = BUF_INIT;
	char *err = NULL;
	map_t *m;

	test_begin("map values with binary bytes");
	m = map_open(path, MAP_RDWR | MAP_CREATE, &err);
	test_assert(m != NULL);
	if (m != NULL) {
		test_assert(map_put(m, "bin", bytes, sizeof(bytes)) == 0);
		test_assert_int(map_get(m, "bin", &v), 1);
		test_assert_int(v.len, sizeof(bytes));
		test_assert(memcmp(v.data, bytes, sizeof(bytes)) == 0);
		test_assert(v.data[v.len] == '\0');
		map_close(&m);
	}
	buf_release(&v);
	mem_free(path);
	test_end();
}

static void test_map_open_errors(void)
{
	char *path = test_path("missing.db");
	char *text = test_path("not-a-db");
	char *err = NULL;
	map_t *m;

	test_begin("map open of a missing or foreign file fails with a message");
	m = map_open(path, MAP_RDONLY, &err);
	test_assert(m == NULL);
	test_assert(err != NULL && strncmp(err, path, strlen(path)) == 0);
	MEM_FREE(err);
	m = map_open(path, MAP_RDWR, &err);
	test_assert(m == NULL);
	MEM_FREE(err);
	test_assert(access(path, F_OK) < 0);
	write_file(text, "this is not a database, just some text\n");
	m = map_open(text, MAP_RDONLY, &err);
	test_assert(m == NULL);
	test_assert(err != NULL);
	MEM_FREE(err);
	mem_free(path);
	mem_free(text);
	test_end();
}

static void test_map_compile(void)
{
	char *src = test_path("aliases");
	char *db = test_path("aliases.db");
	buf_t v = BUF_INIT;
	char *err = NULL;
	map_t *m;
	struct stat st;
	int n;

	test_begin("map compile: comments, continuations, colon, lower_keys");
	write_file(src, "# aliases\n"
		   "\n"
		   "Postmaster: root\n"
		   "team:\talice,\n"
		   "\t bob,\n"
		   "  # a comment inside\n"
		   "    carol@example.org  \n"
		   "empty-start:\n"
		   "  dave\n"
		   "root: admin\r\n"
		   "ROOT: admin2\n");
	chmod(src, 0640);
	n = map_compile(src, db, 1, 1, &err);
	test_assert_int(n, 4);
	if (n < 0)
		printf("  %s\n", err);
	test_assert(stat(db, &st) == 0 && (st.st_mode & 0777) == 0640);
	m = map_open(db, MAP_RDONLY, &err);
	test_assert(m != NULL);
	if (m != NULL) {
		test_assert_int(map_get(m, "postmaster", &v), 1);
		test_assert_str(buf_str(&v), "root");
		test_assert_int(map_get(m, "Postmaster", &v), 0);
		test_assert_int(map_get(m, "team", &v), 1);
		test_assert_str(buf_str(&v), "alice, bob, carol@example.org");
		test_assert_int(map_get(m, "empty-start", &v), 1);
		test_assert_str(buf_str(&v), "dave");
		test_assert_int(map_get(m, "root", &v), 1);
		test_assert_str(buf_str(&v), "admin2");
		map_close(&m);
	}

	/* White-space separated, keys kept as written. */
	write_file(src, "Alice@Example.org $6$hash secret\n"
		   "bob@example.org\t$y$other\n");
	test_assert_int(map_compile(src, db, 0, 0, &err), 2);
	m = map_open(db, MAP_RDONLY, &err);
	test_assert(m != NULL);
	if (m != NULL) {
		test_assert_int(map_get(m, "Alice@Example.org", &v), 1);
		test_assert_str(buf_str(&v), "$6$hash secret");
		test_assert_int(map_get(m, "bob@example.org", &v), 1);
		test_assert_str(buf_str(&v), "$y$other");
		map_close(&m);
	}
	buf_release(&v);
	mem_free(src);
	mem_free(db);
	test_end();
}

static void test_map_compile_errors(void)
{
	static const struct {
		const char *text;
		int colon;
		const char *msg;
	} cases[] = {
		{ "a b\n  \n c\n\nlonely\n", 0, ", line 5: no value" },
		{ "  first\n", 0, ", line 1: continuation" },
		{ "a: b\nno colon here\n", 1, ", line 2: expected" },
		{ "a:b\n", 1, ", line 1: expected" },
		{ "two words: x\n", 1, ", line 1: white space in key" },
		{ ": x\n", 1, ", line 1: empty key" },
	};
	char *src = test_path("bad");
	char *db = test_path("bad.db");
	char *tmp = mem_printf("%s.tmp%ld", db, (long) getpid());
	char *err = NULL;

	test_begin("map compile errors name file and line, leave nothing behind");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_file(src, cases[i].text);
		test_assert(map_compile(src, db, cases[i].colon, 0, &err) < 0);
		if (err == NULL || strncmp(err, src, strlen(src)) != 0 ||
		    strstr(err, cases[i].msg) == NULL) {
			printf("  case %zu: \"%s\"\n", i, err ? err : "(none)");
			test_assert(0);
		}
		MEM_FREE(err);
		test_assert(access(db, F_OK) < 0);
		test_assert(access(tmp, F_OK) < 0);
	}
	test_assert(map_compile(db, src, 0, 0, &err) < 0);
	MEM_FREE(err);
	mem_free(src);
	mem_free(db);
	mem_free(tmp);
	test_end();
}

static void test_map_replace(void)
{
	char *src = test_path("users");
	char *db = test_path("users.db");
	buf_t v = BUF_INIT;
	char *err = NULL;
	map_t *m, *m2;

	test_begin("map replaced by compile is seen by map_changed");
	write_file(src, "u1 old\n");
	test_assert_int(map_compile(src, db, 0, 1, &err), 1);
	m = map_open(db, MAP_RDONLY, &err);
	test_assert(m != NULL);
	if (m == NULL) {
		test_end();
		return;
	}
	test_assert_int(map_changed(m), 0);
	write_file(src, "u1 new\nu2 x\n");
	test_assert_int(map_compile(src, db, 0, 1, &err), 2);
	test_assert_int(map_changed(m), 1);
	/* The open handle still reads the file it opened. */
	test_assert_int(map_get(m, "u1", &v), 1);
	test_assert_str(buf_str(&v), "old");
	m2 = map_open(db, MAP_RDONLY, &err);
	test_assert(m2 != NULL);
	if (m2 != NULL) {
		test_assert_int(map_changed(m2), 0);
		test_assert_int(map_get(m2, "u1", &v), 1);
		test_assert_str(buf_str(&v), "new");
		map_close(&m2);
	}
	unlink(db);
	test_assert_int(map_changed(m), 1);
	map_close(&m);
	buf_release(&v);
	mem_free(src);
	mem_free(db);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_map_basic, test_map_binary, test_map_open_errors,
		test_map_compile, test_map_compile_errors, test_map_replace,
		NULL,
	};

	test_dir = test_tmpdir();
	/* Duplicate-key warnings and refused writes are expected here. */
	log_set_dest(LOG_DEST_FILE, "/dev/null");
	return test_main(tests);
}

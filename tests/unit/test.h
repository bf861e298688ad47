/* test.h - the tiny unit-test header shared by every tests/unit/test_*.c.
 *
 * A test program lists its cases in a NULL-terminated array and calls
 * test_main().  Each case is named with test_begin(); test_assert() records
 * failures with file and line without stopping the case.  The program prints
 * one line per case and ends with "N passed, M failed" (", K skipped"
 * when cases were skipped), which tests/run.sh adds up.
 *
 * Helpers:
 *   test_skip(why)       ends the current case as skipped: a case that cannot
 *                        run here (needs root, no IPv6) is neither a pass nor
 *                        a failure; printed "SKIP name: why" like the
 *                        integration scripts' skips
 *   test_tmpdir()        a directory of this program's own, made on first use
 *                        and removed with its contents when the program exits
 *   test_feed()          hands a buffer to a callback in pieces of N bytes
 *                        (1: a byte at a time), test_feed_split() in two
 *                        pieces at a given point (loop over every point): a
 *                        parser must not care how its input was cut
 *   test_expect_fatal()  runs a function in a child and passes when the child
 *                        exits through log_fatal() (status 1)
 *
 * One test alone: `make unit TEST=test_log`, or after a build
 * `sh tests/run.sh --unit test_log` (both builds).
 */
#ifndef TERN_TEST_H
#define TERN_TEST_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int test_passed, test_failed, test_skipped, test_case_failed;
static const char *test_case_name;

static inline void test_begin(const char *name)
{
	test_case_name = name;
	test_case_failed = 0;
}

/* Instead of test_end(): the case cannot run here, for the reason why.
 * A case that failed before it found out still counts as failed. */
static inline void test_skip(const char *why)
{
	if (test_case_failed) {
		test_failed++;
		printf("FAIL %s (then skipped: %s)\n", test_case_name, why);
	} else {
		test_skipped++;
		printf("SKIP %s: %s\n", test_case_name, why);
	}
	fflush(stdout);
}

static inline void test_end(void)
{
	if (test_case_failed) {
		test_failed++;
		printf("FAIL %s\n", test_case_name);
	} else {
		test_passed++;
		printf("ok   %s\n", test_case_name);
	}
	fflush(stdout);
}

#define test_assert(cond) do { \
	if (!(cond)) { \
		printf("  %s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond); \
		test_case_failed = 1; \
	} \
} while (0)

#define test_assert_str(a, b) do { \
	const char *ta_ = (a), *tb_ = (b); \
	if (ta_ == NULL || tb_ == NULL || strcmp(ta_, tb_) != 0) { \
		printf("  %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__, \
		       ta_ ? ta_ : "(null)", tb_ ? tb_ : "(null)"); \
		test_case_failed = 1; \
	} \
} while (0)

#define test_assert_int(a, b) do { \
	long long ta_ = (long long) (a), tb_ = (long long) (b); \
	if (ta_ != tb_) { \
		printf("  %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, \
		       #a, ta_, tb_); \
		test_case_failed = 1; \
	} \
} while (0)

/* Remove path and, if it is a directory, everything below it (links are
 * removed, never followed). */
static inline int test_rm_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int r = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(path) + strlen(e->d_name) + 2;
		char *sub;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		sub = malloc(n);
		if (sub == NULL) {
			r = -1;
			break;
		}
		snprintf(sub, n, "%s/%s", path, e->d_name);
		if (test_rm_tree(sub) < 0)
			r = -1;
		free(sub);
	}
	closedir(d);
	return rmdir(path) < 0 ? -1 : r;
}

static inline char *test_tmpdir_path(void)
{
	static char path[] = "/tmp/tern-unit.XXXXXX";

	return path;
}

static pid_t test_tmpdir_owner;

/* Only the process that made it removes it: a forked child that exits
 * through exit() (log_fatal) must not take it from the parent. */
static inline void test_tmpdir_remove(void)
{
	if (getpid() == test_tmpdir_owner && test_rm_tree(test_tmpdir_path()) < 0)
		printf("could not remove %s: %s\n", test_tmpdir_path(), strerror(errno));
}

/* A private directory (mode 0700), made on the first call and removed
 * with everything in it at exit.  A program that cannot make one stops. */
static inline const char *test_tmpdir(void)
{
	if (test_tmpdir_owner == 0) {
		if (mkdtemp(test_tmpdir_path()) == NULL) {
			printf("FAIL mkdtemp %s: %s\n", test_tmpdir_path(), strerror(errno));
			exit(1);
		}
		test_tmpdir_owner = getpid();
		atexit(test_tmpdir_remove);
	}
	return test_tmpdir_path();
}

typedef void (*test_feed_fn)(const char *p, size_t n, void *ctx);

/* Hand data to fn in pieces of step bytes, the last one shorter (0: all
 * at once; 1: a byte at a time), as input arrives from a network.  An
 * empty buffer is one call with n = 0. */
static inline void test_feed(const char *data, size_t len, size_t step,
			     test_feed_fn fn, void *ctx)
{
	if (step == 0 || step > len)
		step = len;
	if (len == 0) {
		fn(data, 0, ctx);
		return;
	}
	for (size_t off = 0; off < len; off += step)
		fn(data + off, len - off < step ? len - off : step, ctx);
}

/* Hand data to fn in two pieces, before and after cut (cut <= len); a
 * loop over cut = 0..len tries every split point. */
static inline void test_feed_split(const char *data, size_t len, size_t cut,
				   test_feed_fn fn, void *ctx)
{
	fn(data, cut, ctx);
	fn(data + cut, len - cut, ctx);
}

/* Pass when fn() ends the process through log_fatal()/exit(1). */
static inline int test_expect_fatal(void (*fn)(void *), void *ctx)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 0;
	if (pid == 0) {
		fn(ctx);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0)
		return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 1;
}

static inline int test_main(void (*const tests[])(void))
{
	for (size_t i = 0; tests[i] != NULL; i++)
		tests[i]();
	if (test_skipped)
		printf("%d passed, %d failed, %d skipped\n", test_passed,
		       test_failed, test_skipped);
	else
		printf("%d passed, %d failed\n", test_passed, test_failed);
	return test_failed ? 1 : 0;
}

#endif

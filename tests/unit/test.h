/* test.h - the tiny unit-test header shared by every tests/unit/test_*.c.
 *
 * A test program lists its cases in a NULL-terminated array and calls
 * test_main().  Each case is named with test_begin(); test_assert() records
 * failures with file and line without stopping the case.  The program prints
 * one line per case and ends with "N passed, M failed", which
 * tests/run-unit.sh adds up.  test_expect_fatal() runs a function in a child
 * and passes when the child exits through log_fatal() (status 1).
 */
#ifndef TERN_TEST_H
#define TERN_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int test_passed, test_failed, test_case_failed;
static const char *test_case_name;

static inline void test_begin(const char *name)
{
	test_case_name = name;
	test_case_failed = 0;
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
	printf("%d passed, %d failed\n", test_passed, test_failed);
	return test_failed ? 1 : 0;
}

#endif

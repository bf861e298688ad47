/* test_mail_index.c - unit tests for lib/mail_index.c: fields stored and
 * read back across opens, a field replaced without touching the others,
 * a cache of another UIDVALIDITY not used, and the remains of a writer
 * killed mid-write thrown away rather than read. */
#include <fcntl.h>
#include <signal.h>

#include "../../lib/buf.h"
#include "../../lib/mail_index.h"
#include "test.h"

static int got(mail_index_t *ix, uint32_t uid, char field, const char *want)
{
	buf_t b = BUF_INIT;
	int r = mail_index_get(ix, uid, field, &b);
	int ok = want == NULL ? r == 0 :
		r == 1 && b.len == strlen(want) && memcmp(b.data, want, b.len) == 0;

	buf_release(&b);
	return ok;
}

static void test_index(void)
{
	const char *dir = test_tmpdir();
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	mail_index_t *ix = mail_index_open(dir, dfd, 1234), *other;
	pid_t pid;
	int status;

	test_begin("index: fields kept, replaced, validity and dead writers");
	test_assert(mail_index_begin(ix, 0) == -1);	/* no file yet: misses */
	test_assert(got(ix, 1, 'E', NULL));
	mail_index_end(ix);
	test_assert(mail_index_begin(ix, 1) == 0);
	test_assert(mail_index_put(ix, 1, 'E', "(envelope one)", 14) == 0);
	test_assert(mail_index_put(ix, 1, 'B', "(body)", 6) == 0);
	test_assert(mail_index_put(ix, 2, 'E', "(two)", 5) == 0);
	test_assert(mail_index_put(ix, 1, 'E', "(envelope 1)", 12) == 0);
	mail_index_end(ix);
	test_assert(mail_index_begin(ix, 0) == 0);
	test_assert(got(ix, 1, 'E', "(envelope 1)") && got(ix, 1, 'B', "(body)"));
	test_assert(got(ix, 2, 'E', "(two)") && got(ix, 2, 'B', NULL) && got(ix, 3, 'E', NULL));
	test_assert(mail_index_put(ix, 3, 'E', "x", 1) == -1);	/* read only */
	mail_index_end(ix);
	test_assert(mail_index_begin(ix, 1) == 0 && mail_index_forget(ix, 2) == 0);
	mail_index_end(ix);
	test_assert(mail_index_begin(ix, 0) == 0 && got(ix, 2, 'E', NULL));
	mail_index_end(ix);

	other = mail_index_open(dir, dfd, 999);
	test_assert(mail_index_begin(other, 0) == -1 && got(other, 1, 'E', NULL));
	mail_index_end(other);
	mail_index_close(&other);
	test_assert(mail_index_begin(ix, 0) == 0 && got(ix, 1, 'E', "(envelope 1)"));
	mail_index_end(ix);

	/* A writer killed between its first change and its end. */
	pid = fork();
	if (pid == 0) {
		mail_index_t *w = mail_index_open(dir, dfd, 1234);

		if (mail_index_begin(w, 1) == 0 && mail_index_put(w, 5, 'E', "half", 4) == 0)
			kill(getpid(), SIGKILL);
		_exit(1);
	}
	test_assert(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status));
	test_assert(mail_index_begin(ix, 0) == -1 && got(ix, 1, 'E', NULL));
	mail_index_end(ix);
	test_assert(mail_index_begin(ix, 1) == 0 && got(ix, 1, 'E', NULL) && got(ix, 5, 'E', NULL));
	test_assert(mail_index_put(ix, 1, 'E', "again", 5) == 0);
	mail_index_end(ix);
	test_assert(mail_index_begin(ix, 0) == 0 && got(ix, 1, 'E', "again"));
	mail_index_end(ix);
	mail_index_close(&ix);
	close(dfd);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = { test_index, NULL };

	return test_main(tests);
}

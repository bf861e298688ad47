/* test_mail_save.c - unit tests for lib/mail_save.c: a message saved from
 * CRLF input in pieces of every size is stored with LF ends and named
 * with its stored and wire sizes and flags, dated as asked (mtime and
 * name), nothing left in tmp/; an aborted save leaves nothing; a copy is
 * a link under a new name with the same date; tmp/ is cleaned of a dead
 * save's file only. */
#include <fcntl.h>

#include "../../lib/buf.h"
#include "../../lib/mail_save.h"
#include "../../lib/maildir.h"
#include "test.h"

static const char wire[] = "Subject: hi\r\n\r\nline\r\nbare\rcr\r\r\n.\r\n";
static const char stored[] = "Subject: hi\n\nline\nbare\rcr\r\n.\n";

static void feed(const char *p, size_t n, void *ctx)
{
	test_assert(mail_save_write(ctx, p, n) == 0);
}

static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	if (d != NULL)
		closedir(d);
	return n;
}

static void test_save(void)
{
	char dir[4096], path[8192], back[256];
	int ffd, fd;
	buf_t name = BUF_INIT, want = BUF_INIT;
	mail_flags_t f = { 1u << ('S' - 'A'), 1 };
	struct stat st;
	ssize_t n;

	test_begin("save: CRLF made LF in pieces of any size, sizes and flags in the name");
	snprintf(dir, sizeof(dir), "%s/Maildir", test_tmpdir());
	test_assert(maildir_create(dir) == 0);
	ffd = open(dir, O_RDONLY | O_DIRECTORY);
	for (size_t step = 1; step <= sizeof(wire); step++) {
		mail_save_t *s = mail_save_begin(ffd);

		test_assert(s != NULL);
		test_feed(wire, sizeof(wire) - 1, step, feed, s);
		test_assert(mail_save_size(s) == sizeof(stored) - 1);
		buf_reset(&name);
		test_assert(mail_save_finish(&s, &f, 1000000000, &name) == 0 && s == NULL);
		buf_reset(&want);
		buf_printf(&want, ",S=%zu,W=%zu:2,Sa", sizeof(stored) - 1, sizeof(wire) + 1);
		test_assert(name.len > want.len &&
			    strcmp(buf_str(&name) + name.len - want.len, buf_str(&want)) == 0);
		/* The internal date is in the name, where readers look. */
		test_assert(strncmp(buf_str(&name), "1000000000.M", 12) == 0);
		snprintf(path, sizeof(path), "%s/cur/%s", dir, buf_str(&name));
		fd = open(path, O_RDONLY);
		n = read(fd, back, sizeof(back));
		test_assert(fstat(fd, &st) == 0 && st.st_mtime == 1000000000);
		close(fd);
		test_assert(n == (ssize_t) sizeof(stored) - 1 && memcmp(back, stored, (size_t) n) == 0);
	}
	snprintf(path, sizeof(path), "%s/tmp", dir);
	test_assert(count_files(path) == 0);
	snprintf(path, sizeof(path), "%s/cur", dir);
	test_assert(count_files(path) == (int) sizeof(wire));
	close(ffd);
	buf_release(&name);
	buf_release(&want);
	test_end();
}

static void test_abort_and_copy(void)
{
	char a[4096], b[4096], path[8192];
	int afd, bfd, cur;
	mail_save_t *s;
	buf_t name = BUF_INIT, copy = BUF_INIT;
	mail_flags_t none = { 0, 0 }, flagged = { 1u << ('F' - 'A'), 0 };
	struct stat st1, st2;

	test_begin("save: abort leaves nothing; copy links under a new name");
	snprintf(a, sizeof(a), "%s/A", test_tmpdir());
	snprintf(b, sizeof(b), "%s/B", test_tmpdir());
	test_assert(maildir_create(a) == 0 && maildir_create(b) == 0);
	afd = open(a, O_RDONLY | O_DIRECTORY);
	bfd = open(b, O_RDONLY | O_DIRECTORY);
	s = mail_save_begin(afd);
	test_assert(mail_save_write(s, "x\r\n", 3) == 0);
	mail_save_abort(&s);
	test_assert(s == NULL);
	snprintf(path, sizeof(path), "%s/tmp", a);
	test_assert(count_files(path) == 0);

	s = mail_save_begin(afd);
	test_assert(mail_save_write(s, "Subject: c\r\n\r\nbody\r\n", 20) == 0);
	test_assert(mail_save_finish(&s, &none, 1234567890, &name) == 0);
	cur = openat(afd, "cur", O_RDONLY | O_DIRECTORY);
	test_assert(mail_save_copy(cur, buf_str(&name), bfd, &flagged, &copy) == 0);
	test_assert(mail_save_copy_sync(bfd) == 0);
	test_assert(strstr(buf_str(&copy), ",S=17,W=20:2,F") != NULL);
	test_assert(strncmp(buf_str(&copy), buf_str(&name), strcspn(buf_str(&name), ",")) != 0);
	test_assert(strncmp(buf_str(&copy), "1234567890.M", 12) == 0);
	snprintf(path, sizeof(path), "%s/cur/%s", a, buf_str(&name));
	test_assert(stat(path, &st1) == 0);
	snprintf(path, sizeof(path), "%s/cur/%s", b, buf_str(&copy));
	test_assert(stat(path, &st2) == 0 && st1.st_ino == st2.st_ino);
	test_assert(mail_save_copy(cur, "no-such-file", bfd, &none, &copy) == -1 && errno == ENOENT);
	close(cur);
	close(afd);
	close(bfd);
	buf_release(&name);
	buf_release(&copy);
	test_end();
}

static void test_clean_tmp(void)
{
	char a[4096], path[8192];
	int afd, fd;
	struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };

	test_begin("save: tmp/ cleaned of files a dead save left, not of live ones");
	snprintf(a, sizeof(a), "%s/C", test_tmpdir());
	test_assert(maildir_create(a) == 0);
	afd = open(a, O_RDONLY | O_DIRECTORY);
	snprintf(path, sizeof(path), "%s/tmp/dated", a);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	test_assert(fd >= 0 && write(fd, "x", 1) == 1);
	/* An old mtime, as a save gives the internal date before its link:
	 * the new ctime keeps it. */
	test_assert(futimens(fd, old) == 0);
	close(fd);
	test_assert(mail_save_clean_tmp(afd, time(NULL)) == 0);
	test_assert(access(path, F_OK) == 0);
	/* Seen 37 hours later, it is a dead save's. */
	test_assert(mail_save_clean_tmp(afd, time(NULL) + 37 * 3600) == 1);
	test_assert(access(path, F_OK) < 0);
	close(afd);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = { test_save, test_abort_and_copy,
					       test_clean_tmp, NULL };

	return test_main(tests);
}

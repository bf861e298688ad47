/* test_mailbox.c - unit tests for lib/mailbox.c: listing, sizes, finding a
 * message again after another process renamed or removed it, flags,
 * deletion, the POP3 lock, symlinks. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#include "../../lib/mailbox.h"
#include "../../lib/mem.h"
#include "test.h"

static const char *top;

/* Write a file at top/<mbox>/<rel> with content. */
static void put(const char *md, const char *rel, const char *content)
{
	char *path = mem_printf("%s/%s", md, rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t) strlen(content))
		printf("  cannot write %s\n", path);
	if (fd >= 0)
		close(fd);
	mem_free(path);
}

static char *read_fd(int fd)
{
	buf_t b = BUF_INIT;
	char chunk[512];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_append(&b, chunk, (size_t) n);
	close(fd);
	return buf_steal(&b);
}

static int exists(const char *md, const char *rel)
{
	char *path = mem_printf("%s/%s", md, rel);
	struct stat st;
	int r = lstat(path, &st) == 0;

	mem_free(path);
	return r;
}

static void do_rename(const char *md, const char *from, const char *to)
{
	char *a = mem_printf("%s/%s", md, from), *b = mem_printf("%s/%s", md, to);

	if (rename(a, b) < 0)
		printf("  rename %s: %s\n", a, strerror(errno));
	mem_free(a);
	mem_free(b);
}

static void test_mailbox_path(void)
{
	buf_t p = BUF_INIT;

	test_begin("mailbox: virtual path is lower-case domain/localpart");
	mailbox_path_virtual("/var/mail", "Bob.Smith@Example.ORG", &p);
	test_assert_str(buf_str(&p), "/var/mail/example.org/bob.smith");
	mailbox_path_virtual("/M/Dir", "a@b", &p);
	test_assert_str(buf_str(&p), "/M/Dir/b/a");	/* the parent keeps its case */
	mailbox_path_virtual("/m", "nodomain", &p);
	test_assert_int(p.len, 0);
	mailbox_path_virtual("/m", ".hidden@x.org", &p);
	test_assert_int(p.len, 0);
	mailbox_path_virtual("/m", "a@../x", &p);
	test_assert_int(p.len, 0);
	mailbox_path_virtual("/m", "a/b@x.org", &p);
	test_assert_int(p.len, 0);
	mailbox_path_virtual("/m", "@x.org", &p);
	test_assert_int(p.len, 0);
	buf_release(&p);
	test_end();
}

static void test_mailbox_list(void)
{
	char *md = mem_printf("%s/list", top);
	char *err = NULL, *foreign;
	mailbox_t *mb;
	mailbox_msg_t *msgs;
	size_t n = 99;
	struct timespec ts[2] = { { 1600000000, 0 }, { 1600000000, 0 } };

	test_begin("mailbox: list order, sizes from names and measured, dedup");
	mb = mailbox_open(md, &err);
	test_assert(mb != NULL);
	if (mb == NULL)
		goto out;
	test_assert_str(mailbox_dir(mb), md);
	test_assert(exists(md, "tmp") && exists(md, "new") && exists(md, "cur"));
	test_assert(mailbox_list(mb, &msgs, &n) == 0);
	test_assert_int(n, 0);

	/* sizes in the names are believed: the content does not match them */
	put(md, "new/1700000002.M000001P1Q1.host,S=100,W=104", "x");
	put(md, "new/1700000001.M500000P1Q1.host,S=10,W=11", "y");
	put(md, "new/1700000001.M000002P9Q1.host,S=20,W=22", "z");
	/* Postfix's local: "<sec>.V<dev>I<inode>M<usec>.<host>", no sizes */
	put(md, "new/1700000001.V801I2cM400000.pfhost", "pf\n");
	/* no sizes, flags: measured (3 LFs) */
	put(md, "cur/1700000003.M1P1.host:2,S", "a\nbb\n\nc");
	/* neither time nor sizes: stat()ed for the time, measured */
	put(md, "cur/foreign-msg", "one\ntwo\n");
	foreign = mem_printf("%s/cur/foreign-msg", md);
	test_assert(utimensat(AT_FDCWD, foreign, ts, 0) == 0);
	mem_free(foreign);
	/* the same base in new/ and cur/ (caught mid-move): listed once */
	put(md, "new/1700000004.M1P1Q1.host,S=1,W=1", "q");
	put(md, "cur/1700000004.M1P1Q1.host,S=1,W=1:2,S", "q");
	/* hidden files, directories and symlinks are no messages */
	put(md, "new/.hidden", "h");
	put(md, "tmp/1700000000.M1P1Q1.host,S=1,W=1", "t");
	{
		char *d = mem_printf("%s/cur/adir", md);
		char *l = mem_printf("%s/new/1700000005.M1P1Q1.link,S=1,W=1", md);

		test_assert(mkdir(d, 0700) == 0);
		test_assert(symlink("/etc/passwd", l) == 0);
		mem_free(d);
		mem_free(l);
	}

	test_assert(mailbox_list(mb, &msgs, &n) == 0);
	test_assert_int(n, 7);
	if (n == 7) {
		test_assert_str(msgs[2].base, "1700000001.V801I2cM400000.pfhost");
		test_assert_int(msgs[2].wsize, 4);
		test_assert_str(msgs[0].base, "foreign-msg");
		test_assert_int(msgs[0].mtime, 1600000000);
		test_assert_int(msgs[0].size, 8);
		test_assert_int(msgs[0].wsize, 10);
		test_assert_int(msgs[0].in_new, 0);
		test_assert_str(msgs[1].base, "1700000001.M000002P9Q1.host");
		test_assert_int(msgs[1].size, 20);
		test_assert_int(msgs[1].wsize, 22);
		test_assert_int(msgs[1].in_new, 1);
		test_assert_str(msgs[3].base, "1700000001.M500000P1Q1.host");
		test_assert_int(msgs[3].mtime, 1700000001);
		test_assert_str(msgs[4].base, "1700000002.M000001P1Q1.host");
		test_assert_str(msgs[4].name, "1700000002.M000001P1Q1.host,S=100,W=104");
		test_assert_int(msgs[4].wsize, 104);
		test_assert_str(msgs[5].base, "1700000003.M1P1.host");
		test_assert_str(msgs[5].name, "1700000003.M1P1.host:2,S");
		test_assert_int(msgs[5].size, 7);
		test_assert_int(msgs[5].wsize, 10);
		test_assert_str(mailbox_msg_flags(&msgs[5]), "S");
		test_assert_str(mailbox_msg_flags(&msgs[4]), "");
		test_assert_str(msgs[6].base, "1700000004.M1P1Q1.host");
		test_assert_int(msgs[6].in_new, 0);
	}
	mailbox_close(&mb);
	test_assert(mb == NULL);
out:
	mem_free(err);
	mem_free(md);
	test_end();
}

static void test_mailbox_renamed(void)
{
	char *md = mem_printf("%s/renamed", top);
	char *err = NULL, *s;
	mailbox_t *mb;
	mailbox_msg_t *msgs, copy;
	size_t n = 0;
	off_t size = -1;
	int fd;

	test_begin("mailbox: open by base name after another process renamed or removed it");
	mb = mailbox_open(md, &err);
	test_assert(mb != NULL);
	if (mb == NULL)
		goto out;
	put(md, "new/1700000001.M1P1Q1.h,S=6,W=7", "hello\n");
	put(md, "new/1700000002.M1P1Q1.h,S=6,W=7", "world\n");
	put(md, "new/1700000003.M1P1Q1.h", "third\n");	/* no sizes at all */
	test_assert(mailbox_list(mb, &msgs, &n) == 0);
	test_assert_int(n, 3);
	if (n != 3)
		goto out;

	/* an IMAP server marks it seen: new/ -> cur/ with ":2,S" */
	do_rename(md, "new/1700000001.M1P1Q1.h,S=6,W=7", "cur/1700000001.M1P1Q1.h,S=6,W=7:2,S");
	/* and flags the second one twice */
	do_rename(md, "new/1700000002.M1P1Q1.h,S=6,W=7", "cur/1700000002.M1P1Q1.h,S=6,W=7:2,S");
	do_rename(md, "cur/1700000002.M1P1Q1.h,S=6,W=7:2,S", "cur/1700000002.M1P1Q1.h,S=6,W=7:2,FS");
	do_rename(md, "new/1700000003.M1P1Q1.h", "cur/1700000003.M1P1Q1.h:2,FS");

	fd = mailbox_msg_open(mb, &msgs[0], &size);
	test_assert(fd >= 0);
	test_assert_int(size, 6);
	s = read_fd(fd);
	test_assert_str(s, "hello\n");
	mem_free(s);
	test_assert_str(msgs[0].name, "1700000001.M1P1Q1.h,S=6,W=7:2,S");
	test_assert_int(msgs[0].in_new, 0);
	/* the one rescan found the other two as well */
	test_assert_str(msgs[1].name, "1700000002.M1P1Q1.h,S=6,W=7:2,FS");
	test_assert_str(mailbox_msg_flags(&msgs[1]), "FS");
	test_assert_str(msgs[2].name, "1700000003.M1P1Q1.h:2,FS");
	test_assert_str(msgs[1].base, "1700000002.M1P1Q1.h");
	fd = mailbox_msg_open(mb, &msgs[2], NULL);
	test_assert(fd >= 0);
	s = read_fd(fd);
	test_assert_str(s, "third\n");
	mem_free(s);

	/* a copy outside the list is found too */
	copy = msgs[1];
	copy.name = mem_strdup("1700000002.M1P1Q1.h,S=6,W=7");
	copy.in_new = 1;
	fd = mailbox_msg_open(mb, &copy, NULL);
	test_assert(fd >= 0);
	if (fd >= 0)
		close(fd);
	test_assert_str(copy.name, "1700000002.M1P1Q1.h,S=6,W=7:2,FS");
	mem_free(copy.name);

	/* removed by another process: ENOENT, and the others still work */
	{
		char *p = mem_printf("%s/cur/%s", md, msgs[1].name);

		unlink(p);
		mem_free(p);
	}
	errno = 0;
	test_assert(mailbox_msg_open(mb, &msgs[1], NULL) == -1);
	test_assert_int(errno, ENOENT);
	errno = 0;
	test_assert(mailbox_msg_set_flags(mb, &msgs[1], "S") == -1);
	test_assert_int(errno, ENOENT);
	errno = 0;
	test_assert(mailbox_msg_delete(mb, &msgs[1]) == -1);
	test_assert_int(errno, ENOENT);
	fd = mailbox_msg_open(mb, &msgs[0], NULL);
	test_assert(fd >= 0);
	if (fd >= 0)
		close(fd);

	/* a symlink put in the message's place is refused */
	{
		char *p = mem_printf("%s/cur/%s", md, msgs[0].name);

		unlink(p);
		test_assert(symlink("/etc/passwd", p) == 0);
		errno = 0;
		test_assert(mailbox_msg_open(mb, &msgs[0], NULL) == -1);
		test_assert_int(errno, ELOOP);
		mem_free(p);
	}
	mailbox_close(&mb);
out:
	mem_free(err);
	mem_free(md);
	test_end();
}

static void test_mailbox_flags(void)
{
	char *md = mem_printf("%s/flags", top);
	char *err = NULL;
	mailbox_t *mb;
	mailbox_msg_t *msgs;
	size_t n = 0;

	test_begin("mailbox: set_flags sorts, dedups, moves to cur/; delete");
	mb = mailbox_open(md, &err);
	test_assert(mb != NULL);
	if (mb == NULL)
		goto out;
	put(md, "new/1700000001.M1P1Q1.h,S=2,W=3", "a\n");
	put(md, "new/1700000002.M1P1Q1.h,S=2,W=3", "b\n");
	put(md, "new/1700000003.M1P1Q1.h", "c\n");
	test_assert(mailbox_list(mb, &msgs, &n) == 0);
	test_assert_int(n, 3);
	if (n != 3)
		goto out;
	test_assert(mailbox_msg_set_flags(mb, &msgs[0], "SFSRS") == 0);
	test_assert_str(msgs[0].name, "1700000001.M1P1Q1.h,S=2,W=3:2,FRS");
	test_assert_int(msgs[0].in_new, 0);
	test_assert(exists(md, "cur/1700000001.M1P1Q1.h,S=2,W=3:2,FRS"));
	test_assert(!exists(md, "new/1700000001.M1P1Q1.h,S=2,W=3"));
	test_assert_str(mailbox_msg_flags(&msgs[0]), "FRS");
	test_assert(mailbox_msg_set_flags(mb, &msgs[0], "S") == 0);
	test_assert(exists(md, "cur/1700000001.M1P1Q1.h,S=2,W=3:2,S"));
	test_assert(!exists(md, "cur/1700000001.M1P1Q1.h,S=2,W=3:2,FRS"));
	/* the same flags again: nothing changes */
	test_assert(mailbox_msg_set_flags(mb, &msgs[0], "S") == 0);
	test_assert(exists(md, "cur/1700000001.M1P1Q1.h,S=2,W=3:2,S"));
	/* no flags: moved to cur/ with an empty info part */
	test_assert(mailbox_msg_set_flags(mb, &msgs[1], "") == 0);
	test_assert(exists(md, "cur/1700000002.M1P1Q1.h,S=2,W=3:2,"));
	test_assert_str(mailbox_msg_flags(&msgs[1]), "");
	/* a name without sizes */
	test_assert(mailbox_msg_set_flags(mb, &msgs[2], "S") == 0);
	test_assert(exists(md, "cur/1700000003.M1P1Q1.h:2,S"));
	/* not a flag */
	errno = 0;
	test_assert(mailbox_msg_set_flags(mb, &msgs[2], "S,") == -1);
	test_assert_int(errno, EINVAL);
	test_assert(mailbox_msg_set_flags(mb, &msgs[2], "S/x") == -1);
	/* renamed behind our back, then flagged: found again */
	do_rename(md, "cur/1700000003.M1P1Q1.h:2,S", "cur/1700000003.M1P1Q1.h:2,FS");
	test_assert(mailbox_msg_set_flags(mb, &msgs[2], "DS") == 0);
	test_assert(exists(md, "cur/1700000003.M1P1Q1.h:2,DS"));
	test_assert(!exists(md, "cur/1700000003.M1P1Q1.h:2,FS"));

	test_assert(mailbox_msg_delete(mb, &msgs[0]) == 0);
	test_assert(!exists(md, "cur/1700000001.M1P1Q1.h,S=2,W=3:2,S"));
	errno = 0;
	test_assert(mailbox_msg_delete(mb, &msgs[0]) == -1);
	test_assert_int(errno, ENOENT);
	/* deleted after another process renamed it */
	do_rename(md, "cur/1700000002.M1P1Q1.h,S=2,W=3:2,", "cur/1700000002.M1P1Q1.h,S=2,W=3:2,T");
	test_assert(mailbox_msg_delete(mb, &msgs[1]) == 0);
	test_assert(!exists(md, "cur/1700000002.M1P1Q1.h,S=2,W=3:2,T"));
	test_assert(mailbox_list(mb, &msgs, &n) == 0);
	test_assert_int(n, 1);
	mailbox_close(&mb);
out:
	mem_free(err);
	mem_free(md);
	test_end();
}

static void test_mailbox_lock(void)
{
	char *md = mem_printf("%s/lock", top);
	char *err = NULL;
	mailbox_t *mb, *mb2;
	int ready[2], status;
	pid_t pid;
	char c;

	test_begin("mailbox: lock held by another process, released when it dies");
	mb = mailbox_open(md, &err);
	test_assert(mb != NULL);
	if (mb == NULL || pipe(ready) < 0)
		goto out;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		mailbox_t *child = mailbox_open(md, &err);

		close(ready[0]);
		if (child == NULL || mailbox_lock(child) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	test_assert(read(ready[0], &c, 1) == 1);
	close(ready[0]);
	errno = 0;
	test_assert(mailbox_lock(mb) == -1);
	test_assert(errno == EWOULDBLOCK);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	test_assert(mailbox_lock(mb) == 0);
	test_assert(mailbox_lock(mb) == 0);	/* held already: fine */
	/* a second handle in this process is another session */
	mb2 = mailbox_open(md, &err);
	test_assert(mb2 != NULL);
	if (mb2 != NULL) {
		test_assert(mailbox_lock(mb2) == -1);
		mailbox_unlock(mb);
		test_assert(mailbox_lock(mb2) == 0);
		mailbox_close(&mb2);	/* close unlocks */
	}
	test_assert(mailbox_lock(mb) == 0);
	/* the lock file is no message */
	{
		mailbox_msg_t *msgs;
		size_t n = 9;

		test_assert(mailbox_list(mb, &msgs, &n) == 0);
		test_assert_int(n, 0);
	}
	mailbox_close(&mb);
out:
	mem_free(err);
	mem_free(md);
	test_end();
}

static void test_mailbox_open_errors(void)
{
	char *err = NULL;
	char *md = mem_printf("%s/file", top);
	mailbox_t *mb;

	test_begin("mailbox: open errors");
	put(top, "file", "x");
	mb = mailbox_open(md, &err);
	test_assert(mb == NULL);
	test_assert(err != NULL);
	mem_free(err);
	mem_free(md);
	test_end();
}

/* The read-ahead halves: open early, check when wanted. */
static void test_mailbox_verify(void)
{
	char *md = mem_printf("%s/verify", top);
	char *err = NULL, *path;
	mailbox_t *mb;
	mailbox_msg_t *msgs;
	size_t n = 0;
	off_t size = -1;
	int fd;

	test_begin("mailbox: open early, verify later (renamed, removed, not a file)");
	mb = mailbox_open(md, &err);
	test_assert(mb != NULL);
	if (mb == NULL)
		goto out;
	put(md, "new/1700000001.M1P1Q1.h,S=6,W=7", "hello\n");
	put(md, "new/1700000002.M1P1Q1.h,S=6,W=7", "again\n");
	put(md, "new/1700000003.M1P1Q1.h", "third\n");
	test_assert(mailbox_list(mb, &msgs, &n) == 0);
	test_assert_int(n, 3);
	if (n != 3)
		goto close;
	/* listed as a file, replaced by a FIFO since */
	path = mem_printf("%s/new/1700000003.M1P1Q1.h", md);
	test_assert(unlink(path) == 0 && mkfifo(path, 0600) == 0);
	mem_free(path);
	/* renamed after the open: the same file, still good */
	fd = mailbox_msg_open_unverified(mb, &msgs[0]);
	test_assert(fd >= 0);
	do_rename(md, "new/1700000001.M1P1Q1.h,S=6,W=7", "cur/1700000001.M1P1Q1.h,S=6,W=7:2,S");
	test_assert_int(mailbox_msg_verify(fd, &size), 0);
	test_assert_int(size, 6);
	close(fd);
	/* removed after the open: ENOENT */
	fd = mailbox_msg_open_unverified(mb, &msgs[1]);
	test_assert(fd >= 0);
	path = mem_printf("%s/new/1700000002.M1P1Q1.h,S=6,W=7", md);
	test_assert(unlink(path) == 0);
	mem_free(path);
	errno = 0;
	test_assert_int(mailbox_msg_verify(fd, NULL), -1);
	test_assert_int(errno, ENOENT);
	close(fd);
	/* a FIFO opens (without blocking) but is refused, by both paths */
	fd = mailbox_msg_open_unverified(mb, &msgs[2]);
	test_assert(fd >= 0);
	errno = 0;
	test_assert_int(mailbox_msg_verify(fd, NULL), -1);
	test_assert_int(errno, EINVAL);
	close(fd);
	errno = 0;
	test_assert_int(mailbox_msg_open(mb, &msgs[2], &size), -1);
	test_assert_int(errno, EINVAL);
close:
	mailbox_close(&mb);
out:
	mem_free(err);
	mem_free(md);
	test_end();
}

static void test_mailbox_many(void)
{
	char *md = mem_printf("%s/many", top);
	char *err = NULL;
	mailbox_t *mb;
	mailbox_msg_t *msgs;
	size_t n = 0;
	int sorted = 1;

	test_begin("mailbox: 5000 messages listed in order");
	mb = mailbox_open(md, &err);
	test_assert(mb != NULL);
	if (mb == NULL)
		goto out;
	/* written in reverse delivery order, half in cur/ */
	for (int i = 5000; i > 0; i--) {
		char *rel = mem_printf("%s/%d.M%06dP1Q%d.host,S=10,W=12%s",
				       i % 2 ? "new" : "cur", 1700000000 + i / 10,
				       i % 10, i, i % 2 ? "" : ":2,S");

		put(md, rel, "0123456789");
		mem_free(rel);
	}
	test_assert(mailbox_list(mb, &msgs, &n) == 0);
	test_assert_int(n, 5000);
	for (size_t i = 1; i < n; i++)
		if (msgs[i - 1].mtime > msgs[i].mtime)
			sorted = 0;
	test_assert(sorted);
	if (n == 5000) {
		test_assert_str(msgs[0].base, "1700000000.M000001P1Q1.host");
		test_assert_str(msgs[4999].base, "1700000500.M000000P1Q5000.host");
	}
	mailbox_close(&mb);
out:
	mem_free(err);
	mem_free(md);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_mailbox_path, test_mailbox_list, test_mailbox_renamed,
		test_mailbox_flags, test_mailbox_lock, test_mailbox_open_errors,
		test_mailbox_verify, test_mailbox_many, NULL
	};

	top = test_tmpdir();
	return test_main(tests);
}

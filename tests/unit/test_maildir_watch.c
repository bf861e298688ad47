/* test_maildir_watch.c - unit tests for lib/maildir_watch.c under
 * event_wait(): a delivery wakes a waiting session, nothing else does.
 */
#include <fcntl.h>
#include <stdint.h>

#include "../../lib/event.h"
#include "../../lib/event_wait.h"
#include "../../lib/maildir.h"
#include "../../lib/maildir_watch.h"
#include "../../lib/mem.h"
#include "test.h"

static char *box;

static event_wake_t wait_change(int fd, long ms)
{
	event_wait_t w = EVENT_WAIT_INIT;

	w.change_fd = fd;
	w.timeout_ms = ms;
	return event_wait(&w);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

	test_assert(fd >= 0);
	test_assert(write(fd, text, strlen(text)) == (ssize_t) strlen(text));
	test_assert(fsync(fd) == 0);
	close(fd);
}

static int open_watch(void)
{
	int fd = maildir_watch_open(box);

	if (fd < 0 && (errno == ENOSYS || errno == EMFILE || errno == ENOSPC)) {
		test_skip(strerror(errno));
		return -1;
	}
	test_assert(fd >= 0);
	return fd;
}

static void test_watch_quiet(void)
{
	char *tmp = mem_printf("%s/tmp/1.quiet", box);
	int fd;

	test_begin("no change, or a file written in tmp/: nothing wakes");
	if ((fd = open_watch()) < 0)
		return;
	test_assert_int(wait_change(fd, 300), EVENT_WAKE_TIMEOUT);
	write_file(tmp, "half a message\n");
	test_assert_int(wait_change(fd, 300), EVENT_WAKE_TIMEOUT);
	test_assert_int(maildir_watch_drain(fd), 0);
	unlink(tmp);
	mem_free(tmp);
	close(fd);
	test_end();
}

static void test_watch_delivery(void)
{
	char *tmp = mem_printf("%s/tmp/2.msg", box);
	char *dst = mem_printf("%s/new/2.msg", box);
	int64_t t0, took;
	pid_t pid;
	int fd, status;

	test_begin("write in tmp/, rename into new/: the wait wakes at the rename");
	if ((fd = open_watch()) < 0)
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		usleep(100 * 1000);
		write_file(tmp, "Subject: hi\n\nbody\n");
		usleep(300 * 1000);
		_exit(rename(tmp, dst) == 0 ? 0 : 1);
	}
	t0 = event_now_ms();
	test_assert_int(wait_change(fd, 5000), EVENT_WAKE_CHANGE);
	took = event_now_ms() - t0;
	test_assert(took >= 350 && took < 3000);
	test_assert(waitpid(pid, &status, 0) == pid);
	test_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Consumed: quiet again until the next change. */
	test_assert_int(maildir_watch_drain(fd), 1);
	test_assert_int(maildir_watch_drain(fd), 0);
	test_assert_int(wait_change(fd, 200), EVENT_WAKE_TIMEOUT);
	mem_free(tmp);
	mem_free(dst);
	close(fd);
	test_end();
}

static void test_watch_maildir_deliver(void)
{
	buf_t name = BUF_INIT;
	char *err = NULL;
	int fd, src;
	char *src_path = mem_printf("%s/source", test_tmpdir());

	test_begin("maildir_deliver() (link into new/) wakes the wait");
	if ((fd = open_watch()) < 0)
		return;
	write_file(src_path, "Subject: via lib\n\nbody\n");
	src = open(src_path, O_RDONLY);
	test_assert(src >= 0);
	test_assert_int(maildir_deliver(box, "", 0, src, 0, 23, &name, &err), 0);
	test_assert_int(wait_change(fd, 5000), EVENT_WAKE_CHANGE);
	test_assert_int(maildir_watch_drain(fd), 1);
	test_assert_int(wait_change(fd, 200), EVENT_WAKE_TIMEOUT);
	close(src);
	mem_free(err);
	mem_free(src_path);
	buf_release(&name);
	close(fd);
	test_end();
}

static void test_watch_cur(void)
{
	char *from = mem_printf("%s/new/2.msg", box);
	char *to = mem_printf("%s/cur/2.msg:2,S", box);
	int fd;

	test_begin("another session moves to cur/ or expunges: the wait wakes");
	if ((fd = open_watch()) < 0)
		return;
	test_assert(rename(from, to) == 0);
	test_assert_int(wait_change(fd, 5000), EVENT_WAKE_CHANGE);
	test_assert_int(maildir_watch_drain(fd), 1);
	test_assert(unlink(to) == 0);
	test_assert_int(wait_change(fd, 5000), EVENT_WAKE_CHANGE);
	test_assert_int(maildir_watch_drain(fd), 1);
	mem_free(from);
	mem_free(to);
	close(fd);
	test_end();
}

static void test_watch_refuses(void)
{
	char *odd = mem_printf("%s/odd", test_tmpdir());
	char *link_new = mem_printf("%s/odd/new", test_tmpdir());
	char *link_to = mem_printf("%s/new", box);

	test_begin("no Maildir, or new/ a symbolic link: no watch");
	errno = 0;
	test_assert_int(maildir_watch_open("/nonexistent/Maildir"), -1);
	test_assert_int(errno, ENOENT);
	test_assert(mkdir(odd, 0700) == 0);
	test_assert(symlink(link_to, link_new) == 0);
	test_assert_int(maildir_watch_open(odd), -1);
	mem_free(odd);
	mem_free(link_new);
	mem_free(link_to);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_watch_quiet, test_watch_delivery, test_watch_maildir_deliver,
		test_watch_cur, test_watch_refuses, NULL,
	};

	box = mem_printf("%s/Maildir", test_tmpdir());
	if (maildir_create(box) < 0) {
		printf("FAIL maildir_create %s: %s\n", box, strerror(errno));
		return 1;
	}
	return test_main(tests);
}

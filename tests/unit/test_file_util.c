/* test_file_util.c - unit tests for lib/file_util.c: whole writes, and
 * a file replaced with no temporary file left behind, also on failure. */
#include <fcntl.h>
#include <sys/stat.h>

#include "../../lib/file_util.h"
#include "test.h"

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_replace(void)
{
	const char *dir = test_tmpdir();
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	char path[4096], got[64];
	struct stat st;
	int fd;
	ssize_t n;

	test_begin("file_replace_at: content, mode, nothing else left");
	snprintf(path, sizeof(path), "%s/state", dir);
	test_assert(file_replace_at(dfd, "state", "one\n", 4, 0600) == 0);
	test_assert(file_replace_at(dfd, "state", "two two\n", 8, 0640) == 0);
	fd = open(path, O_RDONLY);
	n = read(fd, got, sizeof(got));
	close(fd);
	test_assert(n == 8 && memcmp(got, "two two\n", 8) == 0);
	test_assert(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640);
	test_assert(count_entries(dir) == 1);
	/* A directory in the way: the rename fails, the temporary goes. */
	test_assert(mkdirat(dfd, "sub", 0700) == 0);
	test_assert(file_replace_at(dfd, "sub", "x", 1, 0600) == -1);
	test_assert(count_entries(dir) == 2);
	close(dfd);
	test_end();
}

static void test_write_all(void)
{
	int p[2];
	char big[100000], back[100000];
	size_t got = 0;
	pid_t pid;
	int status;

	test_begin("file_write_all: a write larger than a pipe's buffer");
	memset(big, 'x', sizeof(big));
	test_assert(pipe(p) == 0);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		_exit(file_write_all(p[1], big, sizeof(big)) == 0 ? 0 : 1);
	}
	close(p[1]);
	for (ssize_t n; (n = read(p[0], back + got, sizeof(back) - got)) > 0;)
		got += (size_t) n;
	close(p[0]);
	test_assert(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0);
	test_assert(got == sizeof(big) && memcmp(big, back, got) == 0);
	test_end();
}

static void test_lock(void)
{
	const char *dir = test_tmpdir();
	int dfd = open(dir, O_RDONLY | O_DIRECTORY), fd, again;

	test_begin("file_lock_at: exclusive, refused without waiting, freed by close");
	fd = file_lock_at(dfd, "x.lock", 1);
	test_assert(fd >= 0);
	/* A second open file description conflicts, as another process's. */
	again = file_lock_at(dfd, "x.lock", 0);
	test_assert(again == -1 && errno == EWOULDBLOCK);
	close(fd);
	again = file_lock_at(dfd, "x.lock", 0);
	test_assert(again >= 0);
	close(again);
	test_assert(symlinkat("x.lock", dfd, "link.lock") == 0);
	test_assert(file_lock_at(dfd, "link.lock", 0) == -1 && errno == ELOOP);
	close(dfd);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_replace, test_write_all, test_lock, NULL,
	};

	return test_main(tests);
}

/* test_maillog.c - unit tests for lib/maillog.c: the choice between
 * maillog_file, syslog and maillog_fallback_file, with a syslog socket of
 * the test's own (listening, stale, absent, not a socket), and the set-up
 * that creates the fallback file 0640 and refuses a symbolic link. */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "../../lib/config.h"
#include "../../lib/maillog.h"
#include "../../lib/mem.h"
#include "test.h"

static const char *dir;

static char *tpath(const char *name)
{
	return mem_printf("%s/%s", dir, name);
}

/* A UNIX socket of the given type bound at path: its descriptor. */
static int bind_at(const char *path, int type)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, type, 0);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0)
		return -1;
	if (type == SOCK_STREAM && listen(fd, 4) < 0)
		return -1;
	return fd;
}

static enum log_dest choose(const char *file, const char *sock, const char **path_r)
{
	return maillog_choose(file, "/var/log/fallback.log", sock, path_r);
}

static void test_maillog_choose(void)
{
	char *sock = tpath("log.sock"), *plain = tpath("plain");
	const char *path;
	int fd;

	test_begin("maillog: maillog_file, else syslog when it answers, else the fallback");
	test_assert_int(choose("", sock, &path), LOG_DEST_FILE);
	test_assert_str(path, "/var/log/fallback.log");

	fd = bind_at(sock, SOCK_DGRAM);
	test_assert(fd >= 0);
	test_assert(maillog_syslog_listening(sock));
	test_assert_int(choose("", sock, &path), LOG_DEST_SYSLOG);
	test_assert(path == NULL);
	/* maillog_file wins even over a running syslog */
	test_assert_int(choose("/srv/mail.log", sock, &path), LOG_DEST_FILE);
	test_assert_str(path, "/srv/mail.log");
	close(fd);
	/* the socket file of a stopped syslog daemon: nobody answers */
	test_assert(access(sock, F_OK) == 0);
	test_assert(!maillog_syslog_listening(sock));
	test_assert_int(choose("", sock, &path), LOG_DEST_FILE);
	test_assert_str(path, "/var/log/fallback.log");

	fd = bind_at(sock, SOCK_STREAM);
	test_assert(fd >= 0);
	test_assert_int(choose("", sock, &path), LOG_DEST_SYSLOG);
	close(fd);
	unlink(sock);

	/* an empty file hiding the socket, as the integration test makes */
	fd = open(plain, O_WRONLY | O_CREAT, 0644);
	test_assert(fd >= 0);
	close(fd);
	test_assert(!maillog_syslog_listening(plain));
	test_assert_int(choose("", plain, &path), LOG_DEST_FILE);
	unlink(plain);
	mem_free(sock);
	mem_free(plain);
	test_end();
}

static int load(const char *maillog_file, const char *fallback)
{
	char *text = mem_printf("maillog_file = %s\nmaillog_fallback_file = %s\n",
				maillog_file, fallback);
	char *err = NULL;
	int r = config_load_text(text, strlen(text), "test.conf", &err);

	mem_free(text);
	mem_free(err);
	return r;
}

static char *slurp(const char *path)
{
	static char text[8192];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);

	if (fd >= 0)
		close(fd);
	text[n > 0 ? n : 0] = '\0';
	return text;
}

static void test_maillog_setup(void)
{
	char *fb = tpath("tern.log"), *sock = tpath("none.sock");
	char *target = tpath("target"), *link = tpath("link.log");
	char *want;
	struct stat st;
	mode_t old = umask(077);
	int fd;

	test_begin("maillog: the fallback file is made 0640 and used; a link is not");
	test_assert(load("", fb) == 0);
	maillog_setup_at(0, sock);
	test_assert_str(maillog_where(), fb);
	test_assert(lstat(fb, &st) == 0 && S_ISREG(st.st_mode));
	test_assert_int(st.st_mode & 07777, 0640);
	log_info("to the fallback");
	test_assert(strstr(slurp(fb), "tern/test_maillog[") != NULL);
	test_assert(strstr(slurp(fb), "]: to the fallback\n") != NULL);

	fd = open(target, O_WRONLY | O_CREAT, 0600);
	test_assert(fd >= 0);
	close(fd);
	test_assert(symlink(target, link) == 0);
	test_assert(load("", link) == 0);
	maillog_setup_at(MAILLOG_QUIET, sock);
	want = mem_printf("standard error (cannot open %s: %s)", link,
			  strerror(ELOOP));
	test_assert_str(maillog_where(), want);
	log_info("not through the link");
	test_assert_str(slurp(target), "");

	/* maillog_file set: that file, whatever else there is */
	test_assert(load(target, fb) == 0);
	maillog_setup_at(0, sock);
	test_assert_str(maillog_where(), target);
	log_info("to maillog_file");
	test_assert(strstr(slurp(target), "]: to maillog_file\n") != NULL);
	log_set_dest(LOG_DEST_STDERR, NULL);
	umask(old);
	unlink(fb);
	unlink(target);
	unlink(link);
	mem_free(want);
	mem_free(fb);
	mem_free(sock);
	mem_free(target);
	mem_free(link);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_maillog_choose, test_maillog_setup, NULL,
	};
	int r;

	dir = test_tmpdir();
	log_init("test_maillog");
	r = test_main(tests);
	return r;
}

/* test_log.c - unit tests for lib/log.c: file destination, line format,
 * control characters, severities, the fatal hook and exit status, and the
 * copies on stderr (threshold, short form, cut to one pipe write). */
#include <fcntl.h>

#include "../../lib/log.h"
#include "../../lib/mem.h"
#include "test.h"

static char path[] = "/tmp/tern-test-log.XXXXXX";

static char *slurp(void)
{
	static char text[8192];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);

	if (fd >= 0)
		close(fd);
	text[n > 0 ? n : 0] = '\0';
	return text;
}

static void test_log_file(void)
{
	char *text, want[64];

	test_begin("log: file lines carry tag, pid, severity; controls masked");
	log_init("/usr/libexec/tern/smtpd");
	log_set_dest(LOG_DEST_FILE, path);
	log_info("%s: client=%s", "ID1", "[127.0.0.1]:40000");
	log_warn("bad\r\ninput\x01here");
	log_error("disk full");
	text = slurp();
	snprintf(want, sizeof(want), "tern/smtpd[%ld]: ID1: client=", (long) getpid());
	test_assert(strstr(text, want) != NULL);
	test_assert(strstr(text, "warning: bad??input?here\n") != NULL);
	test_assert(strstr(text, "error: disk full\n") != NULL);
	test_assert_str(log_program(), "smtpd");
	/* one line per event */
	{
		int lines = 0;

		for (char *p = text; *p; p++)
			lines += *p == '\n';
		test_assert_int(lines, 3);
	}
	test_end();
}

/* Run fn with stderr on a pipe; what it wrote there. */
static char *capture_stderr(void (*fn)(void))
{
	static char text[16384];
	int p[2], saved = dup(2);
	ssize_t n, got = 0;

	if (pipe(p) < 0 || saved < 0)
		return NULL;
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	dup2(p[1], 2);
	close(p[1]);
	fn();
	dup2(saved, 2);
	close(saved);
	while (got < (ssize_t) sizeof(text) - 1 &&
	       (n = read(p[0], text + got, sizeof(text) - 1 - (size_t) got)) > 0)
		got += n;
	close(p[0]);
	text[got] = '\0';
	return text;
}

static void log_some(void)
{
	char big[6000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_also_stderr(LOG_SEV_WARN);
	log_info("only in the file");
	log_warn("copied");
	log_error("%s", big);
	log_also_stderr(LOG_SEV_NONE);
	log_error("not copied");
}

static void test_log_stderr(void)
{
	char *text;
	char *nl;

	test_begin("log: stderr copies from a threshold, short, one pipe write each");
	log_init("smtpd");
	log_set_dest(LOG_DEST_FILE, path);
	text = capture_stderr(log_some);
	test_assert(text != NULL);
	if (text == NULL) {
		test_end();
		return;
	}
	test_assert(strncmp(text, "smtpd: warning: copied\nsmtpd: error: xxx",
			    strlen("smtpd: warning: copied\nsmtpd: error: xxx")) == 0);
	test_assert(strstr(text, "only in the file") == NULL);
	test_assert(strstr(text, "not copied") == NULL);
	nl = strchr(text, '\n');
	test_assert(nl != NULL && strlen(nl + 1) == LOG_STDERR_LINE_MAX - 1);
	test_assert(nl != NULL && nl[strlen(nl) - 1] == '\n');
	/* the file has everything, in the long form */
	test_assert(strstr(slurp(), "]: only in the file\n") != NULL);
	test_assert(strstr(slurp(), "]: error: not copied\n") != NULL);
	test_end();
}

static int hook_ran;
static void hook(void)
{
	hook_ran = 1;
	log_info("hook ran");
}

static void do_fatal(void *ctx)
{
	(void) ctx;
	log_set_fatal_hook(hook);
	log_fatal("cannot go on: %d", 42);
}

static void test_log_fatal(void)
{
	test_begin("log: fatal runs the hook once and exits 1");
	test_assert(test_expect_fatal(do_fatal, NULL));
	test_assert(strstr(slurp(), "fatal: cannot go on: 42\n") != NULL);
	test_assert(strstr(slurp(), "hook ran\n") != NULL);
	test_assert(!hook_ran);	/* it ran in the child only */
	test_end();
}

static void test_log_sanitize(void)
{
	char ascii[] = "a\033[2Jb\rc\x7f";
	char c1_raw[] = "x\x9b" "2Jy";
	char c1_utf8[] = "x\xc2\x9b" "2J\xc2\x85y";
	char text[] = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7";
	char bad[] = "\xc0\xaf \xed\xa0\x80 \xf5\x80\x80\x80 \xe2\x82";

	test_begin("log: controls (ASCII, C1 raw or in UTF-8) and bad UTF-8 masked, text kept");
	log_sanitize(ascii);
	test_assert_str(ascii, "a?[2Jb?c?");
	log_sanitize(c1_raw);
	test_assert_str(c1_raw, "x?2Jy");
	log_sanitize(c1_utf8);
	test_assert_str(c1_utf8, "x??2J??y");
	log_sanitize(text);
	test_assert_str(text, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7");
	log_sanitize(bad);
	test_assert_str(bad, "?? ??? ???? ??");
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_log_file, test_log_stderr, test_log_fatal,
		test_log_sanitize, NULL,
	};
	int fd = mkstemp(path), r;

	if (fd < 0)
		return 1;
	close(fd);
	r = test_main(tests);
	unlink(path);
	return r;
}

/* test_submit.c - unit tests for lib/submit.c against a fake smtpd.
 *
 * A forked child listens on a UNIX socket in a mkdtemp() directory and
 * speaks just enough SMTP: a greeting, a multi-line EHLO reply offering
 * 8BITMIME and SMTPUTF8, every other command echoed back in its 250
 * reply, DATA answered 354 and the content (up to ".") echoed back with
 * CR and LF spelt out, "JUNK" answered with garbage and "BYE" with a
 * closed connection.  So the tests see exactly what went over the wire:
 * the content writer's CRLF, bare CR and dot handling, whatever the size
 * of the pieces it was given.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../lib/buf.h"
#include "../../lib/mem.h"
#include "../../lib/sock.h"
#include "../../lib/stream.h"
#include "../../lib/submit.h"
#include "test.h"

static const char *tmpdir;
static char *sock_path;
static pid_t fake_pid;

static void fake_reply(stream_t *s, const char *text)
{
	stream_puts(s, text);
	stream_puts(s, "\r\n");
	stream_flush(s);
}

/* The content up to the lone dot, CR and LF spelt out, in one reply. */
static void fake_data(stream_t *s)
{
	buf_t line = BUF_INIT, seen = BUF_INIT;

	fake_reply(s, "354 go ahead");
	while (stream_read_line(s, &line) == STREAM_OK &&
	       strcmp(buf_str(&line), ".\r\n") != 0) {
		for (size_t i = 0; i < line.len; i++) {
			if (line.data[i] == '\r')
				buf_puts(&seen, "<CR>");
			else if (line.data[i] == '\n')
				buf_puts(&seen, "<LF>");
			else
				buf_putc(&seen, line.data[i]);
		}
	}
	buf_reset(&line);
	buf_printf(&line, "250 %s", buf_str(&seen));
	fake_reply(s, buf_str(&line));
	buf_release(&line);
	buf_release(&seen);
}

static void fake_session(int fd)
{
	stream_t *s = stream_open(fd);
	buf_t line = BUF_INIT, r = BUF_INIT;

	stream_set_timeout(s, 10);
	fake_reply(s, "220 fake ESMTP");
	while (stream_read_line(s, &line) == STREAM_OK) {
		buf_chomp(&line);
		if (strncmp(buf_str(&line), "EHLO", 4) == 0) {
			fake_reply(s, "250-fake\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
				   "250 SMTPUTF8");
		} else if (strcmp(buf_str(&line), "DATA") == 0) {
			fake_data(s);
		} else if (strcmp(buf_str(&line), "JUNK") == 0) {
			fake_reply(s, "this is no reply");
		} else if (strcmp(buf_str(&line), "BYE") == 0) {
			break;
		} else if (strcmp(buf_str(&line), "QUIT") == 0) {
			fake_reply(s, "221 bye");
			break;
		} else {
			buf_reset(&r);
			buf_printf(&r, "250-first line\r\n250 %s", buf_str(&line));
			fake_reply(s, buf_str(&r));
		}
	}
	buf_release(&line);
	buf_release(&r);
	stream_close(&s);
}

static void fake_start(void)
{
	char *err = NULL;
	int lfd;

	tmpdir = test_tmpdir();
	sock_path = mem_printf("%s/submit", tmpdir);
	lfd = sock_listen_unix(sock_path, 0600, 8, &err);
	test_assert(lfd >= 0);
	fake_pid = fork();
	if (fake_pid == 0) {
		for (;;) {
			int fd = accept(lfd, NULL, NULL);

			if (fd >= 0)
				fake_session(fd);
		}
	}
	close(lfd);
}

static void fake_stop(void)
{
	kill(fake_pid, SIGKILL);
	waitpid(fake_pid, NULL, 0);
	mem_free(sock_path);
}

static void test_submit_replies(void)
{
	submit_t *sub;

	test_begin("greeting, EHLO keywords, MAIL parameters, multi-line text");
	sub = submit_open(sock_path, 5);
	test_assert(sub != NULL);
	if (sub == NULL) {
		test_end();
		return;
	}
	test_assert_int(submit_code(sub), 220);
	test_assert_str(submit_text(sub), "fake ESMTP");
	test_assert_int(submit_ehlo(sub, "me"), 250);
	test_assert_int(submit_mail(sub, "a@b", 0), 250);
	test_assert_str(submit_text(sub), "first line; MAIL FROM:<a@b> BODY=8BITMIME");
	test_assert_int(submit_mail(sub, "\xc3\xa9@b", 1), 250);
	test_assert_str(submit_text(sub),
			"first line; MAIL FROM:<\xc3\xa9@b> BODY=8BITMIME SMTPUTF8");
	test_assert_int(submit_command(sub, "XUID %d", 42), 250);
	test_assert_str(submit_text(sub), "first line; XUID 42");
	test_assert_int(submit_command(sub, "JUNK"), SUBMIT_BADREPLY);
	test_assert(strstr(submit_text(sub), "malformed") != NULL);
	submit_close(&sub);
	test_assert(sub == NULL);
	test_end();
}

static void content_feed(const char *p, size_t n, void *ctx)
{
	submit_content(ctx, p, n);
}

/* Send content in pieces of size step (0: all at once); the echo. */
static char *content_echo(const char *data, size_t len, size_t step)
{
	submit_t *sub = submit_open(sock_path, 5);
	char *echo;

	if (sub == NULL)
		return mem_strdup("(no connection)");
	submit_ehlo(sub, "me");
	submit_command(sub, "DATA");
	test_feed(data, len, step, content_feed, sub);
	submit_content_end(sub);
	echo = mem_strdup(submit_text(sub));
	submit_close(&sub);
	return echo;
}

static void test_submit_content(void)
{
	static const struct {
		const char *in, *wire;
	} cases[] = {
		{ "a\nb\n", "a<CR><LF>b<CR><LF>" },
		{ "a\r\nb\r\n", "a<CR><LF>b<CR><LF>" },
		{ ".x\n..y\n.\nz", "..x<CR><LF>...y<CR><LF>..<CR><LF>z<CR><LF>" },
		{ "bare\rcr\n", "bare<CR>cr<CR><LF>" },
		{ "ends in cr\r", "ends in cr<CR><LF>" },
		{ "\n.\n", "<CR><LF>..<CR><LF>" },
		{ "", "" },
	};

	test_begin("content: CRLF, bare CR, leading dots, pieces of any size");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t step = 0; step <= 3; step++) {
			char *echo = content_echo(cases[i].in, strlen(cases[i].in),
						  step);

			if (strcmp(echo, cases[i].wire) != 0) {
				printf("  case %zu step %zu: \"%s\"\n", i, step, echo);
				test_case_failed = 1;
			}
			mem_free(echo);
		}
	}
	test_end();
}

static void test_submit_errors(void)
{
	char *missing = mem_printf("%s/nothing", tmpdir);
	submit_t *sub;

	test_begin("no socket: NULL with ENOENT; a lost connection is sticky");
	errno = 0;
	test_assert(submit_open(missing, 5) == NULL);
	test_assert_int(errno, ENOENT);
	sub = submit_open(sock_path, 5);
	test_assert(sub != NULL);
	if (sub != NULL) {
		test_assert_int(submit_command(sub, "BYE"), SUBMIT_IOERR);
		test_assert_int(submit_command(sub, "NOOP"), SUBMIT_IOERR);
		test_assert_int(submit_content_end(sub), SUBMIT_IOERR);
		submit_close(&sub);
	}
	mem_free(missing);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_submit_replies,
		test_submit_content,
		test_submit_errors,
		NULL,
	};
	int r;

	signal(SIGPIPE, SIG_IGN);
	fake_start();
	r = test_main(tests);
	fake_stop();
	return r;
}

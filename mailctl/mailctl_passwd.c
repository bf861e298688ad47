/* mailctl_passwd.c - reading a new password for `mailctl user add|passwd`.
 *
 * From standard input with --password-stdin (one line, for scripts), or
 * else from the controlling terminal, never echoed, asked twice.  The
 * terminal is used even when stdin is redirected, so a password never
 * comes from a file by accident; without one, mailctl says to use
 * --password-stdin.  A signal during the prompt restores the echo first.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mailctl.h"
#include "mem.h"

/* Longer passwords are refused rather than silently cut. */
#define MAILCTL_PASSWD_MAX 1024

static int mailctl_tty_fd = -1;
static struct termios mailctl_tty_saved;

static void mailctl_tty_restore(int signo)
{
	tcsetattr(mailctl_tty_fd, TCSANOW, &mailctl_tty_saved);
	signal(signo, SIG_DFL);
	raise(signo);
}

/* One line from fd into out (without its newline); -1 on error, EOF
 * before any byte, or a line longer than MAILCTL_PASSWD_MAX. */
static int mailctl_passwd_line(int fd, buf_t *out)
{
	char c;

	buf_reset(out);
	for (;;) {
		ssize_t n = read(fd, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return out->len > 0 ? 0 : -1;
		if (c == '\n')
			break;
		if (out->len >= MAILCTL_PASSWD_MAX)
			return -1;
		buf_putc(out, c);
	}
	if (out->len > 0 && out->data[out->len - 1] == '\r')
		buf_truncate(out, out->len - 1);
	return 0;
}

static int mailctl_passwd_prompt(int fd, const char *prompt, buf_t *out)
{
	struct termios quiet = mailctl_tty_saved;
	int r;

	quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
	/* Echo off (dropping anything typed before) and only then the
	 * prompt, so no answer can arrive while it would still be echoed
	 * or be thrown away by the flush. */
	if (tcsetattr(fd, TCSAFLUSH, &quiet) < 0 ||
	    write(fd, prompt, strlen(prompt)) < 0) {
		tcsetattr(fd, TCSANOW, &mailctl_tty_saved);
		return -1;
	}
	r = mailctl_passwd_line(fd, out);
	tcsetattr(fd, TCSANOW, &mailctl_tty_saved);
	if (write(fd, "\n", 1) < 0)
		r = -1;
	return r;
}

static char *mailctl_passwd_tty(const char *address)
{
	struct sigaction sa, old_int, old_term, old_hup, old_tstp;
	buf_t first = BUF_INIT_SECRET, second = BUF_INIT_SECRET;
	char *prompt;
	int r;

	mailctl_tty_fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (mailctl_tty_fd < 0 || tcgetattr(mailctl_tty_fd, &mailctl_tty_saved) < 0)
		log_fatal("no terminal to ask for the password; use --password-stdin");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = mailctl_tty_restore;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	sigaction(SIGTSTP, &sa, &old_tstp);

	prompt = mem_printf("Password for %s: ", address);
	r = mailctl_passwd_prompt(mailctl_tty_fd, prompt, &first);
	if (r == 0)
		r = mailctl_passwd_prompt(mailctl_tty_fd, "Again: ", &second);
	mem_free(prompt);

	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	sigaction(SIGTSTP, &old_tstp, NULL);
	close(mailctl_tty_fd);
	mailctl_tty_fd = -1;

	if (r < 0 || strcmp(buf_str(&first), buf_str(&second)) != 0) {
		buf_release(&first);
		buf_release(&second);
		log_fatal(r < 0 ? "no password read" : "the passwords differ");
	}
	buf_release(&second);
	return buf_steal(&first);
}

char *mailctl_passwd_read(const char *address, int from_stdin)
{
	buf_t pw = BUF_INIT_SECRET;
	char *s;

	if (!from_stdin)
		s = mailctl_passwd_tty(address);
	else if (mailctl_passwd_line(0, &pw) < 0)
		log_fatal("no password on standard input (one line, at most %d bytes)",
			  MAILCTL_PASSWD_MAX);
	else
		s = buf_steal(&pw);
	if (*s == '\0') {
		mem_free(s);
		log_fatal("empty password");
	}
	return s;
}

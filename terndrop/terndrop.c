/* terndrop.c - keep a message in the maildrop while tern is not running.
 *
 *   terndrop [-c config_dir] < envelope and message
 *
 * sendmail runs terndrop when nothing listens on public/submit and writes
 * to it the maildrop file format (lib/maildrop.h): the magic line, the
 * envelope, then the message in chunks and an end mark.  terndrop checks
 * all of it against the limits - addresses, recipients (at most
 * smtpd_recipient_limit), message_size_limit - and writes one file into
 * $queue_directory/maildrop (terndrop_file.c), which pickup(8) submits
 * once tern runs.  The submitter is the file's owner: the caller's uid.
 * Exit 0 only when the file is complete and on disk; otherwise a
 * sysexits.h status that sendmail passes on, and nothing is left behind.
 *
 * SECURITY: installed setgid setgid_group (mode 2755, root's), and run by
 * any local user, who controls its arguments, environment, descriptors,
 * limits and input, and may signal or kill it at any time.  So: the
 * first thing it does is to make its process clean - standard descriptors
 * open, every other one closed, the environment emptied, core dumps and
 * tracing off, a known umask, SIGPIPE and SIGXFSZ ignored (errors, not
 * deaths); it reads a configuration only as terndrop_config.c allows;
 * every input is bounded before it is stored; and the group lets it do
 * one thing, create a file in the maildrop, where the directory's and the
 * file's modes keep users from each other's messages (terndrop(8),
 * SECURITY).  A terndrop killed half way leaves a "tmp." file that pickup
 * removes once it is MAILDROP_TMP_LIFETIME (an hour) old; a live one
 * touches its file while it waits for input (terndrop_read), so a slow
 * caller of sendmail never looks dead.  Like smtpd, terndrop keeps nothing
 * when the queue's file system would be left with less than
 * queue_minfree free (terndrop_file.c).
 */
#define _GNU_SOURCE	/* close_range */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "maildrop.h"
#include "mem.h"
#include "queue.h"
#include "terndrop.h"

#define TERNDROP_READ_CHUNK 65536

#if defined(__SANITIZE_ADDRESS__)
/* The sanitizer build: LeakSanitizer stops the process's threads the way
 * a debugger would, which a setgid process does not allow, and it reads
 * no options from the environment of one; it is turned off here. */
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void)
{
	return 1;
}
#endif

void terndrop_fail(int status, const char *fmt, ...)
{
	buf_t msg = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	log_error("%s", buf_str(&msg));
	buf_release(&msg);
	terndrop_file_discard();
	exit(status);
}

/* A process the caller cannot reach into: see SECURITY above. */
static void terndrop_clean_process(void)
{
	struct rlimit no_core = { 0, 0 };
	sigset_t none;

	/* 0, 1 and 2 open, so that no file of ours takes one of them. */
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			_exit(EX_OSERR);
	}
	if (close_range(3, ~0U, 0) < 0)
		for (long fd = 3, max = sysconf(_SC_OPEN_MAX); fd < max; fd++)
			close((int) fd);
	/* The kernel already makes a setgid process undumpable; say so
	 * anyway, since it is what keeps the caller out of /proc/PID/fd. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
	    setrlimit(RLIMIT_CORE, &no_core) < 0)
		_exit(EX_OSERR);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* File modes are set explicitly, whatever the caller's umask. */
	umask(077);
}

static void terndrop_usage(void) __attribute__((noreturn));
static void terndrop_usage(void)
{
	log_error("usage: terndrop [-c config_dir] < message (it is run by "
		  "sendmail)");
	exit(EX_USAGE);
}

/* Read more of standard input into in; 0 at the end.  While it waits,
 * the file (once made) is touched every MAILDROP_TMP_TOUCH seconds. */
static size_t terndrop_read(buf_t *in)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };

	for (;;) {
		ssize_t n;
		int r = poll(&pfd, 1, MAILDROP_TMP_TOUCH * 1000);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			terndrop_fail(EX_IOERR, "reading the message: poll: %s",
				      strerror(errno));
		if (r == 0) {
			terndrop_file_touch();
			continue;
		}
		buf_reserve(in, TERNDROP_READ_CHUNK);
		n = read(0, in->data + in->len, TERNDROP_READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			terndrop_fail(EX_IOERR, "reading the message: %s",
				      strerror(errno));
		in->len += (size_t) n;
		return (size_t) n;
	}
}

/* The envelope, checked, into out (re-encoded: the file holds what was
 * checked, not what was sent); in keeps what follows it. */
static void terndrop_envelope(buf_t *in, buf_t *out)
{
	maildrop_env_t env;
	const char *why;
	size_t off;
	long limit = config_int("smtpd_recipient_limit");
	int r;

	while ((r = maildrop_parse(in->data, in->len, &env, &off, &why)) ==
	       MAILDROP_MORE)
		if (terndrop_read(in) == 0)
			terndrop_fail(EX_DATAERR, "the input ended in the envelope");
	if (r != MAILDROP_OK)
		terndrop_fail(EX_DATAERR, "bad input: %s", why);
	/* smtpd would refuse the others (452 4.5.3) when pickup submits. */
	if (limit < 1 || limit > MAILDROP_MAX_RCPTS)
		limit = MAILDROP_MAX_RCPTS;
	if (env.nrcpts > (size_t) limit)
		terndrop_fail(EX_DATAERR, "%zu recipients: more than "
			      "smtpd_recipient_limit (%ld)", env.nrcpts, limit);
	if (maildrop_encode(env.sender, env.rcpts, env.nrcpts, out, &why) < 0)
		terndrop_fail(EX_DATAERR, "bad input: %s", why);
	maildrop_env_clear(&env);
	buf_consume(in, off);
}

/* The length line of the next chunk: a decimal 0..MAILDROP_CHUNK_MAX,
 * no sign, no leading zero; -1 when the input has no whole line yet. */
static long terndrop_chunk_len(buf_t *in)
{
	const char *nl = in->len ? memchr(in->data, '\n', in->len) : NULL;
	size_t digits;
	long n = 0;

	if (nl == NULL) {
		if (in->len > 7)
			terndrop_fail(EX_DATAERR, "bad input: malformed chunk");
		return -1;
	}
	digits = (size_t) (nl - in->data);
	if (digits == 0 || digits > 6 || (digits > 1 && in->data[0] == '0'))
		terndrop_fail(EX_DATAERR, "bad input: malformed chunk");
	for (size_t i = 0; i < digits; i++) {
		if (in->data[i] < '0' || in->data[i] > '9')
			terndrop_fail(EX_DATAERR, "bad input: malformed chunk");
		n = n * 10 + (in->data[i] - '0');
	}
	if (n > MAILDROP_CHUNK_MAX)
		terndrop_fail(EX_DATAERR, "bad input: chunk too large");
	buf_consume(in, digits + 1);
	return n;
}

/* The message, chunk by chunk, into the file, up to the end mark and
 * never beyond message_size_limit (0: no limit). */
static void terndrop_content(buf_t *in)
{
	long long limit = config_size("message_size_limit"), size = 0;

	for (;;) {
		long n;

		while ((n = terndrop_chunk_len(in)) < 0)
			if (terndrop_read(in) == 0)
				terndrop_fail(EX_DATAERR, "the input ended before "
					      "the message did: nothing kept");
		if (n == 0)
			break;
		size += n;
		if (limit > 0 && size > limit)
			terndrop_fail(EX_DATAERR, "message larger than "
				      "message_size_limit (%lld bytes)", limit);
		while (in->len < (size_t) n)
			if (terndrop_read(in) == 0)
				terndrop_fail(EX_DATAERR, "the input ended before "
					      "the message did: nothing kept");
		terndrop_file_write(in->data, (size_t) n);
		buf_consume(in, (size_t) n);
	}
	if (in->len > 0 || terndrop_read(in) != 0)
		terndrop_fail(EX_DATAERR, "bad input: data after the end mark");
}

int main(int argc, char **argv)
{
	const char *requested, *dir;
	buf_t in = BUF_INIT, head = BUF_INIT;
	char *err = NULL;
	int privileged, c;

	terndrop_clean_process();
	log_init("terndrop");
	log_set_dest(LOG_DEST_SYSLOG, NULL);
	log_also_stderr(LOG_SEV_WARN);
	/* What the caller may not change gained anything: our group. */
	privileged = getegid() != getgid() && getuid() != 0;

	requested = getenv("TERN_CONFIG");
	requested = requested != NULL ? mem_strdup(requested) : NULL;
	opterr = 0;
	while ((c = getopt(argc, argv, "c:")) != -1) {
		if (c != 'c')
			terndrop_usage();
		requested = optarg;
	}
	if (optind != argc)
		terndrop_usage();
	if (clearenv() != 0)
		_exit(EX_OSERR);

	dir = terndrop_config_dir(requested, privileged);
	if (config_load(dir, &err) < 0)
		terndrop_fail(EX_CONFIG, "%s", err);
	log_set_syslog_name(config_str("syslog_name"));

	/* Everything is checked before the file is made. */
	terndrop_envelope(&in, &head);
	terndrop_file_create(privileged);
	terndrop_file_write(head.data, head.len);
	terndrop_content(&in);
	terndrop_file_commit();
	buf_release(&in);
	buf_release(&head);
	return 0;
}

/* log.c - syslog / file / stderr logging with Postfix-like lines.
 *
 * File mode opens the file with O_APPEND and writes each whole line with one
 * write(2), so lines from many processes never interleave (architecture §8).  The
 * file stays open across a chroot because it is opened before the drop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static char log_prog[64] = "tern";
static char log_tag[96] = "tern";
static char log_sysname[32] = "tern";
static enum log_dest log_dest = LOG_DEST_STDERR;
static int log_fd = -1;
static int log_stderr_too;
static int log_in_fatal;
static void (*log_fatal_hook)(void);

enum log_sev { SEV_INFO, SEV_WARN, SEV_ERROR, SEV_FATAL, SEV_PANIC };

static const char *const sev_prefix[] = {
	"", "warning: ", "error: ", "fatal: ", "panic: ",
};
static const int sev_syslog[] = {
	LOG_INFO, LOG_WARNING, LOG_ERR, LOG_CRIT, LOG_CRIT,
};

static void log_make_tag(void)
{
	snprintf(log_tag, sizeof(log_tag), "%s/%s", log_sysname, log_prog);
}

void log_init(const char *program)
{
	const char *slash = strrchr(program, '/');

	snprintf(log_prog, sizeof(log_prog), "%s", slash ? slash + 1 : program);
	log_make_tag();
}

void log_set_syslog_name(const char *name)
{
	snprintf(log_sysname, sizeof(log_sysname), "%s", name);
	log_make_tag();
}

const char *log_program(void)
{
	return log_prog;
}

void log_set_dest(enum log_dest dest, const char *path)
{
	if (log_fd >= 0) {
		close(log_fd);
		log_fd = -1;
	}
	if (log_dest == LOG_DEST_SYSLOG && dest != LOG_DEST_SYSLOG)
		closelog();
	log_dest = dest;
	if (dest == LOG_DEST_FILE) {
		log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
			      O_NOCTTY, 0640);
		if (log_fd < 0) {
			int err = errno;

			log_dest = LOG_DEST_STDERR;
			log_error("open maillog_file %s: %s", path, strerror(err));
		}
	} else if (dest == LOG_DEST_SYSLOG) {
		openlog(log_tag, LOG_PID | LOG_NDELAY, LOG_MAIL);
	}
}

int log_fd_above(int lowest)
{
	int fd;

	if (log_dest == LOG_DEST_SYSLOG) {
		/* Reconnected by the next message, on a free descriptor. */
		closelog();
		openlog(log_tag, LOG_PID, LOG_MAIL);
		return -1;
	}
	if (log_dest != LOG_DEST_FILE || log_fd < 0 || log_fd >= lowest)
		return log_dest == LOG_DEST_FILE ? log_fd : -1;
	fd = fcntl(log_fd, F_DUPFD_CLOEXEC, lowest);
	if (fd >= 0) {
		close(log_fd);
		log_fd = fd;
	}
	return fd;
}

void log_also_stderr(int on)
{
	log_stderr_too = on;
}

void log_set_fatal_hook(void (*hook)(void))
{
	log_fatal_hook = hook;
}

static void log_write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t) n;
	}
}

static void log_vline(enum log_sev sev, const char *fmt, va_list ap)
{
	char msg[4096];
	char line[4400];
	int saved = errno;
	int n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Control characters from the network never reach the log raw. */
	for (char *p = msg; *p; p++)
		if ((unsigned char) *p < 0x20 || *p == 0x7f)
			*p = '?';

	if (log_dest == LOG_DEST_SYSLOG) {
		syslog(sev_syslog[sev], "%s%s", sev_prefix[sev], msg);
	} else {
		struct timespec ts;
		struct tm tm;
		char stamp[40];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		n = snprintf(line, sizeof(line), "%s.%06ld %s[%ld]: %s%s\n",
			     stamp, ts.tv_nsec / 1000, log_tag, (long) getpid(),
			     sev_prefix[sev], msg);
		if (n < 0 || (size_t) n >= sizeof(line))
			n = (int) strlen(line);
		log_write_all(log_dest == LOG_DEST_FILE ? log_fd : 2, line,
			      (size_t) n);
	}
	if (log_stderr_too && log_dest != LOG_DEST_STDERR) {
		n = snprintf(line, sizeof(line), "%s: %s%s\n", log_prog,
			     sev_prefix[sev], msg);
		if (n < 0 || (size_t) n >= sizeof(line))
			n = (int) strlen(line);
		log_write_all(2, line, (size_t) n);
	}
	errno = saved;
}

#define LOG_FN(fn, sev) \
	void fn(const char *fmt, ...) \
	{ \
		va_list ap; \
		va_start(ap, fmt); \
		log_vline(sev, fmt, ap); \
		va_end(ap); \
	}

LOG_FN(log_info, SEV_INFO)
LOG_FN(log_warn, SEV_WARN)
LOG_FN(log_error, SEV_ERROR)

void log_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(SEV_FATAL, fmt, ap);
	va_end(ap);
	if (!log_in_fatal++ && log_fatal_hook)
		log_fatal_hook();
	exit(1);
}

void log_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(SEV_PANIC, fmt, ap);
	va_end(ap);
	abort();
}

/* log.c - syslog / file / stderr logging with Postfix-like lines.
 *
 * File mode opens the file with O_APPEND and writes each whole line with one
 * write(2), so lines from many processes never interleave (architecture §8).  The
 * file stays open across a chroot because it is opened before the drop.
 * Lines on stderr are short and written whole too, at most PIPE_BUF bytes,
 * because a daemon's stderr is a pipe that all its siblings share.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static char log_prog[64] = "tern";
static char log_tag[96] = "tern";
static char log_sysname[32] = "tern";
static enum log_dest log_dest = LOG_DEST_STDERR;
static int log_fd = -1;
static enum log_severity log_stderr_min = LOG_SEV_NONE;
static int log_in_fatal;
static void (*log_fatal_hook)(void);

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

static void log_close_dest(void)
{
	if (log_fd >= 0) {
		close(log_fd);
		log_fd = -1;
	}
	if (log_dest == LOG_DEST_SYSLOG)
		closelog();
}

int log_open_file(const char *path)
{
	/* Opened as root by master and before the drop by the daemons: a
	 * link planted where the log belongs must not choose the file. */
	int flags = O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;
	int fd = open(path, flags);

	/* Whoever makes it, under whatever umask, makes it 0640. */
	if (fd < 0 && errno == ENOENT) {
		fd = open(path, flags | O_CREAT | O_EXCL, 0640);
		if (fd >= 0 && fchmod(fd, 0640) < 0) {
			close(fd);
			fd = -1;
		}
		if (fd < 0 && errno == EEXIST)
			fd = open(path, flags);
	}
	if (fd < 0)
		return -1;
	log_close_dest();
	log_fd = fd;
	log_dest = LOG_DEST_FILE;
	return 0;
}

void log_set_dest(enum log_dest dest, const char *path)
{
	int err;

	if (dest == LOG_DEST_FILE) {
		if (log_open_file(path) == 0)
			return;
		err = errno;
		log_close_dest();
		log_dest = LOG_DEST_STDERR;
		log_error("open log file %s: %s", path, strerror(err));
		return;
	}
	log_close_dest();
	log_dest = dest;
	if (dest == LOG_DEST_SYSLOG)
		openlog(log_tag, LOG_PID | LOG_NDELAY, LOG_MAIL);
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

enum log_dest log_get_dest(void)
{
	return log_dest;
}

void log_also_stderr(enum log_severity min)
{
	log_stderr_min = min;
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

/* "smtpd: warning: text\n" in one write of at most LOG_STDERR_LINE_MAX. */
static void log_stderr_line(enum log_severity sev, const char *msg)
{
	char line[LOG_STDERR_LINE_MAX];
	int n = snprintf(line, sizeof(line), "%s: %s%s\n", log_prog,
			 sev_prefix[sev], msg);

	if (n < 0)
		return;
	if ((size_t) n >= sizeof(line)) {
		n = (int) sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	log_write_all(2, line, (size_t) n);
}

/* The length of the valid UTF-8 sequence at s (2 to 4), or 0. */
static size_t log_utf8_len(const unsigned char *s, unsigned *cp_r)
{
	size_t n;
	unsigned cp, min;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2; cp = s[0] & 0x1f; min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3; cp = s[0] & 0x0f; min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4; cp = s[0] & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_r = cp;
	return n;
}

void log_sanitize(char *s)
{
	unsigned char *p = (unsigned char *) s;
	unsigned cp;
	size_t n;

	while (*p) {
		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				*p = '?';
			p++;
			continue;
		}
		n = log_utf8_len(p, &cp);
		if (n == 0) {
			*p++ = '?';
			continue;
		}
		/* C1 controls (CSI, NEL...) act on terminals as ESC does. */
		if (cp <= 0x9f)
			memset(p, '?', n);
		p += n;
	}
}

static void log_vline(enum log_severity sev, const char *fmt, va_list ap)
{
	char msg[4096];
	char line[4400];
	int saved = errno;
	int n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_sanitize(msg);

	if (log_dest == LOG_DEST_SYSLOG) {
		syslog(sev_syslog[sev], "%s%s", sev_prefix[sev], msg);
	} else if (log_dest == LOG_DEST_STDERR) {
		log_stderr_line(sev, msg);
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
		log_write_all(log_fd, line, (size_t) n);
	}
	if (sev >= log_stderr_min && log_dest != LOG_DEST_STDERR)
		log_stderr_line(sev, msg);
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

LOG_FN(log_info, LOG_SEV_INFO)
LOG_FN(log_warn, LOG_SEV_WARN)
LOG_FN(log_error, LOG_SEV_ERROR)

void log_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_SEV_FATAL, fmt, ap);
	va_end(ap);
	if (!log_in_fatal++ && log_fatal_hook)
		log_fatal_hook();
	exit(1);
}

void log_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_SEV_PANIC, fmt, ap);
	va_end(ap);
	abort();
}

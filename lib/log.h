/* log.h - the one logging API.
 *
 * Lines go to syslog (mail facility), to a file, or to stderr; which one a
 * program uses is decided once, for every program alike, by maillog.h.  In
 * syslog and in a file each line carries the program name ("tern/smtpd")
 * and pid, in a file a time stamp too; on stderr, where a person or master
 * reads it, a line is short ("smtpd: warning: ...").  A line about a
 * message starts with its queue id, which callers put first in the format.
 *
 * Severities: info, warn, error (something failed, the program goes on),
 * fatal (cannot go on: exit 1), panic (a bug: abort, so a core can be had).
 */
#ifndef TERN_LOG_H
#define TERN_LOG_H

#include <stdarg.h>

enum log_dest {
	LOG_DEST_SYSLOG,
	LOG_DEST_FILE,
	LOG_DEST_STDERR,
};

/* In order of gravity; LOG_SEV_NONE is above all, for thresholds. */
enum log_severity {
	LOG_SEV_INFO,
	LOG_SEV_WARN,
	LOG_SEV_ERROR,
	LOG_SEV_FATAL,
	LOG_SEV_PANIC,
	LOG_SEV_NONE,
};

/* The longest line written to stderr, newline included: one write(2) of
 * at most PIPE_BUF bytes, so lines that many processes write into one pipe
 * (master's relay, master_proto.h) arrive whole.  Longer ones are cut. */
#define LOG_STDERR_LINE_MAX 4096

/* program: short name such as "smtpd"; the tag becomes "<syslog_name>/smtpd". */
void log_init(const char *program);
void log_set_syslog_name(const char *name);
/* Switch destination.  For LOG_DEST_FILE, path names the file (appended);
 * when it cannot be opened, lines go to stderr, and the first says why. */
void log_set_dest(enum log_dest dest, const char *path);
/* Switch to appending to the file path, created 0640 when missing, never
 * through a symbolic link: 0, or -1 with errno and the destination
 * unchanged. */
int log_open_file(const char *path);
/* Where lines go now (LOG_DEST_STDERR also when a file could not be
 * opened). */
enum log_dest log_get_dest(void);
/* Also copy lines of severity min and above to stderr (LOG_SEV_NONE: no
 * copies): mailctl in a terminal and master -f copy every line, a daemon
 * its warnings and worse for master (master_proto.h). */
void log_also_stderr(enum log_severity min);
/* For a child between fork and exec that is about to dup2 descriptors onto
 * the low numbers: moves the log file's descriptor to `lowest` or above
 * (close-on-exec, so exec closes it), so that an error logged before exec
 * still reaches the log instead of the descriptor that took its number.
 * Returns that descriptor, or -1 when logging uses none of its own. */
int log_fd_above(int lowest);
const char *log_program(void);

/* Make s safe for a log or a terminal, in place: ASCII and C1 control
 * characters and bytes that are no valid UTF-8 become '?'.  Every logged
 * line goes through it; master uses it on its children's output. */
void log_sanitize(char *s);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void log_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Called once before a fatal exit (e.g. to remove a pid file); may be NULL. */
void log_set_fatal_hook(void (*hook)(void));

#endif

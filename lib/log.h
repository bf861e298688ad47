/* log.h - the one logging API.
 *
 * Lines go to syslog (mail facility), to `maillog_file` when it is set, or to
 * stderr when a program runs in the foreground.  Each line carries the
 * program name ("tern/smtpd") and pid; a line about a message starts with
 * its queue id, which callers put first in the format.
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

/* program: short name such as "smtpd"; the tag becomes "<syslog_name>/smtpd". */
void log_init(const char *program);
void log_set_syslog_name(const char *name);
/* Switch destination.  For LOG_DEST_FILE, path names the file (appended). */
void log_set_dest(enum log_dest dest, const char *path);
/* Also copy every line to stderr (mailctl in a terminal, master -f). */
void log_also_stderr(int on);
/* For a child between fork and exec that is about to dup2 descriptors onto
 * the low numbers: moves the maillog_file descriptor to `lowest` or above
 * (close-on-exec, so exec closes it), so that an error logged before exec
 * still reaches the log instead of the descriptor that took its number.
 * Returns that descriptor, or -1 when logging uses none of its own. */
int log_fd_above(int lowest);
const char *log_program(void);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void log_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Called once before a fatal exit (e.g. to remove a pid file); may be NULL. */
void log_set_fatal_hook(void (*hook)(void));

#endif

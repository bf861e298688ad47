/* maillog.h - where the suite logs: one decision for every program.
 *
 * master, every daemon (through the skeleton) and mailctl call
 * maillog_setup() once main.conf is read, so they all log to the same
 * place, chosen in this order:
 *
 *   1. `maillog_file`, when it is set;
 *   2. syslog (facility mail), when a syslog daemon accepts a connection on
 *      its socket (/dev/log);
 *   3. `maillog_fallback_file` (default LOGDIR/tern.log from the build), so
 *      that a machine without a syslog daemon (a container, a minimal
 *      Debian) still keeps every line.
 *
 * Each process decides when it reads the configuration (master again on
 * reload), so a syslog daemon started later is used by what starts after
 * it.  A file is opened before any privilege drop, appended to, created
 * 0640 by whoever opens it first (master, as root), and never opened
 * through a symbolic link (log_open_file()).
 */
#ifndef TERN_MAILLOG_H
#define TERN_MAILLOG_H

#include "log.h"

/* The socket a syslog daemon listens on (syslog(3)'s _PATH_LOG). */
#define MAILLOG_SYSLOG_SOCKET "/dev/log"

enum maillog_flags {
	/* A file this process cannot open means stderr only, silently: for
	 * mailctl run by a user who may not write the suite's log. */
	MAILLOG_QUIET = 1,
};

/* The decision itself, for the given parameter values and syslog socket:
 * LOG_DEST_FILE with *path_r set to the file, or LOG_DEST_SYSLOG. */
enum log_dest maillog_choose(const char *maillog_file, const char *fallback_file,
			     const char *syslog_socket, const char **path_r);

/* 1 when something accepts a connection on the UNIX socket path, as
 * syslog(3) would make one (datagram, else stream). */
int maillog_syslog_listening(const char *path);

/* Read syslog_name, maillog_file and maillog_fallback_file from the
 * configuration and log where maillog_choose() says.  A file that cannot
 * be opened leaves the process logging to stderr, with an error line
 * naming the file and the reason (none with MAILLOG_QUIET). */
void maillog_setup(int flags);
/* The same with another syslog socket (unit tests). */
void maillog_setup_at(int flags, const char *syslog_socket);

/* Where this process logs, for people: the file's path, "syslog (facility
 * mail)", or "standard error (cannot open FILE: REASON)". */
const char *maillog_where(void);

#endif

/* maillog.c - the one choice of log destination (maillog.h).
 *
 * Whether syslog is there is asked the way syslog(3) itself connects: a
 * datagram socket connected to the syslog socket, a stream socket when the
 * daemon listens with one.  A socket file nobody listens on (a syslog
 * daemon that was stopped) is no syslog.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "maillog.h"

static char maillog_where_text[512] = "standard error";

static int maillog_try_connect(const struct sockaddr_un *sun, int type)
{
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	int r;

	if (fd < 0)
		return -1;
	r = connect(fd, (const struct sockaddr *) sun, sizeof(*sun));
	if (r < 0)
		r = -errno;
	close(fd);
	return r;
}

int maillog_syslog_listening(const char *path)
{
	struct sockaddr_un sun;
	int r;

	if (strlen(path) >= sizeof(sun.sun_path))
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	r = maillog_try_connect(&sun, SOCK_DGRAM);
	if (r == -EPROTOTYPE)
		r = maillog_try_connect(&sun, SOCK_STREAM);
	return r == 0;
}

enum log_dest maillog_choose(const char *maillog_file, const char *fallback_file,
			     const char *syslog_socket, const char **path_r)
{
	*path_r = NULL;
	if (*maillog_file != '\0') {
		*path_r = maillog_file;
		return LOG_DEST_FILE;
	}
	if (maillog_syslog_listening(syslog_socket))
		return LOG_DEST_SYSLOG;
	*path_r = fallback_file;
	return LOG_DEST_FILE;
}

void maillog_setup_at(int flags, const char *syslog_socket)
{
	const char *file = config_str("maillog_file");
	const char *param = *file != '\0' ? "maillog_file" : "maillog_fallback_file";
	const char *path;
	int err;

	log_set_syslog_name(config_str("syslog_name"));
	if (maillog_choose(file, config_str("maillog_fallback_file"),
			   syslog_socket, &path) == LOG_DEST_SYSLOG) {
		log_set_dest(LOG_DEST_SYSLOG, NULL);
		snprintf(maillog_where_text, sizeof(maillog_where_text),
			 "syslog (facility mail)");
		return;
	}
	if (log_open_file(path) == 0) {
		snprintf(maillog_where_text, sizeof(maillog_where_text), "%s", path);
		return;
	}
	err = errno;
	log_set_dest(LOG_DEST_STDERR, NULL);
	snprintf(maillog_where_text, sizeof(maillog_where_text),
		 "standard error (cannot open %s: %s)", path, strerror(err));
	if (!(flags & MAILLOG_QUIET))
		log_error("cannot log to %s %s: %s; logging to standard error",
			  param, path, strerror(err));
}

void maillog_setup(int flags)
{
	maillog_setup_at(flags, MAILLOG_SYSLOG_SOCKET);
}

const char *maillog_where(void)
{
	return maillog_where_text;
}

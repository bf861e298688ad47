/* mailctl_control.c - finding and talking to a running master.
 *
 * Two signs tell that master runs: its exclusive flock on
 * queue_directory/pid/master.pid (held for its whole life, so it is free
 * exactly when master has exited, whatever the pid file says), and its
 * control socket queue_directory/private/control, which speaks the attr
 * records of master_proto.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "mailctl.h"
#include "master_proto.h"
#include "mem.h"
#include "sock.h"
#include "stream.h"

pid_t mailctl_master_pid(void)
{
	char *path = mem_printf("%s/%s", config_str("queue_directory"),
				MASTER_PID_FILE);
	char text[32];
	ssize_t n;
	pid_t pid = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	mem_free(path);
	if (fd < 0)
		return 0;
	/* A shared lock cannot be had while master holds its exclusive one;
	 * when we get it, we drop it at once by closing. */
	if (flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
		n = read(fd, text, sizeof(text) - 1);
		text[n > 0 ? n : 0] = '\0';
		pid = (pid_t) strtol(text, NULL, 10);
		/* Locked but not yet written: master is still starting. */
		if (pid <= 0)
			pid = -1;
	}
	close(fd);
	return pid;
}

int mailctl_control(const char *request, attr_t *reply, char **err_r)
{
	char *path = mem_printf("%s/%s", config_str("queue_directory"),
				MASTER_CONTROL_SOCKET);
	int timeout = (int) config_time("ipc_timeout");
	attr_t *req;
	stream_t *s;
	const char *status, *reason;
	int fd, r;

	fd = sock_connect_unix(path, timeout);
	if (fd < 0) {
		int err = errno;

		*err_r = mem_printf("connect %s: %s", path, strerror(err));
		mem_free(path);
		errno = err;
		return -1;
	}
	s = stream_open(fd);
	stream_set_timeout(s, timeout);
	req = attr_new();
	attr_add(req, "request", request);
	if (attr_hello_write(s, MASTER_CONTROL_PROTO, MASTER_CONTROL_VERSION) != ATTR_OK ||
	    attr_write(s, req) != ATTR_OK) {
		*err_r = mem_printf("%s: write: %s", path, stream_strerror(s));
		r = -2;
		goto out;
	}
	r = attr_read(s, reply);
	if (r != ATTR_OK) {
		*err_r = mem_printf("%s: no valid reply from master (%s)", path,
				    r == ATTR_IOERR ? stream_strerror(s) :
				    r == ATTR_EOF ? "connection closed" :
				    "malformed record");
		r = -2;
		goto out;
	}
	status = attr_get(reply, "status");
	if (status == NULL || strcmp(status, "ok") != 0) {
		reason = attr_get(reply, "reason");
		*err_r = mem_printf("master refused %s: %s", request,
				    reason != NULL ? reason : "no reason given");
		r = -2;
		goto out;
	}
	r = 0;
out:
	attr_free(&req);
	stream_close(&s);
	mem_free(path);
	return r;
}

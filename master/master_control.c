/* master_control.c - the control socket, queue_directory/private/control.
 *
 * mailctl asks for status, reload and stop here (master_proto.h): one
 * hello record, one request record, one reply, then the connection ends.
 * Connections are read without blocking master and are dropped after
 * ipc_timeout.
 *
 * SECURITY: the socket is mode 0600 and a peer must also be root or
 * master's own uid (SO_PEERCRED).  A malformed record ends the connection.
 */
#define _GNU_SOURCE	/* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attr.h"
#include "buf.h"
#include "config.h"
#include "log.h"
#include "mem.h"
#include "master.h"
#include "sock.h"
#include "stream.h"

#define MASTER_CONTROL_BACKLOG	16

struct master_conn {
	stream_t *stream;
	int hello_done;
	event_timer_id timer;
};

static char *master_control_path;

static void master_conn_close(struct master_conn **cp)
{
	struct master_conn *c = *cp;

	if (c->timer)
		event_cancel_timer(c->timer);
	event_del_fd(stream_fd(c->stream));
	stream_close(&c->stream);
	MEM_FREE(*cp);
}

static void master_conn_timeout(void *ctx)
{
	struct master_conn *c = ctx;

	c->timer = 0;
	master_conn_close(&c);
}

static void master_control_reply_error(struct master_conn *c, const char *reason)
{
	attr_t *a = attr_new();

	attr_add(a, "status", "error");
	attr_add(a, "reason", reason);
	attr_write(c->stream, a);
	attr_free(&a);
}

static void master_control_status(attr_t *a)
{
	attr_add(a, "status", "ok");
	attr_add_long(a, "pid", (long) getpid());
	for (master_service_t *s = master.services; s != NULL; s = s->next) {
		buf_t pids = BUF_INIT;

		for (master_proc_t *p = s->procs; p != NULL; p = p->next)
			buf_printf(&pids, "%s%ld", pids.len ? " " : "", (long) p->pid);
		attr_add(a, "service", s->def->name);
		attr_add(a, "type", s->def->type == MASTER_INET ? "inet" : "unix");
		attr_add(a, "listen", s->listen_desc ? s->listen_desc : "");
		attr_add_long(a, "maxproc", s->def->maxproc);
		attr_add_long(a, "procs", s->nprocs);
		attr_add_long(a, "busy", s->nbusy);
		attr_add_long(a, "draining", s->ndraining);
		attr_add(a, "ready", master_service_ready(s) ? "yes" : "no");
		attr_add(a, "throttled", s->throttled ? "yes" : "no");
		attr_add(a, "pids", buf_str(&pids));
		buf_release(&pids);
	}
}

/* Answer one request; 1 when master should stop afterwards. */
static int master_control_request(struct master_conn *c, const attr_t *req)
{
	const char *what = attr_get(req, "request");
	attr_t *a = attr_new();
	char *err = NULL;
	int stop = 0;

	if (what == NULL) {
		master_control_reply_error(c, "no request");
	} else if (strcmp(what, "status") == 0) {
		master_control_status(a);
		attr_write(c->stream, a);
	} else if (strcmp(what, "reload") == 0) {
		log_info("reload requested over the control socket");
		if (master_reload(&err) < 0) {
			log_error("reload: %s", err);
			master_control_reply_error(c, err);
			mem_free(err);
		} else {
			attr_add(a, "status", "ok");
			attr_write(c->stream, a);
		}
	} else if (strcmp(what, "stop") == 0) {
		log_info("stop requested over the control socket");
		attr_add(a, "status", "ok");
		attr_write(c->stream, a);
		stop = 1;
	} else {
		master_control_reply_error(c, "unknown request");
	}
	attr_free(&a);
	return stop;
}

static int master_control_hello_ok(const attr_t *a)
{
	const char *proto = attr_get(a, "proto");
	int ok;
	long version = attr_get_long(a, "version", &ok);

	return proto != NULL && strcmp(proto, MASTER_CONTROL_PROTO) == 0 &&
	       ok && version == MASTER_CONTROL_VERSION;
}

static void master_conn_read(int fd, int events, void *ctx)
{
	struct master_conn *c = ctx;
	attr_t *a = attr_new();
	ssize_t n = stream_fill(c->stream);
	int r, done = 0, stop = 0;

	(void) fd;
	(void) events;
	while (!done) {
		r = attr_try_read(c->stream, a);
		if (r == ATTR_AGAIN) {
			done = n < 0;
			break;
		}
		done = 1;
		if (r != ATTR_OK)
			break;
		if (!c->hello_done) {
			if (!master_control_hello_ok(a)) {
				master_control_reply_error(c, "expected proto="
					MASTER_CONTROL_PROTO " version=1");
				break;
			}
			c->hello_done = 1;
			done = 0;
			continue;
		}
		stop = master_control_request(c, a);
	}
	attr_free(&a);
	if (done)
		master_conn_close(&c);
	if (stop)
		master_stop();
}

static void master_control_accept(int lfd, int events, void *ctx)
{
	struct master_conn *c;
	uid_t uid;
	pid_t pid;
	gid_t gid;
	int fd;

	(void) events;
	(void) ctx;
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn("control socket accept: %s", strerror(errno));
		return;
	}
	if (sock_peer_cred(fd, &pid, &uid, &gid) < 0 ||
	    (uid != 0 && uid != getuid())) {
		log_warn("control socket: refused a client with uid %ld", (long) uid);
		close(fd);
		return;
	}
	c = MEM_NEW(struct master_conn);
	c->stream = stream_open(fd);
	stream_set_timeout(c->stream, (int) config_time("ipc_timeout"));
	c->timer = event_add_timer(config_time("ipc_timeout") * 1000,
				   master_conn_timeout, c);
	event_add_fd(fd, EVENT_READ, master_conn_read, c);
}

void master_control_open(void)
{
	char *err = NULL;

	master_control_path = mem_printf("%s/%s", master.queue_dir,
					 MASTER_CONTROL_SOCKET);
	master.control_fd = sock_listen_unix_at(master.private_fd,
						strrchr(MASTER_CONTROL_SOCKET, '/') + 1,
						0600, MASTER_CONTROL_BACKLOG, &err);
	if (master.control_fd < 0)
		master_start_failed("control socket %s: %s", master_control_path, err);
	sock_set_nonblock(master.control_fd, 1);
	event_add_fd(master.control_fd, EVENT_READ, master_control_accept, NULL);
}

void master_control_close(void)
{
	if (master.control_fd < 0)
		return;
	event_del_fd(master.control_fd);
	close(master.control_fd);
	master.control_fd = -1;
	if (unlinkat(master.private_fd, strrchr(MASTER_CONTROL_SOCKET, '/') + 1,
		     0) < 0 && errno != ENOENT)
		log_warn("remove %s: %s", master_control_path, strerror(errno));
	MEM_FREE(master_control_path);
}

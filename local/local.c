/* local.c - the local delivery agent: qmgr's requests in, Maildirs out.
 *
 * qmgr keeps its connections (lib/deliver_proto.h): after the hello,
 * requests arrive one at a time with attr_recv_fd(), each carrying a
 * read-only descriptor of the queue file, and each is answered with one
 * record with a result per recipient before the next is read.  A
 * connection ends when qmgr closes it, after ipc_timeout without a
 * request, after max_use requests, or when local is told to stop or
 * retires (the wait between requests is daemon_wait(), woken by the
 * skeleton's retire descriptor; the watchdog is off while it waits and
 * runs again for each request).  Each recipient is resolved to its mailbox
 * (local_resolve.c) and delivered as the mailbox owner (local_child.c:
 * in this process for virtual users, by a child that switches ids for
 * system accounts); one log line per recipient, Postfix-like.
 *
 * SECURITY: master starts local as root (master.conf unpriv column n).
 * With virtual users only, it drops to vmail_owner with no capabilities.
 * With system_accounts = yes it stays uid 0 but the skeleton leaves it
 * only CAP_SETUID and CAP_SETGID, with NO_NEW_PRIVS, and that process
 * parses nothing: each qmgr connection is served by a reader that drops
 * to vmail_owner first, and the root parent only forks writers on the
 * reader's fixed-size request (local_spawn.c).  Only mail_owner (qmgr) and
 * root may connect (SO_PEERCRED), and every request is checked anyway.
 * Mail is read and written only as vmail_owner or as the system account
 * (a writer), never as root.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "attr.h"
#include "config.h"
#include "daemon.h"
#include "deliver_proto.h"
#include "deliver_server.h"
#include "event_wait.h"
#include "local.h"
#include "log.h"
#include "mem.h"
#include "priv.h"
#include "queue.h"
#include "stream.h"

local_conf_t local_conf;

static int local_number(const char *s, long long *out)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/* Check the request; NULL when it is usable, else why not. */
static const char *local_request_check(const attr_t *a, int qfd, local_req_t *req)
{
	long long off, len;
	size_t n = attr_count_of(a, "rcpt");
	struct stat st;

	req->id = attr_get(a, "id");
	req->sender = attr_get(a, "sender");
	if (req->id == NULL || !queue_id_valid(req->id))
		return "missing or bad queue id";
	if (req->sender == NULL)
		return "missing sender";
	if (local_number(attr_get(a, "offset"), &off) < 0 ||
	    local_number(attr_get(a, "length"), &len) < 0)
		return "bad offset or length";
	if (qfd < 0 || fstat(qfd, &st) < 0 || !S_ISREG(st.st_mode))
		return "no usable queue file descriptor";
	/* Both are non-negative (local_number); compared without a sum
	 * that could overflow. */
	if (off > (long long) st.st_size || len > (long long) st.st_size - off)
		return "offset and length beyond the queue file";
	if (n == 0 || attr_count_of(a, "rcpt_index") != n ||
	    (attr_count_of(a, "rcpt_orig") != n && attr_count_of(a, "rcpt_orig") != 0))
		return "recipient lists do not match";
	req->fd = qfd;
	req->offset = (off_t) off;
	req->length = (size_t) len;
	req->arrival = attr_get(a, "arrival") ? strtod(attr_get(a, "arrival"), NULL) : 0;
	return NULL;
}

static void local_log(const local_req_t *req, const local_rcpt_t *r)
{
	struct timeval tv;
	double delay;
	const char *status = r->dsn.data[0] == '2' ? "sent" :
		r->dsn.data[0] == '4' ? "deferred" : "bounced";

	gettimeofday(&tv, NULL);
	delay = (double) tv.tv_sec + tv.tv_usec / 1e6 - req->arrival;
	if (delay < 0 || req->arrival <= 0)
		delay = 0;
	if (r->orig != NULL && strcasecmp(r->orig, r->addr) != 0)
		log_info("%s: to=<%s>, orig_to=<%s>, relay=local, delay=%.2f, "
			 "dsn=%s, status=%s (%s)", req->id, r->addr, r->orig,
			 delay, buf_str(&r->dsn), status, buf_str(&r->text));
	else
		log_info("%s: to=<%s>, relay=local, delay=%.2f, dsn=%s, "
			 "status=%s (%s)", req->id, r->addr, delay,
			 buf_str(&r->dsn), status, buf_str(&r->text));
}

/* qmgr sends nothing after the request: a readable or hung-up socket
 * means it went away, and a result it can no longer record would only
 * become a duplicate delivery. */
static int local_peer_gone(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) > 0;
}

static void local_deliver_request(const local_req_t *req, const attr_t *a,
				  int peer, attr_t *reply)
{
	size_t n = attr_count_of(a, "rcpt");
	local_rcpt_t *rcpts = mem_zalloc(n * sizeof(*rcpts));

	for (size_t i = 0; i < n; i++) {
		rcpts[i].addr = attr_get_nth(a, "rcpt", i);
		rcpts[i].index = attr_get_nth(a, "rcpt_index", i);
		rcpts[i].orig = attr_get_nth(a, "rcpt_orig", i);
		local_resolve(&rcpts[i]);
	}
	for (size_t i = 0; i < n; i++) {
		if (!rcpts[i].resolved || rcpts[i].dsn.len != 0)
			continue;
		if (local_peer_gone(peer)) {
			buf_set(&rcpts[i].dsn, "4.3.0");
			buf_set(&rcpts[i].text, "qmgr went away; not delivered");
			continue;
		}
		local_child_run(req, rcpts, n, i);
	}
	attr_add(reply, "status", "ok");
	for (size_t i = 0; i < n; i++) {
		local_rcpt_t *r = &rcpts[i];

		local_log(req, r);
		attr_add(reply, "rcpt_index", r->index);
		attr_add(reply, "dsn", buf_str(&r->dsn));
		attr_add(reply, "text", buf_str(&r->text));
		mem_free(r->lower);
		mem_free(r->mailbox);
		mem_free(r->user);
		buf_release(&r->dsn);
		buf_release(&r->text);
	}
	mem_free(rcpts);
}

/* Wait for qmgr's next request on a kept connection: 1 when one is
 * there, 0 after ipc_timeout or when local is stopping or retired by a
 * reload (qmgr then sends on a new connection, to a fresh local).  The
 * reader of system_accounts mode has left the skeleton: its stop is its
 * root parent's channel (local_spawn.c). */
static int local_wait_request(int fd)
{
	event_wait_t w = EVENT_WAIT_INIT;

	w.fd = fd;
	w.stop_fd = local_spawn_active() ? local_spawn_stop_fd() : daemon_retire_fd();
	w.timeout_ms = local_conf.ipc_timeout * 1000L;
	/* Idle time for the watchdog: each request gets daemon_timeout, an
	 * idle kept connection waits ipc_timeout at most anyway. */
	return daemon_wait(&w) == EVENT_WAKE_INPUT;
}

/* One request and its answer: 0 when the connection may carry another. */
static int local_serve_one(int fd, attr_t *a, int first)
{
	attr_t *reply = attr_new();
	const char *why = NULL;
	enum deliver_server_recv r;
	local_req_t req;
	int qfd, ok;

	r = deliver_server_recv(fd, a, &qfd, local_conf.ipc_timeout, first, &why);
	if (r == DELIVER_SERVER_END) {
		attr_free(&reply);
		return -1;	/* qmgr closed a kept connection */
	}
	memset(&req, 0, sizeof(req));
	if (r == DELIVER_SERVER_REQUEST)
		why = local_request_check(a, qfd, &req);
	if (why != NULL)
		deliver_server_refuse(reply, req.id, why);
	else
		local_deliver_request(&req, a, fd, reply);
	if (qfd >= 0)
		close(qfd);
	ok = deliver_server_reply(fd, reply, local_conf.ipc_timeout,
				  why ? NULL : req.id) == 0;
	attr_free(&reply);
	/* After a broken request the connection is out of step: close it. */
	return ok && r == DELIVER_SERVER_REQUEST ? 0 : -1;
}

/* One qmgr connection: the hello, then requests until it ends. */
static void local_serve_conn(int fd)
{
	attr_t *a = attr_new();
	long served = 0;

	/* The hello and the first request are one request to the watchdog
	 * (in the reader too, which daemon_detach() left without one). */
	daemon_request_begin();
	if (deliver_server_hello(fd, a, local_conf.ipc_timeout) < 0) {
		attr_free(&a);
		return;
	}
	while (local_serve_one(fd, a, served == 0) == 0) {
		if (++served == local_conf.max_requests)
			break;	/* qmgr opens another connection */
		if (!local_wait_request(fd))
			break;
	}
	attr_free(&a);
}

static void local_serve(daemon_client_t *client)
{
	if (local_conf.system_accounts && priv_is_root())
		local_spawn_serve(&client->fd, local_serve_conn);
	else
		local_serve_conn(client->fd);
}

static const char *const local_peers[] = { "mail_owner", NULL };
static const cap_value_t local_caps[] = { CAP_SETUID, CAP_SETGID };

/* Who local runs as depends on main.conf, which is read only inside
 * daemon_main(): the pre-drop hook fills in the user and capabilities. */
static daemon_spec_t local_spec = {
	.program = "local",
	.mode = DAEMON_SINGLE,
	.user_param = "vmail_owner",
	.peer_users = local_peers,
	.serve = local_serve,
};

static void local_conf_load(void)
{
	local_conf.mail_directory = mem_strdup(config_str("mail_directory"));
	local_conf.delimiter = mem_strdup(config_str("recipient_delimiter"));
	local_conf.queue_directory = mem_strdup(config_str("queue_directory"));
	local_conf.vmail_owner = mem_strdup(config_str("vmail_owner"));
	local_conf.system_accounts = config_bool("system_accounts");
	local_conf.ipc_timeout = (int) config_time("ipc_timeout");
	local_conf.daemon_timeout = (int) config_time("daemon_timeout");
	local_conf.max_requests = config_int("max_use");
}

static void local_pre_drop(void)
{
	local_conf_load();
	local_resolve_init();
	if (local_conf.system_accounts) {
		local_spec.user_param = NULL;
		local_spec.caps = local_caps;
		local_spec.ncaps = 2;
	}
}

int main(int argc, char **argv)
{
	local_spec.pre_drop = local_pre_drop;
	daemon_main(argc, argv, &local_spec);
}

/* smtp_out.c - the SMTP client daemon: qmgr's requests in, SMTP out.
 *
 * qmgr keeps its connections (lib/deliver_proto.h), as with local: after
 * the hello, requests arrive one at a time with attr_recv_fd(), each with
 * a read-only descriptor of the queue file, a nexthop and a batch of
 * recipients; each is answered with one record before the next is read.
 * A request is delivered over a session kept from the last request for the
 * same nexthop (smtp_out_cache.c), else over a new session with the first
 * server of the route that takes one (RFC 5321 §5.1: try each in turn).
 * While it waits for the next request, a kept session is watched: the
 * server closing it, or the idle limit, ends it.
 *
 * Duplicates.  qmgr waits qmgr_delivery_timeout for an answer, then
 * takes the recipients as not delivered.  So a request has four fifths
 * of that time, whatever the servers' stage timeouts add up to: every
 * wait is cut to what is left (smtp_out_limit), no further server is
 * tried once it is gone, QUIT waits until qmgr has its answer, and the
 * end of the content is not sent when qmgr has closed the connection
 * meanwhile (smtp_out_abandoned): the server then never takes the mail.
 *
 * SECURITY: runs as mail_owner with no capabilities.  It reads the queue
 * file only through the descriptor qmgr passes, talks to servers on the
 * network (every reply parsed by lib/smtp_reply.c with its limits) and
 * trusts qmgr's requests only as far as smtp_out_request_check() checks
 * them.  Only mail_owner (qmgr) and root may connect.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "deliver_server.h"
#include "dns.h"
#include "event.h"
#include "log.h"
#include "mem.h"
#include "queue.h"
#include "smtp_out.h"

smtp_out_conf_t smtp_out_conf;

/* The request being served: qmgr's connection, and the time by which its
 * answer must be on the way (0: no request). */
static int smtp_out_qmgr_fd = -1;
static int64_t smtp_out_deadline_ms;

int smtp_out_limit(int seconds)
{
	int64_t left;

	if (smtp_out_deadline_ms == 0)
		return seconds;
	left = (smtp_out_deadline_ms - event_now_ms() + 999) / 1000;
	if (left < 1)
		return 1;
	return left < seconds ? (int) left : seconds;
}

int smtp_out_expired(void)
{
	return smtp_out_deadline_ms != 0 && event_now_ms() >= smtp_out_deadline_ms;
}

int smtp_out_abandoned(void)
{
	struct pollfd p = { .fd = smtp_out_qmgr_fd, .events = POLLIN };

	return smtp_out_qmgr_fd >= 0 && poll(&p, 1, 0) > 0;
}

/* The result of the last server tried, kept for the recipients when no
 * server takes the mail. */
typedef struct smtp_out_last {
	char dsn[SMTP_REPLY_ENHANCED_MAX + 1];
	char *why;
} smtp_out_last_t;

static void smtp_out_last_set(smtp_out_last_t *l, const char *dsn, char *why)
{
	/* A server that failed for now may take the mail later: while one
	 * did, a permanent answer from another (a 554 greeting) is not the
	 * destination's last word, and the mail waits. */
	if (l->why != NULL && l->dsn[0] == '4' && dsn[0] != '4') {
		mem_free(why);
		return;
	}
	snprintf(l->dsn, sizeof(l->dsn), "%s", dsn);
	mem_free(l->why);
	l->why = why;
}

/* A session for the request: a kept one, or the first server of the
 * route that takes one.  NULL when none does (the recipients then have
 * their results). */
static smtp_out_sess_t *smtp_out_connect(smtp_out_req_t *req)
{
	smtp_out_sess_t *s = smtp_out_cache_take(req->nexthop);
	smtp_out_last_t last = { "", NULL };
	smtp_out_route_t route;

	if (s != NULL)
		return s;
	if (smtp_out_route_find(req->nexthop, &route) < 0) {
		log_info("%s: %s", req->id, route.why);
		smtp_out_rcpt_set_all(req, route.dsn, route.why);
		req->unreachable = route.dsn[0] == '4';
		smtp_out_route_free(&route);
		return NULL;
	}
	for (size_t i = 0; i < route.count && s == NULL; i++) {
		char dsn[SMTP_REPLY_ENHANCED_MAX + 1];
		char *why = NULL;

		if (smtp_out_expired()) {
			smtp_out_last_set(&last, "4.4.7", mem_printf(
				"no time left for the next server of %s (the "
				"request's limit is %ld s)", req->nexthop,
				smtp_out_conf.request_limit));
			break;
		}
		s = smtp_out_session_open(&route.target[i], req->nexthop, dsn, &why);
		if (s == NULL) {
			log_info("%s: %s", req->id, why);
			smtp_out_last_set(&last, dsn, why);
		}
	}
	smtp_out_route_free(&route);
	if (s == NULL) {
		smtp_out_rcpt_set_all(req, last.dsn, last.why);
		/* Only when no server could be reached, or none greeted
		 * with a 2xx: a 5xx greeting is an answer, and so is a
		 * refusal by security policy (4.7.x: STARTTLS missing,
		 * a certificate refused, AUTH refused), which is about
		 * this host's settings, not the destination's health. */
		req->unreachable = last.dsn[0] == '4' &&
			strncmp(last.dsn, "4.7.", 4) != 0;
	}
	mem_free(last.why);
	return s;
}

static void smtp_out_deliver(smtp_out_req_t *req)
{
	smtp_out_sess_t *s = smtp_out_connect(req);

	if (s == NULL) {
		smtp_out_xfer_log(NULL, req);
		return;
	}
	smtp_out_xfer(s, req);
	if (s->cut)
		smtp_out_session_close(&s, 0);
	else
		smtp_out_cache_put(s);
}

/* Wait for qmgr's next request: 1 when one is there, 0 when the
 * connection should end (ipc_timeout, stop, retirement).  A kept session
 * is watched meanwhile. */
static int smtp_out_wait_request(int fd)
{
	int64_t deadline = event_now_ms() + smtp_out_conf.ipc_timeout * 1000L;

	for (;;) {
		event_wait_t w = EVENT_WAIT_INIT;
		int64_t left = deadline - event_now_ms();
		long idle = smtp_out_cache_idle_ms();
		event_wake_t wake;

		if (left <= 0)
			return 0;
		w.fd = fd;
		w.stop_fd = daemon_retire_fd();
		w.change_fd = smtp_out_cache_fd();
		w.timeout_ms = idle >= 0 && idle < left ? idle : left;
		wake = daemon_wait(&w);
		if (wake == EVENT_WAKE_INPUT)
			return 1;
		if (wake == EVENT_WAKE_STOP)
			return 0;
		/* The server spoke or hung up, or the idle limit passed. */
		if (wake == EVENT_WAKE_CHANGE || smtp_out_cache_idle_ms() == 0)
			smtp_out_cache_drop();
	}
}

/* One request and its answer: 0 when the connection may carry another. */
static int smtp_out_serve_one(int fd, attr_t *a, int first)
{
	attr_t *reply = attr_new();
	const char *why = NULL;
	enum deliver_server_recv r;
	smtp_out_req_t req;
	int qfd, ok;

	r = deliver_server_recv(fd, a, &qfd, smtp_out_conf.ipc_timeout, first, &why);
	if (r == DELIVER_SERVER_END) {
		attr_free(&reply);
		return -1;
	}
	memset(&req, 0, sizeof(req));
	if (r == DELIVER_SERVER_REQUEST)
		why = smtp_out_request_check(a, qfd, &req);
	if (why != NULL) {
		deliver_server_refuse(reply, req.id, why);
		smtp_out_request_release(&req);
	} else {
		smtp_out_qmgr_fd = fd;
		smtp_out_deadline_ms = event_now_ms() + smtp_out_conf.request_limit * 1000;
		smtp_out_deliver(&req);
		smtp_out_deadline_ms = 0;
		smtp_out_qmgr_fd = -1;
		smtp_out_request_reply(&req, reply);
	}
	if (qfd >= 0)
		close(qfd);
	ok = deliver_server_reply(fd, reply, smtp_out_conf.ipc_timeout,
				  why ? NULL : req.id) == 0;
	attr_free(&reply);
	/* Only now, with qmgr answered, a session that may not be kept
	 * says QUIT and waits for the reply. */
	smtp_out_cache_settle();
	return ok && r == DELIVER_SERVER_REQUEST ? 0 : -1;
}

static void smtp_out_serve(daemon_client_t *client)
{
	attr_t *a = attr_new();
	long served = 0;

	if (deliver_server_hello(client->fd, a, smtp_out_conf.ipc_timeout) < 0) {
		attr_free(&a);
		return;
	}
	while (smtp_out_serve_one(client->fd, a, served == 0) == 0) {
		if (++served == smtp_out_conf.max_requests)
			break;
		if (!smtp_out_wait_request(client->fd))
			break;
	}
	attr_free(&a);
	smtp_out_cache_drop();
}

static int smtp_out_seconds(const char *name)
{
	return (int) config_time(name);
}

static void smtp_out_conf_load(void)
{
	smtp_out_conf_t *c = &smtp_out_conf;
	const char *helo = config_str("smtp_helo_name");

	c->myhostname = mem_strdup(config_str("myhostname"));
	c->helo_name = mem_strdup(*helo ? helo : c->myhostname);
	c->default_port = (int) config_int("smtp_tcp_port");
	c->address_limit = config_int("smtp_mx_address_limit");
	c->ipc_timeout = smtp_out_seconds("ipc_timeout");
	c->max_requests = config_int("max_use");
	c->connect_timeout = smtp_out_seconds("smtp_connect_timeout");
	c->helo_timeout = smtp_out_seconds("smtp_helo_timeout");
	c->starttls_timeout = smtp_out_seconds("smtp_starttls_timeout");
	c->mail_timeout = smtp_out_seconds("smtp_mail_timeout");
	c->rcpt_timeout = smtp_out_seconds("smtp_rcpt_timeout");
	c->data_init_timeout = smtp_out_seconds("smtp_data_init_timeout");
	c->data_xfer_timeout = smtp_out_seconds("smtp_data_xfer_timeout");
	c->data_done_timeout = smtp_out_seconds("smtp_data_done_timeout");
	c->quit_timeout = smtp_out_seconds("smtp_quit_timeout");
	c->rset_timeout = smtp_out_seconds("smtp_rset_timeout");
	c->chunk_size = config_size("smtp_bdat_chunk_size");
	c->cache_idle = config_time("smtp_connection_cache_time_limit");
	c->reuse_count = config_int("smtp_connection_reuse_count_limit");
	c->reuse_time = config_time("smtp_connection_reuse_time_limit");
	/* qmgr gives up on a request after qmgr_delivery_timeout and tries
	 * the recipients again: the answer must reach it well before, or
	 * mail it had already delivered would go out twice. */
	c->request_limit = config_time("qmgr_delivery_timeout") * 4 / 5;
	if (c->request_limit < 1)
		c->request_limit = 1;
}

/* As root: the resolver reads its files and the TLS contexts the CA
 * store here, so nothing later needs more than mail_owner may read. */
static void smtp_out_pre_drop(void)
{
	char *err = NULL;

	smtp_out_conf_load();
	smtp_out_conf.dns = dns_ctx_from_config(&err);
	if (smtp_out_conf.dns == NULL)
		log_fatal("DNS resolver: %s", err);
	smtp_out_tls_init();
	smtp_out_auth_init();
	smtp_out_route_init();
}

int main(int argc, char **argv)
{
	static const char *const peers[] = { "mail_owner", NULL };
	static const daemon_spec_t spec = {
		.program = "smtp-out",
		.mode = DAEMON_SINGLE,
		.user_param = "mail_owner",
		.peer_users = peers,
		.pre_drop = smtp_out_pre_drop,
		.serve = smtp_out_serve,
	};

	daemon_main(argc, argv, &spec);
}

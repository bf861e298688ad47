/* qmgr_deliver.c - delivery jobs over connections to the agents.
 *
 * A job (qmgr.h) is a batch of one message's recipients for one
 * destination; the scheduler (qmgr_dest.c) decides when it starts.  It
 * travels over a connection to its transport's agent, private/local or
 * private/smtp-out (lib/deliver_proto.h): the request goes out with
 * attr_send_fd() - carrying a read-only descriptor of the queue file, so
 * the agent never needs access to the queue - and the answer comes back
 * as one attr record, read through the event loop with a deadline of
 * qmgr_delivery_timeout.
 *
 * Connections are kept: one that answered goes back to its transport's
 * idle pool and carries a later job, so a busy queue costs no connect,
 * accept or hello per message.  An smtp-out process keeps its SMTP
 * session open after a job (smtp-out's connection cache), so a job is
 * given, where there is one, to the idle connection whose last job had
 * the same nexthop: many messages to one destination then share SMTP
 * sessions.  An idle connection is closed after half of ipc_timeout (the
 * agent waits ipc_timeout for a next request) or when the agent closes
 * it.  A request on a kept connection that the agent had already left -
 * the send fails, or the agent's close reset the connection with the
 * request unread - never reached it, so the job is started again on a
 * new connection.  Any other end of a connection without an answer (the
 * agent died, timed out) is a temporary failure of the job's recipients.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "deliver_proto.h"
#include "event.h"
#include "log.h"
#include "mem.h"
#include "qmgr.h"
#include "sock.h"
#include "stream.h"

struct qmgr_job;

typedef struct qmgr_conn {
	stream_t *s;		/* reads the answers */
	enum qmgr_transport transport;
	qmgr_job_t *job;	/* in flight, or NULL when idle */
	char *last_nexthop;	/* of the last job (smtp) */
	int used;		/* has carried a request before this one */
	int spent;		/* not to be used again */
	event_timer_id timer;	/* answer deadline, or idle limit */
	struct qmgr_conn *next;	/* idle pool */
} qmgr_conn_t;

static const char *const qmgr_agent_socket[QMGR_TRANSPORT_COUNT] = {
	DELIVER_LOCAL_SOCKET, DELIVER_SMTP_SOCKET,
};
static qmgr_conn_t *qmgr_conn_idle[QMGR_TRANSPORT_COUNT];

static void qmgr_deliver_again(qmgr_job_t *job);

/* ---- connections ---- */

static void qmgr_conn_close(qmgr_conn_t *c)
{
	for (qmgr_conn_t **pp = &qmgr_conn_idle[c->transport]; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (c->timer)
		event_cancel_timer(c->timer);
	event_del_fd(stream_fd(c->s));
	stream_close(&c->s);
	mem_free(c->last_nexthop);
	mem_free(c);
}

static void qmgr_conn_idle_timeout(void *ctx)
{
	qmgr_conn_t *c = ctx;

	c->timer = 0;
	qmgr_conn_close(c);
}

static void qmgr_conn_readable(int fd, int events, void *ctx);

/* A new connection with the hello sent; NULL with *failure_r set. */
static qmgr_conn_t *qmgr_conn_open(enum qmgr_transport t, char **failure_r)
{
	const char *path = qmgr_agent_socket[t];
	attr_t *hello;
	qmgr_conn_t *c;
	int sock, r;

	sock = sock_connect_unix(path, (int) qmgr_conf.ipc_timeout);
	if (sock < 0) {
		*failure_r = mem_printf("connect to %s: %s", path, strerror(errno));
		return NULL;
	}
	hello = attr_new();
	attr_add(hello, "proto", DELIVER_PROTO);
	attr_add_long(hello, "version", DELIVER_VERSION);
	r = attr_send_fd(sock, hello, -1);
	attr_free(&hello);
	if (r != ATTR_OK) {
		*failure_r = mem_printf("send the hello to %s: %s", path,
					strerror(errno));
		close(sock);
		return NULL;
	}
	c = MEM_NEW(qmgr_conn_t);
	c->transport = t;
	c->s = stream_open(sock);
	event_add_fd(sock, EVENT_READ, qmgr_conn_readable, c);
	return c;
}

/* The job's connection answered: keep it for the next job. */
static void qmgr_conn_release(qmgr_conn_t *c)
{
	long idle_ms = qmgr_conf.ipc_timeout * 500;

	c->job = NULL;
	c->used = 1;
	if (c->timer)
		event_cancel_timer(c->timer);
	c->timer = 0;
	if (c->spent || qmgr_stopping() || idle_ms < 100) {
		qmgr_conn_close(c);
		return;
	}
	c->timer = event_add_timer(idle_ms, qmgr_conn_idle_timeout, c);
	c->next = qmgr_conn_idle[c->transport];
	qmgr_conn_idle[c->transport] = c;
}

/* An idle connection for the job: one whose last job went to the same
 * nexthop (its session may still be open), else the most recent. */
static qmgr_conn_t *qmgr_conn_take(const qmgr_job_t *job)
{
	enum qmgr_transport t = qmgr_dest_transport(job->dest);
	const char *nexthop = qmgr_dest_nexthop(job->dest);
	qmgr_conn_t **pp, **pick = NULL, *c;

	for (pp = &qmgr_conn_idle[t]; *pp != NULL; pp = &(*pp)->next)
		if (nexthop && (*pp)->last_nexthop &&
		    strcmp((*pp)->last_nexthop, nexthop) == 0) {
			pick = pp;
			break;
		}
	if (pick == NULL && qmgr_conn_idle[t] != NULL)
		pick = &qmgr_conn_idle[t];
	if (pick == NULL)
		return NULL;
	c = *pick;
	*pick = c->next;
	c->next = NULL;
	event_cancel_timer(c->timer);
	c->timer = 0;
	return c;
}

/* ---- jobs ---- */

/* The job is over: with reply, or failure says why there is none.  The
 * connection is kept when it answered, else closed. */
static void qmgr_deliver_end(qmgr_job_t *job, const char *failure)
{
	qmgr_conn_t *c = job->conn;

	job->conn = NULL;
	if (c != NULL) {
		if (failure == NULL)
			qmgr_conn_release(c);
		else
			qmgr_conn_close(c);
	}
	qmgr_dest_job_done(job, "4.3.0", failure);
}

/* The request never reached the agent: close the connection and start
 * the job again on a new one. */
static void qmgr_deliver_restart(qmgr_job_t *job)
{
	qmgr_conn_t *c = job->conn;

	job->conn = NULL;
	job->restarted = 1;
	qmgr_conn_close(c);
	qmgr_deliver_again(job);
}

static void qmgr_deliver_timeout(void *ctx)
{
	qmgr_conn_t *c = ctx;
	qmgr_job_t *job = c->job;

	c->timer = 0;
	log_warn("%s: no answer from %s within %lds", job->msg->id,
		 qmgr_agent_socket[c->transport], qmgr_conf.delivery_timeout);
	qmgr_deliver_end(job, "delivery agent: timed out waiting for its answer");
}

static void qmgr_conn_readable(int fd, int events, void *ctx)
{
	qmgr_conn_t *c = ctx;
	qmgr_job_t *job = c->job;
	ssize_t got;
	char peek;
	int r;

	(void) events;
	if (job == NULL) {		/* idle: local left, or spoke out of turn */
		qmgr_conn_close(c);
		return;
	}
	/* A local that closed a kept connection without reading our request
	 * resets it (ECONNRESET); one that read it and died gives EOF. */
	if (c->used && !job->restarted && stream_pending(c->s) == 0 &&
	    recv(fd, &peek, 1, MSG_PEEK | MSG_DONTWAIT) < 0 && errno == ECONNRESET) {
		qmgr_deliver_restart(job);
		return;
	}
	got = stream_fill(c->s);
	r = attr_try_read(c->s, job->reply);
	if (r == ATTR_OK) {
		if (stream_pending(c->s) != 0) {
			log_warn("%s: %s sent more than its answer; closing "
				 "the connection", job->msg->id,
				 qmgr_agent_socket[c->transport]);
			c->spent = 1;
		}
		qmgr_deliver_end(job, NULL);
	} else if (r != ATTR_AGAIN) {
		qmgr_deliver_end(job, r == ATTR_BAD ? "delivery agent: malformed "
				 "answer" : "delivery agent: lost connection");
	} else if (got == STREAM_EOF || got == STREAM_ERROR) {
		qmgr_deliver_end(job, "delivery agent: lost connection");
	}
}

static attr_t *qmgr_deliver_request(const qmgr_job_t *job)
{
	const queue_msg_t *q = &job->msg->q;
	attr_t *a = attr_new();
	static const char *const copy[] = { "envid", "ret", "body", NULL };
	int smtp = qmgr_dest_transport(job->dest) == QMGR_TRANSPORT_SMTP;
	const char *sender = attr_get(q->env, "sender");

	attr_add(a, "id", job->msg->id);
	attr_add(a, "sender", sender ? sender : "");
	attr_addf(a, "offset", "%lld", (long long) q->content_off);
	attr_addf(a, "length", "%zu", q->content_len);
	attr_addf(a, "arrival", "%.3f", job->msg->arrival);
	for (size_t i = 0; copy[i]; i++)
		if (attr_get(q->env, copy[i]))
			attr_add(a, copy[i], attr_get(q->env, copy[i]));
	if (smtp) {
		attr_add(a, "nexthop", qmgr_dest_nexthop(job->dest));
		if (attr_get(q->env, "smtputf8"))
			attr_add(a, "smtputf8", attr_get(q->env, "smtputf8"));
		/* DKIM signatures smtpd recorded (queue.h "prepend"). */
		if (q->prepend_len > 0) {
			attr_addf(a, "prepend_offset", "%lld", (long long) q->prepend_off);
			attr_addf(a, "prepend_length", "%zu", q->prepend_len);
		}
	}
	for (size_t k = 0; k < job->n; k++) {
		const queue_rcpt_t *r = &q->rcpts[job->idx[k]];
		const queue_rcpt_t *top = qmgr_msg_top(q, job->idx[k]);
		char *addr = qmgr_msg_qualify(r->addr);
		char *orig = qmgr_msg_qualify(top->addr);

		attr_add(a, "rcpt", addr);
		attr_addf(a, "rcpt_index", "%zu", job->idx[k]);
		if (smtp) {
			/* RFC 3461 §4.2: the original recipient; for an
			 * alias target, the address the message was sent to
			 * (its own ORCPT when the client gave one). */
			if (r->orcpt && *r->orcpt)
				attr_add(a, "rcpt_orcpt", r->orcpt);
			else if (top->orcpt && *top->orcpt)
				attr_add(a, "rcpt_orcpt", top->orcpt);
			else if (top != r)
				attr_addf(a, "rcpt_orcpt", "rfc822;%s", orig);
			else
				attr_add(a, "rcpt_orcpt", "");
			attr_add(a, "rcpt_notify", r->notify ? r->notify : "");
		} else {
			attr_add(a, "rcpt_orig", orig);
		}
		mem_free(addr);
		mem_free(orig);
	}
	return a;
}

/* Send the job on a kept or a new connection; the job ends (as a
 * failure, from a timer) when that fails. */
static void qmgr_deliver_send(qmgr_job_t *job)
{
	enum qmgr_transport t = qmgr_dest_transport(job->dest);
	const char *nexthop = qmgr_dest_nexthop(job->dest);
	char *path = mem_printf("active/%s", job->msg->id);
	attr_t *req = qmgr_deliver_request(job);
	char *failure = NULL;
	qmgr_conn_t *c;
	int qfd;

	if (job->reply == NULL)
		job->reply = attr_new();
	attr_clear(job->reply);
	if ((qfd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		failure = mem_printf("open %s: %s", path, strerror(errno));
		goto out;
	}
	for (;;) {
		if ((c = qmgr_conn_take(job)) == NULL &&
		    (c = qmgr_conn_open(t, &failure)) == NULL)
			break;
		if (attr_send_fd(stream_fd(c->s), req, qfd) == ATTR_OK) {
			c->job = job;
			job->conn = c;
			mem_free(c->last_nexthop);
			c->last_nexthop = nexthop ? mem_strdup(nexthop) : NULL;
			c->timer = event_add_timer(qmgr_conf.delivery_timeout * 1000,
						   qmgr_deliver_timeout, c);
			break;
		}
		/* A kept connection that the agent has left: try the next. */
		if (c->used) {
			qmgr_conn_close(c);
			continue;
		}
		failure = mem_printf("send the request to %s: %s",
				     qmgr_agent_socket[t], strerror(errno));
		qmgr_conn_close(c);
		break;
	}
	close(qfd);
out:
	attr_free(&req);
	mem_free(path);
	if (failure != NULL) {
		log_warn("%s: %s", job->msg->id, failure);
		qmgr_deliver_end(job, failure);
		mem_free(failure);
	}
}

static void qmgr_deliver_send_timer(void *ctx)
{
	qmgr_deliver_send(ctx);
}

void qmgr_deliver_start(qmgr_job_t *job)
{
	event_add_timer(0, qmgr_deliver_send_timer, job);
}

static void qmgr_deliver_again(qmgr_job_t *job)
{
	qmgr_deliver_send(job);
}

void qmgr_deliver_close_idle(void)
{
	for (int t = 0; t < QMGR_TRANSPORT_COUNT; t++)
		while (qmgr_conn_idle[t] != NULL)
			qmgr_conn_close(qmgr_conn_idle[t]);
}

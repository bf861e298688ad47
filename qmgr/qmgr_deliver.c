/* qmgr_deliver.c - delivery jobs to local over private/local.
 *
 * A job is a batch of one message's local recipients.  Jobs wait in a
 * FIFO and at most local_destination_concurrency_limit of them are in
 * flight at once.  A job travels over a connection to local
 * (lib/deliver_proto.h): the request goes out with attr_send_fd() -
 * carrying a read-only descriptor of the queue file, so local never needs
 * access to the queue - and the answer comes back as one attr record,
 * read through the event loop with a deadline of qmgr_delivery_timeout.
 * Jobs are only ever started from a timer, so a job never ends inside the
 * call that submitted it.
 *
 * Connections are kept: one that answered goes back to an idle pool and
 * carries the next job, so a busy queue costs no connect, accept or hello
 * per message.  An idle connection is closed after half of ipc_timeout
 * (local waits ipc_timeout for a next request) or when local closes it.
 * A request on a kept connection that local had already left - the send
 * fails, or local's close reset the connection with the request unread -
 * never reached local, so the job is started again on a new connection.
 * Any other end of a connection without an answer (local died, timed out)
 * is a temporary failure of the job's recipients, as before.
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
	struct qmgr_job *job;	/* in flight, or NULL when idle */
	int used;		/* has carried a request before this one */
	int spent;		/* not to be used again */
	event_timer_id timer;	/* answer deadline, or idle limit */
	struct qmgr_conn *next;	/* idle pool */
} qmgr_conn_t;

typedef struct qmgr_job {
	qmgr_msg_t *msg;
	size_t *idx;
	size_t n;
	qmgr_conn_t *conn;
	attr_t *reply;
	int restarted;		/* already started again once */
	struct qmgr_job *next;
} qmgr_job_t;

static qmgr_job_t *qmgr_job_head, *qmgr_job_tail;
static size_t qmgr_job_running;
static event_timer_id qmgr_job_pump_timer;
static qmgr_conn_t *qmgr_conn_idle;

static void qmgr_deliver_pump(void *ctx);
static void qmgr_deliver_start(qmgr_job_t *job);

size_t qmgr_deliver_running(void)
{
	return qmgr_job_running;
}

static void qmgr_deliver_kick(void)
{
	if (qmgr_job_pump_timer == 0)
		qmgr_job_pump_timer = event_add_timer(0, qmgr_deliver_pump, NULL);
}

void qmgr_deliver_submit(qmgr_msg_t *msg, const size_t *idx, size_t n)
{
	qmgr_job_t *job = MEM_NEW(qmgr_job_t);

	job->msg = msg;
	job->idx = mem_memdup(idx, n * sizeof(*idx));
	job->n = n;
	msg->jobs++;
	if (qmgr_job_tail)
		qmgr_job_tail->next = job;
	else
		qmgr_job_head = job;
	qmgr_job_tail = job;
	qmgr_deliver_kick();
}

/* ---- connections ---- */

static void qmgr_conn_close(qmgr_conn_t *c)
{
	for (qmgr_conn_t **pp = &qmgr_conn_idle; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (c->timer)
		event_cancel_timer(c->timer);
	event_del_fd(stream_fd(c->s));
	stream_close(&c->s);
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
static qmgr_conn_t *qmgr_conn_open(char **failure_r)
{
	attr_t *hello;
	qmgr_conn_t *c;
	int sock, r;

	sock = sock_connect_unix(DELIVER_LOCAL_SOCKET, (int) qmgr_conf.ipc_timeout);
	if (sock < 0) {
		*failure_r = mem_printf("connect to %s: %s", DELIVER_LOCAL_SOCKET,
					strerror(errno));
		return NULL;
	}
	hello = attr_new();
	attr_add(hello, "proto", DELIVER_PROTO);
	attr_add_long(hello, "version", DELIVER_VERSION);
	r = attr_send_fd(sock, hello, -1);
	attr_free(&hello);
	if (r != ATTR_OK) {
		*failure_r = mem_printf("send the request to local: %s",
					strerror(errno));
		close(sock);
		return NULL;
	}
	c = MEM_NEW(qmgr_conn_t);
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
	c->next = qmgr_conn_idle;
	qmgr_conn_idle = c;
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
	qmgr_job_running--;
	qmgr_msg_job_done(job->msg, job->idx, job->n,
			  failure ? NULL : job->reply, failure);
	attr_free(&job->reply);
	mem_free(job->idx);
	mem_free(job);
	qmgr_deliver_kick();
}

/* The request never reached local: close the connection and start the job
 * again on a new one. */
static void qmgr_deliver_restart(qmgr_job_t *job)
{
	qmgr_conn_t *c = job->conn;

	job->conn = NULL;
	job->restarted = 1;
	qmgr_conn_close(c);
	qmgr_deliver_start(job);
}

static void qmgr_deliver_timeout(void *ctx)
{
	qmgr_conn_t *c = ctx;
	qmgr_job_t *job = c->job;

	c->timer = 0;
	log_warn("%s: no answer from local within %lds", job->msg->id,
		 qmgr_conf.delivery_timeout);
	qmgr_deliver_end(job, "timed out waiting for the answer of local");
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
			log_warn("%s: local sent more than its answer; closing "
				 "the connection", job->msg->id);
			c->spent = 1;
		}
		qmgr_deliver_end(job, NULL);
	} else if (r != ATTR_AGAIN) {
		qmgr_deliver_end(job, r == ATTR_BAD ? "malformed answer from local" :
				 "lost connection with local");
	} else if (got == STREAM_EOF || got == STREAM_ERROR) {
		qmgr_deliver_end(job, "lost connection with local");
	}
}

static attr_t *qmgr_deliver_request(const qmgr_job_t *job)
{
	const queue_msg_t *q = &job->msg->q;
	attr_t *a = attr_new();
	static const char *const copy[] = { "envid", "ret", "body", NULL };
	const char *sender = attr_get(q->env, "sender");

	attr_add(a, "id", job->msg->id);
	attr_add(a, "sender", sender ? sender : "");
	attr_addf(a, "offset", "%lld", (long long) q->content_off);
	attr_addf(a, "length", "%zu", q->content_len);
	attr_addf(a, "arrival", "%.3f", job->msg->arrival);
	for (size_t i = 0; copy[i]; i++)
		if (attr_get(q->env, copy[i]))
			attr_add(a, copy[i], attr_get(q->env, copy[i]));
	for (size_t k = 0; k < job->n; k++) {
		char *addr = qmgr_msg_qualify(q->rcpts[job->idx[k]].addr);
		char *orig = qmgr_msg_qualify(qmgr_msg_top(q, job->idx[k])->addr);

		attr_add(a, "rcpt", addr);
		attr_addf(a, "rcpt_index", "%zu", job->idx[k]);
		attr_add(a, "rcpt_orig", orig);
		mem_free(addr);
		mem_free(orig);
	}
	return a;
}

/* Send the job on a kept or a new connection; the job ends at once (as a
 * failure) when that fails. */
static void qmgr_deliver_start(qmgr_job_t *job)
{
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
		if ((c = qmgr_conn_idle) != NULL) {
			qmgr_conn_idle = c->next;
			c->next = NULL;
			event_cancel_timer(c->timer);
			c->timer = 0;
		} else if ((c = qmgr_conn_open(&failure)) == NULL) {
			break;
		}
		if (attr_send_fd(stream_fd(c->s), req, qfd) == ATTR_OK) {
			c->job = job;
			job->conn = c;
			c->timer = event_add_timer(qmgr_conf.delivery_timeout * 1000,
						   qmgr_deliver_timeout, c);
			break;
		}
		/* A kept connection that local has left: try the next. */
		if (c->used) {
			qmgr_conn_close(c);
			continue;
		}
		failure = mem_printf("send the request to local: %s",
				     strerror(errno));
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

static void qmgr_deliver_pump(void *ctx)
{
	(void) ctx;
	qmgr_job_pump_timer = 0;
	while (qmgr_job_head && !qmgr_stopping() &&
	       qmgr_job_running < (size_t) qmgr_conf.concurrency) {
		qmgr_job_t *job = qmgr_job_head;

		qmgr_job_head = job->next;
		if (qmgr_job_tail == job)
			qmgr_job_tail = NULL;
		job->next = NULL;
		qmgr_job_running++;
		qmgr_deliver_start(job);
	}
	/* Stopping: nothing more will be sent. */
	while (qmgr_stopping() && qmgr_conn_idle != NULL)
		qmgr_conn_close(qmgr_conn_idle);
}

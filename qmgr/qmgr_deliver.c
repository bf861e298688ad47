/* qmgr_deliver.c - delivery jobs to local over private/local.
 *
 * A job is a batch of one message's local recipients.  Jobs wait in a
 * FIFO and at most local_destination_concurrency_limit of them are open
 * at once.  Each job is one connection (lib/deliver_proto.h): the hello
 * and the request go out with attr_send_fd() - the request carrying a
 * read-only descriptor of the queue file, so local never needs access to
 * the queue - and the answer comes back as one attr record, read through
 * the event loop with a deadline of qmgr_delivery_timeout.  Jobs are only
 * ever started from a timer, so a job never ends inside the call that
 * submitted it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "deliver_proto.h"
#include "event.h"
#include "log.h"
#include "mem.h"
#include "qmgr.h"
#include "sock.h"
#include "stream.h"

typedef struct qmgr_job {
	qmgr_msg_t *msg;
	size_t *idx;
	size_t n;
	stream_t *s;
	attr_t *reply;
	event_timer_id timer;
	struct qmgr_job *next;
} qmgr_job_t;

static qmgr_job_t *qmgr_job_head, *qmgr_job_tail;
static size_t qmgr_job_running;
static event_timer_id qmgr_job_pump_timer;

static void qmgr_deliver_pump(void *ctx);

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

static void qmgr_deliver_end(qmgr_job_t *job, const char *failure)
{
	if (job->s) {
		event_del_fd(stream_fd(job->s));
		stream_close(&job->s);
	}
	if (job->timer)
		event_cancel_timer(job->timer);
	qmgr_job_running--;
	qmgr_msg_job_done(job->msg, job->idx, job->n,
			  failure ? NULL : job->reply, failure);
	attr_free(&job->reply);
	mem_free(job->idx);
	mem_free(job);
	qmgr_deliver_kick();
}

static void qmgr_deliver_timeout(void *ctx)
{
	qmgr_job_t *job = ctx;

	job->timer = 0;
	log_warn("%s: no answer from local within %lds", job->msg->id,
		 qmgr_conf.delivery_timeout);
	qmgr_deliver_end(job, "timed out waiting for the answer of local");
}

static void qmgr_deliver_readable(int fd, int events, void *ctx)
{
	qmgr_job_t *job = ctx;
	ssize_t got;
	int r;

	(void) fd;
	(void) events;
	got = stream_fill(job->s);
	r = attr_try_read(job->s, job->reply);
	if (r == ATTR_OK)
		qmgr_deliver_end(job, NULL);
	else if (r != ATTR_AGAIN)
		qmgr_deliver_end(job, r == ATTR_BAD ? "malformed answer from local" :
				 "lost connection with local");
	else if (got == STREAM_EOF || got == STREAM_ERROR)
		qmgr_deliver_end(job, "lost connection with local");
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

/* Connect and send; the job ends at once (as a failure) when that fails. */
static void qmgr_deliver_start(qmgr_job_t *job)
{
	char *path = mem_printf("active/%s", job->msg->id);
	attr_t *hello = attr_new(), *req = qmgr_deliver_request(job);
	char *failure = NULL;
	int sock, qfd = -1;

	job->reply = attr_new();
	sock = sock_connect_unix(DELIVER_LOCAL_SOCKET, (int) qmgr_conf.ipc_timeout);
	if (sock < 0) {
		failure = mem_printf("connect to %s: %s", DELIVER_LOCAL_SOCKET,
				     strerror(errno));
	} else if ((qfd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		failure = mem_printf("open %s: %s", path, strerror(errno));
	} else {
		attr_add(hello, "proto", DELIVER_PROTO);
		attr_add_long(hello, "version", DELIVER_VERSION);
		if (attr_send_fd(sock, hello, -1) != ATTR_OK ||
		    attr_send_fd(sock, req, qfd) != ATTR_OK)
			failure = mem_printf("send the request to local: %s",
					     strerror(errno));
	}
	if (qfd >= 0)
		close(qfd);
	attr_free(&hello);
	attr_free(&req);
	mem_free(path);
	if (failure != NULL) {
		if (sock >= 0)
			close(sock);
		log_warn("%s: %s", job->msg->id, failure);
		qmgr_deliver_end(job, failure);
		mem_free(failure);
		return;
	}
	job->s = stream_open(sock);
	event_add_fd(sock, EVENT_READ, qmgr_deliver_readable, job);
	job->timer = event_add_timer(qmgr_conf.delivery_timeout * 1000,
				     qmgr_deliver_timeout, job);
}

static void qmgr_deliver_pump(void *ctx)
{
	(void) ctx;
	qmgr_job_pump_timer = 0;
	while (qmgr_job_head && !qmgr_stopping() &&
	       qmgr_job_running < (size_t) qmgr_conf.concurrency) {
		qmgr_job_t *job = qmgr_job_head;

		qmgr_job_head = job->next;
		if (qmgr_job_head == NULL)
			qmgr_job_tail = NULL;
		job->next = NULL;
		qmgr_job_running++;
		qmgr_deliver_start(job);
	}
}

/* qmgr_dest.c - destinations and the scheduler.
 *
 * Every job belongs to a destination: "local" for the local agent, or
 * one per smtp nexthop.  Each destination has its own queue of jobs and
 * its own count of jobs in flight, and the scheduler takes the
 * destinations in turn (a ring of those with work), one job each per
 * turn, so a destination with a long queue or a slow server never
 * holds back the others; the jobs of one destination keep their order.
 *
 * Limits:
 *   - per destination: local_destination_concurrency_limit for local;
 *     for smtp one job at a time until the destination has answered
 *     once (a probe), then a window that starts at
 *     smtp_initial_destination_concurrency and grows by one with each
 *     job that reached a server, up to smtp_destination_concurrency_limit;
 *   - per transport: the local limit, and smtp_process_limit for all
 *     smtp destinations together;
 *   - smtp_destination_rate_delay: a pause between job starts to one
 *     destination.
 *
 * Destinations that do not answer.  A server that accepts connections
 * and never greets holds a job for smtp_helo_timeout (300s): if its
 * destination took several processes, and its queued jobs the active
 * messages, a few such destinations would stop all outbound mail for
 * minutes.  So the probe is alone in flight, and when it has gone
 * unanswered for smtp_destination_probe_time, the destination's queued
 * jobs are deferred (they leave active/ for deferred/, making room for
 * other mail); the probe itself goes on until its own timeout.
 *
 * Dead destinations.  A job whose answer says that no server of the
 * destination could be reached (smtp-out's unreachable=yes: no
 * connection, no greeting, a 4xx greeting) marks the destination dead
 * for a while: minimal_backoff_time, doubling with each further failure
 * up to maximal_backoff_time.  While dead, its queued and new jobs are
 * deferred at once, without a connection each ("delivery temporarily
 * suspended", as Postfix says), so messages for it cost no server time
 * and no process.  A job that reached a server clears the mark.  The
 * marks live only in memory: a restart, or `mailctl queue flush`, tries
 * again at once.
 *
 * Memory: a destination exists while it has queued or running jobs or a
 * dead mark; jobs exist only for messages in active/, whose number
 * qmgr_message_active_limit bounds.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "log.h"
#include "mem.h"
#include "qmgr.h"

#define QMGR_DEST_BUCKETS 4096

typedef struct qmgr_dest {
	char *nexthop;			/* NULL for local */
	enum qmgr_transport transport;
	qmgr_job_t *head, *tail;	/* queued */
	size_t running;
	long window;			/* jobs in flight allowed now */
	int in_ring;
	int proven;			/* a job reached a server */
	int64_t probe_since;		/* the probe's start, event_now_ms() */
	time_t dead_until;
	int fails;			/* unreachable answers in a row */
	char *dead_why;
	int64_t next_start_ms;		/* rate delay */
	struct qmgr_dest *hash_next;
	struct qmgr_dest *ring_next, *ring_prev;
} qmgr_dest_t;

static qmgr_dest_t *qmgr_dest_table[QMGR_DEST_BUCKETS];
static qmgr_dest_t *qmgr_dest_ring;		/* next to serve */
static size_t qmgr_transport_running[QMGR_TRANSPORT_COUNT];
static event_timer_id qmgr_dest_pump_timer;
static int64_t qmgr_dest_pump_at;

static void qmgr_dest_pump(void *ctx);

const char *qmgr_dest_nexthop(const qmgr_dest_t *d)
{
	return d->nexthop;
}

enum qmgr_transport qmgr_dest_transport(const qmgr_dest_t *d)
{
	return d->transport;
}

size_t qmgr_dest_running(void)
{
	size_t n = 0;

	for (int t = 0; t < QMGR_TRANSPORT_COUNT; t++)
		n += qmgr_transport_running[t];
	return n;
}

/* Run the scheduler from a timer, after ms: never inside the call that
 * submitted or ended a job. */
static void qmgr_dest_kick(long ms)
{
	int64_t at = event_now_ms() + ms;

	if (qmgr_dest_pump_timer != 0) {
		if (qmgr_dest_pump_at <= at)
			return;
		event_cancel_timer(qmgr_dest_pump_timer);
	}
	qmgr_dest_pump_at = at;
	qmgr_dest_pump_timer = event_add_timer(ms, qmgr_dest_pump, NULL);
}

static unsigned qmgr_dest_hash(enum qmgr_transport t, const char *nexthop)
{
	unsigned h = 2166136261u ^ (unsigned) t;

	for (const char *p = nexthop ? nexthop : ""; *p; p++)
		h = (h ^ (unsigned char) *p) * 16777619u;
	return h % QMGR_DEST_BUCKETS;
}

static qmgr_dest_t *qmgr_dest_find(enum qmgr_transport t, const char *nexthop,
				   int create)
{
	unsigned h = qmgr_dest_hash(t, nexthop);
	qmgr_dest_t *d;

	for (d = qmgr_dest_table[h]; d != NULL; d = d->hash_next)
		if (d->transport == t && (d->nexthop == NULL ? nexthop == NULL :
					  nexthop && strcmp(d->nexthop, nexthop) == 0))
			return d;
	if (!create)
		return NULL;
	d = MEM_NEW(qmgr_dest_t);
	d->transport = t;
	d->nexthop = nexthop ? mem_strdup(nexthop) : NULL;
	d->window = t == QMGR_TRANSPORT_LOCAL ? qmgr_conf.concurrency :
		qmgr_conf.smtp_initial;
	d->hash_next = qmgr_dest_table[h];
	qmgr_dest_table[h] = d;
	return d;
}

static void qmgr_dest_ring_add(qmgr_dest_t *d)
{
	if (d->in_ring)
		return;
	d->in_ring = 1;
	if (qmgr_dest_ring == NULL) {
		d->ring_next = d->ring_prev = d;
		qmgr_dest_ring = d;
		return;
	}
	/* At the end of the turn: just before the next to serve. */
	d->ring_next = qmgr_dest_ring;
	d->ring_prev = qmgr_dest_ring->ring_prev;
	d->ring_prev->ring_next = d;
	qmgr_dest_ring->ring_prev = d;
}

static void qmgr_dest_ring_remove(qmgr_dest_t *d)
{
	if (!d->in_ring)
		return;
	d->in_ring = 0;
	if (d->ring_next == d) {
		qmgr_dest_ring = NULL;
	} else {
		d->ring_prev->ring_next = d->ring_next;
		d->ring_next->ring_prev = d->ring_prev;
		if (qmgr_dest_ring == d)
			qmgr_dest_ring = d->ring_next;
	}
	d->ring_next = d->ring_prev = NULL;
}

/* Free a destination that holds nothing any more. */
static void qmgr_dest_maybe_free(qmgr_dest_t *d)
{
	qmgr_dest_t **pp;

	if (d->head != NULL || d->running > 0 || d->dead_until > time(NULL))
		return;
	qmgr_dest_ring_remove(d);
	for (pp = &qmgr_dest_table[qmgr_dest_hash(d->transport, d->nexthop)];
	     *pp != d; pp = &(*pp)->hash_next)
		;
	*pp = d->hash_next;
	mem_free(d->nexthop);
	mem_free(d->dead_why);
	mem_free(d);
}

void qmgr_dest_submit(qmgr_msg_t *msg, const size_t *idx, size_t n,
		      enum qmgr_transport t, const char *nexthop)
{
	qmgr_dest_t *d = qmgr_dest_find(t, nexthop, 1);
	qmgr_job_t *job = MEM_NEW(qmgr_job_t);

	job->msg = msg;
	job->idx = mem_memdup(idx, n * sizeof(*idx));
	job->n = n;
	job->dest = d;
	msg->jobs++;
	if (d->tail)
		d->tail->next = job;
	else
		d->head = job;
	d->tail = job;
	qmgr_dest_ring_add(d);
	qmgr_dest_kick(0);
}

static const char *qmgr_dest_label(const qmgr_dest_t *d)
{
	return d->nexthop ? d->nexthop : "local";
}

static void qmgr_dest_job_free(qmgr_job_t *job)
{
	attr_free(&job->reply);
	mem_free(job->idx);
	mem_free(job);
}

void qmgr_dest_job_done(qmgr_job_t *job, const char *dsn, const char *failure)
{
	qmgr_dest_t *d = job->dest;
	const attr_t *reply = failure ? NULL : job->reply;
	const char *unreachable = reply ? attr_get(reply, "unreachable") : NULL;

	d->running--;
	qmgr_transport_running[d->transport]--;
	if (unreachable != NULL && strcmp(unreachable, "yes") == 0) {
		long delay = qmgr_backoff(++d->fails, qmgr_conf.min_backoff,
					  qmgr_conf.max_backoff);
		const char *why = attr_get(reply, "text");

		d->dead_until = time(NULL) + delay;
		mem_free(d->dead_why);
		d->dead_why = mem_strdup(why ? why : "no server answered");
		d->window = qmgr_conf.smtp_initial;
		log_warn("%s: destination %s is dead for %lds: %s", job->msg->id,
			 qmgr_dest_label(d), delay, d->dead_why);
	} else if (reply != NULL && d->transport == QMGR_TRANSPORT_SMTP) {
		d->fails = 0;
		d->dead_until = 0;
		if (d->proven && d->window < qmgr_conf.smtp_concurrency)
			d->window++;
		d->proven = 1;
	}
	qmgr_msg_job_done(job->msg, job->idx, job->n, reply, dsn, failure,
			  qmgr_transport_name(d->transport));
	qmgr_dest_job_free(job);
	if (d->head != NULL)
		qmgr_dest_ring_add(d);
	qmgr_dest_maybe_free(d);
	qmgr_dest_kick(0);
}

/* Queued jobs deferred without an attempt: the destination is dead, or
 * its probe has no answer yet. */
static void qmgr_dest_defer_queue(qmgr_dest_t *d, const char *why)
{
	char *text = mem_printf("delivery temporarily suspended: %s", why);

	while (d->head != NULL) {
		qmgr_job_t *job = d->head;

		d->head = job->next;
		if (d->head == NULL)
			d->tail = NULL;
		qmgr_msg_job_done(job->msg, job->idx, job->n, NULL, "4.4.1", text,
				  "none");
		qmgr_dest_job_free(job);
	}
	mem_free(text);
}

/* Jobs in flight allowed now. */
static size_t qmgr_dest_window(const qmgr_dest_t *d)
{
	if (d->transport == QMGR_TRANSPORT_SMTP && !d->proven)
		return 1;
	return (size_t) d->window;
}

/* The probe of an unproven destination has been out too long. */
static int qmgr_dest_probe_stuck(const qmgr_dest_t *d)
{
	return d->transport == QMGR_TRANSPORT_SMTP && !d->proven && d->running > 0 &&
		event_now_ms() - d->probe_since >= qmgr_conf.smtp_probe_time * 1000;
}

static long qmgr_dest_limit(enum qmgr_transport t)
{
	return t == QMGR_TRANSPORT_LOCAL ? qmgr_conf.concurrency :
		qmgr_conf.smtp_process_limit;
}

/* Start one job of d if its limits allow: 1 started, 0 not now, with
 * *wait_ms set when only the rate delay holds it. */
static int qmgr_dest_start_one(qmgr_dest_t *d, long *wait_ms)
{
	int64_t now = event_now_ms();
	qmgr_job_t *job;

	if (d->running >= qmgr_dest_window(d) ||
	    qmgr_transport_running[d->transport] >= (size_t) qmgr_dest_limit(d->transport))
		return 0;
	if (d->next_start_ms > now) {
		long w = (long) (d->next_start_ms - now);

		if (*wait_ms < 0 || w < *wait_ms)
			*wait_ms = w;
		return 0;
	}
	job = d->head;
	d->head = job->next;
	if (d->head == NULL)
		d->tail = NULL;
	job->next = NULL;
	d->running++;
	qmgr_transport_running[d->transport]++;
	if (d->transport == QMGR_TRANSPORT_SMTP && qmgr_conf.smtp_rate_delay > 0)
		d->next_start_ms = now + qmgr_conf.smtp_rate_delay * 1000;
	if (d->transport == QMGR_TRANSPORT_SMTP && !d->proven) {
		/* Look again when the probe has been out too long. */
		d->probe_since = now;
		qmgr_dest_kick(qmgr_conf.smtp_probe_time * 1000 + 10);
	}
	qmgr_deliver_start(job);
	return 1;
}

static void qmgr_dest_pump(void *ctx)
{
	long wait_ms = -1;
	size_t idle_turns = 0, ring_size = 0;
	qmgr_dest_t *d;

	(void) ctx;
	qmgr_dest_pump_timer = 0;
	if (qmgr_stopping()) {
		qmgr_deliver_close_idle();
		return;
	}
	if ((d = qmgr_dest_ring) != NULL)
		do
			ring_size++;
		while ((d = d->ring_next) != qmgr_dest_ring);
	/* Round-robin: one job per destination per turn, until a whole
	 * turn starts nothing. */
	while (qmgr_dest_ring != NULL && idle_turns < ring_size) {
		d = qmgr_dest_ring;
		qmgr_dest_ring = d->ring_next;
		if (d->dead_until > time(NULL)) {
			qmgr_dest_defer_queue(d, d->dead_why ? d->dead_why :
					      "the destination is dead");
		} else if (qmgr_dest_probe_stuck(d)) {
			char *why = mem_printf("no answer from %s for %lds",
					       qmgr_dest_label(d),
					       qmgr_conf.smtp_probe_time);

			qmgr_dest_defer_queue(d, why);
			mem_free(why);
		} else if (d->head != NULL && qmgr_dest_start_one(d, &wait_ms)) {
			idle_turns = 0;
		} else {
			idle_turns++;
		}
		if (d->head != NULL && d->transport == QMGR_TRANSPORT_SMTP &&
		    !d->proven && d->running > 0) {
			long left = (long) (d->probe_since +
					    qmgr_conf.smtp_probe_time * 1000 + 10 -
					    event_now_ms());

			if (left > 0 && (wait_ms < 0 || left < wait_ms))
				wait_ms = left;
		}
		if (d->head == NULL) {
			qmgr_dest_ring_remove(d);
			if (ring_size > 0)
				ring_size--;
			qmgr_dest_maybe_free(d);
		}
	}
	if (wait_ms >= 0)
		qmgr_dest_kick(wait_ms);
}

void qmgr_dest_sweep(void)
{
	for (size_t i = 0; i < QMGR_DEST_BUCKETS; i++) {
		qmgr_dest_t *d = qmgr_dest_table[i], *next;

		for (; d != NULL; d = next) {
			next = d->hash_next;
			qmgr_dest_maybe_free(d);
		}
	}
}

void qmgr_dest_revive(const char *nexthop)
{
	for (size_t i = 0; i < QMGR_DEST_BUCKETS; i++)
		for (qmgr_dest_t *d = qmgr_dest_table[i]; d != NULL; d = d->hash_next)
			if (nexthop == NULL ||
			    (d->nexthop && strcmp(d->nexthop, nexthop) == 0))
				d->dead_until = 0;
}

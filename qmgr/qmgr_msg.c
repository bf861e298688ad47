/* qmgr_msg.c - one message in active/: take, schedule, record, finish.
 *
 * Taking a file reads it whole (but the content), expands aliases on the
 * first take and marks the recipient list final with a "resolved" record.
 * Scheduling routes each recipient (qmgr_route.c) and hands the
 * recipients of each destination to the scheduler (qmgr_dest.c) in jobs.  Each result
 * is appended to the file before anything acts on it.  When the last job
 * has answered, the message is finished: failures are reported to the
 * sender, and the file is removed when every recipient is final, or moved
 * to deferred/ with its modification time set to the next retry
 * (qmgr_scan.c reads it there).
 *
 * Syncing (architecture §4: the fsyncs per message are smtpd's and local's;
 * result records may be synced lazily).  A result record only ever says
 * that less work remains, so losing one in a crash can only repeat work,
 * never lose mail:
 *  - A message whose recipients are all final is removed without a sync:
 *    a crash that loses the records also loses the unlink (or the file is
 *    gone), and the message is delivered once more - at most one duplicate
 *    per crash, never a loss.
 *  - A message that stays (deferred, or with a bounce to send) is synced
 *    once before it moves to deferred/, so its retry count and the
 *    "notified" marks survive; that path is rare.
 *  - Alias expansion that changed the recipient list ("add" and "expand"
 *    records) is synced before any delivery request goes out: results
 *    name recipients by index, so an index must never mean one recipient
 *    in a result record and, after a re-expansion, another.
 *  - A "resolved" record after an expansion that changed nothing is not
 *    synced.  If a crash loses it, the next take expands again; the
 *    recipients keep their indices (those of the envelope), results
 *    already recorded for them stay valid, and recipients already final
 *    are not expanded (qmgr_alias.c).  The expansion comes out the same
 *    unless the administrator changed the aliases in that window, in
 *    which case the message is handled as if it had arrived after the
 *    change - as Postfix's local(8) does when it repeats a delivery.
 */
#define _GNU_SOURCE	/* strcasestr */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"
#include "mem.h"
#include "qmgr.h"
#include "qmgr_alias.h"
#include "qmgr_notify.h"

static qmgr_msg_t *qmgr_msgs;
static size_t qmgr_nmsgs;

size_t qmgr_msg_count(void)
{
	return qmgr_nmsgs;
}

const queue_rcpt_t *qmgr_msg_top(const queue_msg_t *q, size_t i)
{
	while (q->rcpts[i].parent >= 0)
		i = (size_t) q->rcpts[i].parent;
	return &q->rcpts[i];
}

char *qmgr_msg_qualify(const char *addr)
{
	if (addr[addr_at(addr)] == '@')
		return mem_strdup(addr);
	return mem_printf("%s@%s", addr, qmgr_conf.myorigin);
}

static const char *qmgr_msg_sender(const qmgr_msg_t *msg)
{
	const char *s = attr_get(msg->q.env, "sender");

	return s ? s : "";
}

static double qmgr_msg_delay(const qmgr_msg_t *msg)
{
	struct timeval tv;
	double d;

	gettimeofday(&tv, NULL);
	d = (double) tv.tv_sec + tv.tv_usec / 1e6 - msg->arrival;
	return d < 0 ? 0 : d;
}

/* The recipient's index as a record value. */
static void qmgr_msg_index_str(size_t i, char out[24])
{
	snprintf(out, 24, "%zu", i);
}

/*
 * Append a result record for recipient i and update it in memory.  A
 * record that cannot be written is not acted on: the recipient stays
 * deferred, so the worst outcome is a repeated delivery.
 */
static void qmgr_msg_record(qmgr_msg_t *msg, size_t i, const char *type,
			    const char *dsn, const char *text)
{
	queue_rcpt_t *r = &msg->q.rcpts[i];
	char idx[24], next[24];
	time_t now = time(NULL), when = 0;

	qmgr_msg_index_str(i, idx);
	if (strcmp(type, "defer") == 0) {
		when = now + qmgr_backoff(r->tries + 1, qmgr_conf.min_backoff,
					  qmgr_conf.max_backoff);
		snprintf(next, sizeof(next), "%lld", (long long) when);
	}
	if (queue_append(msg->fd, 0, type, "rcpt", idx, "dsn", dsn, "text", text,
			 "next", when ? next : NULL, NULL) < 0) {
		log_error("%s: cannot append to the queue file: %s", msg->id,
			  strerror(errno));
		type = "defer";
		dsn = "4.3.0";
		text = "cannot write the queue file";
		when = now + qmgr_conf.min_backoff;
	}
	msg->dirty = 1;
	mem_free(r->dsn);
	mem_free(r->text);
	r->dsn = mem_strdup(dsn);
	r->text = mem_strdup(text);
	if (strcmp(type, "done") == 0) {
		r->state = QUEUE_RCPT_DONE;
	} else if (strcmp(type, "fail") == 0) {
		r->state = QUEUE_RCPT_FAILED;
	} else {
		r->state = QUEUE_RCPT_DEFERRED;
		r->next_try = when;
		r->tries++;
	}
}

static void qmgr_msg_sync(qmgr_msg_t *msg)
{
	if (msg->dirty && fdatasync(msg->fd) < 0)
		log_error("%s: fsync: %s", msg->id, strerror(errno));
	msg->dirty = 0;
}

/* The Postfix-like line for a result qmgr decided itself. */
static void qmgr_msg_log(const qmgr_msg_t *msg, size_t i, const char *relay,
			 const char *status)
{
	const queue_rcpt_t *r = &msg->q.rcpts[i];
	const queue_rcpt_t *top = qmgr_msg_top(&msg->q, i);
	char *to = qmgr_msg_qualify(r->addr);

	if (top != r)
		log_info("%s: to=<%s>, orig_to=<%s>, relay=%s, delay=%.2f, "
			 "dsn=%s, status=%s (%s)", msg->id, to, top->addr, relay,
			 qmgr_msg_delay(msg), r->dsn, status, r->text);
	else
		log_info("%s: to=<%s>, relay=%s, delay=%.2f, dsn=%s, status=%s "
			 "(%s)", msg->id, to, relay, qmgr_msg_delay(msg), r->dsn,
			 status, r->text);
	mem_free(to);
}

static void qmgr_msg_unlink_list(qmgr_msg_t *msg)
{
	for (qmgr_msg_t **pp = &qmgr_msgs; *pp; pp = &(*pp)->next) {
		if (*pp == msg) {
			*pp = msg->next;
			qmgr_nmsgs--;
			return;
		}
	}
}

static void qmgr_msg_free(qmgr_msg_t *msg)
{
	qmgr_msg_unlink_list(msg);
	close(msg->fd);
	queue_msg_clear(&msg->q);
	mem_free(msg);
	qmgr_scan_room_freed();
}

/* Leave the message in deferred/ until when (mtime = next retry). */
static void qmgr_msg_park(qmgr_msg_t *msg, time_t when)
{
	struct timespec ts[2] = { { when, 0 }, { when, 0 } };

	if (futimens(msg->fd, ts) < 0)
		log_warn("%s: set retry time: %s", msg->id, strerror(errno));
	if (qmgr_move(msg->id, "active", "deferred") < 0) {
		if (errno == ENOENT)
			log_info("%s: no longer in active/ (moved or deleted by "
				 "the administrator)", msg->id);
		else
			log_error("%s: move to deferred/: %s", msg->id,
				  strerror(errno));
	} else {
		qmgr_index_update(msg->id, "deferred", &msg->q, when);
	}
}

int qmgr_msg_notify_has(const queue_rcpt_t *r, const char *what)
{
	return r->notify == NULL || *r->notify == '\0' ||
		strcasestr(r->notify, what) != NULL;
}

/* Report permanent failures to the sender, then mark them notified.  The
 * null sender gets no report (RFC 3461 §6.2): its failures - a bounce
 * that could not be delivered - go to postmaster once, unless the message
 * was itself for postmaster, whose failure is only logged. */
static void qmgr_msg_bounce(qmgr_msg_t *msg)
{
	const char *sender = qmgr_msg_sender(msg);
	int to_postmaster = *sender == '\0' && !qmgr_notify_is_postmaster(msg);
	size_t *idx = mem_reallocarray(NULL, msg->q.nrcpts, sizeof(size_t));
	size_t n = 0;
	int sent = 1;
	char s[24];

	for (size_t i = 0; i < msg->q.nrcpts; i++) {
		const queue_rcpt_t *r = &msg->q.rcpts[i];

		if (r->state == QUEUE_RCPT_FAILED && (*sender || to_postmaster) &&
		    qmgr_msg_notify_has(r, "FAILURE") &&
		    strcasestr(r->notify ? r->notify : "", "NEVER") == NULL)
			idx[n++] = i;
	}
	if (n > 0)
		sent = (*sender ? qmgr_notify_send(msg, DSN_FAILED, idx, n) :
			qmgr_notify_send_postmaster(msg, idx, n)) == 0;
	for (size_t i = 0; sent && i < msg->q.nrcpts; i++) {
		queue_rcpt_t *r = &msg->q.rcpts[i];

		if (r->state != QUEUE_RCPT_FAILED)
			continue;
		qmgr_msg_index_str(i, s);
		if (*sender == '\0' && !to_postmaster)
			log_info("%s: to=<%s>: no failure notice: the sender is "
				 "null and the message was for postmaster",
				 msg->id, r->addr);
		if (queue_append(msg->fd, 0, "notified", "rcpt", s, NULL) < 0) {
			log_error("%s: cannot append to the queue file: %s",
				  msg->id, strerror(errno));
			break;
		}
		msg->dirty = 1;
		r->state = QUEUE_RCPT_NOTIFIED;
	}
	mem_free(idx);
}

/* Report deliveries to recipients that asked for it (RFC 3461 §4.1:
 * NOTIFY=SUCCESS only; an absent NOTIFY means failures - and, here, delays
 * - but never success), then mark them with a "notified" record after
 * their "done" (queue.h).  The mark matters when the message stays queued
 * for other recipients: the next take does not report them again.  When
 * every recipient is final the file is removed without a sync, so a crash
 * in that window may send a success notice twice (like the delivery it
 * reports, see the top of this file).  Never to the null sender.
 * 0, or -1 when the notice could not be queued (the message then stays
 * and it is tried again). */
static int qmgr_msg_success(qmgr_msg_t *msg)
{
	size_t *idx;
	size_t n = 0;
	char s[24];

	if (*qmgr_msg_sender(msg) == '\0')
		return 0;
	idx = mem_reallocarray(NULL, msg->q.nrcpts, sizeof(size_t));
	for (size_t i = 0; i < msg->q.nrcpts; i++) {
		const queue_rcpt_t *r = &msg->q.rcpts[i];

		if (r->state == QUEUE_RCPT_DONE && !r->notified && r->notify &&
		    strcasestr(r->notify, "SUCCESS") != NULL)
			idx[n++] = i;
	}
	if (n > 0 && qmgr_notify_send(msg, DSN_DELIVERED, idx, n) < 0) {
		mem_free(idx);
		return -1;
	}
	for (size_t k = 0; k < n; k++) {
		queue_rcpt_t *r = &msg->q.rcpts[idx[k]];

		qmgr_msg_index_str(idx[k], s);
		if (queue_append(msg->fd, 0, "notified", "rcpt", s, NULL) < 0)
			log_error("%s: cannot append to the queue file: %s",
				  msg->id, strerror(errno));
		msg->dirty = 1;
		r->notified = 1;
	}
	mem_free(idx);
	return 0;
}

/* The sender hears once that some recipients are late. */
static void qmgr_msg_warn(qmgr_msg_t *msg)
{
	size_t *idx;
	size_t n = 0;

	if (qmgr_conf.warn_time <= 0 || msg->q.warned ||
	    *qmgr_msg_sender(msg) == '\0' ||
	    time(NULL) - (time_t) msg->arrival < qmgr_conf.warn_time)
		return;
	idx = mem_reallocarray(NULL, msg->q.nrcpts, sizeof(size_t));
	for (size_t i = 0; i < msg->q.nrcpts; i++) {
		const queue_rcpt_t *r = &msg->q.rcpts[i];

		if (r->state == QUEUE_RCPT_DEFERRED && qmgr_msg_notify_has(r, "DELAY"))
			idx[n++] = i;
	}
	if (n > 0 && qmgr_notify_send(msg, DSN_DELAYED, idx, n) == 0) {
		if (queue_append(msg->fd, 0, "warned", NULL) < 0)
			log_error("%s: cannot append to the queue file: %s",
				  msg->id, strerror(errno));
		msg->dirty = 1;
		msg->q.warned = 1;
	}
	mem_free(idx);
}

static void qmgr_msg_finish(qmgr_msg_t *msg)
{
	time_t next = 0;
	int success_sent = qmgr_msg_success(msg) == 0;

	qmgr_msg_bounce(msg);
	qmgr_msg_warn(msg);
	if (success_sent && queue_msg_finished(&msg->q)) {
		/* No sync: see the top of this file. */
		char *path = mem_printf("active/%s", msg->id);

		if (unlink(path) < 0 && errno != ENOENT)
			log_error("%s: unlink %s: %s", msg->id, path, strerror(errno));
		else
			log_info("%s: removed", msg->id);
		mem_free(path);
		qmgr_index_remove(msg->id);
	} else {
		for (size_t i = 0; i < msg->q.nrcpts; i++) {
			const queue_rcpt_t *r = &msg->q.rcpts[i];

			if (r->state == QUEUE_RCPT_DEFERRED &&
			    (next == 0 || r->next_try < next))
				next = r->next_try;
		}
		/* Failures or successes whose report could not be queued:
		 * try soon. */
		if (next == 0)
			next = time(NULL) + qmgr_conf.min_backoff;
		qmgr_msg_sync(msg);
		qmgr_msg_park(msg, next);
	}
	qmgr_msg_free(msg);
}

/* The recipients of one message for one destination, being batched. */
struct qmgr_msg_batch {
	enum qmgr_transport transport;
	char *nexthop;
	size_t *idx;
	size_t n;
};

static void qmgr_msg_batch_add(qmgr_msg_t *msg, struct qmgr_msg_batch **bp,
			       size_t *nb, qmgr_route_t *route, size_t i)
{
	struct qmgr_msg_batch *b = NULL;
	long limit = route->transport == QMGR_TRANSPORT_LOCAL ?
		qmgr_conf.rcpt_limit : qmgr_conf.smtp_rcpt_limit;

	for (size_t k = 0; k < *nb; k++)
		if ((*bp)[k].transport == route->transport &&
		    ((*bp)[k].nexthop == NULL ? route->nexthop == NULL :
		     route->nexthop && strcmp((*bp)[k].nexthop, route->nexthop) == 0)) {
			b = &(*bp)[k];
			break;
		}
	if (b == NULL) {
		*bp = mem_reallocarray(*bp, *nb + 1, sizeof(**bp));
		b = &(*bp)[(*nb)++];
		b->transport = route->transport;
		b->nexthop = route->nexthop;
		route->nexthop = NULL;
		b->idx = mem_reallocarray(NULL, msg->q.nrcpts, sizeof(size_t));
		b->n = 0;
	}
	b->idx[b->n++] = i;
	if (b->n == (size_t) limit) {
		qmgr_dest_submit(msg, b->idx, b->n, b->transport, b->nexthop);
		b->n = 0;
	}
}

static void qmgr_msg_schedule(qmgr_msg_t *msg)
{
	struct qmgr_msg_batch *batches = NULL;
	size_t nb = 0;
	time_t now = time(NULL);
	int expired = qmgr_conf.lifetime > 0 &&
		now - (time_t) msg->arrival >= qmgr_conf.lifetime;

	msg->jobs++;		/* no finish while the jobs are handed out */
	for (size_t i = 0; i < msg->q.nrcpts; i++) {
		queue_rcpt_t *r = &msg->q.rcpts[i];
		qmgr_route_t route;
		char *addr;

		if (r->state != QUEUE_RCPT_PENDING && r->state != QUEUE_RCPT_DEFERRED)
			continue;
		if (expired && r->state == QUEUE_RCPT_DEFERRED) {
			char *text = mem_printf("delivery time expired; last "
						"problem: %s", r->text ? r->text :
						"unknown");

			qmgr_msg_record(msg, i, "fail", "5.4.7", text);
			qmgr_msg_log(msg, i, "none", "expired");
			mem_free(text);
			continue;
		}
		addr = qmgr_msg_qualify(r->addr);
		qmgr_route_find(addr, &route);
		if (route.kind == QMGR_ROUTE_FAIL) {
			qmgr_msg_record(msg, i, route.dsn[0] == '4' ? "defer" : "fail",
					route.dsn, route.text);
			qmgr_msg_log(msg, i, "none", route.dsn[0] == '4' ?
				     "deferred" : "bounced");
		} else {
			qmgr_msg_batch_add(msg, &batches, &nb, &route, i);
		}
		qmgr_route_free(&route);
		mem_free(addr);
	}
	for (size_t k = 0; k < nb; k++) {
		if (batches[k].n > 0)
			qmgr_dest_submit(msg, batches[k].idx, batches[k].n,
					 batches[k].transport, batches[k].nexthop);
		mem_free(batches[k].idx);
		mem_free(batches[k].nexthop);
	}
	mem_free(batches);
	if (--msg->jobs == 0)
		qmgr_msg_finish(msg);
}

static int qmgr_msg_valid_dsn(const char *dsn)
{
	int a, b, c, n = 0;

	return dsn != NULL && sscanf(dsn, "%1d.%3d.%3d%n", &a, &b, &c, &n) == 3 &&
		dsn[n] == '\0' && (a == 2 || a == 4 || a == 5);
}

void qmgr_msg_job_done(qmgr_msg_t *msg, const size_t *idx, size_t n,
		       const attr_t *reply, const char *dsn_failed,
		       const char *failure, const char *relay)
{
	char *answered = mem_zalloc(n ? n : 1);
	char *why = NULL;
	size_t count;

	if (reply != NULL && (attr_get(reply, "status") == NULL ||
			      strcmp(attr_get(reply, "status"), "ok") != 0)) {
		why = mem_printf("delivery agent: refused the request: %s",
				 attr_get(reply, "reason") ? attr_get(reply, "reason") :
				 "no reason given");
		reply = NULL;
	}
	count = reply ? attr_count_of(reply, "rcpt_index") : 0;
	for (size_t k = 0; k < count; k++) {
		const char *ri = attr_get_nth(reply, "rcpt_index", k);
		const char *dsn = attr_get_nth(reply, "dsn", k);
		const char *text = attr_get_nth(reply, "text", k);
		char *end;
		unsigned long v = strtoul(ri, &end, 10);
		size_t j;

		for (j = 0; j < n; j++)
			if (*ri && *end == '\0' && idx[j] == v && !answered[j])
				break;
		if (j == n || !qmgr_msg_valid_dsn(dsn)) {
			log_warn("%s: delivery agent answered a bad result "
				 "(rcpt_index=%s dsn=%s); ignored", msg->id, ri,
				 dsn ? dsn : "");
			continue;
		}
		answered[j] = 1;
		qmgr_msg_record(msg, idx[j], dsn[0] == '2' ? "done" :
				dsn[0] == '4' ? "defer" : "fail", dsn,
				text ? text : "");
	}
	for (size_t j = 0; j < n; j++) {
		if (answered[j])
			continue;
		if (why != NULL || failure == NULL)
			qmgr_msg_record(msg, idx[j], "defer", "4.3.0", why ? why :
					"delivery agent: no result for this "
					"recipient");
		else
			qmgr_msg_record(msg, idx[j], "defer", dsn_failed, failure);
		qmgr_msg_log(msg, idx[j], relay, "deferred");
	}
	mem_free(why);
	mem_free(answered);
	if (--msg->jobs == 0)
		qmgr_msg_finish(msg);
}

/* Expand aliases and mark the recipient list final, on the first take. */
static int qmgr_msg_resolve(qmgr_msg_t *msg)
{
	const char *err = NULL;
	off_t before = lseek(msg->fd, 0, SEEK_END);
	int changed;

	log_info("%s: from=<%s>, size=%zu, nrcpt=%zu (queue active)", msg->id,
		 qmgr_msg_sender(msg), msg->q.content_len, msg->q.nrcpts);
	if (qmgr_alias_expand(&msg->q, msg->fd, &qmgr_alias_conf, &err) < 0) {
		log_warn("%s: %s; trying again later", msg->id, err);
		return -1;
	}
	/* Synced only when the expansion wrote records (top of file). */
	changed = before < 0 || lseek(msg->fd, 0, SEEK_END) != before;
	if (queue_append(msg->fd, changed, "resolved", NULL) < 0) {
		log_error("%s: cannot append to the queue file: %s", msg->id,
			  strerror(errno));
		return -1;
	}
	msg->q.resolved = 1;
	return 0;
}

void qmgr_msg_take(const char *id)
{
	char *path = mem_printf("active/%s", id);
	const char *err = NULL, *arrival;
	qmgr_msg_t *msg;
	struct stat st;
	int fd;

	for (msg = qmgr_msgs; msg; msg = msg->next)
		if (strcmp(msg->id, id) == 0) {
			mem_free(path);
			return;		/* already being worked on */
		}
	fd = open(path, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	mem_free(path);
	if (fd < 0) {
		if (errno != ENOENT)
			log_error("%s: open active/%s: %s", id, id, strerror(errno));
		return;
	}
	msg = MEM_NEW(qmgr_msg_t);
	memcpy(msg->id, id, QUEUE_ID_LEN + 1);
	msg->fd = fd;
	if (queue_msg_read(fd, &msg->q, &err) < 0 || strcmp(msg->q.id, id) != 0) {
		if (err == NULL)
			queue_msg_clear(&msg->q);
		qmgr_corrupt(id, fd, err ? err : "queue id differs from the file name");
		close(fd);
		mem_free(msg);
		return;
	}
	arrival = attr_get(msg->q.env, "arrival");
	msg->arrival = arrival ? strtod(arrival, NULL) : 0;
	if (msg->arrival <= 0 && fstat(fd, &st) == 0)
		msg->arrival = (double) st.st_ctime;
	msg->next = qmgr_msgs;
	qmgr_msgs = msg;
	qmgr_nmsgs++;
	if (!msg->q.resolved && qmgr_msg_resolve(msg) < 0) {
		qmgr_msg_park(msg, time(NULL) + qmgr_conf.min_backoff);
		qmgr_msg_free(msg);
		return;
	}
	qmgr_index_update(id, "active", &msg->q, 0);
	qmgr_msg_schedule(msg);
}

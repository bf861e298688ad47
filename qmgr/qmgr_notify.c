/* qmgr_notify.c - queueing bounces, delay warnings and success notices.
 *
 * The report (lib/dsn.c) is written with the same queue writer smtpd
 * uses, so it is committed by fsync + link + directory fsync like any
 * received message, and then delivered by qmgr itself.  Its sender is
 * null: a report is never reported on (RFC 3461 §6.2, RFC 5321 §4.5.5).
 * The original comes back whole up to bounce_size_limit, and as its header
 * only when larger or when the sender asked for RET=HDRS; a success notice
 * returns the header only (RFC 3461 §4.3: RET is about failures).
 * Notices to postmaster (qmgr_corrupt.c) go out the same way.
 *
 * Every report carries the envelope attribute notice= saying what it is
 * (bounce, delay, success, double-bounce, postmaster).  A report that
 * itself cannot be delivered is never reported to its (null) sender: a
 * failed bounce goes to postmaster once, as a double bounce, and a
 * failed double bounce or postmaster notice is only logged, so reports
 * can never loop (RFC 5321 §4.5.5, RFC 3461 §6.2).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "qmgr_notify.h"

/* Most of the original read to find its header, when only that returns. */
#define QMGR_NOTIFY_HEADER_MAX (256 * 1024)

static int qmgr_notify_read(const qmgr_msg_t *msg, size_t want, buf_t *out)
{
	buf_reserve(out, want + 1);
	while (out->len < want) {
		ssize_t n = pread(msg->fd, out->data + out->len, want - out->len,
				  msg->q.content_off + (off_t) out->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		out->len += (size_t) n;
	}
	out->data[out->len] = '\0';
	return 0;
}

/* Commit text, made for the writer w, as a message from the null sender
 * to `to`; what names it in the log line about the message `about`. */
static int qmgr_notify_queue(const char *about, queue_writer_t **wp,
			     const char *to, const buf_t *text, const char *what,
			     const char *kind, time_t now)
{
	queue_writer_t *w = *wp;
	attr_t *env = queue_writer_envelope(w);
	int r;

	attr_add(env, "sender", "");
	attr_add(env, "notice", kind);
	attr_add(env, "rcpt", to);
	attr_add(env, "rcpt_orcpt", "");
	attr_add(env, "rcpt_notify", "");
	attr_add(env, "body", "8BITMIME");
	attr_addf(env, "arrival", "%lld", (long long) now);
	attr_add(env, "proto", "local");
	attr_add(env, "service", "qmgr");
	r = queue_writer_content(w, text->data, text->len);
	if (r == 0)
		r = queue_writer_commit(w);
	if (r < 0)
		log_error("%s: cannot queue the %s notification: %s", about,
			  what, strerror(errno));
	else
		log_info("%s: %s notification: %s", about, what,
			 queue_writer_id(w));
	queue_writer_free(wp);
	return r;
}

static queue_writer_t *qmgr_notify_open(const char *about)
{
	queue_writer_t *w = queue_writer_open(".");

	if (w == NULL)
		log_error("%s: cannot create a queue file for the report: %s",
			  about, strerror(errno));
	return w;
}

static int qmgr_notify_commit(const qmgr_msg_t *msg, const char *to,
			      dsn_t *d, int double_bounce)
{
	queue_writer_t *w = qmgr_notify_open(msg->id);
	buf_t text = BUF_INIT;
	int r;

	if (w == NULL)
		return -1;
	d->bounce_id = queue_writer_id(w);
	dsn_compose(d, &text);
	if (dsn_needs_smtputf8(d))
		attr_add(queue_writer_envelope(w), "smtputf8", "yes");
	r = qmgr_notify_queue(msg->id, &w, to, &text,
			      double_bounce ? "postmaster double-bounce" :
			      d->action == DSN_FAILED ? "sender non-delivery" :
			      d->action == DSN_DELAYED ? "sender delay" :
			      "sender success",
			      double_bounce ? "double-bounce" :
			      d->action == DSN_FAILED ? "bounce" :
			      d->action == DSN_DELAYED ? "delay" : "success", d->now);
	buf_release(&text);
	return r;
}

int qmgr_notify_postmaster(const char *about, const char *subject,
			   const char *body)
{
	queue_writer_t *w = qmgr_notify_open(about);
	char *to = mem_printf("postmaster@%s", qmgr_conf.myorigin);
	buf_t text = BUF_INIT;
	time_t now = time(NULL);
	int r = -1;

	if (w != NULL) {
		dsn_notice(qmgr_conf.myhostname, queue_writer_id(w), to,
			   subject, now, body, &text);
		r = qmgr_notify_queue(about, &w, to, &text, "postmaster",
				      "postmaster", now);
	}
	if (r == 0)
		qmgr_wakeup();
	buf_release(&text);
	mem_free(to);
	return r;
}

/* The report about msg's recipients to `to` (NULL: msg's sender). */
static int qmgr_notify_report(qmgr_msg_t *msg, enum dsn_action action,
			      const size_t *idx, size_t n, const char *to)
{
	dsn_rcpt_t *rcpts = mem_reallocarray(NULL, n, sizeof(*rcpts));
	const char *ret = attr_get(msg->q.env, "ret");
	const char *sender = attr_get(msg->q.env, "sender");
	dsn_t d;
	buf_t orig = BUF_INIT;
	size_t want;
	int r;

	memset(&d, 0, sizeof(d));
	d.action = action;
	d.id = msg->id;
	d.sender = to ? to : sender ? sender : "";
	d.envid = attr_get(msg->q.env, "envid");
	d.hostname = qmgr_conf.myhostname;
	d.arrival = (time_t) msg->arrival;
	d.now = time(NULL);
	d.retry_until = (time_t) msg->arrival + qmgr_conf.lifetime;
	d.smtputf8 = attr_get(msg->q.env, "smtputf8") != NULL;
	d.headers_only = action == DSN_DELIVERED || action == DSN_RELAYED ||
		(ret && strcasecmp(ret, "HDRS") == 0) ||
		msg->q.content_len > (size_t) qmgr_conf.bounce_size_limit;
	for (size_t k = 0; k < n; k++) {
		const queue_rcpt_t *qr = &msg->q.rcpts[idx[k]];
		const queue_rcpt_t *top = qmgr_msg_top(&msg->q, idx[k]);

		rcpts[k].final = qr->addr;
		rcpts[k].orcpt = qr->orcpt;
		rcpts[k].orig = top != qr ? top->addr : NULL;
		rcpts[k].status = qr->dsn ? qr->dsn :
			action == DSN_FAILED ? "5.0.0" :
			action == DSN_DELAYED ? "4.0.0" : "2.0.0";
		rcpts[k].text = qr->text ? qr->text : "unknown";
	}
	d.rcpts = rcpts;
	d.nrcpts = n;
	want = msg->q.content_len;
	if (d.headers_only && want > QMGR_NOTIFY_HEADER_MAX)
		want = QMGR_NOTIFY_HEADER_MAX;
	if (qmgr_notify_read(msg, want, &orig) < 0) {
		log_error("%s: cannot read the message for the report: %s",
			  msg->id, strerror(errno));
		r = -1;
	} else {
		d.orig = orig.data ? orig.data : "";
		d.orig_len = orig.len;
		r = qmgr_notify_commit(msg, d.sender, &d, to != NULL);
	}
	if (r == 0)
		qmgr_wakeup();
	buf_release(&orig);
	mem_free(rcpts);
	return r;
}

int qmgr_notify_send(qmgr_msg_t *msg, enum dsn_action action,
		     const size_t *idx, size_t n)
{
	return qmgr_notify_report(msg, action, idx, n, NULL);
}

int qmgr_notify_double_bounce(qmgr_msg_t *msg, const size_t *idx, size_t n)
{
	char *to = mem_printf("postmaster@%s", qmgr_conf.myorigin);
	int r = qmgr_notify_report(msg, DSN_FAILED, idx, n, to);

	mem_free(to);
	return r;
}

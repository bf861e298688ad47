/* smtp_out_xfer.c - one mail transaction over an open session.
 *
 * RFC 5321 §3.3 (MAIL, RCPT, DATA), RFC 2920 (PIPELINING: with it, MAIL,
 * every RCPT and DATA go out in one write and the replies are read in
 * order; §3.1 lets DATA end the group, and a server with no valid
 * recipient answers DATA with an error), RFC 3030 (BDAT, used when the
 * server offers CHUNKING: no dot-stuffing and exact sizes), RFC 1870
 * (SIZE=), RFC 6152 (BODY=8BITMIME), RFC 6531 (SMTPUTF8) and RFC 3461
 * (RET, ENVID, NOTIFY, ORCPT: passed on only to a server that offers
 * DSN, §4.1; to one that does not, a relayed message gets no further
 * notices from there, which is the server's part of the bargain).
 *
 * Results: a recipient the server refused gets that reply (4xx: try
 * again later; 5xx: bounce); the others get the reply to the end of
 * the content.  A recipient is done only on the final 2xx.  After a
 * transaction that did not end in a 2xx, or one that the session
 * cannot go on from, RSET brings the session back to a clean state for
 * the next message (RFC 5321 §4.1.1.5), or the session is dropped.
 */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "log.h"
#include "mem.h"
#include "smtp_out.h"
#include "smtp_parse.h"

/* The parameters of MAIL FROM. */
static void smtp_out_mail_line(smtp_out_sess_t *s, const smtp_out_req_t *req,
			       const smtp_out_content_t *c, unsigned long long size,
			       buf_t *line)
{
	buf_printf(line, "MAIL FROM:<%s>", req->sender);
	if (s->ehlo.ext & SMTP_EXT_SIZE)
		buf_printf(line, " SIZE=%llu", size);
	if (c->send_8bit)
		buf_puts(line, " BODY=8BITMIME");
	if (req->smtputf8 && (s->ehlo.ext & SMTP_EXT_SMTPUTF8))
		buf_puts(line, " SMTPUTF8");
	if (s->ehlo.ext & SMTP_EXT_DSN) {
		if (req->ret)
			buf_printf(line, " RET=%s", req->ret);
		if (req->envid) {
			buf_puts(line, " ENVID=");
			smtp_xtext_encode(req->envid, strlen(req->envid), line);
		}
	}
	buf_puts(line, "\r\n");
}

static void smtp_out_rcpt_line(smtp_out_sess_t *s, const smtp_out_rcpt_t *r,
			       buf_t *line)
{
	buf_printf(line, "RCPT TO:<%s>", r->addr);
	if (s->ehlo.ext & SMTP_EXT_DSN) {
		if (r->notify)
			buf_printf(line, " NOTIFY=%s", r->notify);
		if (r->orcpt) {
			const char *semi = strchr(r->orcpt, ';');

			/* "addr-type;address", the address xtext-encoded */
			if (semi != NULL) {
				buf_printf(line, " ORCPT=%.*s;",
					   (int) (semi - r->orcpt), r->orcpt);
				smtp_xtext_encode(semi + 1, strlen(semi + 1), line);
			}
		}
	}
	buf_puts(line, "\r\n");
}

/* Write buffered commands; 0 or -1 (session cut). */
static int smtp_out_send(smtp_out_sess_t *s, buf_t *out, int timeout)
{
	stream_set_timeout(s->s, timeout);
	if (stream_write(s->s, out->data, out->len) < 0 || stream_flush(s->s) < 0) {
		s->cut = 1;
		return -1;
	}
	buf_reset(out);
	return 0;
}

/* The session broke off: what is not answered is for later. */
static void smtp_out_xfer_lost(smtp_out_sess_t *s, smtp_out_req_t *req,
			       char *why, const char *stage)
{
	char *text = why ? why : mem_printf("lost connection with %s while "
					    "sending %s", s->label, stage);

	smtp_out_rcpt_set_all(req, "4.4.2", text);
	mem_free(text);
}

/* Every open recipient gets the last reply, as the answer to what: a
 * delivery only when it is the 2xx that ends the content (final), else
 * a failure (smtp_out_session_failure: a 2xx or 3xx out of place is
 * never taken for success). */
static void smtp_out_xfer_result(smtp_out_sess_t *s, smtp_out_req_t *req,
				 const char *what, int accepted_only, int final)
{
	char *text = smtp_out_session_text(s, what);
	const char *dsn = final && s->reply.code / 100 == 2 ?
		smtp_reply_dsn(&s->reply) : smtp_out_session_failure(s);

	for (size_t i = 0; i < req->nrcpt; i++)
		if (!accepted_only || req->rcpt[i].accepted)
			smtp_out_rcpt_set(&req->rcpt[i], dsn, text);
	mem_free(text);
}

static void smtp_out_xfer_rset(smtp_out_sess_t *s)
{
	buf_t cmd = BUF_INIT;
	char *why = NULL;

	if (s->cut)
		return;
	buf_puts(&cmd, "RSET\r\n");
	if (smtp_out_send(s, &cmd, smtp_out_conf.rset_timeout) < 0 ||
	    smtp_out_session_reply(s, smtp_out_conf.rset_timeout, &why) < 0 ||
	    s->reply.code / 100 != 2)
		s->cut = 1;
	mem_free(why);
	buf_release(&cmd);
}

/* A 421 from the server means it is closing the session (RFC 5321
 * §3.8): nothing more goes over it. */
static int smtp_out_reply(smtp_out_sess_t *s, int timeout, char **why_r)
{
	if (smtp_out_session_reply(s, timeout, why_r) < 0)
		return -1;
	if (s->reply.code == 421)
		s->cut = 1;
	return 0;
}

void smtp_out_xfer_log(const smtp_out_sess_t *s, const smtp_out_req_t *req)
{
	struct timeval tv;
	double delay;

	gettimeofday(&tv, NULL);
	delay = (double) tv.tv_sec + tv.tv_usec / 1e6 - req->arrival;
	if (delay < 0 || req->arrival <= 0)
		delay = 0;
	for (size_t i = 0; i < req->nrcpt; i++) {
		const smtp_out_rcpt_t *r = &req->rcpt[i];
		char c = r->dsn.len ? r->dsn.data[0] : '4';

		log_info("%s: to=<%s>, relay=%s, delay=%.2f, dsn=%s, status=%s (%s)",
			 req->id, r->addr, s ? s->label : "none", delay,
			 buf_str(&r->dsn), c == '2' ? "sent" : c == '4' ?
			 "deferred" : "bounced", buf_str(&r->text));
	}
}

/* MAIL and RCPT (and DATA when pipelined): how many were accepted, or
 * -1 when the session broke off. */
static int smtp_out_envelope(smtp_out_sess_t *s, smtp_out_req_t *req,
			     const smtp_out_content_t *c, int bdat, int *data_sent)
{
	int pipe = (s->ehlo.ext & SMTP_EXT_PIPELINING) != 0;
	/* RFC 1870 §3: the message with CRLF line ends, without the
	 * dot-stuffing and the end line of DATA: BDAT's count. */
	unsigned long long size = s->ehlo.ext & SMTP_EXT_SIZE ?
		smtp_out_content_size(req, c, 0) : 0;
	buf_t out = BUF_INIT;
	char *why = NULL;
	int accepted = 0, mail_ok;

	*data_sent = 0;
	if (s->ehlo.size_max && size > s->ehlo.size_max) {
		char *text = mem_printf("message size %llu exceeds the size limit "
					"%llu of %s", size, s->ehlo.size_max,
					s->label);

		smtp_out_rcpt_set_all(req, "5.3.4", text);
		mem_free(text);
		return 0;
	}
	smtp_out_mail_line(s, req, c, size, &out);
	if (pipe) {
		for (size_t i = 0; i < req->nrcpt; i++)
			smtp_out_rcpt_line(s, &req->rcpt[i], &out);
		if (!bdat) {
			buf_puts(&out, "DATA\r\n");
			*data_sent = 1;
		}
	}
	if (smtp_out_send(s, &out, smtp_out_conf.mail_timeout) < 0 ||
	    smtp_out_reply(s, smtp_out_conf.mail_timeout, &why) < 0)
		goto lost;
	mail_ok = s->reply.code / 100 == 2;
	if (!mail_ok)
		smtp_out_xfer_result(s, req, "MAIL FROM", 0, 0);
	for (size_t i = 0; i < req->nrcpt; i++) {
		smtp_out_rcpt_t *r = &req->rcpt[i];

		if (!pipe) {
			if (!mail_ok)
				break;
			smtp_out_rcpt_line(s, r, &out);
			if (smtp_out_send(s, &out, smtp_out_conf.rcpt_timeout) < 0)
				goto lost;
		}
		if (smtp_out_reply(s, smtp_out_conf.rcpt_timeout, &why) < 0)
			goto lost;
		if (!mail_ok)
			continue;
		if (s->reply.code / 100 == 2) {
			r->accepted = 1;
			r->dsn_passed = (s->ehlo.ext & SMTP_EXT_DSN) != 0;
			accepted++;
		} else {
			char *text = smtp_out_session_text(s, "RCPT TO");

			smtp_out_rcpt_set(r, smtp_out_session_failure(s), text);
			mem_free(text);
		}
	}
	buf_release(&out);
	return accepted;
lost:
	buf_release(&out);
	smtp_out_xfer_lost(s, req, why, "the envelope");
	return -1;
}

/* DATA's reply (read here, or pipelined) and the content after a 354. */
static void smtp_out_data(smtp_out_sess_t *s, smtp_out_req_t *req,
			  smtp_out_content_t *c, int accepted, int data_sent)
{
	buf_t out = BUF_INIT;
	char *why = NULL;
	int failed;

	if (!data_sent) {
		if (accepted == 0)
			goto out;
		buf_puts(&out, "DATA\r\n");
		if (smtp_out_send(s, &out, smtp_out_conf.data_init_timeout) < 0)
			goto lost;
	}
	if (smtp_out_reply(s, smtp_out_conf.data_init_timeout, &why) < 0)
		goto lost;
	if (s->reply.code != 354) {
		if (accepted > 0)
			smtp_out_xfer_result(s, req, "DATA", 1, 0);
		goto out;
	}
	if (accepted == 0) {
		/* RFC 2920 §3.1: a server that took DATA without a valid
		 * recipient gets an empty message, which it must refuse. */
		buf_puts(&out, ".\r\n");
		if (smtp_out_send(s, &out, smtp_out_conf.data_xfer_timeout) < 0 ||
		    smtp_out_reply(s, smtp_out_conf.data_done_timeout, &why) < 0)
			goto lost;
		goto out;
	}
	if (smtp_out_content_send(s, req, c, 0, &failed) < 0)
		goto lost;
	if (smtp_out_reply(s, smtp_out_conf.data_done_timeout, &why) < 0)
		goto lost;
	smtp_out_xfer_result(s, req, "end of DATA", 1, 1);
out:
	buf_release(&out);
	return;
lost:
	buf_release(&out);
	smtp_out_xfer_lost(s, req, why, "the message content");
}

static void smtp_out_bdat(smtp_out_sess_t *s, smtp_out_req_t *req,
			  smtp_out_content_t *c, int accepted)
{
	int failed;

	if (accepted == 0)
		return;
	if (smtp_out_content_send(s, req, c, 1, &failed) < 0 && !failed) {
		smtp_out_xfer_lost(s, req, NULL, "the message content");
		return;
	}
	smtp_out_xfer_result(s, req, failed ? "BDAT" : "BDAT LAST", 1, !failed);
}

void smtp_out_xfer(smtp_out_sess_t *s, smtp_out_req_t *req)
{
	int bdat = (s->ehlo.ext & SMTP_EXT_CHUNKING) != 0;
	smtp_out_content_t c;
	int accepted, data_sent, all_done = 1;

	s->uses++;
	if (smtp_out_content_prepare(s, req, &c) == 0) {
		accepted = smtp_out_envelope(s, req, &c, bdat, &data_sent);
		if (accepted >= 0 && bdat)
			smtp_out_bdat(s, req, &c, accepted);
		else if (accepted >= 0)
			smtp_out_data(s, req, &c, accepted, data_sent);
		smtp_out_content_free(&c);
	}
	for (size_t i = 0; i < req->nrcpt; i++)
		if (req->rcpt[i].dsn.len == 0 || req->rcpt[i].dsn.data[0] != '2')
			all_done = 0;
	/* Anything but a complete 2xx transaction may have left the
	 * server mid-transaction. */
	if (!all_done)
		smtp_out_xfer_rset(s);
	smtp_out_xfer_log(s, req);
}

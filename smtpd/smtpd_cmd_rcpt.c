/* smtpd_cmd_rcpt.c - RCPT TO (RFC 5321 §4.1.1.3) with NOTIFY and ORCPT
 * (RFC 3461 §4.1, §4.2).
 *
 * The recipient is judged by smtpd_rcpt_check(); accepted ones are kept
 * with their DSN parameters for the envelope, a repeated address only
 * once.  At most smtpd_recipient_limit per message, and only as many as
 * the queue file envelope holds (queue.h: QUEUE_MAX_RCPTS, and their
 * bytes within QUEUE_MAX_RCPT_BYTES, which long addresses and ORCPTs
 * reach first): more get 452 4.5.3 (RFC 5321 §4.5.3.1.10), which tells
 * the client to send them later.  So a message smtpd accepts can always
 * be read back by qmgr.  In a session pickup opened (XUID), an unknown
 * local recipient is accepted and left to the queue to bounce.
 */
#include <strings.h>

#include "mem.h"
#include "smtpd.h"

static void smtpd_rcpt_refuse(smtpd_session_t *sess, const char *reply,
			      const char *rcpt)
{
	smtpd_log_reject(sess, NULL, "RCPT", reply, rcpt);
	smtpd_reply(sess, "%s", reply);
}

enum smtpd_rcpt_add {
	SMTPD_ADD_OK,		/* added, or already there */
	SMTPD_ADD_FULL,		/* the envelope has no room left for it */
	SMTPD_ADD_TOOLONG,	/* no envelope could hold it */
};

static enum smtpd_rcpt_add smtpd_rcpt_add(smtpd_session_t *sess,
					  const char *addr, const smtp_rcpt_t *r)
{
	smtpd_rcpt_entry_t *e;
	buf_t notify = BUF_INIT;
	const char *orcpt = r->has_orcpt ? buf_str(&r->orcpt) : "";
	size_t size;

	for (size_t i = 0; i < sess->nrcpts; i++)
		if (strcasecmp(sess->rcpts[i].addr, addr) == 0)
			return SMTPD_ADD_OK;
	smtp_notify_format(r->notify, &notify);
	size = queue_rcpt_size(addr, orcpt, buf_str(&notify));
	if (size == 0 || sess->rcpt_bytes + size > QUEUE_MAX_RCPT_BYTES) {
		buf_release(&notify);
		return size == 0 ? SMTPD_ADD_TOOLONG : SMTPD_ADD_FULL;
	}
	sess->rcpt_bytes += size;
	if (sess->nrcpts == sess->rcpts_alloc) {
		sess->rcpts_alloc = sess->rcpts_alloc ? sess->rcpts_alloc * 2 : 8;
		sess->rcpts = mem_reallocarray(sess->rcpts, sess->rcpts_alloc,
					       sizeof(*sess->rcpts));
	}
	e = &sess->rcpts[sess->nrcpts++];
	e->addr = mem_strdup(addr);
	e->orcpt = mem_strdup(orcpt);
	e->notify = buf_steal(&notify);
	if (e->notify == NULL)
		e->notify = mem_strdup("");
	return SMTPD_ADD_OK;
}

void smtpd_cmd_rcpt(smtpd_session_t *sess)
{
	smtp_rcpt_t r;
	buf_t canon = BUF_INIT, reply = BUF_INIT;
	const char *err;
	int verdict;

	smtp_rcpt_init(&r);
	sess->rcpt_tried++;
	err = smtp_parse_rcpt(buf_str(&sess->cmd.args), sess->mail.smtputf8, &r);
	if (err == NULL && !sess->esmtp && (r.notify || r.has_orcpt))
		err = "555 5.5.4 Error: RCPT parameters need EHLO";
	if (err == NULL && sess->nrcpts >= (size_t) smtpd_conf.rcpt_limit)
		err = "452 4.5.3 Error: too many recipients";
	if (err != NULL) {
		smtpd_rcpt_refuse(sess, err, r.addr.len ? buf_str(&r.addr) : NULL);
		goto out;
	}
	verdict = smtpd_rcpt_check(sess, buf_str(&r.addr), &r.info, &canon);
	/* A message pickup submits was accepted when sendmail kept it: an
	 * unknown recipient is bounced by the queue, as any undeliverable
	 * one is, so that its sender hears of it (smtpd_cmd_xuid.c). */
	if (verdict == SMTPD_RCPT_UNKNOWN && sess->pickup)
		verdict = SMTPD_RCPT_OK;
	switch (verdict) {
	case SMTPD_RCPT_OK:
	case SMTPD_RCPT_RELAY:
		switch (smtpd_rcpt_add(sess, buf_str(&canon), &r)) {
		case SMTPD_ADD_OK:
			sess->state = SMTPD_S_RCPT;
			smtpd_reply(sess, "250 2.1.5 Ok");
			break;
		case SMTPD_ADD_FULL:
			smtpd_rcpt_refuse(sess, "452 4.5.3 Error: too many "
					  "recipients", buf_str(&r.addr));
			break;
		default:
			buf_printf(&reply, "553 5.1.3 <%s>: Recipient address "
				   "too long", buf_str(&r.addr));
			smtpd_rcpt_refuse(sess, buf_str(&reply), buf_str(&r.addr));
			break;
		}
		break;
	case SMTPD_RCPT_UNKNOWN:
		buf_printf(&reply, "550 5.1.1 <%s>: Recipient address rejected: "
			   "User unknown in local recipient table", buf_str(&r.addr));
		smtpd_rcpt_refuse(sess, buf_str(&reply), buf_str(&r.addr));
		break;
	case SMTPD_RCPT_DENIED:
		buf_printf(&reply, "554 5.7.1 <%s>: Relay access denied",
			   buf_str(&r.addr));
		smtpd_rcpt_refuse(sess, buf_str(&reply), buf_str(&r.addr));
		break;
	default:
		buf_printf(&reply, "451 4.3.0 <%s>: Temporary lookup failure, "
			   "try again later", buf_str(&r.addr));
		smtpd_rcpt_refuse(sess, buf_str(&reply), buf_str(&r.addr));
		break;
	}
out:
	buf_release(&canon);
	buf_release(&reply);
	smtp_rcpt_release(&r);
}

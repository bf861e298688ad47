/* smtpd_cmd_mail.c - MAIL FROM (RFC 5321 §4.1.1.2) with its parameters.
 *
 * The line is parsed by smtp_parse_mail(); here the policy: AUTH first on
 * services that require it (RFC 4954 §6: 530 5.7.0), ESMTP parameters only
 * after EHLO, the declared SIZE against message_size_limit (RFC 1870 §6:
 * 552 5.3.4) and against the free space of the queue (452 4.3.1), and on
 * submission the sender must belong to the login (553 5.7.1).  The null
 * reverse-path is always accepted.
 */
#include <strings.h>

#include "smtpd.h"

static int smtpd_mail_has_params(const smtp_mail_t *m)
{
	return m->has_size || m->body != SMTP_BODY_NONE || m->smtputf8 ||
	       m->ret != SMTP_RET_NONE || m->has_envid || m->has_auth;
}

/* The sender is the login, or an alias that leads to it. */
static int smtpd_sender_owned(const smtpd_session_t *sess, const char *sender)
{
	const char *login = buf_str(&sess->auth_user);

	return strcasecmp(sender, login) == 0 ||
	       smtpd_alias_owned_by(sender, login);
}

static void smtpd_mail_refuse(smtpd_session_t *sess, const char *reply)
{
	smtpd_log_reject(sess, NULL, "MAIL", reply, NULL);
	smtpd_transaction_reset(sess);
	smtpd_reply(sess, "%s", reply);
}

void smtpd_cmd_mail(smtpd_session_t *sess)
{
	smtp_mail_t *m = &sess->mail;
	const char *err;
	buf_t reply = BUF_INIT;

	if (smtpd_conf.require_auth && sess->auth_user.len == 0 && !sess->local) {
		smtpd_mail_refuse(sess, "530 5.7.0 Authentication required");
		return;
	}
	err = smtp_parse_mail(buf_str(&sess->cmd.args), m);
	if (err == NULL && !sess->esmtp && smtpd_mail_has_params(m))
		err = "555 5.5.4 Error: MAIL parameters need EHLO";
	if (err == NULL && m->has_size && smtpd_conf.size_limit > 0 &&
	    m->size > smtpd_conf.size_limit)
		err = "552 5.3.4 Message size exceeds fixed limit";
	if (err == NULL && !smtpd_queue_space_ok(m->has_size ? m->size : 0))
		err = "452 4.3.1 Insufficient system storage";
	if (err != NULL) {
		smtpd_mail_refuse(sess, err);
		return;
	}
	if (smtpd_conf.login_match && sess->auth_user.len > 0 && !m->info.null &&
	    !smtpd_sender_owned(sess, buf_str(&m->addr))) {
		buf_printf(&reply, "553 5.7.1 <%s>: Sender address rejected: "
			   "not owned by user %s", buf_str(&m->addr),
			   buf_str(&sess->auth_user));
		smtpd_mail_refuse(sess, buf_str(&reply));
		buf_release(&reply);
		return;
	}
	sess->state = SMTPD_S_MAIL;
	sess->rcpt_tried = 0;
	smtpd_reply(sess, "250 2.1.0 Ok");
}

/* smtpd_cmd_misc.c - RSET, NOOP, QUIT, VRFY, EXPN, HELP and the obsolete
 * SEND, SOML, SAML and TURN (RFC 5321 §4.1.1.5-§4.1.1.10, §4.1.3).
 *
 * VRFY never confirms an address (252, §3.5.3): that would hand address
 * harvesters a list of users.  EXPN is off unless smtpd_expn_enable is
 * set (502); when on, it lists the targets of a local alias.  The
 * obsolete commands are 502 (§4.2.4 and Appendix F).
 */
#include <string.h>

#include "smtpd.h"

void smtpd_cmd_rset(smtpd_session_t *sess)
{
	if (sess->cmd.args.len > 0) {
		smtpd_reply(sess, "501 5.5.4 Syntax: RSET");
		return;
	}
	smtpd_transaction_reset(sess);
	smtpd_reply(sess, "250 2.0.0 Ok");
}

void smtpd_cmd_noop(smtpd_session_t *sess)
{
	/* "NOOP [ SP String ]": the argument is ignored (§4.1.1.9). */
	smtpd_reply(sess, "250 2.0.0 Ok");
}

void smtpd_cmd_quit(smtpd_session_t *sess)
{
	smtpd_reply(sess, "221 2.0.0 Bye");
	sess->done = 1;
}

void smtpd_cmd_vrfy(smtpd_session_t *sess)
{
	if (sess->cmd.args.len == 0) {
		smtpd_reply(sess, "501 5.5.4 Syntax: VRFY address");
		return;
	}
	smtpd_reply(sess, "252 2.0.0 Cannot VRFY user, but will accept message "
		    "and attempt delivery");
}

void smtpd_cmd_expn(smtpd_session_t *sess)
{
	buf_t value = BUF_INIT;
	const char *arg = buf_str(&sess->cmd.args);
	char *save = NULL, *t, *next;

	if (!smtpd_conf.expn) {
		smtpd_reply(sess, "502 5.5.1 Error: EXPN is disabled");
		return;
	}
	if (arg[0] == '\0') {
		smtpd_reply(sess, "501 5.5.4 Syntax: EXPN list");
		return;
	}
	if (smtpd_alias_expand(arg, &value) != 1) {
		smtpd_reply(sess, "550 5.1.1 %s: not a mailing list here", arg);
		buf_release(&value);
		return;
	}
	t = strtok_r(value.data, ", \t\r\n", &save);
	if (t == NULL) {
		smtpd_reply(sess, "550 5.1.1 %s: empty list", arg);
	}
	for (; t != NULL; t = next) {
		next = strtok_r(NULL, ", \t\r\n", &save);
		smtpd_reply_part(sess, 250, next == NULL, "2.1.5 <%s>", t);
	}
	buf_release(&value);
}

void smtpd_cmd_help(smtpd_session_t *sess)
{
	smtpd_reply(sess, "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA BDAT "
		    "RSET NOOP QUIT VRFY HELP AUTH STARTTLS; see RFC 5321");
}

void smtpd_cmd_obsolete(smtpd_session_t *sess)
{
	smtpd_reply(sess, "502 5.5.1 Error: command not implemented");
}

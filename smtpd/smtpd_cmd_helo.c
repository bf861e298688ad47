/* smtpd_cmd_helo.c - HELO and EHLO (RFC 5321 §4.1.1.1).
 *
 * Either one starts a session or, later, resets it as RSET does (§4.1.4).
 * EHLO lists the extensions: PIPELINING (RFC 2920), SIZE (RFC 1870),
 * 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531), ENHANCEDSTATUSCODES (RFC 2034),
 * DSN (RFC 3461), CHUNKING (RFC 3030), STARTTLS (RFC 3207) while TLS is
 * off and a certificate is loaded, and AUTH (RFC 4954) where the service
 * enables it and plaintext passwords are acceptable on this connection
 * (auth_plaintext).  The 250 replies to HELO and EHLO carry no enhanced
 * status code (RFC 2034 §3 (4)).
 */
#include <stdio.h>
#include <string.h>

#include "sasl.h"
#include "smtpd.h"

#define SMTPD_HELO_MAX 255	/* a domain (RFC 5321 §4.5.3.1.2) */

/* The argument: one word, a domain or an address literal; we do not
 * insist on its syntax (clients get it wrong), only on it being there. */
static int smtpd_helo_arg(smtpd_session_t *sess, const char *verb)
{
	const char *arg = buf_str(&sess->cmd.args);

	if (arg[0] == '\0' || strpbrk(arg, " \t") != NULL ||
	    strlen(arg) > SMTPD_HELO_MAX) {
		smtpd_reply(sess, "501 5.5.4 Syntax: %s hostname", verb);
		return -1;
	}
	smtpd_transaction_reset(sess);
	buf_set(&sess->helo, arg);
	sess->state = SMTPD_S_HELO;
	return 0;
}

void smtpd_cmd_helo(smtpd_session_t *sess)
{
	if (smtpd_helo_arg(sess, "HELO") < 0)
		return;
	sess->esmtp = 0;
	smtpd_reply(sess, "250 %s", smtpd_conf.myhostname);
}

void smtpd_cmd_ehlo(smtpd_session_t *sess)
{
	const char *ext[12];
	char size[32];
	buf_t auth = BUF_INIT;
	size_t n = 0;

	if (smtpd_helo_arg(sess, "EHLO") < 0)
		return;
	sess->esmtp = 1;
	ext[n++] = "PIPELINING";
	if (smtpd_conf.size_limit > 0) {
		snprintf(size, sizeof(size), "SIZE %llu", smtpd_conf.size_limit);
		ext[n++] = size;
	} else {
		ext[n++] = "SIZE";
	}
	ext[n++] = "8BITMIME";
	ext[n++] = "SMTPUTF8";
	ext[n++] = "ENHANCEDSTATUSCODES";
	ext[n++] = "DSN";
	ext[n++] = "CHUNKING";
	if (smtpd_conf.tls != NULL && !sess->local && !stream_is_tls(sess->s))
		ext[n++] = "STARTTLS";
	if (smtpd_auth_offered(sess)) {
		/* lib/sasl.c's mechanisms, all plaintext ones today, which
		 * smtpd_auth_offered() has allowed. */
		buf_puts(&auth, "AUTH ");
		sasl_mech_list(&auth, " ", 1);
		ext[n++] = buf_str(&auth);
	}
	smtpd_reply_part(sess, 250, 0, "%s", smtpd_conf.myhostname);
	for (size_t i = 0; i < n; i++)
		smtpd_reply_part(sess, 250, i + 1 == n, "%s", ext[i]);
	buf_release(&auth);
}

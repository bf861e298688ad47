/* smtpd_cmd_auth.c - AUTH (RFC 4954) with the PLAIN (RFC 4616) and LOGIN
 * mechanisms, verified by the auth service.
 *
 * AUTH is allowed after EHLO, outside a mail transaction, once per
 * session (§4: 503 otherwise).  Both mechanisms send the password in the
 * clear, so outside TLS they are refused with 538 5.7.11 unless
 * auth_plaintext allows it on this connection (loopback clients count as
 * secure by default, architecture §7); EHLO does not offer what would be
 * refused.  A response line of "*" cancels (501 5.7.0), undecodable
 * base64 is 501 5.5.2, a response longer than 12288 octets 500 5.5.6
 * (§4).  The verdict is auth's (which also slows down repeated failures):
 * 235 2.7.0, 535 5.7.8, or 454 4.7.0 when auth is unreachable (§6).
 *
 * The exchange itself (initial response, continuation lines, "*",
 * base64, the mechanisms' messages) is lib/sasl.c's; this file frames it
 * with "334 " and says what SMTP answers to each outcome.  Log lines
 * follow lib/login_log.h.
 *
 * SECURITY: passwords are only decoded into the exchange's buffers, which
 * are wiped when it is freed, and never logged; auth alone reads the
 * password database.
 */
#include <string.h>
#include <strings.h>

#include "daemon.h"
#include "log.h"
#include "login_log.h"
#include "sasl.h"
#include "secret.h"
#include "smtpd.h"

#define SMTPD_AUTH_LINE_MAX	(12288 + 2)	/* RFC 4954 §4, with CRLF */

/* Run the exchange (lib/sasl.h) with "334 " challenges.  0 when the
 * credentials are complete, -1 when the exchange ended (a reply was sent
 * or the session is over). */
static int smtpd_auth_exchange(smtpd_session_t *sess, sasl_server_t *x,
			       const char *initial)
{
	buf_t line = BUF_INIT_SECRET, challenge = BUF_INIT;
	int r = sasl_server_start(x, initial, &challenge);
	int status;

	while (r == SASL_CONTINUE) {
		smtpd_reply(sess, "334 %s", buf_str(&challenge));
		status = smtpd_read_line(sess, &line, SMTPD_AUTH_LINE_MAX);
		if (status == STREAM_TOOLONG) {
			smtpd_reply(sess, "500 5.5.6 Authentication exchange line "
				    "is too long");
			break;
		}
		if (status != STREAM_OK) {
			smtpd_session_abort(sess, status);
			break;
		}
		buf_chomp(&line);
		r = sasl_server_feed(x, line.data ? line.data : "", line.len,
				     &challenge);
		secret_wipe(sess->s, NULL, &line, NULL);
	}
	switch (r) {
	case SASL_DONE:
		break;
	case SASL_CANCELLED:
		smtpd_reply(sess, "501 5.7.0 Authentication aborted");
		break;
	case SASL_BAD_BASE64:
		smtpd_reply(sess, "501 5.5.2 Error: cannot decode response");
		break;
	case SASL_MALFORMED:
		smtpd_reply(sess, "501 5.5.2 Error: malformed %s response",
			    sasl_mech_name(sasl_server_mech(x)));
		break;
	default:
		break;		/* answered above, or the session is over */
	}
	buf_release(&line);
	buf_release(&challenge);
	return r == SASL_DONE ? 0 : -1;
}

static int smtpd_auth_refused(smtpd_session_t *sess, const char *name,
			      const sasl_mech_t *mech)
{
	if (!smtpd_conf.sasl_enable || sess->local)
		smtpd_reply(sess, "503 5.5.1 Error: authentication not enabled");
	else if (!sess->esmtp)
		smtpd_reply(sess, "503 5.5.1 Error: send EHLO first");
	else if (sess->auth_user.len > 0)
		smtpd_reply(sess, "503 5.5.1 Error: already authenticated");
	else if (name[0] == '\0')
		smtpd_reply(sess, "501 5.5.4 Syntax: AUTH mechanism [initial-response]");
	else if (mech == NULL)
		smtpd_reply(sess, "504 5.5.4 Unrecognized authentication type");
	else if (sasl_mech_plaintext(mech) && !smtpd_plaintext_ok(sess))
		smtpd_reply(sess, "538 5.7.11 Encryption required for requested "
			    "authentication mechanism");
	else
		return 0;
	return 1;
}

void smtpd_cmd_auth(smtpd_session_t *sess)
{
	buf_t name = BUF_INIT, canon = BUF_INIT, reason = BUF_INIT;
	const char *args = buf_str(&sess->cmd.args);
	const char *sp = strchr(args, ' ');
	const char *initial = NULL, *mname;
	const sasl_mech_t *mech;
	sasl_server_t *x = NULL;
	int r, retire = 0;

	buf_append(&name, args, sp ? (size_t) (sp - args) : strlen(args));
	if (sp != NULL) {
		initial = sp + 1;
		while (*initial == ' ')
			initial++;
	}
	mech = sasl_mech_find(buf_str(&name));
	if (smtpd_auth_refused(sess, buf_str(&name), mech))
		goto out;
	mname = sasl_mech_name(mech);
	x = sasl_server_new(mech);
	if (smtpd_auth_exchange(sess, x, initial) < 0)
		goto out;
	r = auth_client_verify(smtpd_conf.auth, mname, sasl_server_authcid(x),
			       sasl_server_passwd(x), sasl_server_authzid(x),
			       sess->addr, sess->service, &canon, &reason, &retire);
	if (r == AUTH_OK) {
		buf_set(&sess->auth_user, buf_str(&canon));
		login_log_success(buf_str(&sess->client), buf_str(&canon), mname,
				  stream_is_tls(sess->s));
		smtpd_reply(sess, "235 2.7.0 Authentication successful");
	} else if (r == AUTH_FAIL) {
		login_log_failure(buf_str(&sess->client), mname,
				  buf_str(&reason), 0, 0);
		smtpd_reply(sess, "535 5.7.8 Error: authentication credentials invalid");
	} else {
		login_log_tempfail(buf_str(&sess->client), mname, buf_str(&reason));
		smtpd_reply(sess, "454 4.7.0 Temporary authentication failure");
		/* This client goes on; the next ones meet a fresh process
		 * with a fresh budget (audit i12-12). */
		if (retire)
			daemon_accept_no_more("auth refuses this process: over "
					      "its failure budget; new clients "
					      "go to a fresh process");
	}
out:
	/* The command line (AUTH PLAIN <response>) held the password too. */
	secret_wipe(sess->s, NULL, &sess->line, &sess->cmd.args, NULL);
	sasl_server_free(&x);
	buf_release(&name);
	buf_release(&canon);
	buf_release(&reason);
}

/* smtpd_cmd_tls.c - STARTTLS (RFC 3207).
 *
 * Offered when a certificate is loaded and TLS is not yet on (never on
 * the local submission socket).  After "220 2.0.0 Ready to start TLS" the
 * stream discards whatever the client pipelined behind the command
 * before the handshake (§4.2 and the command-injection attacks on it),
 * and the session starts again from the greeting state: HELO/EHLO, the
 * transaction and any AUTH are forgotten (§4.2).  A failed handshake ends
 * the session, as nothing sensible can be said in plaintext afterwards.
 */
#include "log.h"
#include "smtpd.h"

void smtpd_cmd_starttls(smtpd_session_t *sess)
{
	if (sess->cmd.args.len > 0) {
		smtpd_reply(sess, "501 5.5.4 Syntax: STARTTLS");
		return;
	}
	if (smtpd_conf.tls == NULL || sess->local) {
		smtpd_reply(sess, "502 5.5.1 Error: command not implemented");
		return;
	}
	if (stream_is_tls(sess->s)) {
		smtpd_reply(sess, "503 5.5.1 Error: TLS already active");
		return;
	}
	smtpd_reply(sess, "220 2.0.0 Ready to start TLS");
	if (stream_tls_accept(sess->s, smtpd_conf.tls) != STREAM_OK) {
		log_info("TLS handshake failed for %s: %s", buf_str(&sess->client),
			 stream_strerror(sess->s));
		sess->done = 1;
		return;
	}
	log_info("%s: TLS established: %s with cipher %s", buf_str(&sess->client),
		 stream_tls_version(sess->s), stream_tls_cipher(sess->s));
	smtpd_transaction_reset(sess);
	buf_reset(&sess->helo);
	buf_reset(&sess->auth_user);
	sess->esmtp = 0;
	sess->state = SMTPD_S_INIT;
}

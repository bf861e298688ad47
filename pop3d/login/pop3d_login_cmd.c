/* pop3d_login_cmd.c - CAPA, STLS, QUIT, and TRANSACTION commands sent
 * before login.
 *
 * STLS (RFC 2595 §4): offered when a certificate is loaded and TLS is not
 * yet on.  After "+OK" the stream discards whatever the client sent
 * behind the command before the handshake (pipelined plaintext must never
 * count as coming over TLS), and the AUTHORIZATION state starts over: a
 * pending USER is forgotten.  A failed handshake ends the session.
 * CAPA after STLS no longer lists STLS (RFC 2449 §5 and RFC 2595 §4).
 *
 * A TRANSACTION command before login (STAT, LIST, RETR, ...) is refused
 * with -ERR [AUTH]: the remedy is to authenticate (RFC 3206 §4 defines no
 * better code for the wrong state).
 */
#include "log.h"
#include "pop3d_login.h"

void pop3d_login_cmd_capa(pop3d_login_t *l)
{
	if (l->cmd.nargs != 0) {
		pop3d_err(l->s, NULL, "Syntax: CAPA");
		return;
	}
	pop3d_capa(l->s, 0, pop3d_login_stls_ok(l), pop3d_login_plaintext_ok(l));
}

void pop3d_login_cmd_stls(pop3d_login_t *l)
{
	if (l->cmd.nargs != 0) {
		pop3d_err(l->s, NULL, "Syntax: STLS");
		return;
	}
	if (pop3d_login_conf.tls == NULL) {
		pop3d_err(l->s, NULL, "STLS not available");
		return;
	}
	if (stream_is_tls(l->s)) {
		pop3d_err(l->s, NULL, "TLS already active");
		return;
	}
	pop3d_ok(l->s, "Begin TLS negotiation");
	if (stream_flush(l->s) != STREAM_OK) {
		pop3d_login_abort(l, STREAM_ERROR);
		return;
	}
	stream_set_timeout(l->s, pop3d_conf.ipc_timeout);
	if (stream_tls_accept(l->s, pop3d_login_conf.tls) != STREAM_OK) {
		log_info("TLS handshake failed for %s: %s", buf_str(&l->client),
			 stream_strerror(l->s));
		l->done = 1;
		return;
	}
	stream_set_timeout(l->s, pop3d_conf.idle_timeout);
	log_info("%s: TLS established: %s with cipher %s", buf_str(&l->client),
		 stream_tls_version(l->s), stream_tls_cipher(l->s));
	buf_reset(&l->user);
	l->user_pending = 0;
}

void pop3d_login_cmd_quit(pop3d_login_t *l)
{
	pop3d_ok(l->s, "Logging out");
	l->done = 1;
}

void pop3d_login_cmd_noauth(pop3d_login_t *l)
{
	pop3d_err(l->s, POP3D_RC_AUTH, "%s: authenticate first", l->cmd.name);
}

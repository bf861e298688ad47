/* pop3d_login_cmd.c - CAPA, STLS, QUIT, and TRANSACTION commands sent
 * before login.
 *
 * STLS (RFC 2595 §4): offered when a certificate is loaded and TLS is not
 * yet on.  Once the "+OK" went out the stream discards whatever the client
 * sent behind the command (pipelined plaintext must never count as coming
 * over TLS) and the handshake runs as events, as pop3s's does at connect,
 * within ipc_timeout; then the AUTHORIZATION state starts over: a pending
 * USER is forgotten.  A failed handshake ends the session.
 * CAPA after STLS no longer lists STLS (RFC 2449 §5 and RFC 2595 §4).
 *
 * A TRANSACTION command before login (STAT, LIST, RETR, ...) is refused
 * with -ERR [AUTH]: the remedy is to authenticate (RFC 3206 §4 defines no
 * better code for the wrong state).
 */
#include <poll.h>

#include "log.h"
#include "pop3d_login.h"

static void pop3d_login_tls_on_io(int fd, int events, void *ctx)
{
	(void) fd;
	(void) events;
	pop3d_login_tls_step(ctx);
}

static void pop3d_login_tls_on_timeout(void *ctx)
{
	pop3d_login_t *l = ctx;

	l->timer = 0;
	log_info("TLS handshake failed for %s: timeout", buf_str(&l->client));
	pop3d_login_free(l);
}

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
	/* The handshake starts once the +OK went out (pop3d_login.c). */
	l->stls = 1;
}

void pop3d_login_tls_step(pop3d_login_t *l)
{
	short wait = 0;
	int st = stream_tls_accept_step(&l->tls, &wait);

	if (st == 1) {
		event_add_fd(stream_fd(l->s), wait == POLLIN ? EVENT_READ :
			     EVENT_WRITE, pop3d_login_tls_on_io, l);
		if (!l->timer)
			l->timer = event_add_timer(pop3d_conf.ipc_timeout * 1000L,
						   pop3d_login_tls_on_timeout, l);
		return;
	}
	if (st != STREAM_OK) {
		log_info("TLS handshake failed for %s: %s", buf_str(&l->client),
			 stream_strerror(l->s));
		pop3d_login_free(l);
		return;
	}
	log_info("%s: TLS established: %s with cipher %s", buf_str(&l->client),
		 stream_tls_version(l->s), stream_tls_cipher(l->s));
	buf_reset(&l->user);
	l->user_pending = 0;
	if (!l->greeted)
		pop3d_login_greet(l);		/* pop3s */
	else
		pop3d_login_set_state(l, POP3D_LOGIN_COMMAND);
	pop3d_login_run(l);
}

void pop3d_login_cmd_quit(pop3d_login_t *l)
{
	pop3d_ok(l->s, "Logging out");
	pop3d_login_finish(l);
}

void pop3d_login_cmd_noauth(pop3d_login_t *l)
{
	pop3d_err(l->s, POP3D_RC_AUTH, "%s: authenticate first", l->cmd.name);
}

/* pop3d_login.h - the login role's private declarations (pop3d_login*.c).
 *
 * pop3d_login.c owns the AUTHORIZATION session: greeting, command table,
 * loop, failure counting and the hand-off; pop3d_login_auth.c the
 * authentication commands (USER, PASS, APOP, AUTH); pop3d_login_cmd.c the
 * rest (CAPA, STLS, QUIT, and the refusal of TRANSACTION commands).
 */
#ifndef TERN_POP3D_LOGIN_H
#define TERN_POP3D_LOGIN_H

#include "auth_client.h"
#include "buf.h"
#include "../pop3d.h"
#include "params.h"
#include "stream.h"
#include "tls.h"

typedef struct pop3d_login_conf {
	tls_ctx_t *tls;			/* NULL: no STLS, no wrapper mode */
	int tls_wrapper;		/* pop3d_tls_wrappermode */
	enum auth_plaintext plaintext;	/* auth_plaintext; the session follows
					 * it (login_info_t.secured) */
	long max_failures;		/* pop3d_login_failures */
	int apop;			/* pop3d_apop */
	char *session_socket;		/* as reachable after the drop */
	auth_client_t *auth;
} pop3d_login_conf_t;

extern pop3d_login_conf_t pop3d_login_conf;

typedef struct pop3d_login {
	stream_t *s;
	char *service;			/* master.conf service name */
	char *addr;			/* numeric client address */
	int port;
	buf_t client;			/* "[127.0.0.1]:port" for logs */
	int loopback;
	buf_t user;			/* from USER, until the next command */
	int user_pending;		/* USER was the last command */
	buf_t stamp;			/* APOP timestamp "<...>", empty: none */
	long failures;
	long junk;			/* CAPA, NOOP, RSET so far */
	int anvil_held;			/* counted by anvil (pop3d_anvil.c) */
	int done;			/* leave after this reply */
	buf_t line;			/* the command line; secret (PASS) */
	pop3_cmd_t cmd;		/* points into line */
	const char *last_cmd;
} pop3d_login_t;

/* pop3d_login.c: serve one client (DAEMON_SINGLE). */
void pop3d_login_serve(daemon_client_t *client);
void pop3d_login_pre_drop(void);
void pop3d_login_post_drop(void);
/* May a plaintext password be used on this connection now? */
int pop3d_login_plaintext_ok(const pop3d_login_t *l);
/* Is STLS offered now (TLS available, not yet on)? */
int pop3d_login_stls_ok(const pop3d_login_t *l);
/* Verify with auth (token=yes) and hand the client on.  req holds the
 * mechanism's attributes (mech, user, password/authzid or challenge/
 * digest); the rest is added here.  Answers the client on failure. */
void pop3d_login_verify(pop3d_login_t *l, attr_t *req);
/* End the session after a timeout, lost connection or shutdown. */
void pop3d_login_abort(pop3d_login_t *l, int status);

/* pop3d_login_auth.c */
void pop3d_login_cmd_user(pop3d_login_t *l);
void pop3d_login_cmd_pass(pop3d_login_t *l);
void pop3d_login_cmd_apop(pop3d_login_t *l);
void pop3d_login_cmd_auth(pop3d_login_t *l);

/* pop3d_login_cmd.c */
void pop3d_login_cmd_capa(pop3d_login_t *l);
void pop3d_login_cmd_stls(pop3d_login_t *l);
void pop3d_login_cmd_quit(pop3d_login_t *l);
void pop3d_login_cmd_noauth(pop3d_login_t *l);

#endif

/* pop3d_login.h - the login role's private declarations (pop3d_login*.c).
 *
 * One login process serves up to login_client_limit clients at once
 * (architecture §2): each client is a pop3d_login_t driven by the event
 * loop through the states below.  pop3d_login.c owns the clients: accept,
 * greeting, reading command lines, the command table, timeouts, closing
 * and stopping; pop3d_login_verify.c the asynchronous auth request, the
 * hand-off and the TLS relay; pop3d_login_auth.c the authentication
 * commands (USER, PASS, APOP, AUTH); pop3d_login_cmd.c the rest (CAPA,
 * STLS, QUIT, and the refusal of TRANSACTION commands).
 */
#ifndef TERN_POP3D_LOGIN_H
#define TERN_POP3D_LOGIN_H

#include "attr.h"
#include "auth_client.h"
#include "buf.h"
#include "event.h"
#include "login.h"
#include "login_relay.h"
#include "../pop3d.h"
#include "params.h"
#include "sasl.h"
#include "stream.h"
#include "tls.h"

typedef struct pop3d_login_conf {
	tls_ctx_t *tls;			/* NULL: no STLS, no wrapper mode */
	int tls_wrapper;		/* pop3d_tls_wrappermode */
	enum auth_plaintext plaintext;	/* auth_plaintext; the session follows
					 * it (login_info_t.secured) */
	long max_failures;		/* pop3d_login_failures */
	int apop;			/* pop3d_apop */
	long login_timeout;		/* login_timeout, seconds */
	char *session_socket;		/* as reachable after the drop */
} pop3d_login_conf_t;

extern pop3d_login_conf_t pop3d_login_conf;

enum pop3d_login_state {
	POP3D_LOGIN_TLS,	/* TLS handshake: pop3s at connect, or STLS */
	POP3D_LOGIN_COMMAND,	/* waiting for a command line */
	POP3D_LOGIN_SASL,	/* waiting for an AUTH continuation line */
	POP3D_LOGIN_AUTH,	/* waiting for auth's verdict; input waits */
	POP3D_LOGIN_FLUSH,	/* logged in: sending what is buffered first */
	POP3D_LOGIN_HANDOFF,	/* waiting for the session to take the client */
	POP3D_LOGIN_DELAY,	/* the pause before closing after too many
				 * failed logins */
	POP3D_LOGIN_CLOSING,	/* sending the last reply, then closing */
	POP3D_LOGIN_RELAY,	/* logged in over TLS: relaying (relay) */
};

typedef struct pop3d_login {
	enum pop3d_login_state state;
	stream_t *s;			/* NULL once handed over */
	char *service;			/* master.conf service name */
	char *addr;			/* numeric client address */
	int port;
	buf_t client;			/* its name in the log (login_log_client) */
	int loopback;
	int greeted;			/* the greeting went out */
	buf_t user;			/* from USER, until the next command */
	int user_pending;		/* USER was the last command */
	buf_t stamp;			/* APOP timestamp "<...>", empty: none */
	long failures;
	long junk;			/* CAPA, NOOP, RSET so far */
	long errors;			/* bad commands so far */
	int anvil_held;			/* counted by anvil (lib/login_anvil.h) */
	int stls;			/* STLS answered: handshake when flushed */
	buf_t line;			/* the command line; secret (PASS) */
	pop3_cmd_t cmd;			/* points into line */
	const char *last_cmd;
	event_timer_id timer;		/* the deadline of the current state */
	event_timer_id lifetime;	/* login_timeout, until the hand-off */
	stream_tls_handshake_t *tls;	/* state TLS */
	sasl_server_t *sasl;		/* state SASL */
	auth_request_t *auth;		/* state AUTH */
	char *mech;			/* of the verify under way, for logs */
	buf_t token;			/* state FLUSH: secret */
	buf_t login_user;		/* state FLUSH and HANDOFF */
	login_handoff_t *handoff;	/* state HANDOFF */
	login_relay_t *relay;		/* state RELAY */
	struct pop3d_login *prev, *next;	/* every client of the process */
} pop3d_login_t;

/* pop3d_login.c */
void pop3d_login_accept(const daemon_client_t *client);
void pop3d_login_stop(void);
void pop3d_login_pre_drop(void);
void pop3d_login_post_drop(void);
/* May a plaintext password be used on this connection now? */
int pop3d_login_plaintext_ok(const pop3d_login_t *l);
/* Is STLS offered now (TLS available, not yet on)? */
int pop3d_login_stls_ok(const pop3d_login_t *l);
/* Send the greeting; the client may send commands now. */
void pop3d_login_greet(pop3d_login_t *l);
/* Move to state (cancelling the old state's deadline). */
void pop3d_login_set_state(pop3d_login_t *l, enum pop3d_login_state state);
/* Go on with whatever is buffered and set the watches: the end of every
 * event handler.  May free l. */
void pop3d_login_run(pop3d_login_t *l);
/* auth refuses this process further failures (retire=yes): its
 * listeners are closed already, and the clients still before login, who
 * could only be refused too for the rest of auth's window, are told so
 * and closed, to connect again to a fresh process; logged-in clients go
 * on (audit i12-17).  except is the client whose answer brought the news
 * (its caller closes it). */
void pop3d_login_spent(pop3d_login_t *except);
/* Send what is buffered and close (state CLOSING). */
void pop3d_login_finish(pop3d_login_t *l);
/* Let the client go now: l is freed, daemon_client_done() called. */
void pop3d_login_free(pop3d_login_t *l);
/* login_timeout starts (at connect, and again after a failed hand-off,
 * when the client is back before login); the client logged in: it no
 * longer applies. */
void pop3d_login_lifetime_start(pop3d_login_t *l);
void pop3d_login_lifetime_end(pop3d_login_t *l);

/* pop3d_login_verify.c: ask auth (token=yes) without waiting; req holds
 * the mechanism's attributes (mech, user, password/authzid or
 * challenge/digest), the rest is added here.  Wipes req, the command line
 * and the consumed input.  The verdict comes later: a failure is
 * answered, a success hands the client on. */
void pop3d_login_verify(pop3d_login_t *l, attr_t *req);
/* State FLUSH: everything went out; start the hand-off. */
void pop3d_login_handoff(pop3d_login_t *l);
/* The hand-off failed (err: why, for the log): -ERR [SYS/TEMP], and the
 * client may try again.  May free l. */
void pop3d_login_handoff_failed(pop3d_login_t *l, const char *err);

/* pop3d_login_auth.c */
void pop3d_login_cmd_user(pop3d_login_t *l);
void pop3d_login_cmd_pass(pop3d_login_t *l);
void pop3d_login_cmd_apop(pop3d_login_t *l);
void pop3d_login_cmd_auth(pop3d_login_t *l);
/* State SASL: one continuation line (in l->line, CRLF removed). */
void pop3d_login_sasl_line(pop3d_login_t *l);

/* pop3d_login_cmd.c */
void pop3d_login_cmd_capa(pop3d_login_t *l);
void pop3d_login_cmd_stls(pop3d_login_t *l);
void pop3d_login_cmd_quit(pop3d_login_t *l);
void pop3d_login_cmd_noauth(pop3d_login_t *l);
/* State TLS: drive the handshake. */
void pop3d_login_tls_step(pop3d_login_t *l);

#endif

/* imapd_login.h - the login role's private declarations (imapd_login*.c).
 *
 * One login process serves up to login_client_limit clients at once
 * (architecture §2): each client is an imapd_login_t driven by the event
 * loop through the states below.  The files, one concern each:
 *   imapd_login.c         the clients: accept, greeting, the state
 *                         machine's I/O and deadlines, closing, stopping
 *   imapd_login_read.c    command input: lines and literals through
 *                         lib/imap_parse.h, the command table, dispatch
 *   imapd_login_cmd.c     CAPABILITY NOOP LOGOUT ID STARTTLS, the
 *                         refusal of later states' commands
 *   imapd_login_auth.c    LOGIN and AUTHENTICATE (SASL, SASL-IR)
 *   imapd_login_verify.c  auth's verdict, the hand-off, the TLS relay
 *   imapd_login_main.c    main()
 */
#ifndef TERN_IMAPD_LOGIN_H
#define TERN_IMAPD_LOGIN_H

#include <stdint.h>

#include "attr.h"
#include "auth_client.h"
#include "buf.h"
#include "event.h"
#include "imap_parse.h"
#include "../imapd.h"
#include "login.h"
#include "login_relay.h"
#include "params.h"
#include "sasl.h"
#include "stream.h"
#include "tls.h"

/* Before login the longest command a client may rightly send is an ID
 * with RFC 2971 §3.3's most: 30 fields of 30 octets with values of 1024,
 * quoted (about 32 KiB); a line (and the parser's text) at most this
 * long, a literal at most IMAPD_LOGIN_LITERAL_MAX. */
#define IMAPD_LOGIN_LINE_MAX	40960
#define IMAPD_LOGIN_LITERAL_MAX	8192
/* Replies buffered before the process stops reading a client's commands
 * until they went out: a client that pipelines and never reads holds
 * little memory. */
#define IMAPD_LOGIN_OUT_MAX	16384
/* A SASL continuation line: PLAIN with three 255-octet fields in
 * base64, with room to spare. */
#define IMAPD_SASL_LINE_MAX	2048

typedef struct imapd_login_conf {
	tls_ctx_t *tls;			/* NULL: no STARTTLS, no wrapper mode */
	int tls_wrapper;		/* imapd_tls_wrappermode */
	enum auth_plaintext plaintext;	/* auth_plaintext */
	long max_failures;		/* imapd_login_failures */
	long login_timeout;		/* login_timeout, seconds */
	size_t line_max;		/* imapd_max_line_length, at most
					 * IMAPD_LOGIN_LINE_MAX */
	char *session_socket;		/* as reachable after the drop */
} imapd_login_conf_t;

extern imapd_login_conf_t imapd_login_conf;

enum imapd_login_state {
	IMAPD_LOGIN_TLS,	/* TLS handshake: imaps at connect, or STARTTLS */
	IMAPD_LOGIN_COMMAND,	/* reading a command: lines and literals */
	IMAPD_LOGIN_SASL,	/* waiting for an AUTHENTICATE response line */
	IMAPD_LOGIN_AUTH,	/* waiting for auth's verdict; input waits */
	IMAPD_LOGIN_FLUSH,	/* logged in: sending what is buffered first */
	IMAPD_LOGIN_HANDOFF,	/* waiting for the session to take the client */
	IMAPD_LOGIN_DELAY,	/* the pause before closing after too many
				 * failed logins */
	IMAPD_LOGIN_CLOSING,	/* sending the last reply, then closing */
	IMAPD_LOGIN_RELAY,	/* logged in over TLS: relaying (relay) */
};

typedef struct imapd_login {
	enum imapd_login_state state;
	stream_t *s;			/* NULL once handed over */
	char *service;			/* master.conf service name */
	char *addr;			/* numeric client address */
	int port;
	buf_t client;			/* its name in the log (login_log_client) */
	int loopback;
	int greeted;			/* the greeting went out */
	long failures;
	long junk;			/* NOOP, CAPABILITY, bad commands */
	long errors;			/* bad commands so far */
	int anvil_held;			/* counted by anvil (lib/login_anvil.h) */
	int starttls;			/* STARTTLS answered: handshake when
					 * flushed */
	imap_parser_t *parser;
	uint32_t literal;		/* octets of an accepted literal still
					 * to come (state COMMAND) */
	int literal_on;			/* a literal is awaited */
	int input_end;			/* the stream saw the end of input */
	uint32_t skip;			/* octets to discard (a refused or
					 * failed command's literal) */
	buf_t line;			/* the input line; secret */
	buf_t tag;			/* the tag of the command under way */
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
	struct imapd_login *prev, *next;	/* every client of the process */
} imapd_login_t;

/* imapd_login.c */
void imapd_login_accept(const daemon_client_t *client);
void imapd_login_stop(void);
void imapd_login_pre_drop(void);
void imapd_login_post_drop(void);
/* May a plaintext password be used on this connection now? */
int imapd_login_plaintext_ok(const imapd_login_t *l);
/* Is STARTTLS offered now (TLS available, not yet on)? */
int imapd_login_starttls_ok(const imapd_login_t *l);
/* The capability words of the not-authenticated state, as of now. */
void imapd_login_capabilities(const imapd_login_t *l, buf_t *out);
/* Send the greeting; the client may send commands now. */
void imapd_login_greet(imapd_login_t *l);
/* Move to state (cancelling the old state's deadline). */
void imapd_login_set_state(imapd_login_t *l, enum imapd_login_state state);
/* Go on with whatever is buffered and set the watches: the end of every
 * event handler.  May free l. */
void imapd_login_run(imapd_login_t *l);
/* auth refuses this process further failures (retire=yes): clients still
 * before login are told so and closed, to connect again to a fresh
 * process; logged-in clients go on.  except: the client whose answer
 * brought the news (its caller closes it). */
void imapd_login_spent(imapd_login_t *except);
/* "* BYE text", then send what is buffered and close (state CLOSING). */
void imapd_login_bye(imapd_login_t *l, const char *code, const char *text);
/* Send what is buffered and close (state CLOSING). */
void imapd_login_finish(imapd_login_t *l);
/* Let the client go now: l is freed, daemon_client_done() called. */
void imapd_login_free(imapd_login_t *l);
/* login_timeout starts (at connect, and again after a failed hand-off);
 * the client logged in: it no longer applies. */
void imapd_login_lifetime_start(imapd_login_t *l);
void imapd_login_lifetime_end(imapd_login_t *l);
/* Count a bad command; past IMAPD_BAD_COMMANDS_MAX or
 * imapd_junk_command_limit the client is told BYE and closed. */
void imapd_login_bad(imapd_login_t *l);

/* imapd_login_read.c: a parser with the login role's limits. */
imap_parser_t *imapd_login_parser_new(void);
/* Take the commands already buffered (state COMMAND
 * and SASL), as long as the state reads them.  Returns 0, or the stream
 * status that ends the client (the caller aborts it). */
int imapd_login_take_input(imapd_login_t *l);

/* imapd_login_verify.c: ask auth (token=yes) without waiting; req holds
 * the mechanism's attributes (mech, user, password, authzid), the rest
 * is added here.  Wipes req, the command's texts and the consumed input.
 * The verdict comes later: a failure is answered, a success hands the
 * client on. */
void imapd_login_verify(imapd_login_t *l, attr_t *req);
/* State FLUSH: everything went out; start the hand-off. */
void imapd_login_handoff(imapd_login_t *l);
/* The hand-off failed (err: why, for the log): NO [UNAVAILABLE], and the
 * client may try again.  May free l. */
void imapd_login_handoff_failed(imapd_login_t *l, const char *err);

/* The command handlers (imapd_login_cmd.c, imapd_login_auth.c): the
 * arguments after the command name; each writes its tagged answer. */
typedef void imapd_login_handler_t(imapd_login_t *l, const imap_arg_t *args,
				   size_t nargs);
imapd_login_handler_t imapd_login_cmd_capability, imapd_login_cmd_noop,
	imapd_login_cmd_logout, imapd_login_cmd_id, imapd_login_cmd_starttls,
	imapd_login_cmd_login, imapd_login_cmd_authenticate,
	imapd_login_cmd_noauth;
/* State SASL: one response line (in l->line, CRLF removed). */
void imapd_login_sasl_line(imapd_login_t *l);
/* State TLS: drive the handshake. */
void imapd_login_tls_step(imapd_login_t *l);

#endif

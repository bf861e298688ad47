/* imapd_login.c - the login role: the not-authenticated state of RFC 3501
 * (§3.1, §6.1, §6.2), for many clients at once.
 *
 * The process is a DAEMON_MULTI server (lib/daemon.h) capped at
 * login_client_limit clients, TLS relays included; with 1 it serves one
 * client per process (the high-security choice), with more it is
 * Dovecot's "high-performance" mode (architecture §2).  Each client is a
 * state machine (imapd_login.h) driven by lib/event: nothing here waits
 * for one client while others are waiting, apart from two short local
 * requests answered at once - anvil's count at connect
 * (lib/login_anvil.h, bounded by ipc_timeout) and the connect to the
 * session service (a UNIX connect).  TLS handshakes, auth's verdicts
 * (held back for seconds after a failure) and the session's answer to a
 * hand-off are all awaited through the event loop.
 *
 * The greeting is "* OK [CAPABILITY ...]" (RFC 3501 §7.1.1), so that a
 * client need not ask.  Commands are read in imapd_login_read.c; every
 * credential goes to auth with token=yes, and a success hands the client,
 * the token, the tag of its login command and whatever it pipelined to
 * the session service (lib/login.c), which answers that tag once it holds
 * the mailbox.
 *
 * Limits: a client over its connection limits gets "* BYE" for a
 * greeting (lib/login_anvil.h); NOOP, CAPABILITY and bad commands count
 * against imapd_junk_command_limit, bad commands alone against
 * IMAPD_BAD_COMMANDS_MAX; after imapd_login_failures failed logins the
 * client gets its NO after a further pause, then BYE; imapd_idle_timeout
 * bounds the wait for each command (RFC 3501 §5.4: "* BYE Autologout");
 * login_timeout the time to log in; the TLS handshake, the hand-off and
 * the last reply get ipc_timeout.
 *
 * SIGHUP (reload) and max_idle retire the process: it accepts no more and
 * exits when its last client, relays included, is gone.  SIGTERM (stop)
 * ends every client at once: "* BYE Server shutting down" before login,
 * relays closed.
 *
 * SECURITY: runs as login_user, chrooted to login_directory (nothing but
 * links to the auth, anvil and session sockets), no capabilities.  The
 * clients of one process share its memory, so passwords are wiped as soon
 * as they were used (the command line, the parser's texts, the SASL
 * exchange, secret streams) and never logged; login_client_limit bounds
 * how many clients a compromised login process could see.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "daemon.h"
#include "imapd_login.h"
#include "log.h"
#include "login_anvil.h"
#include "login_log.h"
#include "mem.h"
#include "sock.h"

/* Bytes asked of one read: a command fits, and a TLS record is taken in
 * a few reads. */
#define IMAPD_LOGIN_READ_CHUNK	4096
/* Pause before the connection closes after too many failed logins. */
#define IMAPD_LOGIN_CLOSE_DELAY	2

imapd_login_conf_t imapd_login_conf;
static imapd_login_t *imapd_login_clients;

/* The key is root's: load it before the drop (lib/tls.h).  Without a
 * certificate there is no STARTTLS (logged once); imaps cannot work. */
void imapd_login_pre_drop(void)
{
	imapd_login_conf.tls = tls_server_from_config("imapd", daemon_service(),
						      &imapd_login_conf.tls_wrapper);
}

void imapd_login_post_drop(void)
{
	const char *name = config_str("imapd_session_socket");

	if (name[0] == '\0' || strchr(name, '/') != NULL)
		log_fatal("imapd_session_socket: \"%s\" is not a service name", name);
	imapd_login_conf.plaintext =
		(enum auth_plaintext) config_enum("auth_plaintext");
	imapd_login_conf.max_failures = config_int("imapd_login_failures");
	imapd_login_conf.login_timeout = config_time("login_timeout");
	imapd_login_conf.line_max = imapd_conf.max_line < IMAPD_LOGIN_LINE_MAX ?
		imapd_conf.max_line : IMAPD_LOGIN_LINE_MAX;
	imapd_login_conf.session_socket = imapd_socket_path(name);
}

int imapd_login_plaintext_ok(const imapd_login_t *l)
{
	return auth_plaintext_allowed(imapd_login_conf.plaintext,
				      stream_is_tls(l->s), l->loopback);
}

int imapd_login_starttls_ok(const imapd_login_t *l)
{
	return imapd_login_conf.tls != NULL && !stream_is_tls(l->s);
}

void imapd_login_capabilities(const imapd_login_t *l, buf_t *out)
{
	imapd_capabilities(out, 0, imapd_login_starttls_ok(l),
			   imapd_login_plaintext_ok(l));
}

/* ---- the client's life --------------------------------------------------- */

/* A hand-off under way is given up: its socket leaves the loop first. */
static void imapd_login_handoff_abandon(imapd_login_t *l)
{
	if (l->handoff == NULL)
		return;
	event_del_fd(login_handoff_fd(l->handoff));
	login_handoff_free(&l->handoff);
}

void imapd_login_free(imapd_login_t *l)
{
	if (l->timer)
		event_cancel_timer(l->timer);
	imapd_login_lifetime_end(l);
	stream_tls_handshake_free(&l->tls);
	sasl_server_free(&l->sasl);
	auth_request_cancel(&l->auth);
	imapd_login_handoff_abandon(l);
	if (l->anvil_held)
		login_anvil_release(l->service, l->addr);
	if (l->s != NULL) {
		/* Before the close: the descriptor may live on elsewhere. */
		event_del_fd(stream_fd(l->s));
		login_log_disconnect(buf_str(&l->client), NULL);
		if (stream_out_pending(l->s) == 0)
			stream_close(&l->s);
		else
			stream_forget(&l->s);
	}
	if (l->prev != NULL)
		l->prev->next = l->next;
	else
		imapd_login_clients = l->next;
	if (l->next != NULL)
		l->next->prev = l->prev;
	if (l->parser != NULL)
		imap_parser_wipe(l->parser);
	imap_parser_free(&l->parser);
	buf_release(&l->line);
	buf_release(&l->tag);
	buf_release(&l->client);
	buf_release(&l->token);
	buf_release(&l->login_user);
	mem_free(l->mech);
	mem_free(l->addr);
	mem_free(l->service);
	mem_free(l);
	daemon_client_done();
}

static void imapd_login_on_timer(void *ctx);

void imapd_login_set_state(imapd_login_t *l, enum imapd_login_state state)
{
	if (l->timer) {
		event_cancel_timer(l->timer);
		l->timer = 0;
	}
	l->state = state;
}

void imapd_login_finish(imapd_login_t *l)
{
	imapd_login_set_state(l, IMAPD_LOGIN_CLOSING);
}

void imapd_login_bye(imapd_login_t *l, const char *code, const char *text)
{
	imapd_status(l->s, NULL, "BYE", code, "%s", text);
	imapd_login_finish(l);
}

void imapd_login_bad(imapd_login_t *l)
{
	l->errors++;
	if (l->errors >= IMAPD_BAD_COMMANDS_MAX) {
		log_info("too many errors from %s", buf_str(&l->client));
		imapd_login_bye(l, NULL, "Too many invalid commands");
	} else if (imapd_conf.junk_limit > 0 && ++l->junk > imapd_conf.junk_limit) {
		log_info("too many junk commands from %s", buf_str(&l->client));
		imapd_login_bye(l, NULL, "Too many junk commands");
	}
}

/* Timeout, lost connection, or a stop: log it, say goodbye, close. */
static void imapd_login_abort(imapd_login_t *l, int status)
{
	const char *after = l->last_cmd ? l->last_cmd : "CONNECT";

	switch (status) {
	case STREAM_TIMEOUT:
		log_info("timeout after %s from %s", after, buf_str(&l->client));
		imapd_status(l->s, NULL, "BYE", NULL, "Autologout; idle for too long");
		break;
	case IMAPD_SHUTDOWN:
		log_info("shutdown: closing session of %s after %s",
			 buf_str(&l->client), after);
		imapd_status(l->s, NULL, "BYE", NULL, "Server shutting down");
		break;
	case STREAM_TOOLONG:
		log_info("line too long after %s from %s", after,
			 buf_str(&l->client));
		imapd_status(l->s, NULL, "BYE", NULL, "Line too long (at most "
			     "%zu octets before login)", imapd_login_conf.line_max);
		break;
	default:
		if (stream_status(l->s) == STREAM_EOF ||
		    stream_status(l->s) == STREAM_OK)
			log_info("lost connection after %s from %s", after,
				 buf_str(&l->client));
		else
			log_info("lost connection after %s from %s: %s", after,
				 buf_str(&l->client), stream_strerror(l->s));
		break;
	}
	imapd_login_finish(l);
}

static void imapd_login_on_io(int fd, int events, void *ctx);

/* Arm the state's deadline unless it runs already. */
static void imapd_login_deadline(imapd_login_t *l, int seconds)
{
	if (!l->timer)
		l->timer = event_add_timer((long) seconds * 1000,
					   imapd_login_on_timer, l);
}

/* State COMMAND or SASL after STARTTLS was answered: once the OK went
 * out, the handshake.  Returns 1 when it started (l may be gone). */
static int imapd_login_starttls_begin(imapd_login_t *l)
{
	l->starttls = 0;
	/* Discards what the client sent behind STARTTLS (RFC 3501 §6.2.1:
	 * plaintext must never count as coming over TLS). */
	l->tls = stream_tls_accept_start(l->s, imapd_login_conf.tls);
	if (l->tls == NULL) {
		log_info("TLS handshake failed for %s: %s",
			 buf_str(&l->client), stream_strerror(l->s));
		imapd_login_free(l);
		return 1;
	}
	imapd_login_set_state(l, IMAPD_LOGIN_TLS);
	imapd_login_tls_step(l);
	return 1;
}

/* Send what can be sent; then watch the descriptor for what the state
 * needs, and arm its deadline. */
static void imapd_login_update(imapd_login_t *l)
{
	short wait = 0;
	int st = stream_try_flush(l->s, &wait), events = 0;

	if (st < 0) {
		/* The client is gone; nothing more can reach it. */
		if (l->state != IMAPD_LOGIN_CLOSING)
			imapd_login_abort(l, st);
		imapd_login_free(l);
		return;
	}
	if (st == 1)
		events |= wait == POLLIN ? EVENT_READ : EVENT_WRITE;
	switch (l->state) {
	case IMAPD_LOGIN_COMMAND:
	case IMAPD_LOGIN_SASL:
		if (l->starttls) {
			if (st == STREAM_OK && imapd_login_starttls_begin(l))
				return;
			imapd_login_deadline(l, imapd_conf.ipc_timeout);
			break;
		}
		if (stream_out_pending(l->s) < IMAPD_LOGIN_OUT_MAX)
			events |= EVENT_READ;
		imapd_login_deadline(l, imapd_conf.idle_timeout);
		break;
	case IMAPD_LOGIN_FLUSH:
		if (st == STREAM_OK) {
			imapd_login_handoff(l);
			return;
		}
		imapd_login_deadline(l, imapd_conf.ipc_timeout);
		break;
	case IMAPD_LOGIN_CLOSING:
		if (st == STREAM_OK) {
			imapd_login_free(l);
			return;
		}
		imapd_login_deadline(l, imapd_conf.ipc_timeout);
		break;
	case IMAPD_LOGIN_DELAY:
		imapd_login_deadline(l, IMAPD_LOGIN_CLOSE_DELAY);
		break;
	case IMAPD_LOGIN_HANDOFF:
		imapd_login_deadline(l, imapd_conf.ipc_timeout);
		break;
	default:
		/* AUTH (auth's request has its own deadline): input waits in
		 * the socket. */
		break;
	}
	if (events)
		event_add_fd(stream_fd(l->s), events, imapd_login_on_io, l);
	else
		event_del_fd(stream_fd(l->s));
}

void imapd_login_run(imapd_login_t *l)
{
	int st = imapd_login_take_input(l);

	if (st != 0)
		imapd_login_abort(l, st);
	imapd_login_update(l);
}

static void imapd_login_on_io(int fd, int events, void *ctx)
{
	imapd_login_t *l = ctx;

	(void) fd;
	if (l->state == IMAPD_LOGIN_TLS) {
		imapd_login_tls_step(l);
		return;
	}
	if ((events & EVENT_READ) && (l->state == IMAPD_LOGIN_COMMAND ||
				      l->state == IMAPD_LOGIN_SASL))
		if (stream_fill(l->s) < 0)
			l->input_end = 1;	/* seen by the reader */
	imapd_login_run(l);
}

static void imapd_login_on_timer(void *ctx)
{
	imapd_login_t *l = ctx;

	l->timer = 0;
	switch (l->state) {
	case IMAPD_LOGIN_TLS:
		log_info("TLS handshake failed for %s: timeout", buf_str(&l->client));
		imapd_login_free(l);
		return;
	case IMAPD_LOGIN_COMMAND:
	case IMAPD_LOGIN_SASL:
		if (l->starttls) {
			imapd_login_free(l);	/* never read its OK */
			return;
		}
		sasl_server_free(&l->sasl);
		imapd_login_abort(l, STREAM_TIMEOUT);
		break;
	case IMAPD_LOGIN_DELAY:
		imapd_status(l->s, buf_str(&l->tag), "NO", "AUTHENTICATIONFAILED",
			     "Authentication failed");
		imapd_login_bye(l, NULL, "Too many authentication failures");
		break;
	case IMAPD_LOGIN_HANDOFF:
		imapd_login_handoff_abandon(l);
		if (!stream_is_tls(l->s)) {
			/* The session may have taken the socket already (its
			 * "ok" crossing our close), or take it later from
			 * its backlog: never answer on it, and shut it down,
			 * since the record in flight keeps it open. */
			shutdown(stream_fd(l->s), SHUT_RDWR);
			log_warn("%s: user=<%s>: hand-off failed: no answer from "
				 "the session service; disconnecting",
				 buf_str(&l->client), buf_str(&l->login_user));
			imapd_login_free(l);
			return;
		}
		/* The session's end of the relay is closed with ours. */
		imapd_login_handoff_failed(l, "no answer from the session service");
		return;
	default:
		/* FLUSH, CLOSING: the client does not read. */
		imapd_login_free(l);
		return;
	}
	imapd_login_run(l);
}

/*
 * login_timeout: however busy a client keeps itself (CAPABILITY after
 * CAPABILITY, AUTHENTICATE cancelled with "*": no failure, no idle time),
 * it has this long from its connection to log in.  auth's yes ends it.
 */
static void imapd_login_on_lifetime(void *ctx)
{
	imapd_login_t *l = ctx;

	l->lifetime = 0;
	switch (l->state) {
	case IMAPD_LOGIN_COMMAND:
	case IMAPD_LOGIN_SASL:
	case IMAPD_LOGIN_AUTH:
	case IMAPD_LOGIN_DELAY:
		if (!l->starttls) {
			auth_request_cancel(&l->auth);
			sasl_server_free(&l->sasl);
			log_info("login time limit after %s from %s",
				 l->last_cmd ? l->last_cmd : "CONNECT",
				 buf_str(&l->client));
			imapd_login_bye(l, NULL, "Login time limit reached, "
					"disconnecting");
			imapd_login_run(l);
			return;
		}
		imapd_login_free(l);	/* mid-STARTTLS: no plaintext answer */
		return;
	default:
		/* TLS, CLOSING: nothing more to say.  (From FLUSH on, the
		 * client has logged in and the timer is gone.) */
		log_info("login time limit from %s", buf_str(&l->client));
		imapd_login_free(l);
		return;
	}
}

void imapd_login_lifetime_start(imapd_login_t *l)
{
	if (!l->lifetime)
		l->lifetime = event_add_timer(imapd_login_conf.login_timeout * 1000,
					      imapd_login_on_lifetime, l);
}

void imapd_login_lifetime_end(imapd_login_t *l)
{
	if (l->lifetime) {
		event_cancel_timer(l->lifetime);
		l->lifetime = 0;
	}
}

/* ---- accepting ------------------------------------------------------------ */

void imapd_login_greet(imapd_login_t *l)
{
	buf_t capa = BUF_INIT;

	l->greeted = 1;
	imapd_login_set_state(l, IMAPD_LOGIN_COMMAND);
	buf_puts(&capa, "CAPABILITY ");
	imapd_login_capabilities(l, &capa);
	imapd_status(l->s, NULL, "OK", buf_str(&capa), "%s IMAP ready",
		     imapd_conf.myhostname);
	buf_release(&capa);
}

void imapd_login_accept(const daemon_client_t *client)
{
	imapd_login_t *l = MEM_NEW(imapd_login_t);

	buf_init(&l->client);
	buf_init(&l->line);
	buf_init(&l->tag);
	buf_init(&l->token);
	buf_init(&l->login_user);
	buf_set_secret(&l->line);
	buf_set_secret(&l->token);
	l->parser = imapd_login_parser_new();
	l->s = stream_open(client->fd);
	/* Until the hand-off this stream carries passwords. */
	stream_set_secret(l->s);
	/* Commands are short; many clients share the process. */
	stream_set_read_chunk(l->s, IMAPD_LOGIN_READ_CHUNK);
	l->service = mem_strdup(client->service);
	l->addr = mem_strdup(client->addr);
	l->port = client->port;
	l->loopback = sock_addr_is_loopback(l->addr);
	login_log_client(&l->client, l->addr, l->port);
	l->next = imapd_login_clients;
	if (l->next != NULL)
		l->next->prev = l;
	imapd_login_clients = l;
	log_info("connect from %s", buf_str(&l->client));
	imapd_login_lifetime_start(l);
	/* Before any TLS work: a refused client costs nothing more. */
	l->anvil_held = login_anvil_admit(l->service, l->addr,
					  buf_str(&l->client), &l->line);
	if (l->anvil_held < 0) {
		/* RFC 3501 §7.1.5: BYE as the greeting; on imaps, before the
		 * handshake, there is nobody to tell. */
		if (!imapd_login_conf.tls_wrapper)
			imapd_status(l->s, NULL, "BYE", "UNAVAILABLE", "%s",
				     buf_str(&l->line));
		buf_reset(&l->line);
		l->anvil_held = 0;
		imapd_login_finish(l);
		imapd_login_update(l);
		return;
	}
	if (imapd_login_conf.tls_wrapper) {
		l->tls = stream_tls_accept_start(l->s, imapd_login_conf.tls);
		if (l->tls == NULL) {
			log_info("TLS handshake failed for %s: %s",
				 buf_str(&l->client), stream_strerror(l->s));
			imapd_login_free(l);
			return;
		}
		imapd_login_set_state(l, IMAPD_LOGIN_TLS);
		imapd_login_tls_step(l);
		return;
	}
	imapd_login_greet(l);
	imapd_login_run(l);
}

void imapd_login_spent(imapd_login_t *except)
{
	imapd_login_t *l, *next;

	for (l = imapd_login_clients; l != NULL; l = next) {
		next = l->next;
		if (l == except)
			continue;
		switch (l->state) {
		case IMAPD_LOGIN_TLS:
			/* not greeted yet: nothing to say */
			imapd_login_free(l);
			break;
		case IMAPD_LOGIN_COMMAND:
		case IMAPD_LOGIN_SASL:
			/* A client waiting for auth's verdict hears it: a yes
			 * asked before the budget ran out still logs it in. */
			log_info("closing the connection of %s before login: "
				 "this process takes no more logins",
				 buf_str(&l->client));
			imapd_login_bye(l, "UNAVAILABLE", "This server process "
					"takes no more logins, connect again");
			imapd_login_run(l);	/* may free l */
			break;
		default:
			break;
		}
	}
}

/* SIGTERM: every client ends now. */
void imapd_login_stop(void)
{
	imapd_login_t *l, *next;

	for (l = imapd_login_clients; l != NULL; l = next) {
		next = l->next;
		if (l->state == IMAPD_LOGIN_RELAY) {
			login_relay_stop(l->relay);	/* frees l */
			continue;
		}
		if (l->greeted && l->state != IMAPD_LOGIN_CLOSING &&
		    l->state != IMAPD_LOGIN_TLS) {
			short wait;

			auth_request_cancel(&l->auth);
			imapd_login_handoff_abandon(l);
			imapd_login_abort(l, IMAPD_SHUTDOWN);
			stream_try_flush(l->s, &wait);
		}
		imapd_login_free(l);
	}
}

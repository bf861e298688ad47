/* pop3d_login.c - the login role: the AUTHORIZATION state of RFC 1939 §4,
 * for many clients at once.
 *
 * The process is a DAEMON_MULTI server (lib/daemon.h) capped at
 * login_client_limit clients, TLS relays included; with 1 it serves one
 * client per process (the high-security choice), with more it is
 * Dovecot's "high-performance" mode (architecture §2).  Each client is a
 * state machine (pop3d_login.h) driven by lib/event: nothing here waits
 * for one client while others are waiting, apart from two short local
 * requests answered at once - anvil's count at connect (lib/login_anvil.h,
 * bounded by ipc_timeout; anvil never delays an answer) and the connect
 * to the session service (a UNIX connect, which waits only when that
 * service's backlog is full).  The TLS handshakes, auth's verdicts (held
 * back for seconds after a failure) and the session's answer to a
 * hand-off are all awaited through the event loop.
 *
 * The greeting carries an APOP timestamp when pop3d_apop is on (it must
 * be sent before the user is known, so it is offered to everyone; APOP
 * then succeeds only for users with an APOP secret, and fails like a
 * wrong password for the others, which tells nobody who has one).
 * Commands come from the table below, one handler each; every credential
 * goes to auth with token=yes, and a success hands the client, the token
 * and whatever the client pipelined to the session service (lib/login.c),
 * which answers the authentication command once it holds the mailbox.
 *
 * Limits: before the greeting, a client over its connection limits is
 * refused (lib/login_anvil.h); CAPA, NOOP and RSET count against
 * pop3d_junk_command_limit; after pop3d_login_failures failed logins the
 * client gets its -ERR after a further pause and is disconnected;
 * pop3d_idle_timeout bounds the wait for each command line; the TLS
 * handshake, the hand-off and the last reply get ipc_timeout.
 *
 * SIGHUP (reload) and max_idle retire the process: it accepts no more and
 * exits when its last client, relays included, is gone.  SIGTERM (stop)
 * ends every client at once: "-ERR Server shutting down" before login,
 * relays closed.
 *
 * SECURITY: runs as login_user, chrooted to login_directory (nothing but
 * links to the auth, anvil and session sockets), no capabilities.  The
 * clients of one process share its memory, so passwords are wiped as soon
 * as they were used (lib/secret.h, the SASL exchange, secret streams) and
 * never logged; login_client_limit bounds how many clients a compromised
 * login process could see.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "login_log.h"
#include "mem.h"
#include "../pop3d.h"
#include "pop3d_login.h"
#include "sock.h"

/* Replies buffered before the process stops reading a client's commands
 * until they went out: a client that pipelines and never reads holds
 * little memory. */
#define POP3D_LOGIN_OUT_MAX	16384
/* A SASL continuation line: PLAIN with three 255-octet fields in base64,
 * with room to spare (RFC 5034 does not hold them to 255 octets). */
#define POP3D_SASL_LINE_MAX	2048
/* Bytes asked of one read: a SASL line fits, and a TLS record is taken
 * in a few reads. */
#define POP3D_LOGIN_READ_CHUNK	4096
/* Pause before the connection closes after too many failed logins. */
#define POP3D_LOGIN_CLOSE_DELAY	2

pop3d_login_conf_t pop3d_login_conf;
static pop3d_login_t *pop3d_login_clients;

#define JUNK 1	/* counts against pop3d_junk_command_limit */

static const struct pop3d_login_command {
	const char *name;
	void (*handle)(pop3d_login_t *l);
	int junk;
} pop3d_login_commands[] = {
	{ "USER", pop3d_login_cmd_user, 0 },
	{ "PASS", pop3d_login_cmd_pass, 0 },
	{ "APOP", pop3d_login_cmd_apop, 0 },
	{ "AUTH", pop3d_login_cmd_auth, 0 },
	{ "CAPA", pop3d_login_cmd_capa, JUNK },
	{ "STLS", pop3d_login_cmd_stls, 0 },
	{ "QUIT", pop3d_login_cmd_quit, 0 },
	/* TRANSACTION commands (RFC 1939 §5, RFC 2449): not yet. */
	{ "STAT", pop3d_login_cmd_noauth, 0 },
	{ "LIST", pop3d_login_cmd_noauth, 0 },
	{ "RETR", pop3d_login_cmd_noauth, 0 },
	{ "DELE", pop3d_login_cmd_noauth, 0 },
	{ "NOOP", pop3d_login_cmd_noauth, JUNK },
	{ "RSET", pop3d_login_cmd_noauth, JUNK },
	{ "TOP", pop3d_login_cmd_noauth, 0 },
	{ "UIDL", pop3d_login_cmd_noauth, 0 },
	{ NULL, NULL, 0 },
};

/* The key is root's: load it before the drop (lib/tls.h).  Without a
 * certificate there is no STLS (logged once); pop3s cannot work at all. */
void pop3d_login_pre_drop(void)
{
	pop3d_login_conf.tls = tls_server_from_config("pop3d", daemon_service(),
						      &pop3d_login_conf.tls_wrapper);
}

void pop3d_login_post_drop(void)
{
	const char *name = config_str("pop3d_session_socket");

	if (name[0] == '\0' || strchr(name, '/') != NULL)
		log_fatal("pop3d_session_socket: \"%s\" is not a service name", name);
	pop3d_login_conf.plaintext =
		(enum auth_plaintext) config_enum("auth_plaintext");
	pop3d_login_conf.max_failures = config_int("pop3d_login_failures");
	pop3d_login_conf.apop = config_bool("pop3d_apop");
	pop3d_login_conf.login_timeout = config_time("login_timeout");
	pop3d_login_conf.session_socket = pop3d_socket_path(name);
}

int pop3d_login_plaintext_ok(const pop3d_login_t *l)
{
	return auth_plaintext_allowed(pop3d_login_conf.plaintext,
				      stream_is_tls(l->s), l->loopback);
}

int pop3d_login_stls_ok(const pop3d_login_t *l)
{
	return pop3d_login_conf.tls != NULL && !stream_is_tls(l->s);
}

/* ---- the client's life --------------------------------------------------- */

/* A hand-off under way is given up: its socket leaves the loop first. */
static void pop3d_login_handoff_abandon(pop3d_login_t *l)
{
	if (l->handoff == NULL)
		return;
	event_del_fd(login_handoff_fd(l->handoff));
	login_handoff_free(&l->handoff);
}

void pop3d_login_free(pop3d_login_t *l)
{
	if (l->timer)
		event_cancel_timer(l->timer);
	pop3d_login_lifetime_end(l);
	stream_tls_handshake_free(&l->tls);
	sasl_server_free(&l->sasl);
	auth_request_cancel(&l->auth);
	pop3d_login_handoff_abandon(l);
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
		pop3d_login_clients = l->next;
	if (l->next != NULL)
		l->next->prev = l->prev;
	buf_release(&l->line);
	buf_release(&l->client);
	buf_release(&l->user);
	buf_release(&l->stamp);
	buf_release(&l->token);
	buf_release(&l->login_user);
	mem_free(l->mech);
	mem_free(l->addr);
	mem_free(l->service);
	mem_free(l);
	daemon_client_done();
}

static void pop3d_login_on_timer(void *ctx);

void pop3d_login_set_state(pop3d_login_t *l, enum pop3d_login_state state)
{
	if (l->timer) {
		event_cancel_timer(l->timer);
		l->timer = 0;
	}
	l->state = state;
}

void pop3d_login_finish(pop3d_login_t *l)
{
	pop3d_login_set_state(l, POP3D_LOGIN_CLOSING);
}

/* Timeout, lost connection, or a stop: log it, say goodbye, close. */
static void pop3d_login_abort(pop3d_login_t *l, int status)
{
	const char *after = l->last_cmd ? l->last_cmd : "CONNECT";

	switch (status) {
	case STREAM_TIMEOUT:
		log_info("timeout after %s from %s", after, buf_str(&l->client));
		pop3d_err(l->s, NULL, "Disconnected for inactivity");
		break;
	case POP3D_SHUTDOWN:
		log_info("shutdown: closing session of %s after %s",
			 buf_str(&l->client), after);
		pop3d_err(l->s, NULL, "Server shutting down");
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
	pop3d_login_finish(l);
}

static void pop3d_login_dispatch(pop3d_login_t *l)
{
	const struct pop3d_login_command *c;
	pop3_cmd_t *cmd = &l->cmd;
	int was_user = l->user_pending;

	l->user_pending = 0;
	if (cmd->name[0] == '\0' || strlen(cmd->name) > 4) {
		pop3d_err(l->s, NULL, "Unknown command");
		l->errors++;
		return;
	}
	for (c = pop3d_login_commands; c->name != NULL; c++)
		if (strcmp(c->name, cmd->name) == 0)
			break;
	if (c->name == NULL) {
		pop3d_err(l->s, NULL, "Unknown command");
		l->errors++;
		return;
	}
	l->last_cmd = c->name;
	if (cmd->bad) {
		pop3d_err(l->s, NULL, "Syntax error in %s", c->name);
		l->errors++;
		return;
	}
	if (c->junk && pop3d_conf.junk_limit > 0 &&
	    ++l->junk > pop3d_conf.junk_limit) {
		log_info("too many junk commands after %s from %s", c->name,
			 buf_str(&l->client));
		pop3d_err(l->s, NULL, "Too many junk commands, disconnecting");
		pop3d_login_finish(l);
		return;
	}
	/* USER names the user of the PASS that follows, and only of that. */
	if (strcmp(c->name, "PASS") == 0)
		l->user_pending = was_user;
	else if (l->user.len > 0)
		buf_reset(&l->user);
	c->handle(l);
	if (c->handle == pop3d_login_cmd_noauth)
		l->errors++;
}

/* One whole line in l->line (state COMMAND or SASL).  The line is wiped
 * once handled, whatever became of it: a command refused before auth was
 * asked (PASS without USER, plaintext refused, bad syntax) may have held
 * a password too. */
static void pop3d_login_line(pop3d_login_t *l)
{
	if (l->state == POP3D_LOGIN_SASL) {
		pop3d_login_sasl_line(l);
		buf_wipe(&l->line);
		return;
	}
	pop3_parse(&l->line, &l->cmd);
	pop3d_login_dispatch(l);
	buf_wipe(&l->line);
	if (l->state == POP3D_LOGIN_COMMAND && l->errors >= POP3D_BAD_COMMANDS_MAX) {
		log_info("too many errors from %s", buf_str(&l->client));
		pop3d_err(l->s, NULL, "Too many errors, disconnecting");
		pop3d_login_finish(l);
	}
}

/* Take the command lines already buffered, as long as the state reads
 * them and the replies are being read. */
static void pop3d_login_take_lines(pop3d_login_t *l)
{
	while ((l->state == POP3D_LOGIN_COMMAND || l->state == POP3D_LOGIN_SASL) &&
	       !l->stls && stream_out_pending(l->s) < POP3D_LOGIN_OUT_MAX) {
		size_t limit = l->state == POP3D_LOGIN_SASL ? POP3D_SASL_LINE_MAX :
			POP3D_LINE_MAX;
		int st;

		stream_set_line_limit(l->s, limit);
		st = stream_try_line(l->s, &l->line);
		if (st == STREAM_TIMEOUT && stream_status(l->s) == STREAM_OK)
			return;		/* no whole line yet */
		if (l->timer) {
			event_cancel_timer(l->timer);	/* a new wait starts */
			l->timer = 0;
		}
		if (st == STREAM_TOOLONG) {
			buf_wipe(&l->line);	/* a long PASS is a password too */
			pop3d_err(l->s, NULL, "Line too long (at most %zu octets)",
				  limit);
			l->user_pending = 0;
			buf_reset(&l->user);
			if (l->state == POP3D_LOGIN_SASL) {
				/* The answer ends AUTH. */
				sasl_server_free(&l->sasl);
				pop3d_login_set_state(l, POP3D_LOGIN_COMMAND);
			} else if (++l->errors >= POP3D_BAD_COMMANDS_MAX) {
				pop3d_login_finish(l);
			}
			continue;
		}
		if (st != STREAM_OK || l->line.len == 0 ||
		    l->line.data[l->line.len - 1] != '\n') {
			/* An unterminated last line is no command. */
			buf_wipe(&l->line);
			pop3d_login_abort(l, st == STREAM_OK ? STREAM_EOF : st);
			return;
		}
		buf_chomp(&l->line);
		pop3d_login_line(l);
	}
}

static void pop3d_login_on_io(int fd, int events, void *ctx);

/* Arm the state's deadline unless it runs already. */
static void pop3d_login_deadline(pop3d_login_t *l, int seconds)
{
	if (!l->timer)
		l->timer = event_add_timer((long) seconds * 1000,
					   pop3d_login_on_timer, l);
}

/* Send what can be sent; then watch the descriptor for what the state
 * needs, and arm its deadline. */
static void pop3d_login_update(pop3d_login_t *l)
{
	short wait = 0;
	int st = stream_try_flush(l->s, &wait), events = 0;

	if (st < 0) {
		/* The client is gone; nothing more can reach it. */
		if (l->state != POP3D_LOGIN_CLOSING)
			pop3d_login_abort(l, st);
		pop3d_login_free(l);
		return;
	}
	if (st == 1)
		events |= wait == POLLIN ? EVENT_READ : EVENT_WRITE;
	switch (l->state) {
	case POP3D_LOGIN_COMMAND:
	case POP3D_LOGIN_SASL:
		if (l->stls) {
			if (st == STREAM_OK) {
				l->stls = 0;
				l->tls = stream_tls_accept_start(l->s,
								 pop3d_login_conf.tls);
				if (l->tls == NULL) {
					log_info("TLS handshake failed for %s: %s",
						 buf_str(&l->client),
						 stream_strerror(l->s));
					pop3d_login_free(l);
					return;
				}
				pop3d_login_set_state(l, POP3D_LOGIN_TLS);
				pop3d_login_tls_step(l);
				return;
			}
			pop3d_login_deadline(l, pop3d_conf.ipc_timeout);
			break;
		}
		if (stream_out_pending(l->s) < POP3D_LOGIN_OUT_MAX)
			events |= EVENT_READ;
		pop3d_login_deadline(l, pop3d_conf.idle_timeout);
		break;
	case POP3D_LOGIN_FLUSH:
		if (st == STREAM_OK) {
			pop3d_login_handoff(l);
			return;
		}
		pop3d_login_deadline(l, pop3d_conf.ipc_timeout);
		break;
	case POP3D_LOGIN_CLOSING:
		if (st == STREAM_OK) {
			pop3d_login_free(l);
			return;
		}
		pop3d_login_deadline(l, pop3d_conf.ipc_timeout);
		break;
	case POP3D_LOGIN_DELAY:
		pop3d_login_deadline(l, POP3D_LOGIN_CLOSE_DELAY);
		break;
	case POP3D_LOGIN_HANDOFF:
		pop3d_login_deadline(l, pop3d_conf.ipc_timeout);
		break;
	default:
		/* AUTH (auth's request has its own deadline): input waits in
		 * the socket. */
		break;
	}
	if (events)
		event_add_fd(stream_fd(l->s), events, pop3d_login_on_io, l);
	else
		event_del_fd(stream_fd(l->s));
}

void pop3d_login_run(pop3d_login_t *l)
{
	pop3d_login_take_lines(l);
	pop3d_login_update(l);
}

static void pop3d_login_on_io(int fd, int events, void *ctx)
{
	pop3d_login_t *l = ctx;

	(void) fd;
	if (l->state == POP3D_LOGIN_TLS) {
		pop3d_login_tls_step(l);
		return;
	}
	if ((events & EVENT_READ) && (l->state == POP3D_LOGIN_COMMAND ||
				      l->state == POP3D_LOGIN_SASL))
		stream_fill(l->s);	/* EOF and errors: seen by the reader */
	pop3d_login_run(l);
}

static void pop3d_login_on_timer(void *ctx)
{
	pop3d_login_t *l = ctx;

	l->timer = 0;
	switch (l->state) {
	case POP3D_LOGIN_TLS:
		log_info("TLS handshake failed for %s: timeout", buf_str(&l->client));
		pop3d_login_free(l);
		return;
	case POP3D_LOGIN_COMMAND:
	case POP3D_LOGIN_SASL:
		if (l->stls) {
			pop3d_login_free(l);	/* never read its +OK */
			return;
		}
		sasl_server_free(&l->sasl);
		pop3d_login_abort(l, STREAM_TIMEOUT);
		break;
	case POP3D_LOGIN_DELAY:
		pop3d_err(l->s, POP3D_RC_AUTH, "Authentication failed; "
			  "too many failures, disconnecting");
		pop3d_login_finish(l);
		break;
	case POP3D_LOGIN_HANDOFF:
		pop3d_login_handoff_abandon(l);
		if (!stream_is_tls(l->s)) {
			/* The session may have taken the socket already (its
			 * "ok" crossing our close), or take it later from
			 * its backlog: never answer on it, and shut it down,
			 * since the record in flight keeps it open. */
			shutdown(stream_fd(l->s), SHUT_RDWR);
			log_warn("%s: user=<%s>: hand-off failed: no answer from "
				 "the session service; disconnecting",
				 buf_str(&l->client), buf_str(&l->login_user));
			pop3d_login_free(l);
			return;
		}
		/* The session's end of the relay is closed with ours. */
		pop3d_login_handoff_failed(l, "no answer from the session service");
		return;
	default:
		/* FLUSH, CLOSING: the client does not read. */
		pop3d_login_free(l);
		return;
	}
	pop3d_login_run(l);
}

/*
 * login_timeout: however busy a client keeps itself (USER after USER, AUTH
 * cancelled with "*", STAT before login: no failure, no idle time), it has
 * this long from its connection to log in.  auth's yes ends the timer.
 */
static void pop3d_login_on_lifetime(void *ctx)
{
	pop3d_login_t *l = ctx;

	l->lifetime = 0;
	switch (l->state) {
	case POP3D_LOGIN_COMMAND:
	case POP3D_LOGIN_SASL:
	case POP3D_LOGIN_AUTH:
	case POP3D_LOGIN_DELAY:
		if (!l->stls) {
			auth_request_cancel(&l->auth);
			sasl_server_free(&l->sasl);
			log_info("login time limit after %s from %s",
				 l->last_cmd ? l->last_cmd : "CONNECT",
				 buf_str(&l->client));
			pop3d_err(l->s, NULL, "Login time limit reached, "
				  "disconnecting");
			pop3d_login_finish(l);
			pop3d_login_run(l);
			return;
		}
		pop3d_login_free(l);	/* mid-STLS: no plaintext answer */
		return;
	default:
		/* TLS, CLOSING: nothing more to say.  (From FLUSH on, the
		 * client has logged in and the timer is gone.) */
		log_info("login time limit from %s", buf_str(&l->client));
		pop3d_login_free(l);
		return;
	}
}

void pop3d_login_lifetime_start(pop3d_login_t *l)
{
	if (!l->lifetime)
		l->lifetime = event_add_timer(pop3d_login_conf.login_timeout * 1000,
					      pop3d_login_on_lifetime, l);
}

void pop3d_login_lifetime_end(pop3d_login_t *l)
{
	if (l->lifetime) {
		event_cancel_timer(l->lifetime);
		l->lifetime = 0;
	}
}

/* ---- accepting ------------------------------------------------------------ */

/* "<pid.random.time@myhostname>" (RFC 1939 §7: unique per greeting). */
static void pop3d_login_stamp(pop3d_login_t *l)
{
	unsigned char r[8];
	size_t got = 0;

	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			log_fatal("getrandom: %s", strerror(errno));
		got += (size_t) n;
	}
	buf_printf(&l->stamp, "<%ld.", (long) getpid());
	for (size_t i = 0; i < sizeof(r); i++)
		buf_printf(&l->stamp, "%02x", r[i]);
	buf_printf(&l->stamp, ".%lld@%s>", (long long) time(NULL),
		   pop3d_conf.myhostname);
}

void pop3d_login_greet(pop3d_login_t *l)
{
	l->greeted = 1;
	pop3d_login_set_state(l, POP3D_LOGIN_COMMAND);
	if (pop3d_login_conf.apop) {
		pop3d_login_stamp(l);
		pop3d_ok(l->s, "tern POP3 server ready %s", buf_str(&l->stamp));
	} else {
		pop3d_ok(l->s, "tern POP3 server ready");
	}
}

void pop3d_login_accept(const daemon_client_t *client)
{
	pop3d_login_t *l = MEM_NEW(pop3d_login_t);

	buf_init(&l->client);
	buf_init(&l->user);
	buf_init(&l->stamp);
	buf_init(&l->line);
	buf_init(&l->token);
	buf_init(&l->login_user);
	buf_set_secret(&l->line);
	buf_set_secret(&l->token);
	l->s = stream_open(client->fd);
	/* Until the hand-off this stream carries passwords. */
	stream_set_secret(l->s);
	/* Command lines are short; many clients share the process. */
	stream_set_read_chunk(l->s, POP3D_LOGIN_READ_CHUNK);
	l->service = mem_strdup(client->service);
	l->addr = mem_strdup(client->addr);
	l->port = client->port;
	l->loopback = sock_addr_is_loopback(l->addr);
	login_log_client(&l->client, l->addr, l->port);
	l->next = pop3d_login_clients;
	if (l->next != NULL)
		l->next->prev = l;
	pop3d_login_clients = l;
	log_info("connect from %s", buf_str(&l->client));
	pop3d_login_lifetime_start(l);
	/* Before any TLS work: a refused client costs nothing more. */
	l->anvil_held = login_anvil_admit(l->service, l->addr,
					  buf_str(&l->client), &l->line);
	if (l->anvil_held < 0) {
		/* RFC 3206: SYS/TEMP, try again later; on pop3s, before the
		 * handshake, there is nobody to tell. */
		if (!pop3d_login_conf.tls_wrapper)
			pop3d_err(l->s, POP3D_RC_SYS_TEMP, "%s", buf_str(&l->line));
		buf_reset(&l->line);
		l->anvil_held = 0;
		pop3d_login_finish(l);
		pop3d_login_update(l);
		return;
	}
	if (pop3d_login_conf.tls_wrapper) {
		l->tls = stream_tls_accept_start(l->s, pop3d_login_conf.tls);
		if (l->tls == NULL) {
			log_info("TLS handshake failed for %s: %s",
				 buf_str(&l->client), stream_strerror(l->s));
			pop3d_login_free(l);
			return;
		}
		pop3d_login_set_state(l, POP3D_LOGIN_TLS);
		pop3d_login_tls_step(l);
		return;
	}
	pop3d_login_greet(l);
	pop3d_login_run(l);
}

void pop3d_login_spent(pop3d_login_t *except)
{
	pop3d_login_t *l, *next;

	for (l = pop3d_login_clients; l != NULL; l = next) {
		next = l->next;
		if (l == except)
			continue;
		switch (l->state) {
		case POP3D_LOGIN_TLS:
			/* not greeted yet: nothing to say */
			pop3d_login_free(l);
			break;
		case POP3D_LOGIN_COMMAND:
		case POP3D_LOGIN_SASL:
			/* A client waiting for auth's verdict (POP3D_LOGIN_AUTH)
			 * hears it: a yes asked before the budget ran out
			 * still logs it in, a refusal closes it as here. */
			log_info("closing the connection of %s before login: "
				 "this process takes no more logins",
				 buf_str(&l->client));
			pop3d_err(l->s, POP3D_RC_SYS_TEMP, "This server process "
				  "takes no more logins, connect again");
			pop3d_login_finish(l);
			pop3d_login_run(l);	/* may free l */
			break;
		default:
			break;
		}
	}
}

/* SIGTERM: every client ends now. */
void pop3d_login_stop(void)
{
	pop3d_login_t *l, *next;

	for (l = pop3d_login_clients; l != NULL; l = next) {
		next = l->next;
		if (l->state == POP3D_LOGIN_RELAY) {
			login_relay_stop(l->relay);	/* frees l */
			continue;
		}
		if (l->greeted && l->state != POP3D_LOGIN_CLOSING &&
		    l->state != POP3D_LOGIN_TLS) {
			short wait;

			auth_request_cancel(&l->auth);
			pop3d_login_handoff_abandon(l);
			pop3d_login_abort(l, POP3D_SHUTDOWN);
			stream_try_flush(l->s, &wait);
		}
		pop3d_login_free(l);
	}
}

/* pop3d_login.c - the login role: the AUTHORIZATION state of RFC 1939 §4.
 *
 * One client per process (DAEMON_SINGLE).  The greeting carries an APOP
 * timestamp when pop3d_apop is on (it must be sent before the user is
 * known, so it is offered to everyone; APOP then succeeds only for users
 * with an APOP secret, and fails like a wrong password for the others,
 * which tells nobody who has one).  Commands come from the table below,
 * one handler each; every credential goes to auth with token=yes, and a
 * success hands the client, the token and whatever the client pipelined
 * to the session service (lib/login.c), which answers the authentication
 * command once it holds the mailbox.  A failed hand-off is -ERR
 * [SYS/TEMP] and the client may try again.
 *
 * Failed logins: auth delays each failure's reply (and refuses an address
 * with too many); after pop3d_login_failures failures on one connection
 * the client gets its -ERR after a further pause and is disconnected.
 * Before the greeting, a client over its connection limits is refused
 * (../pop3d_anvil.c); CAPA, NOOP and RSET count against
 * pop3d_junk_command_limit.
 *
 * SECURITY: runs as login_user, chrooted to login_directory (nothing but
 * links to the auth and session sockets), no capabilities.  Passwords are
 * wiped from memory after use and never logged.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "login.h"
#include "mem.h"
#include "../pop3d.h"
#include "pop3d_login.h"
#include "sock.h"

/* Pause before the connection closes after too many failed logins. */
#define POP3D_LOGIN_CLOSE_DELAY	2
pop3d_login_conf_t pop3d_login_conf;

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

/* The key is root's: load it before the drop.  Without a certificate
 * there is no STLS (logged once); pop3s cannot work at all. */
void pop3d_login_pre_drop(void)
{
	const char *cert = config_str("smtpd_tls_cert_file");
	const char *key = config_str("smtpd_tls_key_file");
	char *err = NULL;

	pop3d_login_conf.tls_wrapper = config_bool("pop3d_tls_wrappermode");
	if (cert[0] == '\0' || key[0] == '\0') {
		if (pop3d_login_conf.tls_wrapper)
			log_fatal("service %s: pop3d_tls_wrappermode needs "
				  "smtpd_tls_cert_file and smtpd_tls_key_file",
				  daemon_service());
		return;
	}
	pop3d_login_conf.tls = tls_server_ctx(cert, key, config_str("tls_server_cipherlist"), &err);
	if (pop3d_login_conf.tls == NULL) {
		if (pop3d_login_conf.tls_wrapper)
			log_fatal("service %s: TLS: %s", daemon_service(), err);
		log_warn("STLS not offered: %s", err);
		mem_free(err);
	}
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
	pop3d_login_conf.session_socket = pop3d_socket_path(name);
	pop3d_login_conf.auth = auth_client_new(pop3d_conf.auth_socket,
						pop3d_conf.auth_timeout);
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

void pop3d_login_abort(pop3d_login_t *l, int status)
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
	l->done = 1;
}

/* Success: hand the client on.  The login process says nothing more to
 * the client; the session answers the authentication command. */
static void pop3d_login_handoff(pop3d_login_t *l, const char *user,
				const char *token, const char *mech)
{
	login_info_t info;
	const char *err = NULL;
	int tls = stream_is_tls(l->s);

	memset(&info, 0, sizeof(info));
	info.service = l->service;
	info.client = l->addr;
	info.port = l->port;
	/* The session lists USER and SASL by this, not by its own reading
	 * of auth_plaintext: a -o on this service reaches it too. */
	info.secured = pop3d_login_plaintext_ok(l);
	/* The session counts the client from now on (pop3d_anvil.c). */
	info.anvil = l->anvil_held;
	/* The relay process must not keep this process's auth or anvil
	 * connection; closing the anvil one gives this client's count
	 * back. */
	if (tls) {
		auth_client_free(&pop3d_login_conf.auth);
		pop3d_login_conf.auth = auth_client_new(pop3d_conf.auth_socket,
							pop3d_conf.auth_timeout);
		if (l->anvil_held) {
			pop3d_anvil_forget();
			l->anvil_held = 0;
		}
	}
	stream_flush(l->s);
	if (login_handoff(&l->s, pop3d_login_conf.session_socket, token, &info,
			  &err) < 0) {
		log_warn("%s: user=<%s>: hand-off failed: %s",
			 buf_str(&l->client), user, err);
		pop3d_err(l->s, POP3D_RC_SYS_TEMP, "Temporary server failure, "
			  "try again later");
		if (info.anvil && !l->anvil_held)
			l->anvil_held = pop3d_anvil_hold(l->service, l->addr);
		return;
	}
	if (l->anvil_held) {
		pop3d_anvil_release(l->service, l->addr);
		l->anvil_held = 0;
	}
	log_info("%s: login: user=<%s>, method=%s%s", buf_str(&l->client),
		 user, mech, tls ? ", TLS" : "");
	l->done = 1;
}

void pop3d_login_verify(pop3d_login_t *l, attr_t *req)
{
	attr_t *reply = attr_new();
	const char *mech = attr_get(req, "mech");
	char *mech_copy = mem_strdup(mech ? mech : "?");
	const char *user, *token;
	int r;

	attr_add(req, "request", "verify");
	attr_add(req, "client", l->addr);
	attr_add(req, "service", l->service);
	attr_add(req, "token", "yes");
	r = auth_client_request(pop3d_login_conf.auth, req, reply);
	attr_wipe(req);
	/* The password was used: no copy of it may reach the relay process
	 * the hand-off forks, nor outlive this command. */
	buf_wipe(&l->line);
	stream_wipe_consumed(l->s);
	user = attr_get(reply, "user");
	token = attr_get(reply, "token");
	if (r == AUTH_OK && (user == NULL || token == NULL)) {
		log_error("auth server: verify succeeded without a user or token");
		r = AUTH_TEMPFAIL;
	}
	if (r == AUTH_OK) {
		pop3d_login_handoff(l, user, token, mech_copy);
	} else if (r == AUTH_FAIL) {
		l->failures++;
		log_info("%s: authentication failed (%s), failure %ld of %ld",
			 buf_str(&l->client), mech_copy, l->failures,
			 pop3d_login_conf.max_failures);
		if (l->failures >= pop3d_login_conf.max_failures) {
			sleep(POP3D_LOGIN_CLOSE_DELAY);
			pop3d_err(l->s, POP3D_RC_AUTH, "Authentication failed; "
				  "too many failures, disconnecting");
			l->done = 1;
		} else {
			pop3d_err(l->s, POP3D_RC_AUTH, "Authentication failed");
		}
	} else {
		const char *why = attr_get(reply, "reason");

		log_warn("%s: authentication not possible (%s): %s",
			 buf_str(&l->client), mech_copy, why ? why : "auth unavailable");
		pop3d_err(l->s, POP3D_RC_SYS_TEMP, "Temporary authentication "
			  "failure, try again later");
	}
	attr_wipe(reply);
	attr_free(&reply);
	mem_free(mech_copy);
}

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

static void pop3d_login_dispatch(pop3d_login_t *l, long *errors)
{
	const struct pop3d_login_command *c;
	pop3_cmd_t *cmd = &l->cmd;
	int was_user = l->user_pending;

	l->user_pending = 0;
	if (cmd->name[0] == '\0' || strlen(cmd->name) > 4) {
		pop3d_err(l->s, NULL, "Unknown command");
		(*errors)++;
		return;
	}
	for (c = pop3d_login_commands; c->name != NULL; c++)
		if (strcmp(c->name, cmd->name) == 0)
			break;
	if (c->name == NULL) {
		pop3d_err(l->s, NULL, "Unknown command");
		(*errors)++;
		return;
	}
	l->last_cmd = c->name;
	if (cmd->bad) {
		pop3d_err(l->s, NULL, "Syntax error in %s", c->name);
		(*errors)++;
		return;
	}
	if (c->junk && pop3d_conf.junk_limit > 0 &&
	    ++l->junk > pop3d_conf.junk_limit) {
		log_info("too many junk commands after %s from %s", c->name,
			 buf_str(&l->client));
		pop3d_err(l->s, NULL, "Too many junk commands, disconnecting");
		l->done = 1;
		return;
	}
	/* USER names the user of the PASS that follows, and only of that. */
	if (strcmp(c->name, "PASS") == 0)
		l->user_pending = was_user;
	else if (l->user.len > 0)
		buf_reset(&l->user);
	c->handle(l);
	if (c->handle == pop3d_login_cmd_noauth)
		(*errors)++;
}

void pop3d_login_serve(daemon_client_t *client)
{
	pop3d_login_t l;
	long errors = 0;
	int status;

	memset(&l, 0, sizeof(l));
	buf_init(&l.client);
	buf_init(&l.user);
	buf_init(&l.stamp);
	buf_init(&l.line);
	buf_set_secret(&l.line);
	l.s = stream_open(client->fd);
	/* Until the hand-off this stream carries passwords. */
	stream_set_secret(l.s);
	client->fd = -1;
	l.service = mem_strdup(client->service);
	l.addr = mem_strdup(client->addr);
	l.port = client->port;
	l.loopback = sock_addr_is_loopback(l.addr);
	buf_printf(&l.client, "[%s]:%d", l.addr, l.port);
	stream_set_timeout(l.s, pop3d_conf.idle_timeout);
	log_info("connect from %s", buf_str(&l.client));
	/* Before any TLS work: a refused client costs nothing more. */
	l.anvil_held = pop3d_anvil_admit(l.s, l.service, l.addr,
					 buf_str(&l.client),
					 pop3d_login_conf.tls_wrapper);
	if (l.anvil_held < 0) {
		l.anvil_held = 0;
		stream_flush(l.s);
		goto out;
	}

	if (pop3d_login_conf.tls_wrapper) {
		stream_set_timeout(l.s, pop3d_conf.ipc_timeout);
		if (stream_tls_accept(l.s, pop3d_login_conf.tls) != STREAM_OK) {
			log_info("TLS handshake failed for %s: %s",
				 buf_str(&l.client), stream_strerror(l.s));
			goto out;
		}
		stream_set_timeout(l.s, pop3d_conf.idle_timeout);
		log_info("%s: TLS established: %s with cipher %s",
			 buf_str(&l.client), stream_tls_version(l.s),
			 stream_tls_cipher(l.s));
	}
	if (pop3d_login_conf.apop) {
		pop3d_login_stamp(&l);
		pop3d_ok(l.s, "tern POP3 server ready %s", buf_str(&l.stamp));
	} else {
		pop3d_ok(l.s, "tern POP3 server ready");
	}
	while (!l.done) {
		status = pop3d_read_command(l.s, &l.line, &l.cmd);
		if (status == STREAM_TOOLONG) {
			l.user_pending = 0;
			buf_reset(&l.user);
			if (++errors >= POP3D_BAD_COMMANDS_MAX)
				break;
			continue;
		}
		if (status != STREAM_OK) {
			pop3d_login_abort(&l, status);
			break;
		}
		pop3d_login_dispatch(&l, &errors);
		if (!l.done && errors >= POP3D_BAD_COMMANDS_MAX) {
			log_info("too many errors from %s", buf_str(&l.client));
			pop3d_err(l.s, NULL, "Too many errors, disconnecting");
			break;
		}
	}
	if (l.s != NULL)
		stream_flush(l.s);
out:
	if (l.anvil_held)
		pop3d_anvil_release(l.service, l.addr);
	buf_release(&l.line);
	if (l.s != NULL) {
		log_info("disconnect from %s", buf_str(&l.client));
		stream_close(&l.s);
	}
	buf_release(&l.client);
	buf_release(&l.user);
	buf_release(&l.stamp);
	mem_free(l.addr);
	mem_free(l.service);
	/* An idle login process must not hold one of auth's connections. */
	auth_client_release(pop3d_login_conf.auth);
}

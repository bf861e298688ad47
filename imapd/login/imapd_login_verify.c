/* imapd_login_verify.c - from credentials to a session: the auth request,
 * the hand-off and the TLS relay, none of which holds up the process's
 * other clients.
 *
 * Credentials go to auth with lib/auth_client's request that does not
 * wait (one connection per request: auth holds a failure's reply back for
 * seconds, and only this client waits for it).  A failure is answered
 * NO [AUTHENTICATIONFAILED] (RFC 5530); after imapd_login_failures of
 * them the client gets its NO after a further pause (a timer, not a
 * sleep), then BYE.  A success first sends whatever replies are still
 * buffered (the session writes on the same connection next), then hands
 * the client to the session service with lib/login.c's two steps: the
 * record carries the login command's tag and the capabilities of the
 * authenticated state, so that the session answers
 * "TAG OK [CAPABILITY ...]" itself once it holds the mailbox, and
 * whatever the client pipelined behind the command.  The session's answer
 * is awaited through the event loop with ipc_timeout.  A failed hand-off
 * is NO [UNAVAILABLE] and the client may try again, except a plain one
 * whose hand-off timed out (see imapd_login.c).  Without TLS the session
 * holds the client's own socket and this process lets go of it; with TLS
 * it relays (lib/login_relay.h) until the session ends, the write timeout
 * of the relay being imapd_idle_timeout.
 *
 * SECURITY: the request to auth carries the password: it is wiped with
 * the command line and the consumed input as soon as it is sent
 * (lib/secret.h); the token auth returns lives in a secret buffer until
 * the hand-off record is sent.  Neither is ever logged.
 */
#include <string.h>

#include "daemon.h"
#include "imapd_login.h"
#include "log.h"
#include "login_anvil.h"
#include "login_log.h"
#include "mem.h"
#include "secret.h"

static void imapd_login_on_verdict(int result, const attr_t *reply, void *ctx)
{
	imapd_login_t *l = ctx;
	const char *user = attr_get(reply, "user");
	const char *token = attr_get(reply, "token");
	const char *why = attr_get(reply, "reason");

	l->auth = NULL;		/* freed by auth_client after this call */
	imapd_login_set_state(l, IMAPD_LOGIN_COMMAND);
	if (result == AUTH_OK && (user == NULL || token == NULL)) {
		log_error("auth server: verify succeeded without a user or token");
		result = AUTH_TEMPFAIL;
	}
	if (result == AUTH_OK) {
		buf_set(&l->login_user, user);
		buf_set(&l->token, token);
		imapd_login_set_state(l, IMAPD_LOGIN_FLUSH);
		imapd_login_lifetime_end(l);	/* logged in */
	} else if (result == AUTH_FAIL) {
		l->failures++;
		login_log_failure(buf_str(&l->client), l->mech,
				  why ? why : "authentication failed",
				  l->failures, imapd_login_conf.max_failures);
		if (l->failures >= imapd_login_conf.max_failures) {
			/* The NO and BYE come after IMAPD_LOGIN_CLOSE_DELAY. */
			imapd_login_set_state(l, IMAPD_LOGIN_DELAY);
		} else {
			imapd_status(l->s, buf_str(&l->tag), "NO",
				     "AUTHENTICATIONFAILED", "Authentication failed");
		}
	} else {
		const char *retire = attr_get(reply, "retire");

		login_log_tempfail(buf_str(&l->client), l->mech,
				   why ? why : "auth unavailable");
		imapd_status(l->s, buf_str(&l->tag), "NO", "UNAVAILABLE",
			     "Temporary authentication failure, try again later");
		if (retire != NULL && strcmp(retire, "yes") == 0) {
			daemon_accept_no_more("auth refuses this process: over "
					      "its failure budget; new clients "
					      "go to a fresh process");
			imapd_login_spent(l);
			imapd_login_bye(l, "UNAVAILABLE", "This server process "
					"takes no more logins, connect again");
		}
	}
	imapd_login_run(l);
}

void imapd_login_verify(imapd_login_t *l, attr_t *req)
{
	const char *mech = attr_get(req, "mech");

	mem_free(l->mech);
	l->mech = mem_strdup(mech ? mech : "?");
	attr_add(req, "request", "verify");
	attr_add(req, "client", l->addr);
	attr_add(req, "service", l->service);
	attr_add(req, "token", "yes");
	l->auth = auth_request_start(imapd_conf.auth_socket,
				     imapd_conf.auth_timeout, req,
				     imapd_login_on_verdict, l);
	/* The password was used: no copy of it may outlive this command in
	 * a process that serves other clients (the parser's texts are wiped
	 * when the command returns, imapd_login_read.c). */
	secret_wipe(l->s, req, &l->line, NULL);
	if (l->auth == NULL) {
		login_log_tempfail(buf_str(&l->client), l->mech, "auth unreachable");
		imapd_status(l->s, buf_str(&l->tag), "NO", "UNAVAILABLE",
			     "Temporary authentication failure, try again later");
		return;
	}
	imapd_login_set_state(l, IMAPD_LOGIN_AUTH);
}

void imapd_login_handoff_failed(imapd_login_t *l, const char *err)
{
	log_warn("%s: user=<%s>: hand-off failed: %s", buf_str(&l->client),
		 buf_str(&l->login_user), err);
	imapd_status(l->s, buf_str(&l->tag), "NO", "UNAVAILABLE",
		     "Temporary server failure, try again later");
	imapd_login_set_state(l, IMAPD_LOGIN_COMMAND);
	/* Back before login: login_timeout applies again. */
	imapd_login_lifetime_start(l);
	imapd_login_run(l);
}

static void imapd_login_relay_done(void *ctx)
{
	imapd_login_t *l = ctx;

	l->relay = NULL;
	imapd_login_free(l);
}

static void imapd_login_on_handoff(int fd, int events, void *ctx)
{
	imapd_login_t *l = ctx;
	const char *err = NULL;
	int tls = stream_is_tls(l->s), relay_fd;

	(void) events;
	event_del_fd(fd);
	if (login_handoff_finish(&l->handoff, &l->s, &relay_fd, &err) < 0) {
		imapd_login_handoff_failed(l, err);
		return;
	}
	/* The session counts the client from now on (lib/login_anvil.h). */
	if (l->anvil_held) {
		login_anvil_release(l->service, l->addr);
		l->anvil_held = 0;
	}
	login_log_success(buf_str(&l->client), buf_str(&l->login_user), l->mech,
			  tls);
	if (!tls) {
		imapd_login_free(l);	/* the session holds the socket */
		return;
	}
	imapd_login_set_state(l, IMAPD_LOGIN_RELAY);
	buf_release(&l->line);
	imap_parser_free(&l->parser);
	l->relay = login_relay_start(l->s, relay_fd, imapd_conf.idle_timeout,
				     imapd_login_relay_done, l);
	l->s = NULL;
}

void imapd_login_handoff(imapd_login_t *l)
{
	login_info_t info;
	buf_t tag = BUF_INIT, capa = BUF_INIT;
	const char *err = NULL;

	memset(&info, 0, sizeof(info));
	info.service = l->service;
	info.client = l->addr;
	info.port = l->port;
	/* The session follows this, not its own reading of auth_plaintext:
	 * a -o on this service reaches it too. */
	info.secured = imapd_login_plaintext_ok(l);
	info.anvil = l->anvil_held;
	/* The session answers the login command (lib/login.h). */
	buf_set(&tag, buf_str(&l->tag));
	imapd_capabilities(&capa, 1, 0, info.secured);
	info.greeting_tag = buf_steal(&tag);
	info.capabilities = buf_steal(&capa);
	/* Not watched while the session decides: it may own the socket. */
	event_del_fd(stream_fd(l->s));
	l->handoff = login_handoff_start(l->s, imapd_login_conf.session_socket,
					 buf_str(&l->token), &info, &err);
	buf_wipe(&l->token);
	mem_free(info.greeting_tag);
	mem_free(info.capabilities);
	if (l->handoff == NULL) {
		imapd_login_handoff_failed(l, err);
		return;
	}
	imapd_login_set_state(l, IMAPD_LOGIN_HANDOFF);
	event_add_fd(login_handoff_fd(l->handoff), EVENT_READ,
		     imapd_login_on_handoff, l);
	imapd_login_run(l);	/* the deadline */
}

/* pop3d_login_verify.c - from credentials to a session: the auth request,
 * the hand-off and the TLS relay, none of which holds up the process's
 * other clients.
 *
 * Credentials go to auth with lib/auth_client's request that does not
 * wait (one connection per request: auth holds a failure's reply back
 * for seconds, and only this client waits for it).  A failure is answered
 * -ERR [AUTH]; after pop3d_login_failures of them the client gets its
 * -ERR after a further pause (a timer, not a sleep) and is disconnected.
 * A success first sends whatever replies are still buffered (the session
 * writes on the same connection next), then hands the client to the
 * session service with lib/login.c's two steps, the session's answer
 * awaited through the event loop with ipc_timeout.  A failed hand-off is
 * -ERR [SYS/TEMP] and the client may try again, except a plain one whose
 * hand-off timed out: the session may hold its socket by then, so it is
 * closed without a word (the session, finding nobody to take its "ok",
 * drops it too: lib/login.c).  Without TLS the session
 * holds the client's own socket and this process lets go of it; with TLS
 * it relays (lib/login_relay.h) until the session ends, the write timeout
 * of the relay being pop3d_idle_timeout.
 *
 * SECURITY: the request to auth carries the password: it is wiped with
 * the command line and the consumed input as soon as it is sent
 * (lib/secret.h); the token auth returns lives in a secret buffer until
 * the hand-off record is sent.  Neither is ever logged.
 */
#include <string.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "login_log.h"
#include "mem.h"
#include "pop3d_login.h"
#include "secret.h"

static void pop3d_login_on_verdict(int result, const attr_t *reply, void *ctx)
{
	pop3d_login_t *l = ctx;
	const char *user = attr_get(reply, "user");
	const char *token = attr_get(reply, "token");
	const char *why = attr_get(reply, "reason");

	l->auth = NULL;		/* freed by auth_client after this call */
	pop3d_login_set_state(l, POP3D_LOGIN_COMMAND);
	if (result == AUTH_OK && (user == NULL || token == NULL)) {
		log_error("auth server: verify succeeded without a user or token");
		result = AUTH_TEMPFAIL;
	}
	if (result == AUTH_OK) {
		buf_set(&l->login_user, user);
		buf_set(&l->token, token);
		pop3d_login_set_state(l, POP3D_LOGIN_FLUSH);
		pop3d_login_lifetime_end(l);	/* logged in */
	} else if (result == AUTH_FAIL) {
		l->failures++;
		login_log_failure(buf_str(&l->client), l->mech,
				  why ? why : "authentication failed",
				  l->failures, pop3d_login_conf.max_failures);
		if (l->failures >= pop3d_login_conf.max_failures) {
			/* The -ERR comes after POP3D_LOGIN_CLOSE_DELAY. */
			pop3d_login_set_state(l, POP3D_LOGIN_DELAY);
		} else {
			pop3d_err(l->s, POP3D_RC_AUTH, "Authentication failed");
		}
	} else {
		const char *retire = attr_get(reply, "retire");

		login_log_tempfail(buf_str(&l->client), l->mech,
				   why ? why : "auth unavailable");
		pop3d_err(l->s, POP3D_RC_SYS_TEMP, "Temporary authentication "
			  "failure, try again later");
		if (retire != NULL && strcmp(retire, "yes") == 0) {
			daemon_accept_no_more("auth refuses this process: over "
					      "its failure budget; new clients "
					      "go to a fresh process");
			pop3d_login_spent(l);
			pop3d_login_finish(l);
		}
	}
	pop3d_login_run(l);
}

void pop3d_login_verify(pop3d_login_t *l, attr_t *req)
{
	const char *mech = attr_get(req, "mech");

	mem_free(l->mech);
	l->mech = mem_strdup(mech ? mech : "?");
	attr_add(req, "request", "verify");
	attr_add(req, "client", l->addr);
	attr_add(req, "service", l->service);
	attr_add(req, "token", "yes");
	l->auth = auth_request_start(pop3d_conf.auth_socket,
				     pop3d_conf.auth_timeout, req,
				     pop3d_login_on_verdict, l);
	/* The password was used: no copy of it may outlive this command in
	 * a process that serves other clients. */
	secret_wipe(l->s, req, &l->line, NULL);
	if (l->auth == NULL) {
		login_log_tempfail(buf_str(&l->client), l->mech, "auth unreachable");
		pop3d_err(l->s, POP3D_RC_SYS_TEMP, "Temporary authentication "
			  "failure, try again later");
		return;
	}
	pop3d_login_set_state(l, POP3D_LOGIN_AUTH);
}

void pop3d_login_handoff_failed(pop3d_login_t *l, const char *err)
{
	log_warn("%s: user=<%s>: hand-off failed: %s", buf_str(&l->client),
		 buf_str(&l->login_user), err);
	pop3d_err(l->s, POP3D_RC_SYS_TEMP, "Temporary server failure, "
		  "try again later");
	pop3d_login_set_state(l, POP3D_LOGIN_COMMAND);
	/* Back before login: login_timeout applies again, or a failed
	 * hand-off would give the client a place for ever (audit i12-11). */
	pop3d_login_lifetime_start(l);
	pop3d_login_run(l);
}

static void pop3d_login_relay_done(void *ctx)
{
	pop3d_login_t *l = ctx;

	l->relay = NULL;
	pop3d_login_free(l);
}

static void pop3d_login_on_handoff(int fd, int events, void *ctx)
{
	pop3d_login_t *l = ctx;
	const char *err = NULL;
	int tls = stream_is_tls(l->s), relay_fd;

	(void) events;
	event_del_fd(fd);
	if (login_handoff_finish(&l->handoff, &l->s, &relay_fd, &err) < 0) {
		pop3d_login_handoff_failed(l, err);
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
		pop3d_login_free(l);	/* the session holds the socket */
		return;
	}
	pop3d_login_set_state(l, POP3D_LOGIN_RELAY);
	buf_release(&l->line);
	buf_release(&l->user);
	buf_release(&l->stamp);
	l->relay = login_relay_start(l->s, relay_fd, pop3d_conf.idle_timeout,
				     pop3d_login_relay_done, l);
	l->s = NULL;
}

void pop3d_login_handoff(pop3d_login_t *l)
{
	login_info_t info;
	const char *err = NULL;

	memset(&info, 0, sizeof(info));
	info.service = l->service;
	info.client = l->addr;
	info.port = l->port;
	/* The session lists USER and SASL by this, not by its own reading
	 * of auth_plaintext: a -o on this service reaches it too. */
	info.secured = pop3d_login_plaintext_ok(l);
	info.anvil = l->anvil_held;
	/* Not watched while the session decides: it may own the socket. */
	event_del_fd(stream_fd(l->s));
	l->handoff = login_handoff_start(l->s, pop3d_login_conf.session_socket,
					 buf_str(&l->token), &info, &err);
	buf_wipe(&l->token);
	if (l->handoff == NULL) {
		pop3d_login_handoff_failed(l, err);
		return;
	}
	pop3d_login_set_state(l, POP3D_LOGIN_HANDOFF);
	event_add_fd(login_handoff_fd(l->handoff), EVENT_READ,
		     pop3d_login_on_handoff, l);
	pop3d_login_run(l);	/* the deadline */
}

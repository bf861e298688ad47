/* auth_request.c - one request of the auth protocol, one reply.
 *
 * The requests of lib/auth_client.h, each from a table entry naming its
 * handler:
 *   verify  credentials -> ok (with a token on token=yes) | fail | tempfail;
 *           subject to the failure tables of auth_penalty.h: refused
 *           outright (tempfail) while the client address is over its
 *           limit, or the user is over its limit and this address failed
 *           for it lately; otherwise a failure (wrong credentials, unknown
 *           user, any mechanism) is charged to the address, the user and
 *           the pair, and its reply held back by the growing delay, and a
 *           success forgives that user's failures from that address
 *   lookup  does a mailbox exist -> ok | noent | tempfail; a local part
 *           with recipient_delimiter falls back to the part before it
 *   redeem  a one-time token -> ok with its user | fail
 * A request that lacks an attribute its kind needs, or carries a NUL in a
 * value, is malformed: the peer is broken and loses its connection.
 *
 * Log lines name the service, the client address and the user (only
 * where it looks like an address), never a password or a token.
 */
#include <string.h>

#include "auth.h"
#include "auth_client.h"
#include "auth_penalty.h"
#include "auth_process.h"
#include "auth_token.h"
#include "config.h"
#include "event.h"
#include "log.h"
#include "mem.h"

/* Read once by auth_request_init, for the requests. */
static long auth_process_failure_limit;
static char *auth_recipient_delimiter;
static auth_penalty_t *auth_penalty;
static auth_process_t *auth_process;
static auth_tokens_t *auth_tokens;

/* Table sizes are at least 1 and times short enough for milliseconds by
 * the bounds of params.c. */
void auth_request_init(void)
{
	auth_penalty_limits_t lim;
	size_t table_size = (size_t) config_int("auth_failure_table_size");

	lim.delay_ms = config_time("auth_failure_delay") * 1000;
	lim.delay_max_ms = config_time("auth_failure_delay_max") * 1000;
	lim.limit = config_int("auth_failure_limit");
	lim.window_ms = config_time("auth_failure_window") * 1000;
	lim.max_entries = table_size;
	lim.user_limit = config_int("auth_failure_user_limit");
	lim.user_window_ms = config_time("auth_failure_user_window") * 1000;
	lim.user_max_entries = (size_t) config_int("auth_failure_user_table_size");
	auth_penalty = auth_penalty_new(&lim);
	auth_process_failure_limit = config_int("auth_process_failure_limit");
	auth_recipient_delimiter = mem_strdup(config_str("recipient_delimiter"));
	auth_process = auth_process_new(auth_process_failure_limit,
					config_time("auth_process_failure_window") * 1000,
					table_size);
	auth_tokens = auth_tokens_new(config_time("auth_token_ttl") * 1000,
				      (size_t) config_int("auth_token_limit"));
}

const char *auth_request_loggable(const char *user)
{
	const char *why;

	return users_address_check(user, &why) == 0 ? user : "(not an address)";
}

/* A required attribute: present, no NUL inside, at most max bytes. */
static const char *auth_request_attr(const attr_t *req, const char *name,
				     size_t max)
{
	const char *v = attr_get(req, name);

	return v != NULL && strlen(v) <= max ? v : NULL;
}

static void auth_request_reply(attr_t *reply, const char *status,
			       const char *reason)
{
	attr_add(reply, "status", status);
	if (reason != NULL)
		attr_add(reply, "reason", reason);
}

/* A protocol process over its failure budget (auth_process.h) is
 * refused, whatever address it names: 1 when the reply is made. */
static int auth_request_process_refused(const auth_peer_t *peer, attr_t *reply,
					int64_t now)
{
	if (!peer->protocol || !auth_process_over(auth_process, peer->pid, now))
		return 0;
	log_error("peer %s: %s process refused: over its budget of %ld failed "
		  "logins%s in auth_process_failure_window (taken over, or "
		  "serving many failing clients one after another)", peer->name,
		  peer->login ? "login" : "protocol",
		  auth_process_failure_limit,
		  peer->login ? " and lookups" : "");
	auth_request_reply(reply, "tempfail", "too many failures from this "
			   "process, try later");
	/* A process with many clients lets a fresh one (a fresh budget)
	 * take the new ones, so one client's failures cannot lock the
	 * others out for the window (auth_client.h). */
	attr_add(reply, "retire", "yes");
	return 1;
}

static int auth_request_verify(const attr_t *req, const auth_peer_t *peer,
			       attr_t *reply, long *delay_ms_r)
{
	const char *client = auth_request_attr(req, "client", AUTH_NAME_MAX);
	const char *service = auth_request_attr(req, "service", AUTH_NAME_MAX);
	const char *want_token = attr_get(req, "token");
	const char *user = attr_get(req, "user");
	const char *mech = attr_get(req, "mech");
	const char *why = NULL;
	buf_t canon = BUF_INIT, token = BUF_INIT;
	int64_t now = event_now_ms();
	int r;

	/* The user is needed before the credentials are checked: it is half
	 * of the key the refusal is decided by. */
	if (client == NULL || service == NULL || user == NULL) {
		log_warn("peer %s: verify without client, service or user", peer->name);
		return -1;
	}
	if (auth_request_process_refused(peer, reply, now))
		return 0;
	switch (auth_penalty_check(auth_penalty, client, user, now)) {
	case AUTH_PENALTY_NONE:
		break;
	case AUTH_PENALTY_ADDRESS:
		log_warn("service=%s client=%s: login refused: too many "
			 "authentication failures", service, client);
		auth_request_reply(reply, "tempfail",
				   "too many authentication failures, try later");
		return 0;
	case AUTH_PENALTY_USER:
		log_warn("service=%s client=%s user=%s: login refused: too many "
			 "authentication failures for the user", service, client,
			 auth_request_loggable(user));
		/* The same answer as for the address: the client learns
		 * nothing about the user from it. */
		auth_request_reply(reply, "tempfail",
				   "too many authentication failures, try later");
		return 0;
	}
	r = auth_verify(req, &canon, &why);
	if (r < 0) {
		log_warn("peer %s: malformed verify request: %s", peer->name, why);
		return -1;
	}
	if (r == AUTH_OK && want_token != NULL && strcmp(want_token, "yes") == 0 &&
	    auth_token_issue(auth_tokens, buf_str(&canon), service, client, now,
			     &token, &why) < 0) {
		log_error("service=%s client=%s user=%s: no session token: %s",
			  service, client, buf_str(&canon), why);
		r = AUTH_TEMPFAIL;
	}
	if (r == AUTH_OK) {
		/* Keyed by the name as given, like the failures it forgives
		 * (it is the stored address, in lower case, anyway). */
		auth_penalty_success(auth_penalty, client, user, now);
		log_info("service=%s client=%s mech=%s user=%s: authenticated",
			 service, client, mech, buf_str(&canon));
		auth_request_reply(reply, "ok", NULL);
		attr_add(reply, "user", buf_str(&canon));
		if (token.len)
			attr_add(reply, "token", buf_str(&token));
	} else if (r == AUTH_FAIL) {
		if (peer->protocol)
			auth_process_spend(auth_process, peer->pid, now);
		*delay_ms_r = auth_penalty_fail(auth_penalty, client, user, now);
		log_info("service=%s client=%s mech=%s user=%s: authentication "
			 "failed: %s (failure %ld from the address, %ld for the "
			 "user, reply delayed %ld ms)",
			 service, client, mech, auth_request_loggable(user), why,
			 auth_penalty_failures(auth_penalty, client, now),
			 auth_penalty_user_failures(auth_penalty, user, now),
			 *delay_ms_r);
		auth_request_reply(reply, "fail", "authentication failed");
	} else {
		auth_request_reply(reply, "tempfail", why);
	}
	if (token.data != NULL)
		explicit_bzero(token.data, token.len);
	buf_release(&token);
	buf_release(&canon);
	return 0;
}

/* users.db entry of address, or of its base without the extension of
 * recipient_delimiter ("user+tag@dom" -> "user@dom"). */
static int auth_request_find(const char *address, users_entry_t *e)
{
	const char *delims = auth_recipient_delimiter;
	const char *at = strrchr(address, '@');
	size_t cut;
	char *base;
	int r = auth_db_get(address, e);

	if (r != 0 || at == NULL || *delims == '\0')
		return r;
	cut = strcspn(address, delims);
	if (cut == 0 || address + cut >= at)
		return r;
	base = mem_printf("%.*s%s", (int) cut, address, at);
	r = auth_db_get(base, e);
	mem_free(base);
	return r;
}

static int auth_request_lookup(const attr_t *req, const auth_peer_t *peer,
			       attr_t *reply, long *delay_ms_r)
{
	const char *user = auth_request_attr(req, "user", AUTH_NAME_MAX);
	users_entry_t e;
	char *address;
	const char *why;
	int r = 0;

	(void) delay_ms_r;
	if (user == NULL) {
		log_warn("peer %s: lookup without a user", peer->name);
		return -1;
	}
	/* A login process has no use for lookups: each one spends its
	 * budget, so a process that was taken over cannot list the users.
	 * (smtpd looks up every RCPT, as SMTP lets anyone do from outside.) */
	if (peer->login) {
		if (auth_request_process_refused(peer, reply, event_now_ms()))
			return 0;
		auth_process_spend(auth_process, peer->pid, event_now_ms());
	}
	address = mem_strdup(user);
	users_address_lower(address);
	if (users_address_check(address, &why) == 0)
		r = auth_request_find(address, &e);
	if (r > 0) {
		auth_request_reply(reply, "ok", NULL);
		attr_add(reply, "user", e.address);
		if (e.apop != NULL)
			attr_add(reply, "apop", "yes");
		users_entry_clear(&e);
	} else {
		auth_request_reply(reply, r == 0 ? "noent" : "tempfail",
				   r == 0 ? NULL : "users database unavailable");
	}
	mem_free(address);
	return 0;
}

static int auth_request_redeem(const attr_t *req, const auth_peer_t *peer,
			       attr_t *reply, long *delay_ms_r)
{
	const char *token = auth_request_attr(req, "token", AUTH_NAME_MAX);
	const char *client = auth_request_attr(req, "client", AUTH_NAME_MAX);
	const char *service = auth_request_attr(req, "service", AUTH_NAME_MAX);
	buf_t user = BUF_INIT;
	const char *why = NULL;

	(void) delay_ms_r;
	if (token == NULL || client == NULL || service == NULL) {
		log_warn("peer %s: redeem without token, client or service", peer->name);
		return -1;
	}
	if (auth_token_redeem(auth_tokens, token, service, client,
			      event_now_ms(), &user, &why)) {
		log_info("service=%s client=%s user=%s: session token redeemed",
			 service, client, buf_str(&user));
		auth_request_reply(reply, "ok", NULL);
		attr_add(reply, "user", buf_str(&user));
	} else {
		log_warn("service=%s client=%s peer %s: session token refused: %s",
			 service, client, peer->name, why);
		auth_request_reply(reply, "fail", "invalid session token");
	}
	buf_release(&user);
	return 0;
}

static const struct auth_request_kind {
	const char *name;
	int (*handle)(const attr_t *req, const auth_peer_t *peer, attr_t *reply,
		      long *delay_ms_r);
} auth_request_kinds[] = {
	{ "verify", auth_request_verify },
	{ "lookup", auth_request_lookup },
	{ "redeem", auth_request_redeem },
	{ NULL, NULL },
};

int auth_request_handle(const attr_t *req, const auth_peer_t *peer, attr_t *reply,
			long *delay_ms_r)
{
	const char *what = attr_get(req, "request");
	const struct auth_request_kind *k;

	*delay_ms_r = 0;
	for (size_t i = 0; i < req->count; i++) {
		if (strlen(req->values[i]) != req->values_len[i]) {
			log_warn("peer %s: NUL in attribute %s", peer->name,
				 req->names[i]);
			return -1;
		}
	}
	for (k = auth_request_kinds; what != NULL && k->name != NULL; k++)
		if (strcmp(k->name, what) == 0)
			return k->handle(req, peer, reply, delay_ms_r);
	log_warn("peer %s: unknown request \"%s\"", peer->name,
		 what == NULL ? "(none)" : what);
	return -1;
}

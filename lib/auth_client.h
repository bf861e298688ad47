/* auth_client.h - asking the auth daemon (architecture §1, §2) over private/auth.
 *
 * auth is the only process that reads users.db.  Everyone else asks it:
 * smtpd and the POP3/IMAP login roles to verify credentials (and, for the
 * login roles, to get a one-time session token), local and smtpd whether a
 * mailbox exists, the POP3/IMAP session role to redeem a token.
 *
 * The protocol is attr records (attr.h).  The client opens with
 * attr_hello_write(s, "auth", 1); auth answers with its own hello; then any
 * number of request/reply pairs on the same connection:
 *
 *   request=verify  mech=PLAIN|LOGIN|APOP user=U password=P (PLAIN/LOGIN)
 *                   [authzid=Z] [challenge=C digest=D (APOP)]
 *                   client=ADDR service=NAME [token=yes]
 *      reply: status=ok user=CANONICAL [token=T]
 *             status=fail reason=TEXT      (after auth's failure delay)
 *             status=tempfail reason=TEXT  (users.db unreadable, ...)
 *   request=lookup  user=ADDRESS
 *      reply: status=ok user=CANONICAL [apop=yes] | status=noent | tempfail
 *   request=redeem  token=T service=NAME client=ADDR
 *      reply: status=ok user=CANONICAL | status=fail reason=TEXT
 *
 * CANONICAL is the lower-case address as stored in users.db.  A token is
 * good once, for auth_token_ttl, and only with the service and client of
 * the verify that issued it; any redeem uses it up.  A failed verify is
 * answered after auth's failure delay, so the timeout given to
 * auth_client_new() must exceed auth_failure_delay_max.  Passwords and
 * tokens never appear in any log line.
 */
#ifndef TERN_AUTH_CLIENT_H
#define TERN_AUTH_CLIENT_H

#include "attr.h"
#include "buf.h"

#define AUTH_PROTO "auth"
#define AUTH_VERSION 1
#define AUTH_SOCKET "private/auth"

enum auth_result {
	AUTH_OK = 0,
	AUTH_FAIL = 1,		/* wrong credentials / no such user / bad token */
	AUTH_TEMPFAIL = 2,	/* try again later (auth unreachable, db error) */
};

typedef struct auth_client auth_client_t;

/* socket_path: queue_directory relative path resolved by the caller
 * ("<queue_directory>/private/auth", or "private/auth" inside a chroot).
 * Connects lazily on the first request and reconnects once after an error. */
auth_client_t *auth_client_new(const char *socket_path, int timeout);
/* Let the connection go (the next request connects again).  A protocol
 * process calls it when its client leaves, so an idle process holds none
 * of auth's connections (auth_max_clients). */
void auth_client_release(auth_client_t *c);
void auth_client_free(auth_client_t **cp);

/* Each returns an enum auth_result; user_r gets the canonical address on
 * AUTH_OK, reason_r (may be NULL) a text for logs on failure. */
int auth_client_verify(auth_client_t *c, const char *mech, const char *user,
		       const char *password, const char *authzid,
		       const char *client_addr, const char *service,
		       buf_t *user_r, buf_t *reason_r);
int auth_client_lookup(auth_client_t *c, const char *address, buf_t *user_r);
/* Generic request for the login/session roles: sends req, reads the reply. */
int auth_client_request(auth_client_t *c, const attr_t *req, attr_t *reply);

#endif

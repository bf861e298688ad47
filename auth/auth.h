/* auth.h - what the files of the auth daemon share.
 *
 *   auth.c          main, the daemon spec, start-up hooks
 *   auth_conn.c     connections: reading records, holding and writing
 *                   replies, limits and timeouts
 *   auth_request.c  one request (verify, lookup, redeem) -> one reply
 *   auth_verify.c   checking PLAIN/LOGIN passwords and APOP digests
 *   auth_db.c       users.db: open before the drop, reopen on change
 *   auth_penalty.c  failure delays and limits per client address and user
 *   auth_token.c    one-time session tokens
 */
#ifndef TERN_AUTH_H
#define TERN_AUTH_H

#include <stdint.h>

#include "attr.h"
#include "buf.h"
#include "daemon.h"
#include "users.h"

/* Longest password, APOP challenge and client/service name accepted. */
#define AUTH_PASSWORD_MAX	1024
#define AUTH_CHALLENGE_MAX	1024
#define AUTH_NAME_MAX		255

/* auth_db.c */
/* Open users.db ("$user_database.db"); a failure is logged, not fatal:
 * requests get tempfail until the file can be opened. */
void auth_db_open(void);
/* The entry of a lower-case address: 1 found (clear e with
 * users_entry_clear), 0 no such user, -1 database unavailable (logged). */
int auth_db_get(const char *address, users_entry_t *e);

/* auth_verify.c */
/* Prepare the dummy hash that unknown users are checked against. */
void auth_verify_init(void);
/* Check the credentials of a verify request.  AUTH_OK with the canonical
 * user in canon_r; AUTH_FAIL or AUTH_TEMPFAIL with a static *why_r for the
 * log; -1 when the request lacks what its mechanism needs (*why_r). */
int auth_verify(const attr_t *req, buf_t *canon_r, const char **why_r);

/* auth_request.c */
/* Create the penalty and token tables from main.conf. */
void auth_request_init(void);
/* Who sent a request: for logs, and for the failure budget of a login
 * process (auth_process.h). */
typedef struct auth_peer {
	const char *name;	/* "pid 123 uid 456" */
	pid_t pid;
	int protocol;		/* smtpd or a login process: a failure budget */
	int login;		/* runs as login_user: a login process */
} auth_peer_t;

/* Answer req (from peer) in reply; *delay_ms_r is how long to hold the
 * reply back.  0, or -1 when req is malformed (the connection is then
 * closed). */
int auth_request_handle(const attr_t *req, const auth_peer_t *peer,
			attr_t *reply, long *delay_ms_r);
/* An address or user name as it may appear in a log line: names that are
 * not plausible addresses (perhaps a password typed into the wrong field)
 * are not written out. */
const char *auth_request_loggable(const char *user);

/* auth_conn.c */
void auth_conn_init(void);
void auth_conn_accept(const daemon_client_t *client);
/* Reload/stop: let idle connections go now, the others once answered. */
void auth_conn_retire(void);

#endif

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
 *             status=tempfail reason=TEXT [retire=yes]
 *                                          (users.db unreadable, ...;
 *                                          retire=yes: the asking process
 *                                          is over its failure budget: a
 *                                          process with many clients takes
 *                                          no new ones and exits when they
 *                                          are gone, so that new clients
 *                                          meet a process with a fresh
 *                                          budget)
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
 * AUTH_OK, reason_r (may be NULL) a text for logs on failure.  *retire_r
 * (may be NULL) is set to 1 when auth refuses this process further
 * failures and asks it to let a fresh process (a fresh budget) take the
 * clients to come (retire=yes): daemon_accept_no_more(). */
int auth_client_verify(auth_client_t *c, const char *mech, const char *user,
		       const char *password, const char *authzid,
		       const char *client_addr, const char *service,
		       buf_t *user_r, buf_t *reason_r, int *retire_r);
int auth_client_lookup(auth_client_t *c, const char *address, buf_t *user_r);
/* Generic request for the login/session roles: sends req, reads the reply. */
int auth_client_request(auth_client_t *c, const attr_t *req, attr_t *reply);

/*
 * The same request without waiting, for event-driven processes (a login
 * process serving many clients, where auth's failure delay must hold up
 * only the client that failed).  Each request has a connection of its
 * own: auth answers one request per connection at a time and holds a
 * failure's reply back for seconds, so requests sharing a connection
 * would wait for each other's delays.  Nothing waits for auth: the
 * connect is tried without waiting, and while auth's backlog is full
 * tried again from the loop (20 ms, doubling to 0.5 s), so a busy auth
 * never stops the process's other clients; the small write of the hello
 * and the request goes into an empty socket buffer; the reply is read
 * when the event loop (lib/event.h) says it has come.  cb is called once from the loop
 * with an enum auth_result and the reply (empty on AUTH_TEMPFAIL from
 * here), after which the request is freed: the caller forgets it in cb.
 * timeout bounds the whole request, auth's delay included.  The
 * connection's buffers are secret (passwords out, tokens in).
 */
typedef struct auth_request auth_request_t;
typedef void auth_request_cb(int result, const attr_t *reply, void *ctx);
auth_request_t *auth_request_start(const char *socket_path, int timeout,
				   const attr_t *req, auth_request_cb *cb,
				   void *ctx);
/* Before cb: close the connection; cb is never called.  Sets *rp NULL. */
void auth_request_cancel(auth_request_t **rp);

#endif

/* login_anvil.h - the limits per client address of the login/session
 * servers (POP3, IMAP: lib/login.h), counted by anvil(8)
 * (lib/anvil_client.h), for both roles of each.
 *
 * What is counted: a connection from its start to its end.  The login
 * process counts it at connect (unless the client is in
 * PREFIX_client_event_limit_exceptions or both limits are 0) and refuses
 * it over PREFIX_client_connection_count_limit or
 * PREFIX_client_connection_rate_limit, where PREFIX is the server's
 * parameter prefix ("pop3d", "imapd"); the protocol answers the refusal
 * in its own words (the text is given back) or, before a TLS wrapper
 * handshake, just closes.  At a successful hand-off the login process
 * gives its count up and says so in the hand-off record (anvil=yes); the
 * session process then counts the client again, as a hand-off that does
 * not add to the rate, until the client leaves.  So an address's
 * logged-in sessions count against its limit too, and each count lives on
 * the anvil connection of the process that serves the client, which gives
 * it back should that process die.
 *
 * A login process serving many clients counts them all on its one anvil
 * connection; anvil answers each request at once, so the short wait,
 * bounded by the timeout given, holds up no other client for long.  When
 * anvil does not answer, the client is let in and a warning logged (fail
 * open, as in Postfix).
 */
#ifndef TERN_LOGIN_ANVIL_H
#define TERN_LOGIN_ANVIL_H

#include "buf.h"

/* After the privilege drop: socket_path is private/anvil as this process
 * reaches it, timeout the ipc_timeout.  The login role (login 1) also
 * reads its limits, PREFIX_client_*; a bad exception list is fatal. */
void login_anvil_init(const char *prefix, const char *socket_path,
		      int timeout, int login);

/* Login role, at connect: 1 when the client was counted (give it back
 * with login_anvil_release or hand it on), 0 when it was not (an
 * exception, no limits, anvil unavailable), -1 when it is over a limit
 * (logged, given back; why_r, reset first, holds the text for the
 * protocol's refusal).  client names it in the log ("[ADDR]:PORT"). */
int login_anvil_admit(const char *service, const char *addr,
		      const char *client, buf_t *why_r);
/* Count a client handed over by the login process (session role, or the
 * login role after a failed hand-off): 1 when counted, 0 when not. */
int login_anvil_hold(const char *service, const char *addr);
/* The counted client left. */
void login_anvil_release(const char *service, const char *addr);
/* Session role: count a session of user under service (a name of its
 * own, e.g. "imap-user", so that users and addresses never share a
 * count) and compare with limit (0: none, nothing counted).  1 when
 * counted (give it back with login_anvil_release(service, user)), 0 when
 * not (no limit, anvil unavailable: fail open), -1 when over the limit
 * (logged, given back). */
int login_anvil_user(const char *service, const char *user, long limit);

#endif

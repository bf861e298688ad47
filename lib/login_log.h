/* login_log.h - the log lines of logins, and the one name of a client in
 * the log, for every protocol (smtpd, the POP3 login role, IMAP next):
 *
 *   CLIENT: login: user=<USER>, method=MECH[, TLS]
 *   CLIENT: SASL MECH authentication failed: REASON[, failure N of MAX]
 *   CLIENT: SASL MECH authentication not possible: REASON
 *   disconnect from CLIENT[ DETAILS]
 *
 * CLIENT is what login_log_client() makes, "[address]:port", and every
 * line of a server that names a network client names it so (connect,
 * limits, timeouts, queue ids): one pattern finds a client's lines in
 * every program.  The brackets keep an IPv6 address's colons apart from
 * the port ("[2001:db8::1]:52000"), and IPv4 has them too, so the form
 * does not depend on the family.  The user is the canonical name auth
 * returned; what the client typed, and any password, never appears.
 */
#ifndef TERN_LOGIN_LOG_H
#define TERN_LOGIN_LOG_H

#include "buf.h"

/* Sets out to the client's name: "[ADDR]:PORT" for a network client; a
 * client with no port (port 0: a UNIX socket, whose address the daemon
 * skeleton gives as "local") is named by addr alone. */
void login_log_client(buf_t *out, const char *addr, int port);

void login_log_success(const char *client, const char *user,
		       const char *mech, int tls);
/* max 0: no per-connection limit to report. */
void login_log_failure(const char *client, const char *mech,
		       const char *reason, long failure, long max);
void login_log_tempfail(const char *client, const char *mech,
			const char *reason);
/* details may be NULL ("commands=3 errors=0" and the like). */
void login_log_disconnect(const char *client, const char *details);

#endif

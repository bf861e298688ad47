/* login_log.h - the log lines of logins, one format for every protocol
 * (SMTP AUTH in smtpd, the POP3 login role, IMAP next):
 *
 *   CLIENT: login: user=<USER>, method=MECH[, TLS]
 *   CLIENT: SASL MECH authentication failed: REASON[, failure N of MAX]
 *   CLIENT: SASL MECH authentication not possible: REASON
 *   disconnect from CLIENT[ DETAILS]
 *
 * CLIENT is "[address]:port".  The user is the canonical name auth
 * returned; what the client typed, and any password, never appears.
 */
#ifndef TERN_LOGIN_LOG_H
#define TERN_LOGIN_LOG_H

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

/* login_log.c - the log lines of logins and the name of a client in the
 * log (see login_log.h). */
#include <stddef.h>

#include "log.h"
#include "login_log.h"

void login_log_client(buf_t *out, const char *addr, int port)
{
	buf_reset(out);
	if (port > 0)
		buf_printf(out, "[%s]:%d", addr, port);
	else
		buf_puts(out, addr);
}

void login_log_success(const char *client, const char *user,
		       const char *mech, int tls)
{
	log_info("%s: login: user=<%s>, method=%s%s", client, user, mech,
		 tls ? ", TLS" : "");
}

void login_log_failure(const char *client, const char *mech,
		       const char *reason, long failure, long max)
{
	if (max > 0)
		log_info("%s: SASL %s authentication failed: %s, failure %ld "
			 "of %ld", client, mech, reason, failure, max);
	else
		log_info("%s: SASL %s authentication failed: %s", client, mech,
			 reason);
}

void login_log_tempfail(const char *client, const char *mech,
			const char *reason)
{
	log_warn("%s: SASL %s authentication not possible: %s", client, mech,
		 reason);
}

void login_log_disconnect(const char *client, const char *details)
{
	if (details != NULL && *details != '\0')
		log_info("disconnect from %s %s", client, details);
	else
		log_info("disconnect from %s", client);
}

/* pop3d_anvil.c - the limits per client address of the POP3 services,
 * counted by anvil(8) (lib/anvil_client.h), for both programs.
 *
 * What is counted: a POP3 connection from its start to its end.  The
 * login process counts it at connect (unless the client is in
 * pop3d_client_event_limit_exceptions or both limits are 0) and refuses
 * it over pop3d_client_connection_count_limit or
 * pop3d_client_connection_rate_limit with "-ERR [SYS/TEMP]" (RFC 3206:
 * try again later); on pop3s, where TLS has not started, the connection
 * just closes.  At a successful hand-off the login process gives its
 * count up and says so in the hand-off record (anvil=yes, lib/login.h);
 * the session process then counts the client again, as a hand-off that
 * does not add to the rate, until the client leaves.  So an address's
 * logged-in sessions count against its limit too, and each count lives
 * on the anvil connection of the process that serves the client, which
 * gives it back should that process die.
 *
 * A login process serving many clients counts them all on its one anvil
 * connection; each request is answered at once (anvil never delays), so
 * the short wait, bounded by ipc_timeout, holds up no other client for
 * long.
 *
 * When anvil does not answer, the client is let in and a warning logged
 * (fail open, as in Postfix).
 */
#include "anvil_client.h"
#include "cidr.h"
#include "config.h"
#include "log.h"
#include "mem.h"
#include "pop3d.h"

static struct {
	anvil_client_t *anvil;
	long count_limit;		/* pop3d_client_connection_count_limit */
	long rate_limit;		/* pop3d_client_connection_rate_limit */
	long rate_unit;			/* anvil_rate_time_unit, seconds */
	cidr_list_t *exceptions;	/* pop3d_client_event_limit_exceptions */
} pop3d_anvil;

void pop3d_anvil_init(void)
{
	char *path = pop3d_socket_path("anvil"), *err = NULL;

	pop3d_anvil.anvil = anvil_client_new(path, pop3d_conf.ipc_timeout);
	mem_free(path);
	if (pop3d_conf.role != POP3D_ROLE_LOGIN)
		return;
	pop3d_anvil.count_limit =
		config_int("pop3d_client_connection_count_limit");
	pop3d_anvil.rate_limit =
		config_int("pop3d_client_connection_rate_limit");
	pop3d_anvil.rate_unit = config_time("anvil_rate_time_unit");
	pop3d_anvil.exceptions =
		cidr_parse(config_str("pop3d_client_event_limit_exceptions"), &err);
	if (pop3d_anvil.exceptions == NULL)
		log_fatal("pop3d_client_event_limit_exceptions: %s", err);
}

int pop3d_anvil_admit(stream_t *s, const char *service, const char *addr,
		      const char *client, int tls_wrapper)
{
	long count, rate;

	if ((pop3d_anvil.count_limit == 0 && pop3d_anvil.rate_limit == 0) ||
	    cidr_match(pop3d_anvil.exceptions, addr))
		return 0;
	if (anvil_client_connect(pop3d_anvil.anvil, service, addr, 0, &count,
				 &rate) != ANVIL_OK)
		return 0;
	if (pop3d_anvil.count_limit > 0 && count > pop3d_anvil.count_limit) {
		log_warn("Connection concurrency limit exceeded: %ld from %s for "
			 "service %s", count, client, service);
		if (!tls_wrapper)
			pop3d_err(s, POP3D_RC_SYS_TEMP, "Too many connections "
				  "from your address");
	} else if (pop3d_anvil.rate_limit > 0 && rate > pop3d_anvil.rate_limit) {
		log_warn("Connection rate limit exceeded: %ld from %s for "
			 "service %s", rate, client, service);
		if (!tls_wrapper)
			pop3d_err(s, POP3D_RC_SYS_TEMP, "Too many connections "
				  "from your address in the last %ld seconds",
				  pop3d_anvil.rate_unit);
	} else {
		return 1;
	}
	pop3d_anvil_release(service, addr);
	return -1;
}

int pop3d_anvil_hold(const char *service, const char *addr)
{
	long count, rate;

	return anvil_client_connect(pop3d_anvil.anvil, service, addr, 1, &count,
				    &rate) == ANVIL_OK;
}

void pop3d_anvil_release(const char *service, const char *addr)
{
	anvil_client_disconnect(pop3d_anvil.anvil, service, addr);
}

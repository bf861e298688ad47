/* login_anvil.c - the connection limits per client address of the POP3
 * and IMAP servers (login_anvil.h says what is counted, and when).
 *
 * One set of limits per process: a process is the login or the session
 * role of one server, which names its parameters by its prefix.
 */
#include "anvil_client.h"
#include "cidr.h"
#include "config.h"
#include "log.h"
#include "login_anvil.h"
#include "mem.h"

static struct {
	anvil_client_t *anvil;
	long count_limit;		/* PREFIX_client_connection_count_limit */
	long rate_limit;		/* PREFIX_client_connection_rate_limit */
	long rate_unit;			/* anvil_rate_time_unit, seconds */
	cidr_list_t *exceptions;	/* PREFIX_client_event_limit_exceptions */
} login_anvil;

/* The value of PREFIX_NAME. */
static const char *login_anvil_param(const char *prefix, const char *name,
				     char **param_r)
{
	mem_free(*param_r);
	*param_r = mem_printf("%s_%s", prefix, name);
	return *param_r;
}

void login_anvil_init(const char *prefix, const char *socket_path,
		      int timeout, int login)
{
	char *param = NULL, *err = NULL;

	anvil_client_free(&login_anvil.anvil);
	login_anvil.anvil = anvil_client_new(socket_path, timeout);
	if (!login)
		return;
	login_anvil.count_limit = config_int(login_anvil_param(prefix,
		"client_connection_count_limit", &param));
	login_anvil.rate_limit = config_int(login_anvil_param(prefix,
		"client_connection_rate_limit", &param));
	login_anvil.rate_unit = config_time("anvil_rate_time_unit");
	cidr_free(&login_anvil.exceptions);
	login_anvil.exceptions = cidr_parse(config_str(login_anvil_param(prefix,
		"client_event_limit_exceptions", &param)), &err);
	if (login_anvil.exceptions == NULL)
		log_fatal("%s: %s", param, err);
	mem_free(param);
}

int login_anvil_admit(const char *service, const char *addr,
		      const char *client, buf_t *why_r)
{
	long count, rate;

	buf_reset(why_r);
	if ((login_anvil.count_limit == 0 && login_anvil.rate_limit == 0) ||
	    cidr_match(login_anvil.exceptions, addr))
		return 0;
	if (anvil_client_connect(login_anvil.anvil, service, addr, 0, &count,
				 &rate) != ANVIL_OK)
		return 0;
	if (login_anvil.count_limit > 0 && count > login_anvil.count_limit) {
		log_warn("Connection concurrency limit exceeded: %ld from %s for "
			 "service %s", count, client, service);
		buf_puts(why_r, "Too many connections from your address");
	} else if (login_anvil.rate_limit > 0 && rate > login_anvil.rate_limit) {
		log_warn("Connection rate limit exceeded: %ld from %s for "
			 "service %s", rate, client, service);
		buf_printf(why_r, "Too many connections from your address in "
			   "the last %ld seconds", login_anvil.rate_unit);
	} else {
		return 1;
	}
	login_anvil_release(service, addr);
	return -1;
}

int login_anvil_hold(const char *service, const char *addr)
{
	long count, rate;

	return anvil_client_connect(login_anvil.anvil, service, addr, 1, &count,
				    &rate) == ANVIL_OK;
}

void login_anvil_release(const char *service, const char *addr)
{
	anvil_client_disconnect(login_anvil.anvil, service, addr);
}

int login_anvil_user(const char *service, const char *user, long limit)
{
	long count, rate;

	/* A hand-off count: sessions of a user are no connection rate. */
	if (limit <= 0 || anvil_client_connect(login_anvil.anvil, service, user,
					       1, &count, &rate) != ANVIL_OK)
		return 0;
	if (count <= limit)
		return 1;
	log_warn("Session limit exceeded: %ld sessions of user <%s> for %s "
		 "(limit %ld)", count, user, service, limit);
	login_anvil_release(service, user);
	return -1;
}

/* smtpd_anvil.c - the limits per client address: how many connections one
 * address may have open to this service, and make per time unit.
 *
 * anvil(8) counts; smtpd compares with its own limits, so a -o override
 * on one service line applies to that service alone (the key in anvil is
 * the master.conf service name).  At connect, unless the client is in
 * smtpd_client_event_limit_exceptions or both limits are 0, smtpd asks
 * anvil; over smtpd_client_connection_count_limit or
 * smtpd_client_connection_rate_limit the client gets "421 4.7.0" and the
 * connection ends, logged as Postfix logs it ("Connection concurrency
 * limit exceeded: N from CLIENT for service S", CLIENT named as every
 * server names it, lib/login_log.h), so log watchers written for Postfix
 * need only the client pattern changed.  A refused connection was counted
 * too (its attempt is part of the rate), and every counted connection is
 * given back at the end of the session; should this process die first,
 * anvil gives it back when the connection to it closes.
 *
 * The check comes before the TLS handshake of smtps: a refused client
 * there gets no reply (a plaintext 421 would be noise to a TLS client),
 * and an address over its limit cannot tie up a process in handshakes.
 * Local submission (submit, a UNIX socket) has no client address and is
 * never limited.  When anvil does not answer, the client is let in and a
 * warning is logged (fail open, as in Postfix).
 */
#include "config.h"
#include "log.h"
#include "mem.h"
#include "smtpd.h"

void smtpd_anvil_init(void)
{
	char *path, *err = NULL;

	smtpd_conf.conn_count_limit =
		config_int("smtpd_client_connection_count_limit");
	smtpd_conf.conn_rate_limit =
		config_int("smtpd_client_connection_rate_limit");
	smtpd_conf.rate_unit = config_time("anvil_rate_time_unit");
	smtpd_conf.limit_exceptions =
		cidr_parse(config_str("smtpd_client_event_limit_exceptions"), &err);
	if (smtpd_conf.limit_exceptions == NULL)
		log_fatal("smtpd_client_event_limit_exceptions: %s", err);
	path = smtpd_queue_path(ANVIL_SOCKET);
	smtpd_conf.anvil = anvil_client_new(path, smtpd_conf.ipc_timeout);
	mem_free(path);
}

int smtpd_anvil_admit(smtpd_session_t *sess)
{
	long count, rate;

	if (sess->local ||
	    (smtpd_conf.conn_count_limit == 0 && smtpd_conf.conn_rate_limit == 0) ||
	    cidr_match(smtpd_conf.limit_exceptions, sess->addr))
		return 0;
	if (anvil_client_connect(smtpd_conf.anvil, sess->service, sess->addr, 0,
				 &count, &rate) != ANVIL_OK)
		return 0;
	sess->anvil_held = 1;
	if (smtpd_conf.conn_count_limit > 0 && count > smtpd_conf.conn_count_limit) {
		log_warn("Connection concurrency limit exceeded: %ld from %s for "
			 "service %s", count, buf_str(&sess->client), sess->service);
		if (!smtpd_conf.tls_wrapper)
			smtpd_reply(sess, "421 4.7.0 %s Error: too many connections "
				    "from %s", smtpd_conf.myhostname, sess->addr);
		return -1;
	}
	if (smtpd_conf.conn_rate_limit > 0 && rate > smtpd_conf.conn_rate_limit) {
		log_warn("Connection rate limit exceeded: %ld from %s for service "
			 "%s", rate, buf_str(&sess->client), sess->service);
		if (!smtpd_conf.tls_wrapper)
			smtpd_reply(sess, "421 4.7.0 %s Error: too many connections "
				    "from %s in the last %ld seconds",
				    smtpd_conf.myhostname, sess->addr,
				    smtpd_conf.rate_unit);
		return -1;
	}
	return 0;
}

void smtpd_anvil_release(smtpd_session_t *sess)
{
	if (!sess->anvil_held)
		return;
	anvil_client_disconnect(smtpd_conf.anvil, sess->service, sess->addr);
	sess->anvil_held = 0;
}

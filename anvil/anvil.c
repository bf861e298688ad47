/* anvil.c - the anvil daemon: main and the daemon spec (DESIGN §1).
 *
 * anvil keeps, per service and client address, the number of connections
 * open now and the number made in the current time unit, for every
 * listening service whose server asks: smtpd at each SMTP connection, the
 * POP3 login process at each POP3 connection and the POP3 session process
 * that takes a logged-in client over (lib/anvil_client.h).  It only
 * counts; the servers compare with their own limits and refuse.
 *
 * One process (maxproc 1 in master.conf) serves every server through the
 * event loop, so the counts are one and the same for all.  A count is held
 * by the peer connection it came over and given back when that connection
 * closes, so a server that crashes leaks nothing.
 *
 * SECURITY: runs as mail_owner with no capabilities, and needs nothing
 * from the file system.  Its peers are tern's own servers (smtpd as
 * mail_owner, the login processes as login_user, the session processes
 * as vmail_owner; root for mailctl), but the addresses they pass come
 * from the network: every field is checked, memory is bounded by
 * anvil_table_size and anvil_max_clients, and a malformed record closes
 * only its connection.  A peer can at worst distort the counts, which
 * only the servers' limits depend on.
 */
#include "anvil.h"
#include "config.h"
#include "daemon.h"
#include "log.h"

static void anvil_post_drop(void)
{
	/* A new process starts with no counts: a process that retires after
	 * max_use clients or max_idle seconds would forget connections that
	 * are still open. */
	if (config_int("max_use") != 0 || config_time("max_idle") != 0)
		log_warn("anvil should run with -o max_use=0 -o max_idle=0 in "
			 "master.conf, or the counts are lost whenever a new "
			 "anvil process takes over");
	anvil_request_init();
	anvil_conn_init();
}

/* smtpd (mail_owner), the POP3/IMAP login roles (login_user), the session
 * roles holding a handed-over client (vmail_owner); root for mailctl. */
static const char *const anvil_peers[] = {
	"mail_owner", "login_user", "vmail_owner", NULL
};

static const daemon_spec_t anvil_spec = {
	.program = "anvil",
	.mode = DAEMON_MULTI,
	.user_param = "mail_owner",
	.caps = NULL,
	.ncaps = 0,
	.post_drop = anvil_post_drop,
	.accept_client = anvil_conn_accept,
	.on_reload = anvil_conn_retire,
	.peer_users = anvil_peers,
};

int main(int argc, char **argv)
{
	daemon_main(argc, argv, &anvil_spec);
}

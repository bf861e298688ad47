/* auth.c - the auth daemon: main and the daemon spec (architecture §1, §2).
 *
 * auth is the only reader of password hashes.  smtpd and the POP3/IMAP
 * login processes send it credentials over private/auth and get ok, fail
 * or tempfail (and, for login processes, a one-time session token); session
 * processes redeem tokens; local and smtpd look up whether a mailbox
 * exists.  The protocol is in lib/auth_client.h, the program in auth(8).
 *
 * One process (maxproc 1 in master.conf) serves every client through the
 * event loop, so the failure tables and the outstanding tokens are one and
 * the same for all; a failed login's reply is held back with a timer,
 * never by sleeping, so one attacker never slows anyone else down.
 *
 * SECURITY: runs as auth_owner with no capabilities.  users.db is opened
 * before the privilege drop (it is readable by auth_owner alone) and
 * reopened as auth_owner when mailctl replaces it.  Peers are internal
 * programs, but their records carry what remote clients typed: every
 * field is length-checked, a malformed record closes only that
 * connection, and passwords, hashes and tokens never reach a log line.
 */
#include "auth.h"
#include "config.h"
#include "daemon.h"
#include "log.h"

static void auth_pre_drop(void)
{
	auth_db_open();
}

static void auth_post_drop(void)
{
	/* Each new process forgets failures and tokens: a process that
	 * retires after max_use clients or max_idle seconds would let a
	 * token issued by it fail at its successor. */
	if (config_int("max_use") != 0 || config_time("max_idle") != 0)
		log_warn("auth should run with -o max_use=0 -o max_idle=0 in "
			 "master.conf, or outstanding tokens and failure counts "
			 "are lost whenever a new auth process takes over");
	auth_verify_init();
	auth_request_init();
	auth_conn_init();
}

/* smtpd and qmgr (mail_owner), local and the POP3/IMAP sessions
 * (vmail_owner), the login roles (login_user); root for mailctl. */
static const char *const auth_peers[] = {
	"mail_owner", "vmail_owner", "login_user", NULL
};

static const daemon_spec_t auth_spec = {
	.program = "auth",
	.mode = DAEMON_MULTI,
	.user_param = "auth_owner",
	.caps = NULL,
	.ncaps = 0,
	.pre_drop = auth_pre_drop,
	.post_drop = auth_post_drop,
	.accept_client = auth_conn_accept,
	.on_reload = auth_conn_retire,
	.peer_users = auth_peers,
};

int main(int argc, char **argv)
{
	daemon_main(argc, argv, &auth_spec);
}

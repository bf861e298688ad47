/* pop3d_session_main.c - main() of pop3d-session, the POP3 mailbox program.
 *
 * The pop3-session service of master.conf: TRANSACTION and UPDATE (RFC 1939
 * §5, §6) as vmail_owner for clients that the login program (pop3d) hands
 * over, one per process; only login_user may connect.  It links no TLS:
 * the login process keeps the TLS end.  See ../pop3d.c.
 */
#include "daemon.h"
#include "pop3d_session.h"

int main(int argc, char **argv)
{
	static const char *const peers[] = { "login_user", NULL };
	static const daemon_spec_t spec = {
		.program = "pop3d-session",
		.mode = DAEMON_SINGLE,
		.user_param = "vmail_owner",
		.pre_drop = pop3d_pre_drop,
		.post_drop = pop3d_post_drop,
		.serve = pop3d_session_serve,
		.peer_users = peers,
	};

	pop3d_conf.role = POP3D_ROLE_SESSION;
	daemon_main(argc, argv, &spec);
}

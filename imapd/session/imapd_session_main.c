/* imapd_session_main.c - main() of imapd-session, the IMAP mailbox program.
 *
 * The imap-session service of master.conf: the authenticated and selected
 * states (RFC 3501 §6.3, §6.4) as vmail_owner for clients that the login
 * program (imapd) hands over, one per process; only login_user may
 * connect.  It links no TLS: the login process keeps the TLS end.  See
 * ../imapd.c.
 */
#include "daemon.h"
#include "imapd_session.h"

int main(int argc, char **argv)
{
	static const char *const peers[] = { "login_user", NULL };
	static const daemon_spec_t spec = {
		.program = "imapd-session",
		.mode = DAEMON_SINGLE,
		.user_param = "vmail_owner",
		.pre_drop = imapd_pre_drop,
		.post_drop = imapd_post_drop,
		.serve = imapd_session_serve,
		.peer_users = peers,
	};

	imapd_conf.role = IMAPD_ROLE_SESSION;
	daemon_main(argc, argv, &spec);
}

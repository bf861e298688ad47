/* imapd_login_main.c - main() of imapd, the IMAP login program.
 *
 * The imap and imaps services of master.conf: the not-authenticated state
 * (RFC 3501 §6.1, §6.2) as login_user in the login chroot, up to
 * login_client_limit clients per process (imapd_login.c).  Before the
 * drop (as root) it loads the TLS certificate and key; after it, the rest
 * of its parameters.  See ../imapd.c for the two programs.
 */
#include "daemon.h"
#include "imapd_login.h"

static void imapd_login_pre(void)
{
	imapd_pre_drop();
	imapd_login_pre_drop();
}

static void imapd_login_post(void)
{
	imapd_post_drop();
	imapd_login_post_drop();
}

int main(int argc, char **argv)
{
	static const daemon_spec_t spec = {
		.program = "imapd",
		.mode = DAEMON_MULTI,
		.user_param = "login_user",
		.chroot_param = "login_directory",
		.pre_drop = imapd_login_pre,
		.post_drop = imapd_login_post,
		.accept_client = imapd_login_accept,
		.on_stop = imapd_login_stop,
		.client_limit_param = "login_client_limit",
		.peer_users = NULL,
	};

	imapd_conf.role = IMAPD_ROLE_LOGIN;
	daemon_main(argc, argv, &spec);
}

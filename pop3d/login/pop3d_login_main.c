/* pop3d_login_main.c - main() of pop3d, the POP3 login program.
 *
 * The pop3 and pop3s services of master.conf: the AUTHORIZATION state
 * (RFC 1939 §4) as login_user in the login chroot, up to
 * login_client_limit clients per process (pop3d_login.c).
 * Before the drop (as root) it loads the TLS certificate and key; after
 * it, the rest of its parameters.  See ../pop3d.c for the two programs.
 */
#include "daemon.h"
#include "pop3d_login.h"

static void pop3d_login_pre(void)
{
	pop3d_pre_drop();
	pop3d_login_pre_drop();
}

static void pop3d_login_post(void)
{
	pop3d_post_drop();
	pop3d_login_post_drop();
}

int main(int argc, char **argv)
{
	static const daemon_spec_t spec = {
		.program = "pop3d",
		.mode = DAEMON_MULTI,
		.user_param = "login_user",
		.chroot_param = "login_directory",
		.pre_drop = pop3d_login_pre,
		.post_drop = pop3d_login_post,
		.accept_client = pop3d_login_accept,
		.on_stop = pop3d_login_stop,
		.client_limit_param = "login_client_limit",
		.peer_users = NULL,
	};

	pop3d_conf.role = POP3D_ROLE_LOGIN;
	daemon_main(argc, argv, &spec);
}

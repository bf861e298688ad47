/* pop3d.c - what both POP3 programs do before and after the privilege drop.
 *
 * The POP3 server is two programs built from this folder (architecture §2):
 *
 *   pop3d          login/: the pop3 and pop3s services (inet, chroot y),
 *                  as login_user, chrooted to login_directory, which holds
 *                  nothing but links to the auth, anvil and session
 *                  sockets (master(8) login_sockets); anyone may connect.
 *   pop3d-session  session/: the pop3-session service (unix, private,
 *                  chroot n), as vmail_owner; only login_user (and root)
 *                  may connect.
 *
 * They are two executables, not one in two roles, so that the session -
 * one process per logged-in client, the thing there are many of - never
 * links OpenSSL: the login process keeps the TLS end of the connection.
 *
 * SECURITY: the login role parses every byte a client sends before it is
 * authenticated, and so runs with no access to any mailbox or password
 * hash; its only powers are asking auth to verify credentials (getting a
 * one-time token) and handing a client to the session service.  The
 * session role trusts nothing the login process says about the user: it
 * redeems the token with auth (lib/login.c).  Neither keeps a capability.
 */
#include <time.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "mem.h"
#include "pop3d.h"

pop3d_conf_t pop3d_conf;

/* A socket in private/ as this process reaches it: inside the login
 * chroot it is a link in its top directory (master(8) login_sockets). */
char *pop3d_socket_path(const char *name)
{
	if (daemon_chrooted())
		return pop3d_conf.role == POP3D_ROLE_LOGIN ?
			mem_printf("/%s", name) : mem_printf("/private/%s", name);
	return mem_printf("%s/private/%s", config_str("queue_directory"), name);
}

void pop3d_pre_drop(void)
{
	/* Time zone data is out of reach in a chroot. */
	tzset();
}

/* Every value is within the bounds of params.c (timeouts 1s to 1d or 1h),
 * so none needs a check of its own here. */
void pop3d_post_drop(void)
{
	pop3d_conf.idle_timeout = (int) config_time("pop3d_idle_timeout");
	pop3d_conf.ipc_timeout = (int) config_time("ipc_timeout");
	/* A failed verify is answered only after auth's failure delay. */
	pop3d_conf.auth_timeout = pop3d_conf.ipc_timeout +
		(int) config_time("auth_failure_delay_max");
	pop3d_conf.auth_socket = pop3d_socket_path("auth");
	pop3d_conf.myhostname = mem_strdup(config_str("myhostname"));
	pop3d_conf.junk_limit = config_int("pop3d_junk_command_limit");
	if (pop3d_conf.role == POP3D_ROLE_SESSION)
		pop3d_conf.mail_directory = mem_strdup(config_str("mail_directory"));
	{
		char *anvil = pop3d_socket_path("anvil");

		/* The limits per client address (lib/login_anvil.h). */
		login_anvil_init("pop3d", anvil, pop3d_conf.ipc_timeout,
				 pop3d_conf.role == POP3D_ROLE_LOGIN);
		mem_free(anvil);
	}
}

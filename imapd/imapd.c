/* imapd.c - what both IMAP programs do before and after the privilege drop.
 *
 * The IMAP server is two programs built from this folder (architecture §2):
 *
 *   imapd          login/: the imap and imaps services (inet, chroot y),
 *                  as login_user, chrooted to login_directory, which holds
 *                  nothing but links to the auth, anvil and session
 *                  sockets (master(8) login_sockets); anyone may connect.
 *   imapd-session  session/: the imap-session service (unix, private,
 *                  chroot n), as vmail_owner; only login_user may connect.
 *
 * They are two executables, not one in two roles, so that the session -
 * one process per logged-in client - never links OpenSSL: the login
 * process keeps the TLS end of the connection and relays.
 *
 * SECURITY: the login role parses every byte a client sends before it is
 * authenticated, with no access to any mailbox or password hash; the
 * session role trusts nothing the login process says about the user: it
 * redeems the one-time token with auth (lib/login.c).
 */
#include <time.h>

#include "config.h"
#include "daemon.h"
#include "imapd.h"
#include "login_anvil.h"
#include "mem.h"

imapd_conf_t imapd_conf;

/* A socket in private/ as this process reaches it: inside the login
 * chroot it is a link in its top directory (master(8) login_sockets). */
char *imapd_socket_path(const char *name)
{
	if (daemon_chrooted())
		return imapd_conf.role == IMAPD_ROLE_LOGIN ?
			mem_printf("/%s", name) : mem_printf("/private/%s", name);
	return mem_printf("%s/private/%s", config_str("queue_directory"), name);
}

void imapd_pre_drop(void)
{
	/* Time zone data is out of reach in a chroot; INTERNALDATE and
	 * SEARCH SINCE need the local zone. */
	tzset();
}

void imapd_post_drop(void)
{
	imapd_conf.idle_timeout = (int) config_time("imapd_idle_timeout");
	imapd_conf.ipc_timeout = (int) config_time("ipc_timeout");
	imapd_conf.auth_timeout = imapd_conf.ipc_timeout +
		(int) config_time("auth_failure_delay_max");
	imapd_conf.auth_socket = imapd_socket_path("auth");
	imapd_conf.myhostname = mem_strdup(config_str("myhostname"));
	imapd_conf.max_line = (size_t) config_int("imapd_max_line_length");
	imapd_conf.literal_minus = config_bool("imapd_literal_minus");
	imapd_conf.junk_limit = config_int("imapd_junk_command_limit");
	imapd_conf.message_size_limit =
		(unsigned long long) config_size("message_size_limit");
	if (imapd_conf.role == IMAPD_ROLE_SESSION) {
		imapd_conf.mail_directory = mem_strdup(config_str("mail_directory"));
		imapd_conf.user_session_limit = config_int("imapd_user_session_limit");
	}
	{
		char *anvil = imapd_socket_path("anvil");

		/* The limits per client address (lib/login_anvil.h): the
		 * login role admits, the session holds a handed-over client
		 * with login_anvil_hold() until it leaves. */
		login_anvil_init("imapd", anvil, imapd_conf.ipc_timeout,
				 imapd_conf.role == IMAPD_ROLE_LOGIN);
		mem_free(anvil);
	}
}

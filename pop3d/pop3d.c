/* pop3d.c - the tern POP3 server: one binary, a login and a session role.
 *
 * The role comes from `-o pop3d_role=login|session` on the master.conf
 * line, found in the arguments before the daemon skeleton starts, because
 * it decides the skeleton's spec (user, chroot directory, who may connect):
 *
 *   login    pop3 and pop3s (inet, chroot y): as login_user, chrooted to
 *            login_directory, which holds nothing but links to the auth
 *            and session sockets (master(8)); anyone may connect.
 *   session  pop3-session (unix, private, chroot n): as vmail_owner; only
 *            login_user (and root) may connect.
 *
 * Before the drop (as root) the login role loads the TLS certificate and
 * key; after it, both roles read the rest of their parameters and the
 * socket paths as seen from where they are (inside the chroot or not).
 *
 * SECURITY: the login role parses every byte a client sends before it is
 * authenticated, and so runs with no access to any mailbox or password
 * hash; its only powers are asking auth to verify credentials (getting a
 * one-time token) and handing a client to the session service.  The
 * session role trusts nothing the login process says about the user: it
 * redeems the token with auth (lib/login.c).  Neither role keeps any
 * capability.
 */
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "mem.h"
#include "pop3d.h"
#include "pop3d_login.h"

static int pop3d_seconds_param(const char *name)
{
	long v = config_time(name);

	if (v <= 0 || v > 86400)
		log_fatal("%s: must be between 1s and 1d", name);
	return (int) v;
}

/* A socket in private/ as this process reaches it: inside the login
 * chroot it is a link in its top directory (master(8) login_sockets). */
char *pop3d_socket_path(const char *name)
{
	if (daemon_chrooted())
		return pop3d_conf.role == POP3D_ROLE_LOGIN ?
			mem_printf("/%s", name) : mem_printf("/private/%s", name);
	return mem_printf("%s/private/%s", config_str("queue_directory"), name);
}

static void pop3d_pre_drop(void)
{
	/* Time zone data is out of reach in a chroot. */
	tzset();
	if (pop3d_conf.role == POP3D_ROLE_LOGIN)
		pop3d_login_pre_drop();
}

static void pop3d_post_drop(void)
{
	long fail_max = config_time("auth_failure_delay_max");

	pop3d_conf.idle_timeout = pop3d_seconds_param("pop3d_idle_timeout");
	pop3d_conf.ipc_timeout = pop3d_seconds_param("ipc_timeout");
	/* A failed verify is answered only after auth's failure delay. */
	pop3d_conf.auth_timeout = pop3d_conf.ipc_timeout +
		(int) (fail_max > 0 && fail_max < 3600 ? fail_max : 0);
	pop3d_conf.auth_socket = pop3d_socket_path("auth");
	pop3d_conf.myhostname = mem_strdup(config_str("myhostname"));
	if (pop3d_conf.role == POP3D_ROLE_LOGIN)
		pop3d_login_post_drop();
}

/* The role named by the last -o pop3d_role=... (as -o NAME=VALUE or
 * -oNAME=VALUE), before the skeleton parses anything. */
static enum pop3d_role pop3d_find_role(int argc, char **argv)
{
	static const char key[] = "pop3d_role=";
	const char *role = "login";

	for (int i = 1; i < argc; i++) {
		const char *o = NULL;

		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			o = argv[++i];
		else if (strncmp(argv[i], "-o", 2) == 0)
			o = argv[i] + 2;
		if (o != NULL && strncmp(o, key, sizeof(key) - 1) == 0)
			role = o + sizeof(key) - 1;
	}
	if (strcmp(role, "session") == 0)
		return POP3D_ROLE_SESSION;
	if (strcmp(role, "login") != 0) {
		log_init("pop3d");
		log_fatal("pop3d_role: \"%s\" is not login or session", role);
	}
	return POP3D_ROLE_LOGIN;
}

int main(int argc, char **argv)
{
	static const char *const session_peers[] = { "login_user", NULL };
	static const daemon_spec_t login_spec = {
		.program = "pop3d",
		.mode = DAEMON_SINGLE,
		.user_param = "login_user",
		.chroot_param = "login_directory",
		.pre_drop = pop3d_pre_drop,
		.post_drop = pop3d_post_drop,
		.serve = pop3d_login_serve,
		.peer_users = NULL,
	};
	static const daemon_spec_t session_spec = {
		.program = "pop3d",
		.mode = DAEMON_SINGLE,
		.user_param = "vmail_owner",
		.pre_drop = pop3d_pre_drop,
		.post_drop = pop3d_post_drop,
		.serve = pop3d_session_serve,
		.peer_users = session_peers,
	};

	pop3d_conf.role = pop3d_find_role(argc, argv);
	daemon_main(argc, argv, pop3d_conf.role == POP3D_ROLE_LOGIN ?
		    &login_spec : &session_spec);
}

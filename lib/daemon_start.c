/* daemon_start.c - the skeleton's start-up, from exec to the privilege
 * drop: master's arguments, main.conf with the service's -o overrides,
 * the sanitizer report file, the listeners (inherited from master, or
 * made from -L when run alone), the users allowed to connect, and the
 * drop itself.  daemon_main() (daemon.c) calls these in that order; a
 * problem here is fatal, which master sees as a failed start.
 *
 * SECURITY: runs as whatever master runs as, root in production, before
 * any client is accepted; it trusts only its arguments, main.conf and
 * the descriptors master passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

#include "config.h"
#include "daemon.h"
#include "daemon_impl.h"
#include "daemon_watchdog.h"
#include "log.h"
#include "maillog.h"
#include "master_proto.h"
#include "mem.h"
#include "priv.h"
#include "sock.h"

static void daemon_usage(const char *why)
{
	log_fatal("%s; usage: %s -c CONFIG_DIR -n SERVICE -t inet|unix "
		  "[-l NLISTEN] [-g GEN] [-S] [-u] [-v] [-o name=value]... "
		  "[-L listen] [--] [args...]", why, daemon_proc.spec->program);
}

static long daemon_number(const char *opt, const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < 0 || v > max)
		daemon_usage(mem_printf("bad %s value \"%s\"", opt, s));
	return v;
}

void daemon_parse_args(int argc, char **argv)
{
	int i;

	daemon_proc.overrides = mem_reallocarray(NULL, (size_t) argc,
						 sizeof(char *));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		if (a[2] != '\0')
			daemon_usage(mem_printf("unknown option %s", a));
		if (strchr("cntlgoL", a[1]) != NULL) {
			if (i + 1 >= argc)
				daemon_usage(mem_printf("option %s needs a "
							"value", a));
			val = argv[++i];
		}
		switch (a[1]) {
		case 'c': daemon_proc.config_dir = val; break;
		case 'n': daemon_proc.service = val; break;
		case 't':
			if (strcmp(val, "inet") != 0 && strcmp(val, "unix") != 0)
				daemon_usage(mem_printf("bad -t type \"%s\"", val));
			daemon_proc.type = val;
			break;
		case 'l':
			daemon_proc.nlisten = (int) daemon_number("-l", val,
						DAEMON_MAX_LISTEN);
			break;
		case 'g':
			daemon_proc.gen = (unsigned) daemon_number("-g", val,
						0x7fffffff);
			break;
		case 'o':
			daemon_proc.overrides[daemon_proc.noverrides++] = val;
			break;
		case 'L': daemon_proc.listen_spec = val; break;
		case 'S': daemon_proc.chroot = 1; break;
		case 'u': daemon_proc.unpriv = 1; break;
		case 'v': daemon_proc.verbose = 1; break;
		default:
			daemon_usage(mem_printf("unknown option %s", a));
		}
	}
	daemon_proc.args = argv + i;
	daemon_proc.nargs = argc - i;
	if (daemon_proc.config_dir == NULL)
		daemon_proc.config_dir = TERN_SYSCONFDIR;
	if (daemon_proc.service == NULL)
		daemon_proc.service = daemon_proc.spec->program;
}

void daemon_load_config(void)
{
	char *err = NULL;

	if (config_load(daemon_proc.config_dir, &err) < 0)
		log_fatal("%s", err);
	if (daemon_proc.spec->resident &&
	    (config_set("max_idle", "0", &err) < 0 ||
	     config_set("max_use", "0", &err) < 0))
		log_panic("resident: %s", err);
	for (int i = 0; i < daemon_proc.noverrides; i++) {
		const char *eq = strchr(daemon_proc.overrides[i], '=');
		char *name;

		if (eq == NULL)
			daemon_usage(mem_printf("-o %s: expected name=value",
						daemon_proc.overrides[i]));
		name = mem_strndup(daemon_proc.overrides[i],
				   (size_t) (eq - daemon_proc.overrides[i]));
		if (config_set(name, eq + 1, &err) < 0)
			log_fatal("service %s: -o %s: %s", daemon_proc.service,
				  name, err);
		mem_free(name);
	}
	maillog_setup(0);
	daemon_proc.max_idle = config_time("max_idle");
	daemon_proc.max_use = config_int("max_use");
	daemon_watchdog_init(config_time("daemon_timeout"));
	if (daemon_proc.spec->client_limit_param != NULL)
		daemon_proc.client_limit =
			config_int(daemon_proc.spec->client_limit_param);
	/* A process that holds many clients at once is not renewed after
	 * max_use of them: it would only drain for as long as its last
	 * clients stay, which clients choose (audit i12-19). */
	if (daemon_proc.client_limit > 1)
		daemon_proc.max_use = 0;
}

/* Sanitizer reports must land outside any chroot, where the harness looks
 * (architecture §9): open the file while the path is still reachable. */
void daemon_sanitizer_log(void)
{
#if defined(__SANITIZE_ADDRESS__)
	const char *dir = getenv("TERN_SAN_LOG_DIR");
	char *path;
	int fd;

	if (dir == NULL || *dir == '\0')
		return;
	path = mem_printf("%s/%s.%ld", dir, daemon_proc.spec->program,
			  (long) getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (fd < 0)
		log_warn("open %s: %s", path, strerror(errno));
	else
		__sanitizer_set_report_fd((void *) (long) fd);
	mem_free(path);
#endif
}

/* Standalone: make our own listener from -L. */
static void daemon_listen_standalone(void)
{
	char *err = NULL;
	int fd;

	if (strncmp(daemon_proc.listen_spec, "unix:", 5) == 0) {
		fd = sock_listen_unix(daemon_proc.listen_spec + 5, 0666,
				      DAEMON_BACKLOG, &err);
		if (daemon_proc.type == NULL)
			daemon_proc.type = "unix";
	} else {
		const char *colon = strrchr(daemon_proc.listen_spec, ':');
		char *host;
		long port;

		if (colon == NULL || colon == daemon_proc.listen_spec)
			daemon_usage(mem_printf("bad -L \"%s\"",
						daemon_proc.listen_spec));
		port = daemon_number("-L port", colon + 1, 65535);
		host = mem_strndup(daemon_proc.listen_spec,
				   (size_t) (colon - daemon_proc.listen_spec));
		fd = sock_listen_inet(host, (int) port, DAEMON_BACKLOG, &err);
		mem_free(host);
		if (daemon_proc.type == NULL)
			daemon_proc.type = "inet";
	}
	if (fd < 0)
		log_fatal("listen %s: %s", daemon_proc.listen_spec, err);
	daemon_proc.listen_fds[0] = fd;
	daemon_proc.nfds = 1;
}

void daemon_setup_listeners(void)
{
	struct stat st;
	int type = 0;
	socklen_t type_len = sizeof(type);

	/* -L means standalone, whatever fd 3 happens to be in the caller. */
	if (daemon_proc.listen_spec != NULL) {
		daemon_listen_standalone();
	} else if (fstat(MASTER_STATUS_FD, &st) == 0 && S_ISSOCK(st.st_mode) &&
		   getsockopt(MASTER_STATUS_FD, SOL_SOCKET, SO_TYPE, &type,
			      &type_len) == 0 && type == SOCK_DGRAM) {
		daemon_proc.status_fd = MASTER_STATUS_FD;
		sock_set_cloexec(daemon_proc.status_fd, 1);
		daemon_proc.master_pid = getppid();
		for (int i = 0; i < daemon_proc.nlisten; i++) {
			int fd = MASTER_LISTEN_FD + i;

			if (fcntl(fd, F_GETFD) < 0)
				log_fatal("listener %d of %d (fd %d) is not open",
					  i + 1, daemon_proc.nlisten, fd);
			daemon_proc.listen_fds[i] = fd;
		}
		daemon_proc.nfds = daemon_proc.nlisten;
	} else {
		log_fatal("no status channel on fd %d: not started by master, "
			  "and no -L listener given", MASTER_STATUS_FD);
	}
	/* Siblings share these; whoever loses the accept race must not block. */
	for (int i = 0; i < daemon_proc.nfds; i++) {
		sock_set_nonblock(daemon_proc.listen_fds[i], 1);
		sock_set_cloexec(daemon_proc.listen_fds[i], 1);
	}
}

/* Resolved before the drop: user names cannot be looked up in a chroot. */
void daemon_resolve_peers(void)
{
	const char *const *p = daemon_proc.spec->peer_users;

	if (p == NULL)
		return;
	for (; *p; p++) {
		uid_t uid;
		gid_t gid;
		const char *user = config_str(*p);

		if (priv_user_ids(user, &uid, &gid) < 0) {
			if (priv_is_root())
				log_fatal("%s %s: no such user", *p, user);
			continue;
		}
		daemon_proc.peer_uids = mem_reallocarray(daemon_proc.peer_uids,
				(size_t) daemon_proc.npeer_uids + 1,
				sizeof(uid_t));
		daemon_proc.peer_uids[daemon_proc.npeer_uids++] = uid;
	}
}

void daemon_drop(void)
{
	const daemon_spec_t *spec = daemon_proc.spec;
	priv_spec_t ps = { NULL, NULL, spec->caps, spec->ncaps };
	char *user = NULL, *dir = NULL;

	if (priv_is_root()) {
		if (spec->user_param == NULL && daemon_proc.unpriv)
			log_fatal("service %s is marked unprivileged in "
				  "master.conf, but %s runs as root: set the "
				  "unpriv column to n", daemon_proc.service,
				  spec->program);
		if (spec->user_param != NULL)
			user = mem_strdup(config_str(spec->user_param));
		if (daemon_proc.chroot)
			dir = mem_strdup(config_str(spec->chroot_param ?
					 spec->chroot_param : "queue_directory"));
	}
	ps.user = user;
	ps.chroot_dir = dir;
	priv_drop(&ps);
	daemon_proc.chrooted = dir != NULL;
	mem_free(user);
	mem_free(dir);
	/* Credentials changed, so the parent-death signal is set only now:
	 * children of a master that died must not keep its ports. */
	if (daemon_proc.status_fd >= 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) < 0)
			log_fatal("prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
		if (getppid() != daemon_proc.master_pid)
			log_fatal("master exited during start-up");
	}
}

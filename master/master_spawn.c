/* master_spawn.c - starting one child: fork, descriptors, environment, exec.
 *
 * The child gets exactly what master_proto.h promises: the service's status
 * pipe on MASTER_STATUS_FD, its listeners from MASTER_LISTEN_FD up, the
 * service's output pipe as stderr (master_output.c), stdin and stdout as
 * master has them (/dev/null once detached), and nothing else.  Its environment is cut down to import_environment plus a
 * safe PATH.  SIGTERM and SIGHUP arrive blocked; the skeleton unblocks them
 * once its handlers are in place, so an early stop is never lost and never
 * kills a half-started process.
 *
 * SECURITY: master (root) forks here; the child only moves descriptors
 * and execs a program from daemon_directory, which root owns.
 */
#define _GNU_SOURCE	/* close_range */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "mem.h"
#include "master.h"

#define MASTER_SAFE_PATH	"PATH=/usr/bin:/bin"

extern char **environ;

void master_env_build(void)
{
	char **list = config_list("import_environment");
	size_t n = 0;

	for (char **e = master.env; e && *e; e++)
		mem_free(*e);
	mem_free(master.env);
	master.env = mem_reallocarray(NULL, 2, sizeof(char *));
	master.env[n++] = mem_strdup(MASTER_SAFE_PATH);
	for (char **name = list; *name; name++) {
		const char *value;

		/* NAME=VALUE sets; NAME passes master's own value on. */
		if (strchr(*name, '=') != NULL) {
			value = NULL;
		} else {
			value = getenv(*name);
			if (value == NULL)
				continue;
		}
		if (strncmp(*name, "PATH", 4) == 0 &&
		    ((*name)[4] == '\0' || (*name)[4] == '='))
			continue;	/* PATH is always the safe one */
		master.env = mem_reallocarray(master.env, n + 2, sizeof(char *));
		master.env[n++] = value ? mem_printf("%s=%s", *name, value)
					: mem_strdup(*name);
	}
	master.env[n] = NULL;
	config_list_free(&list);
}

static char **master_spawn_argv(const master_service_t *s)
{
	const master_svc_def_t *def = s->def;
	size_t n = 0, max = 16;
	char **argv;

	for (char **o = def->opts; *o; o++)
		max += 2;
	for (char **a = def->args; *a; a++)
		max++;
	argv = mem_reallocarray(NULL, max, sizeof(char *));
	argv[n++] = mem_strdup(def->command);
	argv[n++] = mem_strdup("-c");
	argv[n++] = mem_strdup(master.config_dir);
	argv[n++] = mem_strdup("-n");
	argv[n++] = mem_strdup(def->name);
	argv[n++] = mem_strdup("-t");
	argv[n++] = mem_strdup(def->type == MASTER_INET ? "inet" : "unix");
	argv[n++] = mem_strdup("-l");
	argv[n++] = mem_printf("%d", s->nfds);
	argv[n++] = mem_strdup("-g");
	argv[n++] = mem_printf("%u", s->gen);
	if (def->chroot)
		argv[n++] = mem_strdup("-S");
	if (def->unpriv)
		argv[n++] = mem_strdup("-u");
	if (master.foreground)
		argv[n++] = mem_strdup("-v");
	for (char **o = def->opts; *o; o++) {
		argv[n++] = mem_strdup("-o");
		argv[n++] = mem_strdup(*o);
	}
	if (def->args[0] != NULL && def->args[0][0] == '-')
		argv[n++] = mem_strdup("--");
	for (char **a = def->args; *a; a++)
		argv[n++] = mem_strdup(*a);
	argv[n] = NULL;
	return argv;
}

/* Closes every descriptor from lowest up but keep (-1: none). */
static void master_spawn_close_from(int lowest, int keep)
{
	if (keep < lowest) {
		if (close_range((unsigned) lowest, ~0U, 0) == 0)
			return;
	} else if ((keep == lowest ||
		    close_range((unsigned) lowest, (unsigned) keep - 1, 0) == 0) &&
		   close_range((unsigned) keep + 1, ~0U, 0) == 0) {
		return;
	}
	for (long fd = lowest, max = sysconf(_SC_OPEN_MAX); fd < max; fd++)
		if (fd != keep)
			close((int) fd);
}

/* In the child, between fork and exec. */
static void master_spawn_child(const master_service_t *s, char **argv)
{
	int top = MASTER_LISTEN_FD + s->nfds;
	int *tmp = mem_reallocarray(NULL, (size_t) s->nfds + 1, sizeof(int));
	int logfd, errfd;
	sigset_t mask;

	signal(SIGCHLD, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	/* A terminal's ^C is for master (-f), which stops its children. */
	setpgid(0, 0);

	/* The maillog descriptor may have a number in the target range:
	 * move it out first, or an error logged below (a failed exec) would
	 * be written into the status channel and garble every later report. */
	logfd = log_fd_above(top);
	/* Move everything above the target range first, so no dup2 below
	 * can overwrite a descriptor that is still to be moved. */
	errfd = fcntl(s->output_wr, F_DUPFD_CLOEXEC, top);
	tmp[0] = fcntl(s->status_wr, F_DUPFD_CLOEXEC, top);
	for (int i = 0; i < s->nfds; i++)
		tmp[i + 1] = fcntl(s->fds[i], F_DUPFD_CLOEXEC, top);
	for (int i = 0; i <= s->nfds; i++) {
		if (tmp[i] < 0 || dup2(tmp[i], MASTER_STATUS_FD + i) < 0) {
			log_error("spawn %s: move descriptors: %s", s->def->name,
				  strerror(errno));
			_exit(1);
		}
	}
	/* From here on our own errors reach master as the child's would. */
	if (errfd < 0 || dup2(errfd, 2) < 0) {
		log_error("spawn %s: stderr: %s", s->def->name, strerror(errno));
		_exit(1);
	}
	log_also_stderr(master.foreground ? LOG_SEV_INFO : LOG_SEV_WARN);
	master_spawn_close_from(top, logfd);
	execve(s->def->path, argv, master.env);
	log_error("exec %s: %s", s->def->path, strerror(errno));
	_exit(1);
}

pid_t master_spawn(master_service_t *s)
{
	char **argv = master_spawn_argv(s);
	sigset_t block, saved;
	pid_t pid;

	/* Until exec, master's handlers must not run in the child. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &saved);
	pid = fork();
	if (pid == 0)
		master_spawn_child(s, argv);
	if (pid < 0)
		log_error("fork for service %s: %s", s->def->name, strerror(errno));
	sigprocmask(SIG_SETMASK, &saved, NULL);
	for (char **a = argv; *a; a++)
		mem_free(*a);
	mem_free(argv);
	return pid;
}

/* master.c - the supervisor: start-up, the event loop, stop.
 *
 *     master -c CONFIG_DIR [-f] [-r FD]
 *
 * Start-up order: read main.conf, check the system users (as root), read
 * master.conf, make the queue directories, take the pid-file lock, bind
 * every listener and the control socket, detach (without -f), write the
 * pid, start the processes.  With -r, one line goes to FD: "ready\n" once
 * every service is ready, or "error: REASON\n" (master_proto.h).  SIGHUP
 * reloads, SIGTERM and SIGINT stop: children get SIGTERM, and SIGKILL after
 * master_stop_timeout.
 *
 * SECURITY: runs as root when installed; it never reads network input and
 * runs no child code itself: children are exec'd and drop privileges in
 * the daemon skeleton.  Run as another user, everything runs as that user
 * and master says so once in the log.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "mem.h"
#include "master.h"
#include "priv.h"

/* How often the fatal path looks for exited children while it waits. */
#define MASTER_REAP_POLL_US	50000

struct master_state master = {
	.ready_fd = -1, .pid_fd = -1, .control_fd = -1,
	.private_fd = -1, .public_fd = -1, .piddir_fd = -1, .login_fd = -1,
};
static int master_foreground;
static event_timer_id master_stop_timer;

static void master_usage(void)
{
	fprintf(stderr, "usage: master [-c CONFIG_DIR] [-f] [-r FD]\n");
	exit(2);
}

/* -r: the one line mailctl start waits for. */
static void master_answer_start(const char *line)
{
	size_t len = strlen(line);

	if (master.ready_fd < 0)
		return;
	if (write(master.ready_fd, line, len) != (ssize_t) len)
		log_warn("write to the start pipe: %s", strerror(errno));
	close(master.ready_fd);
	master.ready_fd = -1;
	if (master.start_timer) {
		event_cancel_timer(master.start_timer);
		master.start_timer = 0;
	}
}

/* The reason master_fatal_hook() sends to mailctl start, if still waiting. */
static char *master_start_error;

void master_start_failed(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	master_start_error = mem_printf("error: %s\n", msg);
	log_fatal("%s", msg);
}

/* Whatever ends master on a fatal error: no child outlives it, and mailctl
 * start hears of the failure only once master is really gone, so that a
 * second start right after it finds the lock free. */
static void master_fatal_hook(void)
{
	long waited = 0, limit;
	int status;

	if (master_service_count_procs() > 0) {
		limit = config_time("master_stop_timeout") * 1000000L;
		master_service_signal_all(SIGTERM);
		while (waitpid(-1, &status, WNOHANG) >= 0 && waited < limit) {
			usleep(MASTER_REAP_POLL_US);
			waited += MASTER_REAP_POLL_US;
		}
		master_service_signal_all(SIGKILL);
	}
	master_control_close();
	master_pid_release();
	/* Nothing is left to protect: free the lock before the answer. */
	if (master.pid_fd >= 0)
		close(master.pid_fd);
	master_answer_start(master_start_error ? master_start_error :
			    "error: fatal error, see the mail log\n");
}

void master_log_setup(void)
{
	log_set_syslog_name(config_str("syslog_name"));
	if (config_str("maillog_file")[0] != '\0')
		log_set_dest(LOG_DEST_FILE, config_str("maillog_file"));
	else
		log_set_dest(LOG_DEST_SYSLOG, NULL);
}

void master_check_started(void)
{
	int n = 0;

	if (master.ready_fd < 0 || master.stopping)
		return;
	for (master_service_t *s = master.services; s != NULL; s = s->next, n++)
		if (!master_service_ready(s))
			return;
	log_info("ready: %d service%s", n, n == 1 ? "" : "s");
	master_answer_start("ready\n");
}

static void master_on_start_timeout(void *ctx)
{
	(void) ctx;
	master.start_timer = 0;
	for (master_service_t *s = master.services; s != NULL; s = s->next)
		if (!master_service_ready(s))
			master_start_failed("service %s was not ready within "
					    "master_start_timeout (%ld seconds)",
					    s->def->name,
					    config_time("master_start_timeout"));
}

void master_check_stopped(void)
{
	if (!master.stopping || master_service_count_procs() > 0)
		return;
	master_control_close();
	master_pid_release();
	log_info("stopped");
	exit(0);
}

static void master_on_stop_timeout(void *ctx)
{
	(void) ctx;
	master_stop_timer = 0;
	log_warn("children still running after master_stop_timeout; killing them");
	master_service_signal_all(SIGKILL);
}

void master_stop(void)
{
	if (master.stopping)
		return;
	master.stopping = 1;
	log_info("stopping");
	master_answer_start("error: stopped during start-up\n");
	master_control_close();
	for (master_service_t *s = master.services; s != NULL; s = s->next)
		master_listen_close(s, 1);
	master_service_signal_all(SIGTERM);
	master_stop_timer = event_add_timer(config_time("master_stop_timeout") * 1000,
					    master_on_stop_timeout, NULL);
	master_check_stopped();
}

static void master_on_signal(int signo, void *ctx)
{
	char *err = NULL;

	(void) ctx;
	switch (signo) {
	case SIGCHLD:
		master_service_reap();
		break;
	case SIGHUP:
		if (master.stopping)
			break;
		log_info("reload requested by SIGHUP");
		if (master_reload(&err) < 0) {
			log_error("reload: %s", err);
			mem_free(err);
		}
		break;
	default:
		master_stop();
		break;
	}
}

static void master_detach(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		master_start_failed("fork: %s", strerror(errno));
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		log_fatal("setsid: %s", strerror(errno));
	fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		log_fatal("open /dev/null: %s", strerror(errno));
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	log_also_stderr(0);
}

/* Descriptors 0-2 must be open, or a listener could land on one. */
static void master_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) < 0) {
			int n = open("/dev/null", O_RDWR);

			if (n < 0)
				exit(1);
			if (n != fd) {
				dup2(n, fd);
				close(n);
			}
		}
	}
}

static void master_parse_args(int argc, char **argv)
{
	const char *dir = TERN_SYSCONFDIR;
	char real[PATH_MAX];
	char *end;
	long fd;
	int c;

	while ((c = getopt(argc, argv, "c:fr:")) != -1) {
		switch (c) {
		case 'c':
			dir = optarg;
			break;
		case 'f':
			master_foreground = 1;
			break;
		case 'r':
			errno = 0;
			fd = strtol(optarg, &end, 10);
			if (errno || *end || fd < 0 || fd > INT_MAX ||
			    fcntl((int) fd, F_SETFD, FD_CLOEXEC) < 0)
				log_fatal("-r %s: not an open descriptor", optarg);
			master.ready_fd = (int) fd;
			break;
		default:
			master_usage();
		}
	}
	if (optind != argc)
		master_usage();
	if (realpath(dir, real) == NULL)
		master_start_failed("configuration directory %s: %s", dir,
				    strerror(errno));
	master.config_dir = mem_strdup(real);
}

static void master_open_services(master_conf_t *conf)
{
	master_service_t **tail = &master.services;
	char *err = NULL;

	for (int i = 0; i < conf->count; i++) {
		master_service_t *s = master_service_new(conf->defs[i], master.gen);

		conf->defs[i] = NULL;
		*tail = s;
		tail = &s->next;
		if (master_listen_open(s, &err) < 0)
			master_start_failed("%s", err);
	}
	master_conf_free(conf);
}

int main(int argc, char **argv)
{
	master_conf_t conf;
	char *err = NULL, *path;

	master_std_fds();
	umask(022);
	log_init("master");
	log_also_stderr(1);
	signal(SIGPIPE, SIG_IGN);
	master_parse_args(argc, argv);
	log_set_fatal_hook(master_fatal_hook);
	master.root = priv_is_root();

	if (config_load(master.config_dir, &err) < 0)
		master_start_failed("%s", err);
	master_log_setup();
	master.queue_dir = mem_strdup(config_str("queue_directory"));
	master.daemon_dir = mem_strdup(config_str("daemon_directory"));
	if (master.queue_dir[0] != '/' || master.daemon_dir[0] != '/')
		master_start_failed("queue_directory and daemon_directory must be "
				    "absolute paths");
	/* Children inherit the working directory: never the administrator's
	 * (a role could reach a directory the administrator can and it
	 * cannot). */
	if (chdir("/") < 0)
		master_start_failed("chdir /: %s", strerror(errno));
	if (master.root) {
		if (master_users_check(&err) < 0)
			master_start_failed("%s", err);
	} else {
		log_warn("not running as root: every service runs as uid %ld, "
			 "without privilege separation", (long) getuid());
	}
	event_init();
	path = mem_printf("%s/master.conf", master.config_dir);
	if (master_conf_load(path, &conf, &err) < 0)
		master_start_failed("%s", err);
	mem_free(path);
	master.main_conf_text = master_settings_text();
	master_env_build();

	if (master_dirs_open(&err) < 0)
		master_start_failed("%s", err);
	master_pid_lock();
	master_open_services(&conf);
	master_login_links();
	master_control_open();
	if (!master_foreground)
		master_detach();
	master_pid_write();

	event_add_signal(SIGCHLD, master_on_signal, NULL);
	event_add_signal(SIGTERM, master_on_signal, NULL);
	event_add_signal(SIGINT, master_on_signal, NULL);
	event_add_signal(SIGHUP, master_on_signal, NULL);
	if (master.ready_fd >= 0)
		master.start_timer = event_add_timer(
			config_time("master_start_timeout") * 1000,
			master_on_start_timeout, NULL);
	log_info("starting: configuration %s, queue %s", master.config_dir,
		 master.queue_dir);
	master_service_adjust_all();
	master_check_started();
	event_loop();
	return 0;
}

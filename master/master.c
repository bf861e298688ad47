/* master.c - the supervisor: start-up, the event loop, stop.
 *
 *     master -c CONFIG_DIR [-f] [-r FD]
 *
 * Start-up order: read main.conf, check the system users (as root), read
 * master.conf, make the queue directories, take the pid-file lock, bind
 * every listener and the control socket, detach (without -f), write the
 * pid, start the processes.  With -r, one report goes to FD once every
 * service is ready, or saying why not: the reason, where the suite logs,
 * and what a failing service said (master_proto.h).  SIGHUP
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

#include "attr.h"
#include "config.h"
#include "log.h"
#include "maillog.h"
#include "mem.h"
#include "master.h"
#include "priv.h"

/* How often the fatal path looks for exited children while it waits. */
#define MASTER_REAP_POLL_US	50000

struct master_state master = {
	.ready_fd = -1, .pid_fd = -1, .control_fd = -1,
	.private_fd = -1, .public_fd = -1, .piddir_fd = -1, .login_fd = -1,
};
static event_timer_id master_stop_timer;
static int master_log_known;		/* maillog_setup() has run */

static void master_usage(void)
{
	fprintf(stderr, "usage: master [-c CONFIG_DIR] [-f] [-r FD]\n");
	exit(2);
}

/* Why the start failed, for the report; set just before the fatal exit.
 * What the failing service said is taken at that moment: the processes
 * stopped after it may say more, which is not about the failure. */
static char *master_start_error;
static char *master_start_error_svc;
static char *master_start_output[MASTER_OUTPUT_LINES];
static int master_start_noutput;

/* The failed service's lines, the newest that fit in the report. */
static void master_report_output(attr_t *a, size_t used)
{
	int first;

	attr_add(a, "service", master_start_error_svc);
	used += attr_encoded_size("service", master_start_error_svc,
				  strlen(master_start_error_svc));
	for (first = master_start_noutput; first > 0; first--) {
		const char *line = master_start_output[first - 1];
		size_t more = attr_encoded_size("output", line, strlen(line));

		if (used + more >= MASTER_REPORT_MAX)
			break;
		used += more;
	}
	for (int i = first; i < master_start_noutput; i++)
		attr_add(a, "output", master_start_output[i]);
}

/* -r: the report mailctl start waits for (master_proto.h). */
static void master_answer_start(int ready)
{
	attr_t *a;
	buf_t rec = BUF_INIT;

	if (master.ready_fd < 0)
		return;
	a = attr_new();
	attr_add(a, "status", ready ? "ready" : "error");
	/* At most 1 KB (master_start_failed_v), like the log. */
	if (!ready)
		attr_add(a, "reason", master_start_error ? master_start_error :
			 "fatal error, see the mail log");
	if (master_log_known)
		attr_add(a, "log", maillog_where());
	if (!ready && master_start_error_svc != NULL) {
		attr_encode(a, &rec);
		master_report_output(a, rec.len);
		buf_reset(&rec);
	}
	attr_encode(a, &rec);
	if (write(master.ready_fd, rec.data, rec.len) != (ssize_t) rec.len)
		log_warn("write to the start pipe: %s", strerror(errno));
	buf_release(&rec);
	attr_free(&a);
	close(master.ready_fd);
	master.ready_fd = -1;
	if (master.start_timer) {
		event_cancel_timer(master.start_timer);
		master.start_timer = 0;
	}
}

static void master_start_failed_v(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0), noreturn));
static void master_start_failed_v(const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	master_start_error = mem_strdup(msg);
	log_fatal("%s", msg);
}

void master_start_failed(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	master_start_failed_v(fmt, ap);
}

void master_start_failed_service(master_service_t *s, int64_t since_ms,
				 const char *fmt, ...)
{
	const char *lines[MASTER_OUTPUT_LINES];
	va_list ap;

	master_output_drain(s);
	master_start_noutput = master_output_since(s, since_ms, lines);
	for (int i = 0; i < master_start_noutput; i++)
		master_start_output[i] = mem_strdup(lines[i]);
	master_start_error_svc = mem_strdup(s->def->name);
	va_start(ap, fmt);
	master_start_failed_v(fmt, ap);
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
	master_answer_start(0);
}

/* As root, master is the first to open a log file, and so creates it. */
void master_log_setup(void)
{
	maillog_setup(0);
	master_log_known = 1;
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
	master_answer_start(1);
}

static void master_on_start_timeout(void *ctx)
{
	(void) ctx;
	master.start_timer = 0;
	for (master_service_t *s = master.services; s != NULL; s = s->next)
		if (!master_service_ready(s))
			master_start_failed_service(s, 0, "service %s was not "
					"ready within master_start_timeout "
					"(%ld seconds)", s->def->name,
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
	if (master.ready_fd >= 0) {
		master_start_error = mem_strdup("stopped during start-up");
		master_answer_start(0);
	}
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
	log_also_stderr(LOG_SEV_NONE);
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
			master.foreground = 1;
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
	log_also_stderr(LOG_SEV_INFO);
	signal(SIGPIPE, SIG_IGN);
	master_parse_args(argc, argv);
	log_set_fatal_hook(master_fatal_hook);
	master.root = priv_is_root();

	/* A value out of bounds stops master here, not a daemon later. */
	if (config_load_valid(master.config_dir, &err) < 0)
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
	if (!master.foreground)
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
	log_info("starting: configuration %s, queue %s, logging to %s",
		 master.config_dir, master.queue_dir, maillog_where());
	master_service_adjust_all();
	master_check_started();
	event_loop();
	return 0;
}

/* mailctl_ctl.c - `mailctl start`, `stop` and `reload`.
 *
 * start runs master with a pipe (master -r FD) and returns only when master
 * reports that every service is up (then it says where the suite logs) or
 * that it cannot start (then exit 1 with master's reason, the failing
 * service's last lines and where to read more), so a script that runs
 * `mailctl start && ...` can use the services at once.  stop asks master
 * over the control socket (or signals it when the socket does not answer)
 * and returns when master has exited, which its pid-file lock tells
 * exactly.  Stopping or reloading a suite that is not running exits
 * MAILCTL_NOT_RUNNING, like status.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attr.h"
#include "config.h"
#include "log.h"
#include "mailctl.h"
#include "master_proto.h"
#include "mem.h"

/* Added to master's own timeouts: master reports its failure itself at its
 * deadline, and mailctl must not give up first. */
#define MAILCTL_TIMEOUT_MARGIN 15
/* The limits master writes its start report within (master_proto.h). */
static const attr_limits_t mailctl_report_limits = {
	MASTER_REPORT_MAX, 64, MASTER_REPORT_MAX,
};

static long mailctl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *mailctl_master_program(void)
{
	char *prog = mem_printf("%s/master", config_str("daemon_directory"));

	if (access(prog, X_OK) < 0)
		log_fatal("%s: %s (check daemon_directory)", prog, strerror(errno));
	return prog;
}

/* Read master's start report (an attr record) within timeout_ms: the bytes
 * read, "" when master closed the pipe without one, or NULL on timeout. */
static char *mailctl_read_report(int fd, long timeout_ms, size_t *len_r)
{
	long deadline = mailctl_now() + timeout_ms;
	buf_t rec = BUF_INIT;
	char chunk[4096];

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long left = deadline - mailctl_now();
		ssize_t n;

		if (left <= 0) {
			buf_release(&rec);
			return NULL;
		}
		if (poll(&pfd, 1, (int) left) < 0) {
			if (errno == EINTR)
				continue;
			log_fatal("poll: %s", strerror(errno));
		}
		if (pfd.revents == 0)
			continue;
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf_append(&rec, chunk, (size_t) n);
		/* A blank line ends the record; values never hold a LF. */
		if ((rec.len == 1 && rec.data[0] == '\n') ||
		    (rec.len >= 2 && memcmp(rec.data + rec.len - 2, "\n\n", 2) == 0))
			break;
		if (rec.len > MASTER_REPORT_MAX)
			break;
	}
	*len_r = rec.len;
	return buf_steal(&rec);
}

/* Say why master could not start: its reason, what the failing service
 * said last, and where the suite's log has the rest. */
static void mailctl_report_failure(const attr_t *report)
{
	const char *svc = attr_get(report, "service");
	const char *where = attr_get(report, "log");
	size_t n = attr_count_of(report, "output");

	log_error("master: %s", attr_get(report, "reason") ?
		  attr_get(report, "reason") : "no reason given");
	for (size_t i = 0; i < n; i++)
		log_error("service %s: %s", svc ? svc : "?",
			  attr_get_nth(report, "output", i));
	if (where != NULL)
		log_error("the suite logs to %s", where);
}

static void mailctl_describe_exit(int status, buf_t *out)
{
	if (WIFEXITED(status))
		buf_printf(out, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		buf_printf(out, "killed by signal %d", WTERMSIG(status));
	else
		buf_puts(out, "unknown status");
}

static int mailctl_start_background(const char *prog)
{
	long timeout = config_time("master_start_timeout") + MAILCTL_TIMEOUT_MARGIN;
	buf_t why = BUF_INIT;
	char fdarg[16];
	char *report;
	attr_t *parsed;
	size_t len = 0;
	int p[2], status, devnull, state, r;
	pid_t pid;

	/* The write end is master's to inherit; the read end stays ours. */
	if (pipe(p) < 0 || fcntl(p[0], F_SETFD, FD_CLOEXEC) < 0)
		log_fatal("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		log_fatal("fork: %s", strerror(errno));
	if (pid == 0) {
		/* Only the report pipe is passed on; stdin is nothing, so the
		 * daemon never competes for the terminal. */
		devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0 && devnull != 0) {
			dup2(devnull, 0);
			close(devnull);
		}
		snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
		execl(prog, "master", "-c", mailctl_dir(), "-r", fdarg, (char *) NULL);
		log_error("exec %s: %s", prog, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	report = mailctl_read_report(p[0], timeout * 1000, &len);
	close(p[0]);
	if (report == NULL) {
		log_error("master did not report within %ld seconds; see the log",
			  timeout);
		return MAILCTL_FAIL;
	}
	if (len == 0) {
		/* No report at all: master died before it could send one. */
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		mailctl_describe_exit(status, &why);
		log_error("master ended without reporting ready (%s); see the log",
			  buf_str(&why));
		buf_release(&why);
		mem_free(report);
		return MAILCTL_FAIL;
	}
	/* The process we started leaves once it has detached; reap it if it
	 * already has, never wait for a daemon. */
	waitpid(pid, &status, WNOHANG);
	parsed = attr_new();
	state = attr_decode_limited(report, len, parsed, &mailctl_report_limits);
	mem_free(report);
	if (state != ATTR_OK || attr_get(parsed, "status") == NULL) {
		log_error("master sent a start report that does not parse");
		r = MAILCTL_FAIL;
	} else if (strcmp(attr_get(parsed, "status"), "ready") == 0) {
		log_info("started; logging to %s", attr_get(parsed, "log") ?
			 attr_get(parsed, "log") : "an unknown place");
		r = MAILCTL_OK;
	} else {
		mailctl_report_failure(parsed);
		r = MAILCTL_FAIL;
	}
	attr_free(&parsed);
	return r;
}

int mailctl_cmd_start(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	attr_t *reply = attr_new();
	char *err = NULL, *prog;
	int c, foreground = 0, r;
	pid_t pid;

	while ((c = mailctl_getopt(argc, argv, "f", longopts)) != -1)
		if (c == 'f')
			foreground = 1;
	if (optind != argc)
		mailctl_usage_error("start: unexpected argument \"%s\"", argv[optind]);

	pid = mailctl_master_pid();
	if (pid != 0 || mailctl_control("status", reply, &err) == 0) {
		if (pid > 0)
			log_error("already running (master pid %ld)", (long) pid);
		else
			log_error("already running");
		return MAILCTL_FAIL;
	}
	attr_free(&reply);
	mem_free(err);
	prog = mailctl_master_program();
	if (foreground) {
		execl(prog, "master", "-c", mailctl_dir(), "-f", (char *) NULL);
		log_fatal("exec %s: %s", prog, strerror(errno));
	}
	r = mailctl_start_background(prog);
	mem_free(prog);
	return r;
}

/* Wait until master's lock is free; 0, or -1 after timeout_s seconds. */
static int mailctl_wait_exit(long timeout_s)
{
	long deadline = mailctl_now() + timeout_s * 1000;

	while (mailctl_master_pid() != 0) {
		if (mailctl_now() >= deadline)
			return -1;
		usleep(100 * 1000);
	}
	return 0;
}

/* Ask master for request, or send it signo when the control socket does
 * not answer.  MAILCTL_OK, MAILCTL_FAIL, or MAILCTL_NOT_RUNNING. */
static int mailctl_tell_master(const char *request, int signo)
{
	attr_t *reply = attr_new();
	char *err = NULL;
	pid_t pid;
	int r;

	r = mailctl_control(request, reply, &err);
	attr_free(&reply);
	if (r == -2) {
		log_error("%s", err);
		mem_free(err);
		return MAILCTL_FAIL;
	}
	if (r == 0)
		return MAILCTL_OK;
	pid = mailctl_master_pid();
	if (pid == 0) {
		log_error("not running");
		mem_free(err);
		return MAILCTL_NOT_RUNNING;
	}
	if (pid < 0 || kill(pid, signo) < 0) {
		log_error("%s; master holds its pid file but cannot be signalled%s%s",
			  err, pid > 0 ? ": " : "", pid > 0 ? strerror(errno) : "");
		mem_free(err);
		return MAILCTL_FAIL;
	}
	log_warn("%s; sent master (pid %ld) signal %d instead", err,
		 (long) pid, signo);
	mem_free(err);
	return MAILCTL_OK;
}

int mailctl_cmd_stop(int argc, char **argv)
{
	long timeout = config_time("master_stop_timeout") + MAILCTL_TIMEOUT_MARGIN;
	int r;

	if (mailctl_getopt(argc, argv, "", NULL) != -1 || optind != argc)
		mailctl_usage_error("stop takes no arguments");
	r = mailctl_tell_master("stop", SIGTERM);
	if (r != MAILCTL_OK)
		return r;
	if (mailctl_wait_exit(timeout) < 0) {
		log_error("master still running after %ld seconds", timeout);
		return MAILCTL_FAIL;
	}
	log_info("stopped");
	return MAILCTL_OK;
}

int mailctl_cmd_reload(int argc, char **argv)
{
	int r;

	if (mailctl_getopt(argc, argv, "", NULL) != -1 || optind != argc)
		mailctl_usage_error("reload takes no arguments");
	r = mailctl_tell_master("reload", SIGHUP);
	if (r == MAILCTL_OK)
		log_info("reload requested");
	return r;
}

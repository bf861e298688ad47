/* mailctl_ctl.c - `mailctl start`, `stop` and `reload`.
 *
 * start runs master with a pipe (master -r FD) and returns only when master
 * reports "ready" (every service is up) or "error: ..." (then exit 1 with
 * master's reason), so a script that runs `mailctl start && ...` can use
 * the services at once.  stop asks master over the control socket (or
 * signals it when the socket does not answer) and returns when master has
 * exited, which its pid-file lock tells exactly.  Stopping or reloading a
 * suite that is not running exits MAILCTL_NOT_RUNNING, like status.
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

#include "config.h"
#include "log.h"
#include "mailctl.h"
#include "mem.h"

/* Added to master's own timeouts: master reports its failure itself at its
 * deadline, and mailctl must not give up first. */
#define MAILCTL_TIMEOUT_MARGIN 15
/* Longest start report we accept ("error: " and a reason). */
#define MAILCTL_REPORT_MAX 4096

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

/* Read master's one-line start report within timeout_ms; the line without
 * its newline, or "" on EOF before a line, or NULL on timeout. */
static char *mailctl_read_report(int fd, long timeout_ms)
{
	long deadline = mailctl_now() + timeout_ms;
	buf_t line = BUF_INIT;
	char chunk[512];

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long left = deadline - mailctl_now();
		ssize_t n;
		char *nl;

		if (left <= 0) {
			buf_release(&line);
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
		buf_append(&line, chunk, (size_t) n);
		nl = memchr(line.data, '\n', line.len);
		if (nl != NULL) {
			buf_truncate(&line, (size_t) (nl - line.data));
			break;
		}
		if (line.len > MAILCTL_REPORT_MAX)
			break;
	}
	return buf_steal(&line);
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
	int p[2], status, devnull;
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
	report = mailctl_read_report(p[0], timeout * 1000);
	close(p[0]);
	if (report == NULL) {
		log_error("master did not report within %ld seconds; see the log",
			  timeout);
		return MAILCTL_FAIL;
	}
	if (strcmp(report, "ready") == 0) {
		/* The process we started leaves once it has detached; reap
		 * it if it already has, never wait for a daemon. */
		waitpid(pid, &status, WNOHANG);
		mem_free(report);
		log_info("started");
		return MAILCTL_OK;
	}
	if (strncmp(report, "error: ", 7) == 0) {
		waitpid(pid, &status, WNOHANG);
		log_error("master: %s", report + 7);
	} else if (*report == '\0') {
		/* No report at all: master died before it could send one. */
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		mailctl_describe_exit(status, &why);
		log_error("master ended without reporting ready (%s); see the log",
			  buf_str(&why));
	} else {
		log_error("master sent an unexpected start report: \"%s\"", report);
	}
	buf_release(&why);
	mem_free(report);
	return MAILCTL_FAIL;
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

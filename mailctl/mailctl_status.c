/* mailctl_status.c - `mailctl status`: master's pid and a table of its
 * services as master reports them over the control socket; with -v also
 * anvil's counters per service and client address (mailctl_anvil.c).
 *
 * The exit status is that of an LSB init script's status action, so an
 * init script can pass it on: 0 master answers, MAILCTL_NOT_RUNNING (3)
 * it is not running, MAILCTL_STATUS_UNKNOWN (4) it cannot be told: master
 * runs but does not answer, or the caller may not ask.  The control socket
 * is root's (mode 0600) when master runs as root, because what it accepts
 * (reload, stop) is root's to decide; so for anyone else status says that
 * it needs root, rather than guessing from the outside.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "log.h"
#include "mailctl.h"
#include "master_proto.h"
#include "mem.h"

static const char *const mailctl_status_cols[] = {
	"service", "type", "listen", "maxproc", "procs", "busy", "ready",
	"throttled", "pids", NULL,
};
#define MAILCTL_STATUS_NCOLS 9

/* A cell of the table; "procs" is "N+D" while D processes drain
 * (master_proto.h: alive, no longer counted against maxproc). */
static const char *mailctl_status_cell(const attr_t *a, size_t col, size_t row)
{
	static char procs[64];
	const char *v = attr_get_nth(a, mailctl_status_cols[col], row);
	const char *d = attr_get_nth(a, "draining", row);

	if (v != NULL && strcmp(mailctl_status_cols[col], "procs") == 0 &&
	    d != NULL && strcmp(d, "0") != 0 && *d != '\0') {
		snprintf(procs, sizeof(procs), "%s+%s", v, d);
		return procs;
	}
	return v != NULL && *v != '\0' ? v : "-";
}

static void mailctl_status_print(const attr_t *a)
{
	size_t rows = attr_count_of(a, "service");
	size_t width[MAILCTL_STATUS_NCOLS];
	const char *pid = attr_get(a, "pid");

	printf("master pid %s, %zu service%s\n", pid != NULL ? pid : "?", rows,
	       rows == 1 ? "" : "s");
	if (rows == 0)
		return;
	for (size_t c = 0; c < MAILCTL_STATUS_NCOLS; c++) {
		width[c] = strlen(mailctl_status_cols[c]);
		for (size_t r = 0; r < rows; r++) {
			size_t n = strlen(mailctl_status_cell(a, c, r));

			if (n > width[c])
				width[c] = n;
		}
	}
	for (size_t c = 0; c < MAILCTL_STATUS_NCOLS; c++) {
		if (c + 1 < MAILCTL_STATUS_NCOLS)
			printf("%-*s  ", (int) width[c], mailctl_status_cols[c]);
		else
			printf("%s\n", mailctl_status_cols[c]);
	}
	for (size_t r = 0; r < rows; r++) {
		for (size_t c = 0; c < MAILCTL_STATUS_NCOLS; c++) {
			if (c + 1 < MAILCTL_STATUS_NCOLS)
				printf("%-*s  ", (int) width[c],
				       mailctl_status_cell(a, c, r));
			else
				printf("%s\n", mailctl_status_cell(a, c, r));
		}
	}
}

/* The control socket refused us: say whose it is and what to do. */
static void mailctl_status_needs_owner(void)
{
	char *path = mem_printf("%s/%s", config_str("queue_directory"),
				MASTER_CONTROL_SOCKET);
	struct stat st;
	struct passwd *pw;

	if (stat(path, &st) == 0 && st.st_uid != 0 &&
	    (pw = getpwuid(st.st_uid)) != NULL)
		log_error("status needs to be run by %s: master's control socket "
			  "%s is %s's (mode %04o), and only its owner may ask "
			  "master", pw->pw_name, path, pw->pw_name,
			  (unsigned) (st.st_mode & 07777));
	else
		log_error("status needs root: master's control socket %s is "
			  "root's (mode 0600), and only root may ask master; "
			  "run `mailctl status` as root", path);
	mem_free(path);
}

int mailctl_cmd_status(int argc, char **argv)
{
	attr_t *reply = attr_new();
	char *err = NULL;
	int r, err_no, verbose = 0, ret = MAILCTL_OK;
	pid_t pid;

	while (mailctl_getopt(argc, argv, "v", NULL) != -1)
		verbose = 1;	/* -v is the only option */
	if (optind != argc)
		mailctl_usage_error("status takes no arguments");
	r = mailctl_control("status", reply, &err);
	err_no = errno;
	if (r == 0) {
		mailctl_status_print(reply);
		if (verbose)
			mailctl_status_anvil();
	} else if (r == -1 && (err_no == EACCES || err_no == EPERM)) {
		mailctl_status_needs_owner();
		ret = MAILCTL_STATUS_UNKNOWN;
	} else if ((pid = mailctl_master_pid()) != 0) {
		if (pid > 0)
			log_error("master (pid %ld) runs but does not answer: %s",
				  (long) pid, err);
		else
			log_error("master is starting or stopping: %s", err);
		ret = MAILCTL_STATUS_UNKNOWN;
	} else {
		/* The normal answer when stopped: on stdout, not an error. */
		printf("not running\n");
		ret = MAILCTL_NOT_RUNNING;
	}
	mem_free(err);
	attr_free(&reply);
	return ret;
}

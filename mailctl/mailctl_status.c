/* mailctl_status.c - `mailctl status`: master's pid and a table of its
 * services as master reports them over the control socket; with -v also
 * anvil's counters per service and client address (mailctl_anvil.c).
 *
 * Exit 0 when master answers, MAILCTL_NOT_RUNNING when it is not running,
 * 1 when it runs but does not answer (or we may not ask it).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "mailctl.h"
#include "mem.h"

static const char *const mailctl_status_cols[] = {
	"service", "type", "listen", "maxproc", "procs", "busy", "ready",
	"throttled", "pids", NULL,
};
#define MAILCTL_STATUS_NCOLS 9

static const char *mailctl_status_cell(const attr_t *a, size_t col, size_t row)
{
	const char *v = attr_get_nth(a, mailctl_status_cols[col], row);

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
	} else if (r == -1 && err_no == EACCES) {
		log_error("%s", err);
		ret = MAILCTL_FAIL;
	} else if ((pid = mailctl_master_pid()) != 0) {
		if (pid > 0)
			log_error("master (pid %ld) runs but does not answer: %s",
				  (long) pid, err);
		else
			log_error("master is starting or stopping: %s", err);
		ret = MAILCTL_FAIL;
	} else {
		/* The normal answer when stopped: on stdout, not an error. */
		printf("not running\n");
		ret = MAILCTL_NOT_RUNNING;
	}
	mem_free(err);
	attr_free(&reply);
	return ret;
}

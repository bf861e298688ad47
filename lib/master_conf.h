/* master_conf.h - master.conf, the service table (master.conf(5)).
 *
 * One parser for everyone who reads the table: master, before it starts or
 * reloads, and `mailctl check`, before anyone does either; so the two can
 * never disagree about what the file means.  The parser takes text and does
 * no I/O (the unit tests and the fuzzer feed it directly); whether each
 * command's program exists is a separate check on the parsed table.
 *
 * Every problem is reported, not only the first: each is one line
 * "master.conf, line N: ..." naming the line where its service begins.  The
 * parser uses the configuration (lib/config.h) already loaded for the
 * defaults of the `-` fields and to check `-o name=value` overrides.
 */
#ifndef TERN_MASTER_CONF_H
#define TERN_MASTER_CONF_H

#include <stddef.h>

#include "buf.h"

enum master_svc_type { MASTER_INET, MASTER_UNIX };

/* One service of the table, validated. */
typedef struct master_svc_def {
	char *name;		/* "smtp" (inet: the part before ':') */
	enum master_svc_type type;
	int port;		/* inet */
	int private_;		/* unix: private/ or public/ */
	int unpriv;
	int chroot;
	int maxproc;		/* 0 = no limit */
	int prefork;		/* process_prefork, main.conf or -o */
	char *command;		/* program name */
	char *path;		/* daemon_directory/command */
	char **opts;		/* "name=value" from -o, NULL-terminated */
	char **args;		/* free arguments, NULL-terminated */
	char *text;		/* the whole definition, normalised: equality */
	int line;		/* where it begins in the file */
} master_svc_def_t;

typedef struct master_conf {
	master_svc_def_t **defs;
	int count;
} master_conf_t;

/*
 * Parse the table in text (len bytes; need not be NUL-terminated).  Each
 * valid service is added to conf (which starts empty); each problem is
 * appended to problems as one line ending in '\n'.  Programs are named
 * daemon_dir/command.  Returns the number of problems: a caller that acts
 * on the table acts only when it is 0.
 */
int master_conf_parse(const char *text, size_t len, const char *daemon_dir,
		      master_conf_t *conf, buf_t *problems);
/* For each service of conf, can its program be run (access X_OK)?  A line
 * appended to problems for each one that cannot; returns their number. */
int master_conf_check_programs(const master_conf_t *conf, buf_t *problems);
void master_conf_free(master_conf_t *conf);
void master_svc_def_free(master_svc_def_t **defp);

#endif

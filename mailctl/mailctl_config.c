/* mailctl_config.c - `mailctl config`: the effective value of every
 * parameter of the table in params.c, expanded, as `name = value` lines in
 * alphabetical order (as postconf prints them).
 *
 *   -n        only the parameters set in main.conf
 *   -v        each preceded by its one-line summary, and the bounds or
 *             words it allows, as comments
 *   NAME...   only these, in the order given (unknown names: exit 1)
 *
 * A value that cannot be expanded is reported on stderr, the others are
 * still printed, and the exit status is 1.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "mailctl.h"
#include "mem.h"

static int mailctl_config_cmp(const void *a, const void *b)
{
	const param_def_t *const *pa = a, *const *pb = b;

	return strcmp((*pa)->name, (*pb)->name);
}

/* The -v comment: the summary, then what the value may be. */
static void mailctl_config_describe(const param_def_t *def)
{
	printf("# %s\n", def->summary);
	if (def->min != NULL && def->max != NULL)
		printf("# from %s to %s\n", def->min, def->max);
	for (int i = 0; def->words != NULL && def->words[i] != NULL; i++)
		printf("%s%s", i ? ", " : "# one of: ", def->words[i]);
	if (def->words != NULL)
		printf("\n");
}

/* Print one parameter; 0, or -1 when its value cannot be expanded. */
static int mailctl_config_print(const param_def_t *def, int verbose)
{
	buf_t value = BUF_INIT;
	char *err = NULL;
	int ret = 0;

	if (config_expand(def->name, &value, &err) < 0) {
		log_error("%s", err);
		mem_free(err);
		ret = -1;
	} else {
		if (verbose)
			mailctl_config_describe(def);
		printf("%s = %s\n", def->name, buf_str(&value));
	}
	buf_release(&value);
	return ret;
}

int mailctl_cmd_config(int argc, char **argv)
{
	int c, only_set = 0, verbose = 0, ret = MAILCTL_OK;
	const param_def_t **defs;
	size_t n = 0;

	while ((c = mailctl_getopt(argc, argv, "nv", NULL)) != -1) {
		if (c == 'n')
			only_set = 1;
		else if (c == 'v')
			verbose = 1;
	}
	if (optind < argc) {
		for (int i = optind; i < argc; i++) {
			const param_def_t *def = config_lookup(argv[i]);

			if (def == NULL) {
				log_error("unknown parameter \"%s\"", argv[i]);
				ret = MAILCTL_FAIL;
			} else if ((!only_set || config_is_set(def->name)) &&
				   mailctl_config_print(def, verbose) < 0) {
				ret = MAILCTL_FAIL;
			}
		}
		return ret;
	}
	while (config_params[n].name != NULL)
		n++;
	defs = mem_reallocarray(NULL, n, sizeof(*defs));
	for (size_t i = 0; i < n; i++)
		defs[i] = &config_params[i];
	qsort(defs, n, sizeof(*defs), mailctl_config_cmp);
	for (size_t i = 0; i < n; i++) {
		if (only_set && !config_is_set(defs[i]->name))
			continue;
		if (mailctl_config_print(defs[i], verbose) < 0)
			ret = MAILCTL_FAIL;
	}
	mem_free(defs);
	return ret;
}

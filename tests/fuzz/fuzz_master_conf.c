/* fuzz_master_conf.c - libFuzzer target for the master.conf parser
 * (lib/master_conf.c), which master and `mailctl check` share.
 *
 * The input is parsed as master.conf text, with the default configuration
 * (for `-` fields and -o checks); every service it yields is walked, so a
 * half-made definition would show, and the table is freed.  The program
 * check is left out: it asks the file system, not the parser.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "master_conf.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where the walk's result goes, so the walk is not optimised away. */
static volatile size_t fuzz_master_conf_sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	log_set_dest(LOG_DEST_FILE, "/dev/null");
	config_reset();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	buf_t problems = BUF_INIT;
	master_conf_t conf;
	size_t total = 0;
	int n;

	n = master_conf_parse((const char *) data, size, "/nonexistent", &conf,
			      &problems);
	if ((n == 0) != (problems.len == 0))
		__builtin_trap();
	for (int i = 0; i < conf.count; i++) {
		const master_svc_def_t *d = conf.defs[i];

		total += strlen(d->name) + strlen(d->command) + strlen(d->path) +
			strlen(d->text);
		for (char **o = d->opts; *o; o++)
			total += strlen(*o);
		for (char **a = d->args; *a; a++)
			total += strlen(*a);
		if (d->maxproc < 0 || d->prefork < 0 ||
		    (d->type == MASTER_INET && (d->port < 1 || d->port > 65535)))
			__builtin_trap();
	}
	master_conf_free(&conf);
	buf_release(&problems);
	fuzz_master_conf_sink = total;
	return 0;
}

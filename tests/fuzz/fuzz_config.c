/* fuzz_config.c - libFuzzer target for the main.conf parser and $name
 * expansion (lib/config_load.c, lib/config.c).
 *
 * The input is loaded as main.conf text; then every parameter of the table
 * is expanded and the whole configuration validated.  Only the non-fatal
 * calls are used (config_expand, config_validate): the typed getters end
 * the process on a bad value by design, which is not a finding.
 */
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "mem.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	/* Unknown-name warnings would drown the fuzzer's own output. */
	log_set_dest(LOG_DEST_FILE, "/dev/null");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	buf_t value = BUF_INIT, errors = BUF_INIT;
	char *err = NULL;

	config_reset();
	if (config_load_text((const char *) data, size, "fuzz", &err) < 0) {
		mem_free(err);
		return 0;
	}
	for (const param_def_t *p = config_params; p->name != NULL; p++) {
		if (config_expand(p->name, &value, &err) < 0)
			MEM_FREE(err);
	}
	config_validate(&errors);
	config_unknown_names();
	buf_release(&value);
	buf_release(&errors);
	return 0;
}

/* fuzz_pop3d_parse.c - libFuzzer target for the POP3 command-line parser.
 *
 * The parser lives in pop3d/ and needs nothing but lib/, so it is compiled
 * in here.  Whatever it returns must point inside the line buffer and hold
 * no space in an argument.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../pop3d/pop3d_parse.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	buf_t line = BUF_INIT;
	pop3d_cmd_t cmd;

	if (size > 300)
		return 0;
	buf_append(&line, data, size);
	pop3d_parse(&line, &cmd);
	if (cmd.name == NULL || cmd.rest == NULL || cmd.nargs < 0 ||
	    cmd.nargs > POP3D_ARGS_MAX)
		abort();
	for (int i = 0; i < cmd.nargs; i++)
		if (cmd.args[i][0] == '\0' || strchr(cmd.args[i], ' ') != NULL)
			abort();
	buf_release(&line);
	return 0;
}

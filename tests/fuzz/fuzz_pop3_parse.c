/* fuzz_pop3_parse.c - libFuzzer target for the POP3 command-line parser
 * (lib/pop3_parse.c), which both pop3d programs run on every line a
 * client sends.
 *
 * Whatever it returns must point inside the line buffer and hold no space
 * in an argument; its verdict matches cmd.bad, and a line it accepts has
 * a keyword of three or four upper-case letters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pop3_parse.h"

static int inside(const buf_t *line, const char *p)
{
	return p >= line->data && p <= line->data + line->len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	buf_t line = BUF_INIT;
	pop3_cmd_t cmd;
	int r;

	if (size > 300)
		return 0;
	buf_append(&line, data, size);
	r = pop3_parse(&line, &cmd);
	if (cmd.name == NULL || cmd.rest == NULL || cmd.nargs < 0 ||
	    cmd.nargs > POP3_ARGS_MAX || (r < 0) != (cmd.bad != 0))
		abort();
	if ((line.data != NULL && !inside(&line, cmd.name)) ||
	    (*cmd.rest != '\0' && !inside(&line, cmd.rest)))
		abort();
	for (int i = 0; i < cmd.nargs; i++)
		if (!inside(&line, cmd.args[i]) || cmd.args[i][0] == '\0' ||
		    strchr(cmd.args[i], ' ') != NULL)
			abort();
	if (r == 0) {
		size_t klen = strlen(cmd.name);

		if (klen < 3 || klen > 4)
			abort();
		for (size_t i = 0; i < klen; i++)
			if (cmd.name[i] < 'A' || cmd.name[i] > 'Z')
				abort();
	}
	buf_release(&line);
	return 0;
}

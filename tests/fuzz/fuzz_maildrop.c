/* fuzz_maildrop.c - libFuzzer target for the maildrop file parser
 * (lib/maildrop.c), which pickup and terndrop run on what local users
 * wrote.
 *
 * Any input is refused, incomplete, or parses to an envelope that obeys
 * every rule (one sender, 1..MAILDROP_MAX_RCPTS recipients, each address
 * acceptable) and survives a round trip: encoding it again and parsing
 * that gives the same envelope.  A prefix of an input never parses to a
 * different envelope: it is MAILDROP_MORE or the same verdict.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "maildrop.h"

static int env_valid(const maildrop_env_t *e)
{
	if (e->sender == NULL || e->nrcpts == 0 || e->nrcpts > MAILDROP_MAX_RCPTS ||
	    !maildrop_addr_ok(e->sender, strlen(e->sender), 1, NULL))
		return 0;
	for (size_t i = 0; i < e->nrcpts; i++)
		if (!maildrop_addr_ok(e->rcpts[i], strlen(e->rcpts[i]), 0, NULL))
			return 0;
	return 1;
}

static int env_equal(const maildrop_env_t *a, const maildrop_env_t *b)
{
	if (strcmp(a->sender, b->sender) != 0 || a->nrcpts != b->nrcpts)
		return 0;
	for (size_t i = 0; i < a->nrcpts; i++)
		if (strcmp(a->rcpts[i], b->rcpts[i]) != 0)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *) data, *why = NULL;
	maildrop_env_t env, again;
	buf_t b = BUF_INIT;
	size_t off = 0, off2 = 0;
	int r = maildrop_parse(in, size, &env, &off, &why);

	if (r == MAILDROP_BAD && why == NULL)
		abort();
	if (r == MAILDROP_OK) {
		if (!env_valid(&env) || off > size)
			abort();
		if (maildrop_encode(env.sender, env.rcpts, env.nrcpts, &b, &why) < 0 ||
		    maildrop_parse(b.data, b.len, &again, &off2, &why) != MAILDROP_OK ||
		    off2 != b.len || !env_equal(&env, &again))
			abort();
		maildrop_env_clear(&again);
		maildrop_env_clear(&env);
		/* Half the input: not yet complete, or the same envelope. */
		r = maildrop_parse(in, size / 2, &again, &off2, &why);
		if (r == MAILDROP_OK) {
			if (off2 != off)
				abort();
			maildrop_env_clear(&again);
		} else if (r != MAILDROP_MORE) {
			abort();
		}
	}
	buf_release(&b);
	return 0;
}

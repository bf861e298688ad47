/* fuzz_attr.c - libFuzzer target for the IPC record decoder (lib/attr.c).
 *
 * Any input either is refused or decodes to a record that survives a round
 * trip: encoding it and decoding that again gives the same attributes, and
 * encoding is canonical, so a second encoding is byte for byte the first.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"

static int attr_equal(const attr_t *a, const attr_t *b)
{
	if (a->count != b->count)
		return 0;
	for (size_t i = 0; i < a->count; i++)
		if (strcmp(a->names[i], b->names[i]) != 0 ||
		    a->values_len[i] != b->values_len[i] ||
		    memcmp(a->values[i], b->values[i], a->values_len[i]) != 0 ||
		    a->values[i][a->values_len[i]] != '\0')
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	attr_t *a = attr_new(), *b = attr_new();
	buf_t once = BUF_INIT, twice = BUF_INIT;

	if (attr_decode((const char *) data, size, a) == ATTR_OK) {
		attr_encode(a, &once);
		if (attr_decode(once.data, once.len, b) != ATTR_OK ||
		    !attr_equal(a, b))
			abort();
		attr_encode(b, &twice);
		if (once.len != twice.len ||
		    memcmp(once.data, twice.data, once.len) != 0)
			abort();
	} else if (a->count != 0) {
		abort();
	}
	buf_release(&once);
	buf_release(&twice);
	attr_free(&a);
	attr_free(&b);
	return 0;
}

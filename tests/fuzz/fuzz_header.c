/* fuzz_header.c - libFuzzer target for header_next / header_value. */
#include <stdint.h>
#include <stdlib.h>

#include "header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *) data;
	buf_t v = BUF_INIT;
	header_field_t f;
	size_t pos = 0, last = 0;

	while (header_next(d, size, &pos, &f) == 1) {
		if (pos <= last || pos > size || f.start + f.len != d + pos)
			abort();
		last = pos;
		header_value(&f, &v);
	}
	if (pos > size)
		abort();
	buf_release(&v);
	return 0;
}

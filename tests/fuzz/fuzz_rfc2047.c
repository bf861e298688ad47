/* fuzz_rfc2047.c - libFuzzer target for the encoded-word decoder
 * (lib/rfc2047.c), which SEARCH runs on every header field of stored
 * mail, anyone's input, and which reaches iconv through lib/charset.c
 * with charset names the input chooses.
 *
 * Checked: decoding never crashes or leaks; the output is well-formed
 * UTF-8; its size is bounded by a fixed multiple of the input's; and a
 * value without "=?" comes out as itself, unfolded (a line break before
 * a space or tab removed), when it is well-formed UTF-8.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "rfc2047.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *) data;
	buf_t out = BUF_INIT, check = BUF_INIT;

	if (size > 65536)
		return 0;
	rfc2047_decode(in, size, &out);
	if (utf8_sanitize(out.data ? out.data : "", out.len, &check) != 0)
		abort();
	/* At worst a few code points of UTF-8 for each input octet. */
	if (out.len > 16 * size + 16)
		abort();
	if (memmem(in, size, "=?", 2) == NULL) {
		buf_t plain = BUF_INIT;

		for (size_t i = 0; i < size; i++) {
			size_t brk = in[i] == '\n' ? 1 :
				     in[i] == '\r' && i + 1 < size && in[i + 1] == '\n' ? 2 : 0;

			if (brk > 0 && i + brk < size && (in[i + brk] == ' ' || in[i + brk] == '\t'))
				i += brk - 1;
			else
				buf_putc(&plain, in[i]);
		}
		buf_reset(&check);
		if (utf8_sanitize(plain.data ? plain.data : "", plain.len, &check) == 0 &&
		    (plain.len != out.len || (out.len > 0 && memcmp(plain.data, out.data, out.len) != 0)))
			abort();
		buf_release(&plain);
	}
	buf_release(&out);
	buf_release(&check);
	return 0;
}

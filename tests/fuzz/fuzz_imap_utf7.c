/* fuzz_imap_utf7.c - libFuzzer target for modified UTF-7 mailbox names
 * (lib/imap_utf7.c), decoded from every mailbox argument a client sends.
 *
 * The input is tried both ways.  What decodes must encode back to the
 * same octets (one name, one spelling), and what encodes must decode
 * back to the same UTF-8; a refusal must leave the output untouched.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap_utf7.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *) data;
	buf_t a = BUF_INIT, b = BUF_INIT;

	if (size > 4096)
		return 0;
	if (imap_utf7_to_utf8(in, size, &a) == 0) {
		if (imap_utf8_to_utf7(buf_str(&a), a.len, &b) != 0 || b.len != size ||
		    (size > 0 && memcmp(b.data, in, size) != 0))
			abort();
	} else if (a.len != 0) {
		abort();
	}
	buf_reset(&a);
	buf_reset(&b);
	if (imap_utf8_to_utf7(in, size, &a) == 0) {
		if (imap_utf7_to_utf8(buf_str(&a), a.len, &b) != 0 || b.len != size ||
		    (size > 0 && memcmp(b.data, in, size) != 0))
			abort();
	} else if (a.len != 0) {
		abort();
	}
	buf_release(&a);
	buf_release(&b);
	return 0;
}

/* fuzz_mime_downgrade.c - libFuzzer target for the 8-bit to 7-bit MIME
 * conversion (lib/mime_downgrade.c), which smtp-out runs on messages
 * from anyone for peers without 8BITMIME.
 *
 * The promises of mime_downgrade.h: 0 and an exact copy for a 7-bit
 * message; 1 and an output without 8-bit octets, which converts to
 * itself, for a converted one; -1 with a reason otherwise (never for a
 * 7-bit message).  The input is a message as stored (LF line ends).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mime_downgrade.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *) data;
	buf_t out = BUF_INIT, again = BUF_INIT;
	const char *err = NULL;
	int r;

	if (size > 65536)
		return 0;
	r = mime_downgrade(in, size, &out, &err);
	if (r == 0 && (mime_has_8bit(in, size) || out.len != size ||
		       (size > 0 && memcmp(out.data, in, size) != 0)))
		abort();
	if (r == 1) {
		if (!mime_has_8bit(in, size) || mime_has_8bit(out.data, out.len))
			abort();
		if (mime_downgrade(out.data, out.len, &again, &err) != 0)
			abort();
	}
	if (r < 0 && (err == NULL || err[0] == '\0' || !mime_has_8bit(in, size)))
		abort();
	if (r < -1 || r > 1)
		abort();
	buf_release(&out);
	buf_release(&again);
	return 0;
}

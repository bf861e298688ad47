/* fuzz_imap_envelope.c - libFuzzer target for ENVELOPE
 * (lib/imap_envelope.c) and the address list parser under it
 * (lib/imap_address.c), run by imapd on headers from anyone.
 *
 * The input is a header.  Checked: the envelope is well formed
 * (fuzz_imap_check.h) with and without UTF-8 quoting, holds ten members,
 * and the address list of the whole input keeps the limit, never has an
 * address with a host but no mailbox, and has its group markers
 * balanced (a start, then an end before the next start).
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_imap_check.h"
#include "imap_address.h"
#include "imap_envelope.h"
#include "imap_quote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *) data;
	buf_t out = BUF_INIT;
	imap_address_t *a;
	unsigned int n;
	int in_group = 0;

	if (size > 65536)
		return 0;
	for (int flags = 0; flags <= IMAP_QUOTE_UTF8; flags++) {
		buf_reset(&out);
		imap_envelope_write(&out, d, size, flags);
		if (!fuzz_imap_check(out.data, out.len, flags) || out.data[0] != '(' ||
		    out.data[out.len - 1] != ')')
			abort();
	}
	n = imap_address_parse(d, size, &a);
	if (n > IMAP_ADDRESS_MAX || (n == 0) != (a == NULL))
		abort();
	for (unsigned int i = 0; i < n; i++) {
		if (a[i].host == NULL && a[i].mailbox != NULL) {
			if (in_group)
				abort();
			in_group = 1;
		} else if (a[i].host == NULL) {
			if (!in_group || a[i].name != NULL || a[i].adl != NULL)
				abort();
			in_group = 0;
		} else if (a[i].mailbox == NULL) {
			abort();
		}
	}
	if (in_group)
		abort();
	imap_address_free(&a, n);
	buf_release(&out);
	return 0;
}

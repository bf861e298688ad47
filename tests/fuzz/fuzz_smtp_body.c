/* fuzz_smtp_body.c - libFuzzer target for the DATA and BDAT body encoder
 * (lib/smtp_body.c), which smtp-out runs on every message it sends.
 *
 * Differential, and a round trip through tern's own server side:
 *   - the encoding, whole, one octet at a time and in pieces of sizes
 *     taken from the input, must equal a plain reference written from
 *     smtp_body.h's rules (split the stored form into lines at every CR
 *     and every LF; each line ended by CRLF, a leading dot doubled for
 *     DATA; ".\r\n" at the end for DATA);
 *   - its size must be the stored size plus one per CR or LF, plus 2 for
 *     an unended last line, plus the stuffed dots and the end line;
 *   - a counting-only run must give the same size;
 *   - no CR or LF may appear on the wire but as CRLF;
 *   - the DATA form, decoded by smtpd's decoder (lib/smtp_data.c), must
 *     end exactly at its end line and give back the lines with LF ends.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "smtp_body.h"
#include "smtp_data.h"

/* The reference: wire form into wire, the lines with LF ends into lf. */
static void ref(const char *in, size_t len, int stuff, buf_t *wire, buf_t *lf)
{
	size_t pos = 0;

	while (pos < len) {
		size_t end = pos;

		while (end < len && in[end] != '\r' && in[end] != '\n')
			end++;
		if (stuff && end > pos && in[pos] == '.')
			buf_putc(wire, '.');
		buf_append(wire, in + pos, end - pos);
		buf_puts(wire, "\r\n");
		buf_append(lf, in + pos, end - pos);
		buf_putc(lf, '\n');
		pos = end + 1;
	}
	if (stuff)
		buf_puts(wire, ".\r\n");
}

static void run(const char *in, size_t len, int stuff, const uint8_t *steps,
		size_t nsteps, buf_t *out, unsigned long long *octets)
{
	smtp_body_t b;
	size_t off = 0, k = 0;

	smtp_body_init(&b, stuff);
	while (off < len) {
		size_t n = nsteps == 0 ? len - off : (size_t) steps[k++ % nsteps] % 16 + 1;

		if (n > len - off)
			n = len - off;
		smtp_body_encode(&b, in + off, n, out);
		off += n;
	}
	smtp_body_finish(&b, out);
	*octets = smtp_body_octets(&b);
}

static int same(const buf_t *a, const buf_t *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t one[] = { 0 };
	const char *in = (const char *) data;
	buf_t want = BUF_INIT, lf = BUF_INIT, got = BUF_INIT;
	unsigned long long octets;

	if (size > 65536)
		return 0;
	for (int stuff = 0; stuff < 2; stuff++) {
		buf_reset(&want);
		buf_reset(&lf);
		ref(in, size, stuff, &want, &lf);
		for (int way = 0; way < 4; way++) {
			buf_reset(&got);
			run(in, size, stuff, way == 1 ? one : data,
			    way == 0 ? 0 : way == 1 ? 1 : size < 16 ? size : 16,
			    way == 3 ? NULL : &got, &octets);
			if (octets != want.len || (way != 3 && !same(&want, &got)))
				abort();
		}
		{
			size_t n = size, dots = 0;

			for (size_t i = 0; i < size; i++) {
				n += in[i] == '\r' || in[i] == '\n';
				dots += stuff && in[i] == '.' &&
					(i == 0 || in[i - 1] == '\r' || in[i - 1] == '\n');
			}
			if (size > 0 && in[size - 1] != '\r' && in[size - 1] != '\n')
				n += 2;
			if (want.len != n + dots + (stuff ? 3 : 0))
				abort();
		}
		for (size_t i = 0; i < want.len; i++) {
			if ((want.data[i] == '\r') != (i + 1 < want.len && want.data[i + 1] == '\n'))
				abort();
			if (want.data[i] == '\n' && (i == 0 || want.data[i - 1] != '\r'))
				abort();
		}
		if (stuff) {
			smtp_data_t d;
			size_t used;

			buf_reset(&got);
			smtp_data_init(&d);
			used = smtp_data_decode(&d, want.data, want.len, &got);
			if (!smtp_data_done(&d) || used != want.len || !same(&got, &lf))
				abort();
		}
	}
	buf_release(&want);
	buf_release(&lf);
	buf_release(&got);
	return 0;
}

/* fuzz_mime_qp.c - libFuzzer target for the quoted-printable encoder
 * (lib/mime_qp.c), which smtp-out runs on 8-bit bodies for peers without
 * 8BITMIME.
 *
 * Round trip and form: decoding the output (a plain decoder written from
 * RFC 2045 §6.7 here) must give back the input octet for octet; every
 * encoded line is within 76 characters, holds only printable ASCII,
 * space and tab, ends in neither a space nor a tab, and starts with no
 * "-".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mime_qp.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode; -1 for anything the encoder must not produce. */
static int decode(const char *s, size_t len, buf_t *out)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '=') {
			buf_putc(out, s[i]);
			continue;
		}
		if (i + 1 < len && s[i + 1] == '\n') {
			i++;
			continue;
		}
		if (i + 2 >= len || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
			return -1;
		buf_putc(out, hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
		i += 2;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	buf_t enc = BUF_INIT, dec = BUF_INIT;
	size_t col = 0;

	if (size > 65536)
		return 0;
	mime_qp_encode((const char *) data, size, &enc);
	for (size_t i = 0; i < enc.len; i++) {
		char c = enc.data[i];

		if (c == '\n') {
			if (col > 0 && (enc.data[i - 1] == ' ' || enc.data[i - 1] == '\t'))
				abort();
			col = 0;
			continue;
		}
		if (!((c >= 32 && c <= 126) || c == '\t'))
			abort();
		if (col == 0 && c == '-')
			abort();
		if (++col > MIME_QP_LINE_MAX)
			abort();
	}
	if (enc.len > 0 && (enc.data[enc.len - 1] == ' ' || enc.data[enc.len - 1] == '\t'))
		abort();
	if (decode(enc.data, enc.len, &dec) < 0 || dec.len != size ||
	    (size > 0 && memcmp(dec.data, data, size) != 0))
		abort();
	buf_release(&enc);
	buf_release(&dec);
	return 0;
}

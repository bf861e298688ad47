/* base64.c - strict base64; see base64.h. */
#include "base64.h"

static const char base64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64_encode(const void *data, size_t len, buf_t *out)
{
	const unsigned char *p = data;
	size_t i;

	buf_reserve(out, (len + 2) / 3 * 4);
	for (i = 0; i + 3 <= len; i += 3) {
		unsigned v = (unsigned) p[i] << 16 | (unsigned) p[i + 1] << 8 | p[i + 2];

		buf_putc(out, base64_alphabet[v >> 18]);
		buf_putc(out, base64_alphabet[(v >> 12) & 63]);
		buf_putc(out, base64_alphabet[(v >> 6) & 63]);
		buf_putc(out, base64_alphabet[v & 63]);
	}
	if (len - i == 1) {
		unsigned v = (unsigned) p[i] << 16;

		buf_putc(out, base64_alphabet[v >> 18]);
		buf_putc(out, base64_alphabet[(v >> 12) & 63]);
		buf_puts(out, "==");
	} else if (len - i == 2) {
		unsigned v = (unsigned) p[i] << 16 | (unsigned) p[i + 1] << 8;

		buf_putc(out, base64_alphabet[v >> 18]);
		buf_putc(out, base64_alphabet[(v >> 12) & 63]);
		buf_putc(out, base64_alphabet[(v >> 6) & 63]);
		buf_putc(out, '=');
	}
}

int base64_char_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int base64_decode(const char *s, size_t len, buf_t *out)
{
	buf_reset(out);
	if (len % 4 != 0)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int last = i + 4 == len;
		int pad = 0, v[4];

		for (int k = 0; k < 4; k++) {
			if (s[i + k] == '=' && last && k >= 2) {
				pad++;
				v[k] = 0;
				continue;
			}
			/* Padding, once seen, must run to the end. */
			if (pad || (v[k] = base64_char_value((unsigned char) s[i + k])) < 0)
				return -1;
		}
		/* Bits after the last octet must be zero (RFC 4648 §3.5), so
		 * each octet string has exactly one encoding. */
		if ((pad == 2 && (v[1] & 15)) || (pad == 1 && (v[2] & 3)))
			return -1;
		buf_putc(out, v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			buf_putc(out, (v[1] & 15) << 4 | v[2] >> 2);
		if (pad < 1)
			buf_putc(out, (v[2] & 3) << 6 | v[3]);
	}
	return 0;
}

/* utf8_strict.c - strict UTF-8 decoding and encoding (utf8_strict.h).
 *
 * RFC 3629 §4 gives the well-formed sequences: the second octet's range
 * depends on the first (E0 needs A0-BF, ED 80-9F, F0 90-BF, F4 80-8F),
 * which excludes overlongs, surrogates and values above U+10FFFF without
 * a check after decoding.
 */
#include "utf8_strict.h"

int utf8_strict_decode(const unsigned char *s, size_t len, uint32_t *cp_r)
{
	unsigned char c, lo = 0x80, hi = 0xbf;
	uint32_t cp;
	size_t n;

	if (len == 0)
		return -1;
	c = s[0];
	if (c < 0x80) {
		*cp_r = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return -1;
	}
	if (len < n || s[1] < lo || s[1] > hi)
		return -1;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	*cp_r = cp;
	return (int) n;
}

int utf8_strict_encode(uint32_t cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char) cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char) (0xc0 | (cp >> 6));
		out[1] = (unsigned char) (0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0;
	if (cp < 0x10000) {
		out[0] = (unsigned char) (0xe0 | (cp >> 12));
		out[1] = (unsigned char) (0x80 | ((cp >> 6) & 0x3f));
		out[2] = (unsigned char) (0x80 | (cp & 0x3f));
		return 3;
	}
	if (cp > 0x10ffff)
		return 0;
	out[0] = (unsigned char) (0xf0 | (cp >> 18));
	out[1] = (unsigned char) (0x80 | ((cp >> 12) & 0x3f));
	out[2] = (unsigned char) (0x80 | ((cp >> 6) & 0x3f));
	out[3] = (unsigned char) (0x80 | (cp & 0x3f));
	return 4;
}

int utf8_strict_valid(const void *s, size_t len)
{
	const unsigned char *p = s;
	uint32_t cp;

	while (len > 0) {
		int n = utf8_strict_decode(p, len, &cp);

		if (n < 0)
			return 0;
		p += n;
		len -= (size_t) n;
	}
	return 1;
}

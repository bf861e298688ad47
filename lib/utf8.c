/* utf8.c - strict UTF-8 decoding and encoding; see utf8.h. */
#include "utf8.h"

/* The second octet's range after each lead (RFC 3629 §4); the rest of the
 * continuation octets are 80..BF. */
static int utf8_lead(unsigned char c, size_t *need_r, unsigned char *lo_r,
		     unsigned char *hi_r)
{
	*lo_r = 0x80;
	*hi_r = 0xBF;
	if (c >= 0xC2 && c <= 0xDF)
		*need_r = 1;
	else if (c >= 0xE0 && c <= 0xEF) {
		*need_r = 2;
		if (c == 0xE0)
			*lo_r = 0xA0;	/* no overlong forms */
		else if (c == 0xED)
			*hi_r = 0x9F;	/* no surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		*need_r = 3;
		if (c == 0xF0)
			*lo_r = 0x90;
		else if (c == 0xF4)
			*hi_r = 0x8F;	/* nothing above U+10FFFF */
	} else
		return -1;
	return 0;
}

size_t utf8_decode(const unsigned char *p, size_t len, uint32_t *cp_r)
{
	unsigned char lo, hi;
	size_t need, i;
	uint32_t cp;

	if (p[0] < 0x80) {
		*cp_r = p[0];
		return 1;
	}
	if (utf8_lead(p[0], &need, &lo, &hi) < 0) {
		*cp_r = UTF8_REPLACEMENT;
		return 1;
	}
	cp = p[0] & (0x3F >> need);
	for (i = 1; i <= need; i++) {
		if (i >= len)
			return 0;
		if (p[i] < lo || p[i] > hi) {
			*cp_r = UTF8_REPLACEMENT;
			return i;
		}
		cp = cp << 6 | (p[i] & 0x3F);
		lo = 0x80;
		hi = 0xBF;
	}
	*cp_r = cp;
	return need + 1;
}

size_t utf8_decode_end(const unsigned char *p, size_t len, uint32_t *cp_r)
{
	size_t n = utf8_decode(p, len, cp_r);

	if (n > 0)
		return n;
	*cp_r = UTF8_REPLACEMENT;
	return len;
}

size_t utf8_encode(uint32_t cp, unsigned char out[UTF8_SEQ_MAX])
{
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = UTF8_REPLACEMENT;
	if (cp < 0x80) {
		out[0] = (unsigned char) cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char) (0xC0 | cp >> 6);
		out[1] = (unsigned char) (0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char) (0xE0 | cp >> 12);
		out[1] = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
		out[2] = (unsigned char) (0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (unsigned char) (0xF0 | cp >> 18);
	out[1] = (unsigned char) (0x80 | ((cp >> 12) & 0x3F));
	out[2] = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
	out[3] = (unsigned char) (0x80 | (cp & 0x3F));
	return 4;
}

void utf8_put(buf_t *b, uint32_t cp)
{
	unsigned char seq[UTF8_SEQ_MAX];

	buf_append(b, seq, utf8_encode(cp, seq));
}

size_t utf8_sanitize(const char *s, size_t len, buf_t *b)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t i = 0, start = 0, replaced = 0;

	buf_reserve(b, len);
	while (i < len) {
		uint32_t cp;
		size_t n;

		if (p[i] < 0x80) {
			i++;
			continue;
		}
		n = utf8_decode_end(p + i, len - i, &cp);
		if (cp == UTF8_REPLACEMENT && !(n == 3 && p[i] == 0xEF &&
						p[i + 1] == 0xBF && p[i + 2] == 0xBD)) {
			buf_append(b, s + start, i - start);
			utf8_put(b, UTF8_REPLACEMENT);
			replaced++;
			start = i + n;
		}
		i += n;
	}
	buf_append(b, s + start, len - start);
	return replaced;
}

/* imap_utf7.c - modified UTF-7 for mailbox names (imap_utf7.h).
 *
 * RFC 3501 §5.1.3: printable US-ASCII but "&" stands for itself, "&" is
 * "&-", every other character is UTF-16 in base64 with "," for "/", no
 * "=" padding, between "&" and "-".  A shift holds as many characters as
 * follow each other, so "&AOQ-&APY-" (two shifts where one would do) is
 * not canonical: refused.
 */
#include <stdint.h>

#include "base64.h"
#include "imap_utf7.h"
#include "utf8_strict.h"

static const char imap_utf7_b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/* Modified UTF-7 is base64 with ',' for '/' (RFC 3501 §5.1.3). */
static int imap_utf7_b64_value(unsigned char c)
{
	if (c == ',')
		return 63;
	return c == '/' ? -1 : base64_char_value(c);
}

/* Decode the base64 of one shift, in[start..end) (without "&" and "-"),
 * to UTF-8 on out.  0, or -1. */
static int imap_utf7_shift(const char *in, size_t start, size_t end,
			   buf_t *out)
{
	uint32_t bits = 0, high = 0;
	int nbits = 0;
	unsigned char u8[UTF8_STRICT_MAX_LEN];

	for (size_t i = start; i < end; i++) {
		int v = imap_utf7_b64_value((unsigned char) in[i]);
		uint32_t unit;

		if (v < 0)
			return -1;
		bits = (bits << 6) | (uint32_t) v;
		nbits += 6;
		if (nbits < 16)
			continue;
		nbits -= 16;
		unit = (bits >> nbits) & 0xffff;
		bits &= (1u << nbits) - 1;
		if (high != 0) {
			uint32_t cp;

			if (unit < 0xdc00 || unit > 0xdfff)
				return -1;
			cp = 0x10000 + ((high - 0xd800) << 10) + (unit - 0xdc00);
			buf_append(out, u8, (size_t) utf8_strict_encode(cp, u8));
			high = 0;
		} else if (unit >= 0xd800 && unit <= 0xdbff) {
			high = unit;
		} else if (unit >= 0xdc00 && unit <= 0xdfff) {
			return -1;
		} else if (unit == 0 || (unit >= 0x20 && unit <= 0x7e)) {
			/* NUL, or printable ASCII that stands for itself */
			return -1;
		} else {
			buf_append(out, u8, (size_t) utf8_strict_encode(unit, u8));
		}
	}
	/* An unpaired high surrogate, a whole base64 character too many
	 * (6 or more bits left), or padding bits that are not zero. */
	if (high != 0 || nbits >= 6 || bits != 0)
		return -1;
	return 0;
}

int imap_utf7_to_utf8(const char *in, size_t len, buf_t *out)
{
	size_t keep = out->len, i = 0;
	int after_shift = 0;

	while (i < len) {
		unsigned char c = (unsigned char) in[i];
		size_t end;

		if (c < 0x20 || c > 0x7e)
			goto bad;
		if (c != '&') {
			buf_putc(out, c);
			after_shift = 0;
			i++;
			continue;
		}
		for (end = i + 1; end < len && in[end] != '-'; end++)
			;
		if (end == len)
			goto bad;
		if (end == i + 1) {
			buf_putc(out, '&');
			after_shift = 0;
		} else {
			if (after_shift ||
			    imap_utf7_shift(in, i + 1, end, out) < 0)
				goto bad;
			after_shift = 1;
		}
		i = end + 1;
	}
	return 0;
bad:
	buf_truncate(out, keep);
	return -1;
}

/* The encoder's open shift: bits not yet written as base64. */
struct imap_utf7_enc {
	int open;
	uint32_t bits;
	int nbits;
};

static void imap_utf7_unit(struct imap_utf7_enc *e, uint32_t unit, buf_t *out)
{
	if (!e->open) {
		buf_putc(out, '&');
		e->open = 1;
	}
	e->bits = (e->bits << 16) | unit;
	e->nbits += 16;
	while (e->nbits >= 6) {
		e->nbits -= 6;
		buf_putc(out, imap_utf7_b64[(e->bits >> e->nbits) & 0x3f]);
	}
	e->bits &= (1u << e->nbits) - 1;
}

/* Close an open shift: the last bits padded with zeros, then "-". */
static void imap_utf7_close(struct imap_utf7_enc *e, buf_t *out)
{
	if (!e->open)
		return;
	if (e->nbits > 0)
		buf_putc(out, imap_utf7_b64[(e->bits << (6 - e->nbits)) & 0x3f]);
	buf_putc(out, '-');
	e->open = 0;
	e->bits = 0;
	e->nbits = 0;
}

int imap_utf8_to_utf7(const char *in, size_t len, buf_t *out)
{
	const unsigned char *p = (const unsigned char *) in;
	struct imap_utf7_enc e = { 0, 0, 0 };
	size_t keep = out->len, i = 0;

	while (i < len) {
		uint32_t cp;
		int l = utf8_strict_decode(p + i, len - i, &cp);

		if (l < 0 || cp == 0) {
			buf_truncate(out, keep);
			return -1;
		}
		i += (size_t) l;
		if (cp >= 0x20 && cp <= 0x7e) {
			imap_utf7_close(&e, out);
			if (cp == '&')
				buf_puts(out, "&-");
			else
				buf_putc(out, (int) cp);
		} else if (cp >= 0x10000) {
			imap_utf7_unit(&e, 0xd800 + ((cp - 0x10000) >> 10), out);
			imap_utf7_unit(&e, 0xdc00 + ((cp - 0x10000) & 0x3ff), out);
		} else {
			imap_utf7_unit(&e, cp, out);
		}
	}
	imap_utf7_close(&e, out);
	return 0;
}

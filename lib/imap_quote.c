/* imap_quote.c - IMAP quoted strings, literals and atoms; see
 * imap_quote.h.  Grammar of RFC 3501 §9: quoted, QUOTED-CHAR, literal,
 * astring, ASTRING-CHAR, atom-specials. */
#include <string.h>

#include "imap_quote.h"

/* Can c stand inside a quoted string (escaped or not)? */
static int imap_quote_char_ok(unsigned char c, int flags)
{
	if (c == 0 || c == '\r' || c == '\n')
		return 0;
	return c < 0x80 || (flags & IMAP_QUOTE_UTF8);
}

/* ATOM-CHAR or resp-specials ("]"): any CHAR except "(" ")" "{" SP CTL
 * "%" "*" '"' "\". */
static int imap_quote_astring_char(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return 0;
	return strchr("(){%*\"\\", c) == NULL;
}

void imap_quote_literal(buf_t *out, const char *s, size_t len)
{
	size_t start;

	buf_printf(out, "{%zu}\r\n", len);
	start = out->len;
	buf_append(out, s, len);
	for (size_t i = start; i < out->len; i++)
		if (out->data[i] == '\0')
			out->data[i] = (char) 0x80;
}

void imap_quote_string(buf_t *out, const char *s, size_t len, int flags)
{
	size_t i, run;

	for (i = 0; i < len; i++)
		if (!imap_quote_char_ok((unsigned char) s[i], flags)) {
			imap_quote_literal(out, s, len);
			return;
		}
	buf_reserve(out, len + 2);
	buf_putc(out, '"');
	for (i = 0; i < len; i = run) {
		for (run = i; run < len && s[run] != '"' && s[run] != '\\'; run++)
			;
		buf_append(out, s + i, run - i);
		if (run < len) {
			buf_putc(out, '\\');
			buf_putc(out, s[run]);
			run++;
		}
	}
	buf_putc(out, '"');
}

void imap_quote_nstring(buf_t *out, const char *s, size_t len, int flags)
{
	if (s == NULL)
		buf_append(out, "NIL", 3);
	else
		imap_quote_string(out, s, len, flags);
}

void imap_quote_nstr(buf_t *out, const char *s, int flags)
{
	imap_quote_nstring(out, s, s == NULL ? 0 : strlen(s), flags);
}

void imap_quote_astring(buf_t *out, const char *s, size_t len, int flags)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!imap_quote_astring_char((unsigned char) s[i]))
			break;
	if (len > 0 && i == len)
		buf_append(out, s, len);
	else
		imap_quote_string(out, s, len, flags);
}

/* mime_qp.c - the quoted-printable encoder of mime_qp.h (RFC 2045 §6.7).
 *
 * One pass, a line (up to LF) at a time; each octet becomes a token of
 * one or three characters, and a soft break goes in before a token that
 * would make the line too long (the last token of a line needs no room
 * for the "=" of a soft break, the others do).
 */
#include "mime_qp.h"

static const char mime_qp_hex[] = "0123456789ABCDEF";

/* Does octet c stand for itself at index i of a line of n octets? */
static int mime_qp_literal(unsigned char c, size_t i, size_t n)
{
	if (c == ' ' || c == '\t')
		return i + 1 < n;
	return c >= 33 && c <= 126 && c != '=';
}

static void mime_qp_line(const char *s, size_t n, buf_t *out)
{
	size_t col = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char) s[i];
		int lit = mime_qp_literal(c, i, n);
		size_t limit = i + 1 == n ? MIME_QP_LINE_MAX : MIME_QP_LINE_MAX - 1;

		if (col + (lit ? 1 : 3) > limit) {
			buf_append(out, "=\n", 2);
			col = 0;
		}
		if (col == 0 && c == '-')
			lit = 0;
		if (lit) {
			buf_putc(out, c);
			col++;
		} else {
			buf_putc(out, '=');
			buf_putc(out, mime_qp_hex[c >> 4]);
			buf_putc(out, mime_qp_hex[c & 15]);
			col += 3;
		}
	}
}

void mime_qp_encode(const char *in, size_t len, buf_t *out)
{
	size_t pos = 0;

	while (pos < len) {
		size_t end = pos;

		while (end < len && in[end] != '\n')
			end++;
		mime_qp_line(in + pos, end - pos, out);
		if (end < len)
			buf_putc(out, '\n');
		pos = end + 1;
	}
}

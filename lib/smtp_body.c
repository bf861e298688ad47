/* smtp_body.c - the DATA and BDAT body encoder of smtp_body.h (RFC 5321
 * §2.3.8, §4.5.2; RFC 3030 §2).
 *
 * The only state is the position on the wire (start of a line or not), so
 * nothing is held back between pieces: the output of each piece can go
 * out before the next one is read.  Runs of plain octets are copied at
 * once.
 */
#include <string.h>

#include "smtp_body.h"

void smtp_body_init(smtp_body_t *b, int dot_stuff)
{
	b->dot_stuff = dot_stuff;
	b->bol = 1;
	b->octets = 0;
}

static void smtp_body_put(smtp_body_t *b, const char *s, size_t n, buf_t *out)
{
	if (out != NULL)
		buf_append(out, s, n);
	b->octets += n;
}

void smtp_body_encode(smtp_body_t *b, const char *in, size_t len, buf_t *out)
{
	size_t i = 0;

	while (i < len) {
		char c = in[i];
		size_t j;

		if (c == '\n' || c == '\r') {
			smtp_body_put(b, "\r\n", 2, out);
			b->bol = 1;
			i++;
			continue;
		}
		if (b->bol && b->dot_stuff && c == '.')
			smtp_body_put(b, ".", 1, out);
		b->bol = 0;
		for (j = i; j < len && in[j] != '\n' && in[j] != '\r'; j++)
			;
		smtp_body_put(b, in + i, j - i, out);
		i = j;
	}
}

void smtp_body_finish(smtp_body_t *b, buf_t *out)
{
	if (!b->bol)
		smtp_body_put(b, "\r\n", 2, out);
	if (b->dot_stuff)
		smtp_body_put(b, ".\r\n", 3, out);
	b->bol = 1;
}

unsigned long long smtp_body_octets(const smtp_body_t *b)
{
	return b->octets;
}

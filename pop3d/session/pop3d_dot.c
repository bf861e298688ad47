/* pop3d_dot.c - a stored message as a POP3 multi-line response body.
 *
 * Messages are stored with LF line ends (lib/maildir.h).  On the wire
 * every line ends with CRLF, a line starting with "." gets another "."
 * in front (RFC 1939 §3), and the response ends with ".".  Every stored
 * LF, and every stored CR, is a line end of its own and becomes CRLF:
 * the rule of lib/mime_wire.h, which IMAP shows the same message by, and
 * the very count the ,W= size in the name was made with, so the octets
 * sent match what LIST and STAT said (no bare CR reaches a client).  A message that does not end
 * with LF still gets a CRLF before the ".".  The state carries across
 * chunks, so the file may be fed in pieces of any size.
 *
 * For TOP, only the header, the blank line after it, and the first k body
 * lines go out; a message without a blank line is all header.
 */
#include <string.h>

#include "mime_wire.h"
#include "pop3d_session.h"

void pop3d_dot_init(pop3d_dot_t *d, stream_t *s, long top_lines)
{
	memset(d, 0, sizeof(*d));
	d->s = s;
	d->bol = 1;
	d->in_body = top_lines < 0;
	d->lines_left = top_lines;
}

void pop3d_dot_write(pop3d_dot_t *d, const char *p, size_t n)
{
	const char *end = p + n;

	while (p < end && !d->done) {
		const char *nl;

		if (d->bol) {
			if (!d->in_body && (*p == '\n' || *p == '\r')) {
				/* the blank line that ends the header */
				stream_write(d->s, "\r\n", 2);
				d->octets += 2;
				p++;
				d->in_body = 1;
				if (d->lines_left == 0)
					d->done = 1;
				continue;
			}
			if (*p == '.')
				stream_write(d->s, ".", 1);
			d->bol = 0;
		}
		nl = p + mime_wire_eol(p, (size_t) (end - p));
		if (nl == end) {
			stream_write(d->s, p, (size_t) (end - p));
			d->octets += end - p;
			break;
		}
		stream_write(d->s, p, (size_t) (nl - p));
		stream_write(d->s, "\r\n", 2);
		d->octets += nl - p + 2;
		p = nl + 1;
		d->bol = 1;
		if (d->in_body && d->lines_left > 0 && --d->lines_left == 0)
			d->done = 1;
	}
}

void pop3d_dot_end(pop3d_dot_t *d)
{
	/* The CRLF added to an unterminated last line belongs to the
	 * response, not the message: LIST did not count it either. */
	if (!d->bol) {
		stream_write(d->s, "\r\n", 2);
		d->bol = 1;
	}
	stream_write(d->s, ".\r\n", 3);
}

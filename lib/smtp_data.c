/* smtp_data.c - the DATA and BDAT decoders of smtp_data.h.
 *
 * The DATA decoder is a small state machine over the position in a line,
 * so that the end of data and dot-stuffing are recognised however the
 * input is cut into pieces; runs of plain text are copied at once.
 */
#include <string.h>

#include "smtp_data.h"

/* DATA decoder states: at the start of a line (after CRLF), after a
 * leading dot, after ".\r", in text, after a CR in text. */
enum { SMTP_DATA_BOL, SMTP_DATA_DOT, SMTP_DATA_DOTCR, SMTP_DATA_TEXT,
       SMTP_DATA_CR };

void smtp_data_init(smtp_data_t *d)
{
	d->state = SMTP_DATA_BOL;
	d->done = 0;
}

int smtp_data_done(const smtp_data_t *d)
{
	return d->done;
}

size_t smtp_data_decode(smtp_data_t *d, const char *in, size_t len, buf_t *out)
{
	size_t i = 0;

	while (i < len && !d->done) {
		char c = in[i];
		size_t j;

		switch (d->state) {
		case SMTP_DATA_BOL:
			d->state = SMTP_DATA_TEXT;
			if (c == '.') {
				d->state = SMTP_DATA_DOT;
				i++;
			}
			break;
		case SMTP_DATA_DOT:
			/* The leading dot is dropped (§4.5.2); a lone one
			 * ends the data only when CRLF follows. */
			d->state = SMTP_DATA_TEXT;
			if (c == '\r') {
				d->state = SMTP_DATA_DOTCR;
				i++;
			}
			break;
		case SMTP_DATA_DOTCR:
			if (c == '\n') {
				d->done = 1;
				i++;
				break;
			}
			buf_putc(out, '\r');
			d->state = SMTP_DATA_TEXT;
			break;
		case SMTP_DATA_CR:
			if (c == '\n') {
				buf_putc(out, '\n');
				d->state = SMTP_DATA_BOL;
				i++;
				break;
			}
			buf_putc(out, '\r');	/* a bare CR is content */
			d->state = SMTP_DATA_TEXT;
			break;
		default:
			for (j = i; j < len && in[j] != '\r' && in[j] != '\n'; j++)
				;
			buf_append(out, in + i, j - i);
			i = j;
			if (i == len)
				break;
			if (in[i] == '\r')
				d->state = SMTP_DATA_CR;
			else
				buf_putc(out, '\n');	/* bare LF: see smtp_data.h */
			i++;
			break;
		}
	}
	return i;
}

void smtp_bdat_init(smtp_bdat_t *b)
{
	b->cr_pending = 0;
}

void smtp_bdat_decode(smtp_bdat_t *b, const char *in, size_t len, buf_t *out)
{
	size_t i = 0;

	if (b->cr_pending && len > 0) {
		b->cr_pending = 0;
		if (in[0] == '\n') {
			buf_putc(out, '\n');
			i = 1;
		} else {
			buf_putc(out, '\r');
		}
	}
	while (i < len) {
		const char *cr = memchr(in + i, '\r', len - i);
		size_t j = cr ? (size_t) (cr - in) : len;

		buf_append(out, in + i, j - i);
		i = j;
		if (i == len)
			break;
		if (i + 1 == len) {
			b->cr_pending = 1;
			i++;
		} else if (in[i + 1] == '\n') {
			buf_putc(out, '\n');
			i += 2;
		} else {
			buf_putc(out, '\r');
			i++;
		}
	}
}

void smtp_bdat_finish(smtp_bdat_t *b, buf_t *out)
{
	if (b->cr_pending) {
		b->cr_pending = 0;
		buf_putc(out, '\r');
	}
}

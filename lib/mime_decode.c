/* mime_decode.c - streaming base64 and quoted-printable decoders; see
 * mime_decode.h. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "hex.h"
#include "mime_decode.h"

/* Quoted-printable states: what the held octets are. */
enum {
	QP_TEXT,	/* a run of spaces and tabs (maybe none) */
	QP_CR,		/* spaces and tabs, then CR */
	QP_EQ,		/* "=" */
	QP_EQ_HEX,	/* "=" and one hex digit */
	QP_EQ_WS,	/* "=" and spaces or tabs */
	QP_EQ_CR,	/* "=", maybe spaces or tabs, and CR */
};

enum mime_cte mime_cte_parse(const char *value)
{
	size_t len;

	if (value == NULL)
		return MIME_CTE_IDENTITY;
	while (*value == ' ' || *value == '\t')
		value++;
	len = strlen(value);
	while (len > 0 && isspace((unsigned char) value[len - 1]))
		len--;
	if (len == 6 && strncasecmp(value, "base64", 6) == 0)
		return MIME_CTE_BASE64;
	if (len == 16 && strncasecmp(value, "quoted-printable", 16) == 0)
		return MIME_CTE_QP;
	return MIME_CTE_IDENTITY;
}

void mime_decoder_init(struct mime_decoder *d, enum mime_cte cte)
{
	d->cte = cte;
	d->state = QP_TEXT;
	d->quantum = 0;
	d->sextets = 0;
	d->ended = 0;
	d->nhold = 0;
}

/* The octets a base64 quantum of n sextets (2..4) holds. */
static void base64_quantum_put(struct mime_decoder *d, buf_t *out)
{
	unsigned v = d->quantum << (6 * (4 - d->sextets));
	unsigned char octets[3] = {
		(unsigned char) (v >> 16), (unsigned char) (v >> 8), (unsigned char) v
	};

	/* n sextets hold n - 1 whole octets (none for one alone). */
	if (d->sextets >= 2)
		buf_append(out, octets, (size_t) d->sextets - 1);
	d->quantum = 0;
	d->sextets = 0;
}

static void base64_feed(struct mime_decoder *d, const char *in, size_t len, buf_t *out)
{
	for (size_t i = 0; i < len && !d->ended; i++) {
		int v = base64_char_value((unsigned char) in[i]);

		if (v < 0) {
			/* RFC 2045 §6.8: "=" only pads the end. */
			if (in[i] == '=') {
				base64_quantum_put(d, out);
				d->ended = 1;
			}
			continue;
		}
		d->quantum = d->quantum << 6 | (unsigned) v;
		if (++d->sextets == 4)
			base64_quantum_put(d, out);
	}
}

/* The held octets were ordinary text after all. */
static void qp_release(struct mime_decoder *d, buf_t *out)
{
	buf_append(out, d->hold, d->nhold);
	d->nhold = 0;
	d->state = QP_TEXT;
}

/* In QP_TEXT, hold c after the whitespace held; a hold that is full is
 * given out first (so a run of whitespace that long is not deleted). */
static void qp_hold(struct mime_decoder *d, char c, buf_t *out)
{
	if (d->nhold == sizeof(d->hold)) {
		buf_append(out, d->hold, d->nhold);
		d->nhold = 0;
	}
	d->hold[d->nhold++] = c;
}

/* One octet of quoted-printable; 0 when it is done with, 1 when the state
 * has fallen back to QP_TEXT and the octet must be looked at again. */
static int qp_octet(struct mime_decoder *d, char c, buf_t *out)
{
	switch (d->state) {
	case QP_TEXT:
		if (c == ' ' || c == '\t')
			qp_hold(d, c, out);
		else if (c == '\n') {
			d->nhold = 0;	/* rule 3: trailing whitespace goes */
			buf_putc(out, '\n');
		} else if (c == '\r') {
			qp_hold(d, c, out);
			d->state = QP_CR;
		} else if (c == '=') {
			qp_release(d, out);
			d->hold[d->nhold++] = '=';
			d->state = QP_EQ;
		} else {
			qp_release(d, out);
			buf_putc(out, c);
		}
		return 0;
	case QP_CR:
		if (c != '\n') {
			qp_release(d, out);
			return 1;
		}
		d->nhold = 0;
		d->state = QP_TEXT;
		buf_append(out, "\r\n", 2);
		return 0;
	case QP_EQ:
		if (hex_value((unsigned char) c) >= 0) {
			d->hold[d->nhold++] = c;
			d->state = QP_EQ_HEX;
		} else if (c == ' ' || c == '\t') {
			d->hold[d->nhold++] = c;
			d->state = QP_EQ_WS;
		} else if (c == '\n') {
			d->nhold = 0;	/* soft line break */
			d->state = QP_TEXT;
		} else if (c == '\r') {
			d->hold[d->nhold++] = c;
			d->state = QP_EQ_CR;
		} else {
			qp_release(d, out);
			return 1;
		}
		return 0;
	case QP_EQ_HEX:
		if (hex_value((unsigned char) c) < 0) {
			qp_release(d, out);
			return 1;
		}
		buf_putc(out, hex_value((unsigned char) d->hold[1]) << 4 |
			 hex_value((unsigned char) c));
		d->nhold = 0;
		d->state = QP_TEXT;
		return 0;
	case QP_EQ_WS:
		if (c == '\n') {
			d->nhold = 0;
			d->state = QP_TEXT;
		} else if (c == '\r' && d->nhold < sizeof(d->hold)) {
			d->hold[d->nhold++] = c;
			d->state = QP_EQ_CR;
		} else if ((c == ' ' || c == '\t') && d->nhold < sizeof(d->hold))
			d->hold[d->nhold++] = c;
		else {
			qp_release(d, out);
			return 1;
		}
		return 0;
	default:	/* QP_EQ_CR */
		if (c != '\n') {
			qp_release(d, out);
			return 1;
		}
		d->nhold = 0;
		d->state = QP_TEXT;
		return 0;
	}
}

static void qp_feed(struct mime_decoder *d, const char *in, size_t len, buf_t *out)
{
	size_t i = 0;

	while (i < len) {
		/* The common case: ordinary text with nothing held. */
		if (d->state == QP_TEXT && d->nhold == 0) {
			size_t start = i;

			while (i < len && in[i] != '=' && in[i] != ' ' && in[i] != '\t' &&
			       in[i] != '\r')
				i++;
			buf_append(out, in + start, i - start);
			if (i == len)
				break;
		}
		if (qp_octet(d, in[i], out) == 0)
			i++;
	}
}

void mime_decode_feed(struct mime_decoder *d, const char *in, size_t len, buf_t *out)
{
	switch (d->cte) {
	case MIME_CTE_BASE64:
		base64_feed(d, in, len, out);
		break;
	case MIME_CTE_QP:
		qp_feed(d, in, len, out);
		break;
	default:
		buf_append(out, in, len);
		break;
	}
}

void mime_decode_finish(struct mime_decoder *d, buf_t *out)
{
	if (d->cte == MIME_CTE_BASE64)
		base64_quantum_put(d, out);
	else if (d->cte == MIME_CTE_QP) {
		/* The end of the body ends a line: trailing whitespace goes,
		 * and "=" with nothing after it is a soft line break. */
		if (d->state == QP_CR || d->state == QP_EQ_HEX || d->state == QP_EQ_CR)
			buf_append(out, d->hold, d->nhold);
	}
	mime_decoder_init(d, d->cte);
}

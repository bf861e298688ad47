/* mime_decode.h - streaming decoders for MIME Content-Transfer-Encodings
 * (RFC 2045 §6), without I/O.
 *
 * IMAP SEARCH BODY and TEXT match what a part says, not how it was
 * encoded for transport, so search_text.h runs each leaf part's stored
 * body through one of these before the charset conversion (charset.h).
 * The body comes in pieces of any size; the decoder keeps its state
 * between them and appends what it has decoded to a buffer the caller
 * owns, so a whole body is never in memory.  Decoding is lenient, as
 * it must be for mail as it is found, and never fails:
 *   - base64 (§6.8): octets outside the alphabet (line ends, spaces,
 *     junk) are ignored; the first "=" ends the data and everything
 *     after it is ignored, as §6.8 allows; a last quantum cut short
 *     gives the octets it holds in full;
 *   - quoted-printable (§6.7): "=XX" with upper- or lower-case hex
 *     digits is the octet; "=" at the end of a line (after optional
 *     spaces or tabs, which transport may have added: rule 3) is a soft
 *     line break, also at the end of the body; spaces and tabs at the end
 *     of a line are deleted (rule 3; a run longer than
 *     MIME_DECODE_HOLD_MAX is kept); any other "=" is kept as it is with
 *     what follows it; line ends are LF or CRLF and are kept as they are;
 *   - 7bit, 8bit, binary, no encoding and any encoding not known (x-uuencode
 *     ...) pass through unchanged.
 * A feed appends at most its input's length plus MIME_DECODE_HOLD_MAX
 * octets; the decoder itself holds at most MIME_DECODE_HOLD_MAX.
 */
#ifndef TERN_MIME_DECODE_H
#define TERN_MIME_DECODE_H

#include <stddef.h>

#include "buf.h"

/* Octets of quoted-printable input held back until what follows shows
 * whether they are trailing whitespace or part of a soft line break. */
#define MIME_DECODE_HOLD_MAX 256

enum mime_cte {
	MIME_CTE_IDENTITY,	/* 7bit, 8bit, binary, none or unknown */
	MIME_CTE_BASE64,
	MIME_CTE_QP,
};

/* A decoder's state; the caller owns it (on its stack or inside another
 * structure) and needs no free. */
struct mime_decoder {
	enum mime_cte cte;
	int state;
	unsigned quantum;	/* base64: sextets gathered */
	int sextets;
	int ended;		/* base64: "=" seen */
	size_t nhold;		/* quoted-printable: held octets */
	char hold[MIME_DECODE_HOLD_MAX];
};

/* The encoding a Content-Transfer-Encoding value names (case-insensitive,
 * surrounding whitespace ignored; NULL for no field): MIME_CTE_IDENTITY
 * for anything but "base64" and "quoted-printable". */
enum mime_cte mime_cte_parse(const char *value);
/* Make d ready for a new body in encoding cte. */
void mime_decoder_init(struct mime_decoder *d, enum mime_cte cte);
/* Decode the next piece in[0..len) of the body, appending to out. */
void mime_decode_feed(struct mime_decoder *d, const char *in, size_t len, buf_t *out);
/* The body has ended: append what was held back (a cut base64 quantum, a
 * lone "=XX" prefix), and make d ready for another body in the same
 * encoding. */
void mime_decode_finish(struct mime_decoder *d, buf_t *out);

#endif

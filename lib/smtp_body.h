/* smtp_body.h - the SMTP client's message body encoder, without I/O.
 *
 * The queue keeps a message's content with LF line ends (queue.h; what
 * smtpd stores, smtp_data.h).  smtp-out reads it in pieces of any size
 * and feeds them here; out comes what goes on the wire:
 *
 *   DATA (RFC 5321 §4.1.1.4, §4.5.2): CRLF line ends, a dot doubled at
 *   the start of every line, and at the end the line "." (preceded by a
 *   CRLF when the content does not end in a line end).
 *   BDAT (RFC 3030 §2): the same CRLF line ends, no dot-stuffing, no end
 *   line; the content's last line is ended with CRLF like DATA's, so both
 *   commands deliver the same message.
 *
 * Line ends, decided once here.  RFC 5321 §2.3.8: a client sends CR and
 * LF only as CRLF, never alone.  The stored form can still hold a bare CR
 * (smtpd keeps one as content: "\r\r\n" on the wire is stored "\r\n"), so
 * every CR and every LF of the stored form is a line end of its own, sent
 * as CRLF.  Thus:
 *   - no bare CR ever reaches the peer, and a dot after a bare CR is
 *     stuffed like any other line's: a receiver that takes a bare CR for
 *     a line end cannot be shown a "." line that tern did not mean (SMTP
 *     smuggling, the sending side of smtp_data.h);
 *   - the output is what RFC 6376 §5.3 makes of the octets smtpd
 *     received before a DKIM signer hashes them ("bare CR or LF ... MUST
 *     be converted to the SMTP-standard CRLF"): a body hash taken over
 *     this encoder's BDAT form of the stored content matches what the
 *     peer receives, so the signer should take it that way;
 *   - the size on the wire is known from the stored form alone: its
 *     octets, plus one for every CR and every LF, for BDAT (RFC 3030 §2:
 *     the exact count), plus 2 when the content does not end in a line
 *     end.  It is counted by the same code: an encoder given a NULL
 *     output buffer only counts, and smtp_body_octets() after
 *     smtp_body_finish() is the size (for DATA with its stuffing and end
 *     line; for BDAT the octets of one chunk, or SIZE= of RFC 1870 §4).
 * Lines longer than RFC 5321 §4.5.3.1.6's 1000 octets are passed as they
 * are.
 */
#ifndef TERN_SMTP_BODY_H
#define TERN_SMTP_BODY_H

#include <stddef.h>

#include "buf.h"

typedef struct smtp_body {
	int dot_stuff;		/* DATA: stuffing and the end line */
	int bol;		/* the wire is at the start of a line */
	unsigned long long octets;	/* octets of encoding so far */
} smtp_body_t;

/* dot_stuff: 1 for DATA, 0 for BDAT. */
void smtp_body_init(smtp_body_t *b, int dot_stuff);
/* Encode stored content in[0..len), appending to out (NULL: only count). */
void smtp_body_encode(smtp_body_t *b, const char *in, size_t len, buf_t *out);
/* After the last piece: the CRLF of an unended last line, and for DATA
 * the end line ".\r\n" (out NULL: only count). */
void smtp_body_finish(smtp_body_t *b, buf_t *out);
/* Octets appended (or counted) so far. */
unsigned long long smtp_body_octets(const smtp_body_t *b);

#endif

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
 * (smtpd keeps one as content), so every line-end convention of the
 * stored form is one line end on the wire:
 *   - LF is a line end, sent as CRLF;
 *   - CR LF is one line end, sent as CRLF;
 *   - a CR not followed by LF is a line end too, sent as CRLF.
 * So no bare CR ever reaches the peer, and a dot after a bare CR is
 * stuffed like any other line's: a receiver that takes a bare CR for a
 * line end cannot be shown a "." line that tern did not mean (SMTP
 * smuggling, the sending side of smtp_data.h).  This is also the
 * conversion RFC 6376 §5.3 asks of a DKIM signer ("bare CR or LF ...
 * MUST be converted to the SMTP-standard CRLF"), so a body hash taken
 * over this output (the BDAT form) matches what the peer receives.
 *
 * The wire size is not the stored size plus the LF count when there are
 * bare CRs, so it is counted by the same code: an encoder given a NULL
 * output buffer only counts, and smtp_body_octets() after
 * smtp_body_finish() is the exact size of the encoding (BDAT with one
 * chunk, SIZE= of RFC 1870 §4 to the octet).  Lines longer than RFC 5321
 * §4.5.3.1.6's 1000 octets are passed as they are.
 */
#ifndef TERN_SMTP_BODY_H
#define TERN_SMTP_BODY_H

#include <stddef.h>

#include "buf.h"

typedef struct smtp_body {
	int dot_stuff;		/* DATA: stuffing and the end line */
	int bol;		/* the wire is at the start of a line */
	int after_cr;		/* the last stored octet was a CR */
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

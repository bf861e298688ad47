/* imap_envelope.h - the ENVELOPE of a message header (RFC 3501 §7.4.2),
 * without I/O.
 *
 * Given the header of a message (the root's or an enclosed message's
 * [hdr_off, body_off) from mime_parse.h), the envelope is
 *   "(" date subject from sender reply-to to cc bcc in-reply-to
 *       message-id ")"
 * Date, Subject, In-Reply-To and Message-ID are the raw field values,
 * unfolded and trimmed, not RFC 2047 decoded (clients decode), NIL when
 * the field is absent; the address fields are lists of imap_address.h,
 * NIL when absent or empty.  Sender and Reply-To are From's list when
 * absent or empty (RFC 3501: "the server sets the corresponding member
 * of the envelope to be the same value as the from member").  The first
 * field of each name counts.  Values are cut at IMAP_ENVELOPE_MAX_VALUE
 * octets.
 */
#ifndef TERN_IMAP_ENVELOPE_H
#define TERN_IMAP_ENVELOPE_H

#include <stddef.h>

#include "buf.h"

#define IMAP_ENVELOPE_MAX_VALUE 65536	/* octets of a string field kept */

/* Append the envelope of the header hdr[0..len) to out (flags:
 * imap_quote.h). */
void imap_envelope_write(buf_t *out, const char *hdr, size_t len, int flags);

#endif

/* imap_bodystructure.h - BODY and BODYSTRUCTURE (RFC 3501 §7.4.2) of a
 * part tree from mime_parse.h, without I/O.
 *
 * Per part, by the grammar's body-type-*:
 *   multipart:    "(" 1*body SP subtype [SP params SP dsp SP lang SP loc] ")"
 *   text/...:     "(" type SP subtype SP fields SP lines [SP ext] ")"
 *   message/rfc822 (with its enclosed message):
 *                 "(" type SP subtype SP fields SP envelope SP body SP
 *                     lines [SP ext] ")"
 *   anything else: "(" type SP subtype SP fields [SP ext] ")"
 * where fields = params SP id SP description SP encoding SP octets and
 * ext = md5 SP dsp SP lang SP loc; the extension data only for
 * BODYSTRUCTURE.  Choices where the RFC leaves room, as Dovecot makes
 * them: type, subtype and parameter names as the message writes them
 * (the defaults are "text" "plain" ("charset" "us-ascii"), and "7bit"
 * for a missing encoding); a text part without a charset parameter gets
 * "charset" "us-ascii" at the end of its list (RFC 2045 §5.2's default);
 * languages are always a list, even of one; a
 * multipart without any body part (no boundary, no delimiter) shows one
 * empty text/plain part, since the grammar needs at least one; a part
 * mime_parse did not look into (MIME_PART_OPAQUE, past its limits) is
 * "application" "octet-stream" with its own fields.  Octets and lines are
 * of the wire form (mime_wire.h).
 */
#ifndef TERN_IMAP_BODYSTRUCTURE_H
#define TERN_IMAP_BODYSTRUCTURE_H

#include "buf.h"
#include "mime_parse.h"

/*
 * Append the body structure of part (normally the root) of the message
 * msg (the octets mime_parse read: the envelopes of enclosed messages
 * come from it).  extended: BODYSTRUCTURE; 0: BODY.  flags: imap_quote.h.
 */
void imap_bodystructure_write(buf_t *out, const char *msg, const mime_part_t *part,
			      int extended, int flags);

#endif

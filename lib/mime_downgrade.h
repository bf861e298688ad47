/* mime_downgrade.h - an 8-bit message made 7-bit for a peer without
 * 8BITMIME, without I/O.
 *
 * RFC 6152 §3 lets smtp-out send 8-bit content only to a server that
 * offers 8BITMIME; to any other, the message must go as 7-bit MIME or
 * not at all (then a bounce with 5.6.3, "conversion required but not
 * supported", RFC 3463 §3.7).  smtp-out reads the stored content (LF
 * line ends) into memory, which happens only for this rare case, and
 * gets the 7-bit form, still with LF line ends, for smtp_body.h.
 *
 * The walk (RFC 2045, RFC 2046), entity by entity, from the message down:
 *   - an entity without 8-bit octets is copied as it is, so a 7-bit part
 *     of a partly 8-bit message is not touched;
 *   - a discrete entity (text/..., and any other non-composite type: its
 *     8bit lines become quoted-printable hard line breaks, which decode to
 *     the same CRLF-separated octets) labelled 8bit, 7bit or with no
 *     Content-Transfer-Encoding gets its body encoded (mime_qp.h) and the
 *     field rewritten to quoted-printable, in place, or added at the end
 *     of its header; a message header that lacks MIME-Version gets
 *     "MIME-Version: 1.0" (RFC 2045 §4), since without it the new field
 *     means nothing;
 *   - multipart/... (RFC 2046 §5.1): its parts, found by the boundary of
 *     its Content-Type, are converted one by one (the default type of a
 *     part is text/plain, message/rfc822 in multipart/digest); the
 *     delimiter lines, and the line ends that belong to them, are copied;
 *     an 8bit label on the multipart becomes 7bit (RFC 2045 §6.4);
 *   - message/rfc822: the enclosed message is converted the same way
 *     (RFC 2046 §5.2.1 allows it 7bit, 8bit or binary only, so not
 *     quoted-printable), and its 8bit label becomes 7bit.
 * A Content-Type that cannot be parsed counts as text/plain (RFC 2045
 * §5.2).  A last part without its close delimiter runs to the end.
 *
 * What cannot be converted safely, reported (-1 and a reason) so that
 * the caller bounces with 5.6.3 rather than sending something changed in
 * meaning: 8-bit octets in a header field (RFC 2047 encoding would change
 * what the fields say and is not done), in a multipart's preamble or
 * epilogue, in a body labelled quoted-printable or base64 (broken, not
 * ours to guess), labelled binary, or with an unknown encoding; a
 * multipart without a boundary parameter or with 8-bit content but no
 * delimiter line; message/global (RFC 6532 §3.7: needs SMTPUTF8) and
 * other message/... types with 8-bit content; nesting deeper than
 * MIME_DOWNGRADE_DEPTH (a bound on the recursion, as Postfix's
 * mime_nesting_limit).
 */
#ifndef TERN_MIME_DOWNGRADE_H
#define TERN_MIME_DOWNGRADE_H

#include <stddef.h>

#include "buf.h"

#define MIME_DOWNGRADE_DEPTH 50

/* Does msg[0..len) hold an octet with the high bit set? */
int mime_has_8bit(const char *msg, size_t len);
/* The 7-bit form of the message msg[0..len), appended to out: 1 when
 * something was converted, 0 when the message was 7-bit already (out
 * holds a copy), -1 when it cannot be converted (*err_r: a static reason
 * for the bounce; out then holds a partial result, to be thrown away). */
int mime_downgrade(const char *msg, size_t len, buf_t *out, const char **err_r);

#endif

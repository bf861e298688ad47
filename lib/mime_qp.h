/* mime_qp.h - the quoted-printable encoder (RFC 2045 §6.7), without I/O.
 *
 * Used by the 8-bit to 7-bit conversion (mime_downgrade.h) that smtp-out
 * applies to a message for a peer without 8BITMIME.  Input and output
 * have tern's stored line ends (LF); smtp_body.h makes them CRLF.
 *
 * What the encoder does, rule by rule of §6.7:
 *   (1), (2): printable ASCII but "=" is itself, every other octet "=XX"
 *   with upper-case hex digits (so a CR, which is no line break in the
 *   stored form, is "=0D");
 *   (3): a space or tab at the end of a line is encoded, elsewhere it is
 *   itself;
 *   (4): each LF is a hard line break, kept as LF;
 *   (5): soft line breaks ("=" at the end) keep every encoded line within
 *   76 characters.
 * And one choice of its own: a "-" that would start an encoded line is
 * "=2D", so no encoded line, where a soft break falls, can look like a
 * multipart delimiter ("--boundary", RFC 2046 §5.1.1) of the part the
 * body sits in.  Decoding gives back the input octet for octet, a last
 * line without LF included.
 */
#ifndef TERN_MIME_QP_H
#define TERN_MIME_QP_H

#include <stddef.h>

#include "buf.h"

/* The longest encoded line, soft-break "=" included, line end excluded. */
#define MIME_QP_LINE_MAX 76

/* Encode in[0..len), appending to out. */
void mime_qp_encode(const char *in, size_t len, buf_t *out);

#endif

/* imap_utf7.h - mailbox names in modified UTF-7 (RFC 3501 §5.1.3) to and
 * from UTF-8.
 *
 * Clients without UTF8=ACCEPT (RFC 6855) send and see mailbox names in
 * modified UTF-7; tern keeps them in UTF-8 and converts at the protocol's
 * edge.  Decoding is strict, so that one name has one spelling and two
 * wire names never reach the same folder: printable ASCII written in
 * base64, "&" spelled other than "&-", a shift that ends right before
 * another begins, an unterminated shift, a base64 character outside the
 * alphabet, non-zero or too many padding bits, an unpaired UTF-16
 * surrogate, U+0000 and any octet outside printable ASCII are refused.
 * What decodes encodes back to the same octets, and the reverse (the
 * fuzz target checks both).
 */
#ifndef TERN_IMAP_UTF7_H
#define TERN_IMAP_UTF7_H

#include <stddef.h>

#include "buf.h"

/* Append the UTF-8 of the modified UTF-7 in[0..len) to out.  0, or -1
 * when in is not canonical modified UTF-7 (out is then as it was). */
int imap_utf7_to_utf8(const char *in, size_t len, buf_t *out);

/* Append the modified UTF-7 of the UTF-8 in[0..len) to out.  0, or -1
 * when in is not well-formed UTF-8 or holds NUL (out as it was). */
int imap_utf8_to_utf7(const char *in, size_t len, buf_t *out);

#endif

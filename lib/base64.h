/* base64.h - base64 (RFC 4648 §4) for SASL exchanges.
 *
 * SMTP AUTH (RFC 4954 §4), POP3 AUTH and IMAP AUTHENTICATE carry SASL
 * challenges and responses in base64.  The decoder is strict, as RFC 4954
 * §4 demands: any character outside the alphabet, a length that is not a
 * multiple of four, or padding anywhere but at the end is an error.
 * The lenient streaming decoder of MIME bodies (mime_decode.h) shares the
 * alphabet through base64_char_value().
 */
#ifndef TERN_BASE64_H
#define TERN_BASE64_H

#include <stddef.h>

#include "buf.h"

/* Append the encoding of data to out. */
void base64_encode(const void *data, size_t len, buf_t *out);
/* Decode s[0..len) into out (reset first): 0, or -1 on bad input. */
int base64_decode(const char *s, size_t len, buf_t *out);
/* The value (0..63) of c in the base64 alphabet, -1 for any other octet
 * ("=" included). */
int base64_char_value(int c);

#endif

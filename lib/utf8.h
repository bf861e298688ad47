/* utf8.h - decoding and encoding UTF-8 one code point at a time.
 *
 * The text layer under IMAP SEARCH (charset.h, unicase.h, text_match.h)
 * turns everything into UTF-8 and walks it by code point.  Decoding is
 * strict (RFC 3629 §3-§4: no overlong forms, no surrogates, nothing above
 * U+10FFFF) and never fails: an ill-formed sequence is one U+FFFD for
 * each maximal subpart, as Unicode §3.9 ("U+FFFD substitution of maximal
 * subparts") recommends, so the same bytes always decode the same way.
 */
#ifndef TERN_UTF8_H
#define TERN_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define UTF8_REPLACEMENT 0xFFFDu	/* U+FFFD REPLACEMENT CHARACTER */
#define UTF8_SEQ_MAX 4			/* octets of the longest sequence */

/* Decode the code point at p[0..len) (len > 0) into *cp_r and return the
 * octets it took (1..4); an ill-formed maximal subpart gives U+FFFD and
 * its length.  0 when p[0..len) is the start of a well-formed sequence
 * that len cuts short: the caller waits for more input or, at the end,
 * takes utf8_decode_end(). */
size_t utf8_decode(const unsigned char *p, size_t len, uint32_t *cp_r);
/* utf8_decode() at the end of input: a cut-short sequence is one U+FFFD
 * taking all of p[0..len); never 0. */
size_t utf8_decode_end(const unsigned char *p, size_t len, uint32_t *cp_r);
/* Encode cp (a scalar value; anything else as U+FFFD) into out, return
 * its length (1..4). */
size_t utf8_encode(uint32_t cp, unsigned char out[UTF8_SEQ_MAX]);
/* Append the encoding of cp to b. */
void utf8_put(buf_t *b, uint32_t cp);
/* Append s[0..len) to b as well-formed UTF-8 (ill-formed parts U+FFFD);
 * return how many U+FFFD it put in their place. */
size_t utf8_sanitize(const char *s, size_t len, buf_t *b);

#endif

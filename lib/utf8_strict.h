/* utf8_strict.h - UTF-8 code points for protocol input that must be
 * refused when ill-formed (RFC 3629).
 *
 * The IMAP command parser checks 8-bit quoted strings after ENABLE
 * UTF8=ACCEPT (RFC 6855 §3 requires a BAD for invalid UTF-8) and modified
 * UTF-7 converts mailbox names: both refuse what a text decoder would
 * repair with U+FFFD.  Strict means one spelling per character: overlong
 * forms, UTF-16 surrogates (U+D800-U+DFFF) and anything above U+10FFFF
 * are refused.
 */
#ifndef TERN_UTF8_STRICT_H
#define TERN_UTF8_STRICT_H

#include <stddef.h>
#include <stdint.h>

#define UTF8_STRICT_MAX_LEN 4	/* octets of one code point, at most */

/* Decode the code point at s (len octets available) into *cp_r.
 * Returns the octets it took (1-4), or -1 when s does not start with a
 * well-formed sequence (len 0 included). */
int utf8_strict_decode(const unsigned char *s, size_t len, uint32_t *cp_r);

/* Encode cp into out (UTF8_STRICT_MAX_LEN octets of room); returns the
 * octets written, or 0 for a surrogate or a value above U+10FFFF. */
int utf8_strict_encode(uint32_t cp, unsigned char *out);

/* 1 when all len octets are well-formed UTF-8, else 0. */
int utf8_strict_valid(const void *s, size_t len);

#endif

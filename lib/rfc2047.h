/* rfc2047.h - header field values with MIME encoded-words (RFC 2047)
 * decoded to UTF-8, without I/O.
 *
 * IMAP SEARCH's header keys (FROM, SUBJECT, HEADER ...) match what the
 * field says once its encoded-words are decoded (RFC 3501 §6.4.4), and
 * SORT (RFC 5256 §2.1) takes its base subject from the decoded Subject.
 * The decoder takes one field value (folded or not) and appends it in
 * UTF-8; it never fails.  What it does:
 *   - "=?charset?B?text?=" and "=?charset?Q?text?=" (§2, §4; the
 *     letters in either case) are decoded, and the octets converted from
 *     the charset to UTF-8 by charset.h (so an unknown charset is read as
 *     UTF-8, U+FFFD for what is not);
 *   - an RFC 2231 §5 language suffix, "charset*lang", is accepted and
 *     ignored;
 *   - whitespace (folding included) between two adjacent encoded-words
 *     is dropped (§6.2); adjacent words in the same charset are joined
 *     before conversion, so a multibyte character that an encoder split
 *     between two words comes out whole;
 *   - B text: the base64 alphabet, "=" padding optional; Q text: "_" is
 *     a space, "=XX" (either case) an octet, a "=" not followed by two
 *     hex digits is kept as it is;
 *   - a malformed word (no "?=" end, an encoding other than B or Q,
 *     whitespace inside, a B text with octets outside the alphabet, a
 *     charset name longer than RFC2047_CHARSET_MAX) is left as it is;
 *   - leniency found in real mail: encoded-words are decoded also where
 *     §5 does not allow them (inside a quoted string, a word not
 *     separated from text by whitespace), and the text may hold "?";
 *   - text outside encoded-words is unfolded (RFC 5322 §2.2.3: a line
 *     break, CRLF or LF, followed by a space or tab is removed; other
 *     line breaks stay, so a whole header block can be decoded at once
 *     and its fields stay apart) and taken as UTF-8 (RFC 6532), U+FFFD
 *     for ill-formed octets.
 * Memory: the output and one run of joined octets, both bounded by the
 * input; only the first RFC2047_INPUT_MAX octets of a value are decoded.
 */
#ifndef TERN_RFC2047_H
#define TERN_RFC2047_H

#include <stddef.h>

#include "buf.h"

/* Octets of a field value looked at; the rest is ignored. */
#define RFC2047_INPUT_MAX (256 * 1024)
/* The longest "charset*lang" of an encoded-word. */
#define RFC2047_CHARSET_MAX 128

/* Decode value[0..len) and append it as UTF-8 to out. */
void rfc2047_decode(const char *value, size_t len, buf_t *out);

#endif

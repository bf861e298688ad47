/* charset.h - text in a MIME charset converted to UTF-8, in pieces.
 *
 * IMAP SEARCH compares in UTF-8 (text_match.h), so every body part and
 * encoded-word (rfc2047.h) is converted first, by glibc's iconv(3).
 * Charset names are as MIME gives them (RFC 2045 §5.1, RFC 2046 §4.1.2,
 * the IANA registry), compared without regard to case.  A few labels
 * that mail uses but iconv does not know, or that mail uses for a larger
 * set than their name says, are mapped as the WHATWG Encoding Standard
 * maps them for browsers: iso-8859-1 and latin1 are read as windows-1252
 * (0x80-0x9F are the curly quotes and the euro sign, not C1 controls),
 * shift_jis and x-sjis as CP932, gb2312 and gbk as GB18030, euc-kr and
 * ks_c_5601-1987 as CP949, big5 as Big5-HKSCS, iso-8859-8-i as
 * ISO-8859-8, tis-620 as CP874, unicode-1-1-utf-7 as UTF-7.
 *
 * Conversion never fails and never stops: an ill-formed or unconvertible
 * sequence is one U+FFFD and conversion goes on after it (the count of
 * them is kept).  UTF-8 is not given to iconv but checked here (utf8.h).
 * us-ascii (also the RFC 2045 §5.2 default when no charset is named),
 * a charset iconv does not know ("x-unknown", a typo), and a name with
 * octets outside [A-Za-z0-9._:+-] (no "//IGNORE" suffix reaches
 * iconv_open) are all read as UTF-8 too: ASCII is itself, each 8-bit
 * octet that is not part of well-formed UTF-8 is U+FFFD.  That is a
 * superset of "ASCII as is, U+FFFD for the rest", chosen because 8-bit
 * mail without a charset label is mostly UTF-8 today.
 *
 * Pieces may cut a multibyte sequence (or an ISO-2022 escape) anywhere:
 * up to CHARSET_PENDING_MAX octets wait for the next piece, and the
 * converter's own shift state lives in the iconv descriptor.  A feed
 * appends a small multiple of its input (a few octets of UTF-8 for each
 * input octet, pending ones included) and keeps nothing else.
 *
 * ISO-2022-CN-EXT is refused (read as UTF-8): glibc's decoder gives
 * different text for different cuts of the same input.
 *
 * iconv_open() loads glibc's gconv modules (/usr/lib/.../gconv) for any
 * charset but a few built in; where that fails (a chroot without them),
 * the charset counts as unknown and is read as UTF-8 as above.
 */
#ifndef TERN_CHARSET_H
#define TERN_CHARSET_H

#include <stddef.h>

#include "buf.h"

/* The longest charset name looked at; a longer one is unknown. */
#define CHARSET_NAME_MAX 64
/* Octets of a cut sequence kept for the next piece. */
#define CHARSET_PENDING_MAX 16

struct charset_conv;

/* A converter from charset name (NULL or "" for none: us-ascii) to UTF-8.
 * Never NULL: an unknown charset gives a converter that reads UTF-8 (see
 * above).  Free with charset_conv_free(). */
struct charset_conv *charset_conv_new(const char *name);
void charset_conv_free(struct charset_conv **convp);
/* 1 when the name was a charset this host can convert (UTF-8 and
 * us-ascii included), 0 when it is read as UTF-8 for want of better. */
int charset_conv_known(const struct charset_conv *conv);
/* The name the converter was made for, lower-cased ("" for none). */
const char *charset_conv_name(const struct charset_conv *conv);
/* Convert the next piece in[0..len) of the text, appending UTF-8 to out. */
void charset_conv_feed(struct charset_conv *conv, const char *in, size_t len, buf_t *out);
/* The text has ended: a sequence still cut short becomes U+FFFD, and the
 * converter is ready for another text in the same charset. */
void charset_conv_finish(struct charset_conv *conv, buf_t *out);
/* How many U+FFFD the converter has put in since it was made. */
size_t charset_conv_replaced(const struct charset_conv *conv);

/* Convert in[0..len), all of a text in charset name, appending UTF-8 to
 * out: the number of U+FFFD put in, or -1 when the charset is unknown
 * (out then has the text read as UTF-8). */
long charset_to_utf8(const char *name, const char *in, size_t len, buf_t *out);

/* 1 when SEARCH CHARSET name is accepted (RFC 3501 §6.4.4: else the
 * answer is NO [BADCHARSET]): UTF-8, US-ASCII and every other charset
 * iconv can convert; the caller converts the search strings with
 * charset_to_utf8() (and may refuse one that needed U+FFFD). */
int charset_search_supported(const char *name);

#endif

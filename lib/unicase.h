/* unicase.h - Unicode simple case folding, for matching text without
 * regard to case.
 *
 * IMAP SEARCH matches its strings case-insensitively (RFC 3501 §6.4.4);
 * text_match.h folds both sides with this.  The mapping is Unicode's
 * simple case folding (CaseFolding.txt statuses C and S): one code point
 * to one, for every script that has case (Latin, Greek, Cyrillic,
 * Armenian, Georgian, Cherokee, Deseret, ...), so a folded string has as
 * many code points as the original and a match found in folded text is
 * found at the same place in the original.  So, chosen and tested:
 *   - É and é fold to é, Ä and ä to ä, K (U+212A KELVIN SIGN) to k;
 *   - Σ, σ and final ς all fold to σ;
 *   - ß stays ß: "ss" is its full folding (status F), which changes the
 *     length; ẞ (U+1E9E) folds to ß; a search for "strasse" does not
 *     find "Straße";
 *   - no Turkic rule: İ (U+0130) stays İ, I folds to i.
 * It is a table compiled in (unicase_table.c, generated from the Unicode
 * data by scripts/unicase_gen.py), not towlower(): glibc's wide-character
 * case mapping depends on a UTF-8 locale that a session process may not
 * be able to load, and towlower() is not case folding anyway (ς).
 *
 * RFC 5256 SORT compares with i;unicode-casemap (RFC 5051), which is
 * titlecasing plus NFKD decomposition; the folding here is the case part
 * that SORT can build on, not the whole comparator.
 */
#ifndef TERN_UNICASE_H
#define TERN_UNICASE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* The Unicode version the table was made from, e.g. "14.0.0". */
extern const char unicase_unicode_version[];

/* The simple case folding of cp (cp itself when it has none). */
uint32_t unicase_fold(uint32_t cp);
/* Append the folding of s[0..len) to out as UTF-8; ill-formed UTF-8 in s
 * becomes U+FFFD (utf8.h), so out is always well-formed. */
void unicase_fold_utf8(const char *s, size_t len, buf_t *out);

#endif

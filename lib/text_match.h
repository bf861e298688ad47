/* text_match.h - does UTF-8 text, fed in pieces, contain a string,
 * without regard to case?
 *
 * IMAP SEARCH's string keys (RFC 3501 §6.4.4: BODY, TEXT, SUBJECT, FROM,
 * HEADER ...) are case-insensitive substring matches.  Both the needle
 * and the text are folded code point by code point (unicase.h: simple
 * case folding, so ß does not match "ss"); the match is otherwise
 * literal: whitespace runs, line ends and combining marks must match as
 * they are.  The text comes in pieces of any size (a match, or a UTF-8
 * sequence, may span pieces) and is never kept: the matcher holds the
 * folded needle, its KMP failure table (Knuth-Morris-Pratt: each text
 * octet is looked at once) and at most UTF8_SEQ_MAX - 1 octets of a cut
 * sequence, so memory does not grow with the text.  Ill-formed UTF-8 in
 * the text reads as U+FFFD (utf8.h); the charset layer (charset.h) has
 * made it UTF-8 before.
 *
 * An empty needle matches every text, the empty one included.
 */
#ifndef TERN_TEXT_MATCH_H
#define TERN_TEXT_MATCH_H

#include <stddef.h>

/* The longest needle, in octets of its folded UTF-8 form (a SEARCH string
 * is bounded before that by imapd's command line limit). */
#define TEXT_MATCH_NEEDLE_MAX 16384

struct text_match;

/* A matcher for needle[0..len) (UTF-8; ill-formed parts count as U+FFFD),
 * ready for a first text; NULL when the folded needle is longer than
 * TEXT_MATCH_NEEDLE_MAX.  Free with text_match_free(). */
struct text_match *text_match_new(const char *needle, size_t len);
void text_match_free(struct text_match **tmp);
/* Start over on a new text with the same needle. */
void text_match_reset(struct text_match *tm);
/* Feed the next piece of the text: 1 when the needle has been found in
 * what was fed since the last reset (then further pieces are ignored and
 * the caller may stop reading), else 0. */
int text_match_feed(struct text_match *tm, const char *text, size_t len);
/* 1 when the needle has been found since the last reset. */
int text_match_found(const struct text_match *tm);
/* text_match_reset(), feed text[0..len), and the result: for text that
 * is in memory whole (a decoded header field). */
int text_match_utf8(struct text_match *tm, const char *text, size_t len);
/* The folded needle (NUL-terminated) and its length in octets. */
const char *text_match_needle(const struct text_match *tm, size_t *len_r);

#endif

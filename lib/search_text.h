/* search_text.h - does a MIME leaf part's body, or a header field value,
 * contain a SEARCH string?  The text layer of IMAP SEARCH in one place.
 *
 * RFC 3501 §6.4.4: BODY and TEXT match the decoded text of the message,
 * header keys the field's value, both as case-insensitive substrings.
 * The caller (imapd's SEARCH, over the part tree of lib/mime_parse) has
 * the needle in UTF-8 (SEARCH CHARSET: charset.h) and walks the parts;
 * this module does, per leaf part, what lies between the stored octets
 * and the match:
 *   stored body --mime_decode.h (Content-Transfer-Encoding)--> octets
 *     --charset.h (the part's charset)--> UTF-8 --text_match.h--> found?
 * and for a header field value rfc2047.h, then text_match.h.  The body
 * is fed in pieces of any size as the caller reads it; whatever their
 * size, it is worked on in slices of SEARCH_TEXT_SLICE octets, so memory
 * stays bounded (the needle, three buffers of a few slices, one iconv
 * descriptor).  The converter is kept from part to part while the
 * charset stays the same, so a mailbox of one charset opens iconv once.
 *
 * Which parts to search is the caller's choice: leaves of type "text"
 * (and the headers of "message" parts) are what a reader sees; an
 * image's base64 decodes to noise that can match by chance.
 */
#ifndef TERN_SEARCH_TEXT_H
#define TERN_SEARCH_TEXT_H

#include <stddef.h>

/* Octets of stored body decoded and matched at a time. */
#define SEARCH_TEXT_SLICE 8192

struct search_text;

/* A searcher for needle[0..len) (UTF-8); NULL when the needle is too long
 * (text_match.h: TEXT_MATCH_NEEDLE_MAX).  Free with search_text_free(). */
struct search_text *search_text_new(const char *needle, size_t len);
void search_text_free(struct search_text **stp);

/* Start on the body of one leaf part: cte is its Content-Transfer-Encoding
 * value (NULL: none), charset its charset parameter (NULL: none, which is
 * us-ascii and read as UTF-8, see charset.h). */
void search_text_body_begin(struct search_text *st, const char *cte, const char *charset);
/* The next piece of the stored body: 1 once the needle has been found in
 * this part (the caller may stop reading), else 0. */
int search_text_body_feed(struct search_text *st, const char *octets, size_t len);
/* The part's body has ended: 1 when it contains the needle. */
int search_text_body_end(struct search_text *st);
/* begin, feed and end for a body in memory. */
int search_text_body(struct search_text *st, const char *cte, const char *charset,
		     const char *body, size_t len);

/* 1 when the header field value[0..len) (folded or not, with encoded-words
 * or not) contains the needle once decoded (rfc2047.h).  A whole header
 * block works too (for TEXT): its fields stay on lines of their own. */
int search_text_header(struct search_text *st, const char *value, size_t len);

#endif

/* imap_quote.h - IMAP strings written into a buf_t (RFC 3501 §4.3, §9).
 *
 * Everything tern's IMAP side sends as a string goes through here:
 * ENVELOPE and BODYSTRUCTURE fields, mailbox names, header values.  The
 * form is chosen from the text itself:
 *   - quoted ("...") when every octet is a TEXT-CHAR (CHAR: %x01-7F, but
 *     not CR or LF), with '\' and '"' escaped; octets >= 0x80 are allowed
 *     in a quoted string only with IMAP_QUOTE_UTF8 (RFC 6855 §3, once the
 *     client has enabled UTF8=ACCEPT);
 *   - otherwise a literal: "{n}" CRLF and the n octets as they are.
 * IMAP4rev1 has no form that carries NUL (literal: CHAR8 = %x01-FF), so a
 * NUL in the text is sent as 0x80 in a literal: same length, never a NUL
 * on the wire, and the octet is visibly not text (what a malformed header
 * with a NUL becomes is the server's choice).
 */
#ifndef TERN_IMAP_QUOTE_H
#define TERN_IMAP_QUOTE_H

#include <stddef.h>

#include "buf.h"

#define IMAP_QUOTE_UTF8 1	/* 8-bit text may be quoted (RFC 6855) */

/* Append s[0..len) as a quoted string or a literal. */
void imap_quote_string(buf_t *out, const char *s, size_t len, int flags);
/* As imap_quote_string(), or NIL when s is NULL. */
void imap_quote_nstring(buf_t *out, const char *s, size_t len, int flags);
/* The same for a NUL-terminated string (NULL: NIL). */
void imap_quote_nstr(buf_t *out, const char *s, int flags);
/* Append an astring: the bare atom when every octet is an ASTRING-CHAR
 * (and s is not empty), else a string as above. */
void imap_quote_astring(buf_t *out, const char *s, size_t len, int flags);
/* Append s[0..len) as a literal, whatever it holds. */
void imap_quote_literal(buf_t *out, const char *s, size_t len);

#endif

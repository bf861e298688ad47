/* imap_address.h - RFC 5322 address lists (§3.4, with the obsolete
 * forms of §4.4) as IMAP's address structures (RFC 3501 §7.4.2), for
 * ENVELOPE and for SORT/SEARCH keys that need the parts of an address.
 *
 * lib/addr.h parses SMTP paths (RFC 5321), a different grammar: display
 * names, groups, comments and quoted local parts in header fields are
 * only here.
 *
 * What comes out, per RFC 3501's envelope rules:
 *   - name: the display name, words joined by one space, quoted-strings
 *     unquoted, RFC 2047 encoded-words left as they are (clients decode);
 *     without a display name, the text of a comment in the address
 *     ("user@host (Real Name)"), else NIL;
 *   - adl: an obsolete source route "@a,@b" (RFC 5322 §4.4), else NIL;
 *   - mailbox: the local part, a quoted local part unquoted; when the
 *     address has none, IMAP_ADDRESS_NO_MAILBOX;
 *   - host: the domain as written; when the address has none,
 *     IMAP_ADDRESS_NO_HOST (NIL would mean a group; the markers are
 *     Dovecot's);
 *   - a group "name: a, b;" is (NIL NIL "name" NIL), its members, then
 *     (NIL NIL NIL NIL); a group left open is closed at the end.
 * Lenient: words that are no address ("undisclosed recipients") are a
 * name with both markers, as are "<>" and a route without an address; a
 * missing comma between addresses is tolerated; anything unterminated
 * runs to the end.
 * At most IMAP_ADDRESS_MAX addresses (group markers included) are kept.
 */
#ifndef TERN_IMAP_ADDRESS_H
#define TERN_IMAP_ADDRESS_H

#include <stddef.h>

#include "buf.h"

#define IMAP_ADDRESS_MAX 1000	/* addresses kept of one field */
#define IMAP_ADDRESS_NO_MAILBOX "MISSING_MAILBOX"
#define IMAP_ADDRESS_NO_HOST "MISSING_DOMAIN"

typedef struct imap_address {
	char *name, *adl, *mailbox, *host;	/* NULL: NIL */
} imap_address_t;

/* Parse the raw (folded or unfolded) field value v[0..len).  Returns the
 * count, with a new array in *addrs_r (NULL when 0). */
unsigned int imap_address_parse(const char *v, size_t len, imap_address_t **addrs_r);
/* Free n addresses; sets *addrs NULL. */
void imap_address_free(imap_address_t **addrs, unsigned int n);
/* Append "(" 1*address ")", or NIL when n is 0 (flags: imap_quote.h). */
void imap_address_write(buf_t *out, const imap_address_t *addrs, unsigned int n,
			int flags);

#endif

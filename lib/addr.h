/* addr.h - mail addresses: SMTP paths (RFC 5321 §4.1.2), their parts, and
 * the comparisons delivery needs (case-insensitive domains and local parts,
 * the recipient delimiter).
 *
 * An address is kept as one string "local@domain" with the local part in
 * its minimally quoted form (RFC 5321 §4.1.2: all quoted forms of a local
 * part are equivalent, so `"joe"@x` becomes `joe@x`).  Source routes are
 * accepted and dropped (RFC 5321 Appendix C).  Whether a local part needed
 * quoting, or holds `%`, `!` or `@`, is reported, because such forms must
 * never be taken as a local user (they are old relay tricks).
 */
#ifndef TERN_ADDR_H
#define TERN_ADDR_H

#include <stddef.h>

#include "buf.h"

#define ADDR_MAX_LOCAL  64	/* RFC 5321 §4.5.3.1.1 */
#define ADDR_MAX_DOMAIN 255	/* RFC 5321 §4.5.3.1.2 */
#define ADDR_MAX_PATH   256	/* RFC 5321 §4.5.3.1.3, with the brackets */

/* addr_parse_path() flags */
#define ADDR_ALLOW_NULL     1	/* "<>" is a valid reverse-path */
#define ADDR_ALLOW_NODOMAIN 2	/* "<postmaster>" (RCPT, §4.1.1.3) */
#define ADDR_ALLOW_UTF8     4	/* SMTPUTF8 (RFC 6531 §3.3): well-formed
				 * UTF-8, no C1 control characters */

typedef struct addr_info {
	int null;		/* "<>" */
	int quoted;		/* the local part needs quoting */
	int route_hack;		/* unquoted local part holds % or ! */
	int utf8;		/* some octet >= 0x80 */
	size_t at;		/* offset of the '@' in the address, or its length */
} addr_info_t;

/*
 * Parse "<...>" at s.  On success the canonical address goes to addr_r
 * (empty for the null path), *end_r points after the '>', and 0 is
 * returned; on error -1 with *err_r a static description.
 */
int addr_parse_path(const char *s, int flags, buf_t *addr_r, addr_info_t *info_r,
		    const char **end_r, const char **err_r);

/* Offset of the '@' that separates local part and domain, or strlen(addr)
 * when there is none (quoted local parts may contain '@'). */
size_t addr_at(const char *addr);
/* The domain (after the '@'), or "" when there is none. */
const char *addr_domain(const char *addr);
/* The local part, unquoted, into out. */
void addr_local_unquoted(const char *addr, buf_t *out);
/* Append local (raw, unquoted) to out in its minimally quoted form. */
void addr_quote_local(const char *local, size_t len, buf_t *out);

/* ASCII lower-case in place. */
void addr_lower(char *s);
/* The local part with any extension removed: with delimiters "+",
 * "user+tag" -> "user".  The first delimiter character found wins. */
void addr_strip_extension(const char *local, const char *delimiters, buf_t *out);

/* Case-insensitive domain comparison, ignoring one trailing dot. */
int addr_domain_eq(const char *a, const char *b);
/* Is domain in the list (NULL-terminated array of names)? */
int addr_domain_in(const char *domain, char *const *list);

#endif

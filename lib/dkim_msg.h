/* dkim_msg.h - what a DKIM signer needs of a message, taken while it
 * streams by (RFC 6376 §5): the header fields to sign, relaxed, and the
 * SHA-256 hash of the relaxed body.  No I/O.
 *
 * smtpd feeds the content it stores (queue.h's form) here, in any pieces,
 * from the first header octet on (the Received field it writes before is
 * not signed).  The header ends at the first empty line, where, as in
 * lib/dkim_canon.h, every CR and every LF is a line end of its own (what
 * smtp-out sends); it is kept, up to a limit, and every octet after the
 * empty line goes through the body canonicalization into the hash.
 *
 * The fields signed are those of dkim_msg_signed[] that are present.
 * They are given bottom-up: RFC 6376 §5.4.2 has a verifier take, for each
 * name in h=, the last instance not yet used, so listing the instances
 * from the bottom makes every name in h= meet the very field hashed for
 * it, however often a name occurs.
 */
#ifndef TERN_DKIM_MSG_H
#define TERN_DKIM_MSG_H

#include <stddef.h>

#include "buf.h"
#include "dkim_canon.h"

typedef struct dkim_msg {
	int in_header;
	int after_eol;		/* the last header octet ended a line */
	int too_big;		/* the header passed max_header */
	size_t max_header;
	buf_t header;		/* the stored header, its empty line excluded */
	dkim_body_t body;
	buf_t canon;		/* canonical body octets not yet hashed */
	void *sha;		/* EVP_MD_CTX */
} dkim_msg_t;

/* The names signed when present. */
extern const char *const dkim_msg_signed[];

void dkim_msg_init(dkim_msg_t *m, size_t max_header);
void dkim_msg_update(dkim_msg_t *m, const char *in, size_t len);
/* After the last octet: the body hash, base64, into bh_r.  0, or -1 when
 * the header was longer than max_header (nothing to sign). */
int dkim_msg_finish(dkim_msg_t *m, buf_t *bh_r);
/* Each field to sign, relaxed (with its CRLF), bottom-up; returns how
 * many were given. */
size_t dkim_msg_fields(const dkim_msg_t *m,
		       void (*fn)(void *arg, const char *canon, size_t len),
		       void *arg);
/* The domain of the From field's address, lower case, into domain_r:
 * 0, or -1 when there is no single From field with one address in it
 * whose domain is a plain host name (what d= may be). */
int dkim_msg_from_domain(const dkim_msg_t *m, buf_t *domain_r);
void dkim_msg_release(dkim_msg_t *m);
/* The same for the value of one From field (unfolded, or relaxed). */
int dkim_from_domain(const char *value, buf_t *domain_r);

/* A domain name as d= and a key directory's entries may hold it: labels
 * of letters, digits and '-', dot-separated, at most 253 octets. */
int dkim_domain_ok(const char *d);

#endif

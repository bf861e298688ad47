/* dkim_canon.h - DKIM's "relaxed" canonicalizations (RFC 6376 §3.4.2,
 * §3.4.4), without I/O.
 *
 * Input is a message in tern's stored form (queue.h: LF line ends, a bare
 * CR kept as content).  What a receiver verifies is what smtp-out sends,
 * and lib/smtp_body.h decides that every stored CR and every stored LF
 * goes on the wire as a CRLF of its own.  So here, too, each CR and each
 * LF is one line end: the canonical form computed from the stored octets
 * is the canonical form of the octets the peer receives, and a signature
 * made by smtpd at the end of DATA verifies after any delivery attempt.
 *
 * Body (§3.4.4): whitespace at the end of a line is dropped, runs of
 * whitespace (SP, HTAB) inside a line become one SP, empty lines at the
 * end are dropped, and a non-empty body ends in CRLF.  The body arrives in
 * any pieces; its canonical form is appended to an output buffer as it is
 * known (the caller hashes it and resets the buffer).
 *
 * Header field (§3.4.2): the name in lower case, unfolded (every CR and
 * LF removed), runs of whitespace become one SP, whitespace at the end of
 * the value and around the colon removed, ended by CRLF.
 */
#ifndef TERN_DKIM_CANON_H
#define TERN_DKIM_CANON_H

#include <stddef.h>

#include "buf.h"

typedef struct dkim_body {
	unsigned long long held_ends;	/* line ends not yet written */
	int held_space;			/* whitespace seen, not yet written */
	int started;			/* some octet was written */
} dkim_body_t;

void dkim_body_init(dkim_body_t *b);
/* Canonicalize in[0..len) of the stored body, appending to out. */
void dkim_body_update(dkim_body_t *b, const char *in, size_t len, buf_t *out);
/* The end of the body: the CRLF of the last non-empty line. */
void dkim_body_finish(dkim_body_t *b, buf_t *out);

/* Append the relaxed form of one header field (name, colon, value with
 * its folding; a trailing line end may be included) to out, with CRLF.
 * A field without a colon is canonicalized as a name with an empty
 * value. */
void dkim_canon_header(const char *field, size_t len, buf_t *out);

#endif

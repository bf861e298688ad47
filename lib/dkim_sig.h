/* dkim_sig.h - one DKIM-Signature field (RFC 6376 §3.5, §5), made from
 * the relaxed header fields and the body hash a message's receiver
 * computed (dkim_msg.h), with a private key (dkim_key.h).  No I/O.
 *
 * The field carries v=1, a=rsa-sha256 or ed25519-sha256, c=relaxed/relaxed,
 * d=, s=, t=, h= (the names of the fields given, in their order, and
 * "from" once more: a From field added on the way then breaks the
 * signature, RFC 6376 §8.15), bh= and b=.  The data signed (§3.7) is the
 * fields given followed by this field, relaxed, with b= empty and no
 * final CRLF: SHA-256 and PKCS#1 v1.5 for RSA, and for Ed25519 the SHA-256
 * hash of it signed with PureEdDSA (RFC 8463 §3).
 *
 * The field is folded (tab-indented lines, b= in pieces of 72): its
 * relaxed form is what was signed, since the data signed is taken from
 * the very text returned, whatever the folding.  It comes in tern's
 * stored form: LF line ends, ending in LF.
 */
#ifndef TERN_DKIM_SIG_H
#define TERN_DKIM_SIG_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

#include "buf.h"

typedef struct dkim_sign_input {
	const char *domain;
	const char *selector;
	time_t t;
	const char *bh;			/* base64 SHA-256 of the relaxed body */
	const char *const *fields;	/* relaxed fields, each with its CRLF */
	const size_t *lens;
	size_t nfields;
} dkim_sig_input_t;

/* Append the field to out: 0, or -1 with *err_r (a field that is not
 * relaxed "name:value\r\n", a bad key, a signing failure). */
int dkim_sig_field(EVP_PKEY *key, const dkim_sig_input_t *in, buf_t *out,
		    const char **err_r);

#endif

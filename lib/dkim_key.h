/* dkim_key.h - DKIM signing keys: making them, storing them, and the DNS
 * record that publishes their public half (RFC 6376 §3.6.1, RFC 8463 §4).
 *
 * Two algorithms: RSA (k=rsa, p= the DER SubjectPublicKeyInfo, as RFC
 * 6376's example and every verifier take it) and Ed25519 (k=ed25519, p=
 * the 32 octets of the raw public key, RFC 8463 §4).  A key is kept as an
 * unencrypted PKCS#8 PEM file; the algorithm is the key's own, so a file
 * name need not say it.  mailctl makes keys and prints records; dkim-sign
 * loads them.  Through OpenSSL's libcrypto.
 */
#ifndef TERN_DKIM_KEY_H
#define TERN_DKIM_KEY_H

#include <openssl/evp.h>

#include "buf.h"

enum dkim_alg { DKIM_ALG_RSA, DKIM_ALG_ED25519 };

#define DKIM_RSA_BITS_MIN 1024	/* RFC 8301 §3.2: verifiers refuse less */
#define DKIM_RSA_BITS_DEFAULT 2048

/* A new key; NULL with *err_r on failure. */
EVP_PKEY *dkim_key_generate(enum dkim_alg alg, int bits, const char **err_r);
/* The algorithm of a key: 0, or -1 for a key DKIM has no use for. */
int dkim_key_alg(EVP_PKEY *key, enum dkim_alg *alg_r);
/* "rsa" / "ed25519": k= of the record, and the word mailctl takes. */
const char *dkim_alg_name(enum dkim_alg alg);
/* "rsa-sha256" / "ed25519-sha256": a= of a signature. */
const char *dkim_alg_sig_name(enum dkim_alg alg);
/* The private key as PEM (PKCS#8, unencrypted), appended to out. */
int dkim_key_pem(EVP_PKEY *key, buf_t *out);
/* A key from PEM text; NULL when it is none DKIM can use. */
EVP_PKEY *dkim_key_from_pem(const char *pem, size_t len);
/* The record's text: "v=DKIM1; k=ALG; p=BASE64". */
int dkim_key_record(EVP_PKEY *key, buf_t *out);
/* The zone file line that publishes record for selector and domain:
 * "SELECTOR._domainkey.DOMAIN. IN TXT ( "..." "..." )", the text cut into
 * strings of at most 255 octets (RFC 1035 §3.3.14), as a DNS TXT record
 * needs for a 2048-bit RSA key. */
void dkim_key_dns_line(const char *selector, const char *domain,
		       const char *record, buf_t *out);
/* A selector as tern makes and takes one: a DNS label (letters, digits,
 * '-' inside), at most 63 octets; lower case keeps one name per key. */
int dkim_selector_ok(const char *s);

#endif

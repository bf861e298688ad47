/* dkim_sign.h - the dkim-sign service's shared types: its configuration
 * and the keys it loaded (dkim_sign_keys.c), and the request handler
 * (dkim_sign_request.c).  dkim_sign.c is main and the connection loop.
 */
#ifndef TERN_DKIM_SIGN_H
#define TERN_DKIM_SIGN_H

#include <openssl/evp.h>

#include "attr.h"
#include "dkim_key.h"

typedef struct dkim_sign_key {
	char *domain;		/* lower case */
	char *selector;
	enum dkim_alg alg;
	EVP_PKEY *pkey;
} dkim_sign_key_t;

/* Most keys one process loads; the rest are logged and left out. */
#define DKIM_SIGN_MAX_KEYS 10000

/* Load every key under dir (DOMAIN/SELECTOR.key, see dkim-sign(8)); a
 * file that is not a usable key, or that others than this process's user
 * may read, is logged and skipped. */
void dkim_sign_keys_load(const char *dir);
/* The keys of domain, in selector order: how many; *keys_r points at
 * the first. */
size_t dkim_sign_keys_of(const char *domain, const dkim_sign_key_t **keys_r);
size_t dkim_sign_keys_count(void);

/* Answer one request (dkim_proto.h) into reply. */
void dkim_sign_request(const attr_t *req, attr_t *reply);

#endif

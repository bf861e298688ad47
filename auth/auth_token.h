/* auth_token.h - one-time session tokens (architecture §2).
 *
 * After a successful verify with token=yes, auth issues a token: 32 random
 * bytes, written as 64 hex digits, bound to the user, the service and the
 * client address the verify named.  The POP3/IMAP session process redeems
 * it (request=redeem) to learn whom it serves, instead of trusting the
 * login process.  A token is good once, for ttl after it was issued, and
 * only with the same service and client address; any redeem that finds it,
 * matching or not, uses it up, so a stolen token presented from elsewhere
 * is burnt.  At most max tokens are outstanding: more is a temporary
 * failure, never an eviction of a token someone is about to redeem.
 *
 * Pure bookkeeping with the time passed in, like auth_penalty.h.
 */
#ifndef TERN_AUTH_TOKEN_H
#define TERN_AUTH_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define AUTH_TOKEN_BYTES 32

typedef struct auth_tokens auth_tokens_t;

auth_tokens_t *auth_tokens_new(long ttl_ms, size_t max);
void auth_tokens_free(auth_tokens_t **tp);

/* A new token in token_r (hex).  0, or -1 with a static *why_r (table
 * full, no randomness). */
int auth_token_issue(auth_tokens_t *t, const char *user, const char *service,
		     const char *client, int64_t now, buf_t *token_r,
		     const char **why_r);
/* 1 with the token's user in user_r, the token gone; 0 with a static
 * *why_r when the token is malformed, unknown, expired or bound to another
 * service or client. */
int auth_token_redeem(auth_tokens_t *t, const char *token, const char *service,
		      const char *client, int64_t now, buf_t *user_r,
		      const char **why_r);
/* Tokens outstanding at now. */
size_t auth_tokens_count(auth_tokens_t *t, int64_t now);

#endif

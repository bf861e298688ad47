/* auth_token.c - issuing and redeeming one-time tokens (see auth_token.h).
 *
 * Tokens live in a list in the order they were issued; with one ttl for
 * all, that is also the order they expire in, so expiry only ever looks at
 * the head.  A redeem compares the presented token with each outstanding
 * one in constant time (CRYPTO_memcmp), so the comparison tells an
 * attacker nothing about how close a guess came.  The list is short: it
 * holds the logins of the last ttl seconds, and at most max of them.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "auth_token.h"
#include "mem.h"

struct auth_token {
	unsigned char secret[AUTH_TOKEN_BYTES];
	int64_t expires;
	char *user, *service, *client;
	struct auth_token *next;
};

struct auth_tokens {
	long ttl_ms;
	size_t max, count;
	struct auth_token *head, **tail;
};

auth_tokens_t *auth_tokens_new(long ttl_ms, size_t max)
{
	auth_tokens_t *t = MEM_NEW(auth_tokens_t);

	t->ttl_ms = ttl_ms;
	t->max = max;
	t->tail = &t->head;
	return t;
}

static void auth_token_destroy(struct auth_token *k)
{
	explicit_bzero(k->secret, sizeof(k->secret));
	mem_free(k->user);
	mem_free(k->service);
	mem_free(k->client);
	mem_free(k);
}

/* Unlink the token *kp points at and destroy it. */
static void auth_token_remove(auth_tokens_t *t, struct auth_token **kp)
{
	struct auth_token *k = *kp;

	*kp = k->next;
	if (t->tail == &k->next)
		t->tail = kp;
	t->count--;
	auth_token_destroy(k);
}

static void auth_tokens_expire(auth_tokens_t *t, int64_t now)
{
	while (t->head != NULL && t->head->expires <= now)
		auth_token_remove(t, &t->head);
}

void auth_tokens_free(auth_tokens_t **tp)
{
	auth_tokens_t *t = *tp;

	if (t == NULL)
		return;
	while (t->head != NULL)
		auth_token_remove(t, &t->head);
	MEM_FREE(*tp);
}

size_t auth_tokens_count(auth_tokens_t *t, int64_t now)
{
	auth_tokens_expire(t, now);
	return t->count;
}

int auth_token_issue(auth_tokens_t *t, const char *user, const char *service,
		     const char *client, int64_t now, buf_t *token_r,
		     const char **why_r)
{
	static const char hex[] = "0123456789abcdef";
	struct auth_token *k;

	auth_tokens_expire(t, now);
	if (t->count >= t->max) {
		*why_r = "too many outstanding tokens";
		return -1;
	}
	k = MEM_NEW(struct auth_token);
	if (RAND_bytes(k->secret, sizeof(k->secret)) != 1) {
		auth_token_destroy(k);
		*why_r = "no random bytes for a token";
		return -1;
	}
	k->expires = now + t->ttl_ms;
	k->user = mem_strdup(user);
	k->service = mem_strdup(service);
	k->client = mem_strdup(client);
	*t->tail = k;
	t->tail = &k->next;
	t->count++;

	buf_reset(token_r);
	for (size_t i = 0; i < sizeof(k->secret); i++) {
		buf_putc(token_r, hex[k->secret[i] >> 4]);
		buf_putc(token_r, hex[k->secret[i] & 15]);
	}
	return 0;
}

static int auth_token_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly 2 * AUTH_TOKEN_BYTES hex digits into secret: 0, or -1. */
static int auth_token_decode(const char *token, unsigned char *secret)
{
	if (strlen(token) != 2 * AUTH_TOKEN_BYTES)
		return -1;
	for (size_t i = 0; i < AUTH_TOKEN_BYTES; i++) {
		int hi = auth_token_hexval(token[2 * i]);
		int lo = auth_token_hexval(token[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		secret[i] = (unsigned char) (hi << 4 | lo);
	}
	return 0;
}

int auth_token_redeem(auth_tokens_t *t, const char *token, const char *service,
		      const char *client, int64_t now, buf_t *user_r,
		      const char **why_r)
{
	unsigned char secret[AUTH_TOKEN_BYTES];
	struct auth_token **kp;
	int ok;

	auth_tokens_expire(t, now);
	if (auth_token_decode(token, secret) < 0) {
		*why_r = "malformed token";
		return 0;
	}
	for (kp = &t->head; *kp != NULL; kp = &(*kp)->next)
		if (CRYPTO_memcmp((*kp)->secret, secret, sizeof(secret)) == 0)
			break;
	explicit_bzero(secret, sizeof(secret));
	if (*kp == NULL) {
		*why_r = "unknown, used or expired token";
		return 0;
	}
	ok = strcmp((*kp)->service, service) == 0 &&
		strcmp((*kp)->client, client) == 0;
	if (ok)
		buf_set(user_r, (*kp)->user);
	else
		*why_r = strcmp((*kp)->service, service) != 0 ?
			"token issued for another service" :
			"token issued for another client address";
	auth_token_remove(t, kp);
	return ok;
}

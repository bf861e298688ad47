/* auth_verify.c - checking credentials against users.db.
 *
 * PLAIN and LOGIN carry a user name and a password, checked with crypt(3)
 * through users_password_verify().  APOP (RFC 1939 §7) carries the
 * server's challenge and the client's MD5(challenge + secret) in hex,
 * compared in constant time with the digest made from the user's APOP
 * secret.
 *
 * Timing must not tell whether a user exists: an unknown user, or one
 * whose hash is locked, is checked against a dummy hash made at start with
 * the same algorithm and cost as real ones, and APOP without a secret is
 * checked against a random dummy secret.  Only then is the answer known.
 */
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "auth.h"
#include "auth_client.h"
#include "log.h"
#include "mem.h"

#define AUTH_APOP_HEX (2 * 16)

static char *auth_dummy_hash;
static char auth_dummy_secret[33];

static void auth_verify_random_hex(char *out, size_t bytes)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[64];

	if (bytes > sizeof(r) || RAND_bytes(r, (int) bytes) != 1)
		log_fatal("RAND_bytes: no randomness for the dummy credentials");
	for (size_t i = 0; i < bytes; i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
	}
	out[2 * bytes] = '\0';
	explicit_bzero(r, sizeof(r));
}

void auth_verify_init(void)
{
	char password[33];
	char *err = NULL;

	auth_verify_random_hex(password, 16);
	auth_dummy_hash = users_password_hash(password, &err);
	if (auth_dummy_hash == NULL)
		log_fatal("cannot make the dummy password hash: %s", err);
	explicit_bzero(password, sizeof(password));
	auth_verify_random_hex(auth_dummy_secret, 16);
}

/* The user of a request as a lower-case copy, and whether it can be a
 * stored user at all (a name that cannot is never looked up). */
static char *auth_verify_user(const char *user, int *valid_r)
{
	char *u = mem_strdup(user);
	const char *why;

	users_address_lower(u);
	*valid_r = users_address_check(u, &why) == 0;
	return u;
}

static int auth_verify_password(const attr_t *req, const char *user,
				buf_t *canon_r, const char **why_r)
{
	const char *password = attr_get(req, "password");
	const char *authzid = attr_get(req, "authzid");
	users_entry_t e;
	const char *hash;
	int valid, found = 0, ok;
	char *u;

	if (password == NULL) {
		*why_r = "no password attribute";
		return -1;
	}
	/* Proxy authorization is not offered: authzid, when given, must be
	 * the user itself. */
	if (authzid != NULL && *authzid != '\0' && strcasecmp(authzid, user) != 0) {
		*why_r = "authorization identity differs from the user";
		return AUTH_FAIL;
	}
	if (strlen(password) > AUTH_PASSWORD_MAX) {
		*why_r = "password too long";
		return AUTH_FAIL;
	}
	u = auth_verify_user(user, &valid);
	if (valid) {
		found = auth_db_get(u, &e);
		if (found < 0) {
			mem_free(u);
			*why_r = "users database unavailable";
			return AUTH_TEMPFAIL;
		}
	}
	hash = found && e.hash[0] == '$' ? e.hash : auth_dummy_hash;
	ok = users_password_verify(password, hash) && hash != auth_dummy_hash;
	if (ok)
		buf_set(canon_r, e.address);
	else
		*why_r = !found ? "unknown user" :
			hash == auth_dummy_hash ? "account locked" : "wrong password";
	if (found)
		users_entry_clear(&e);
	mem_free(u);
	return ok ? AUTH_OK : AUTH_FAIL;
}

/* Lower-case hex MD5 of challenge + secret into out (33 bytes): 0 or -1. */
static int auth_verify_apop_digest(const char *challenge, const char *secret,
				   char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1 &&
		EVP_DigestUpdate(ctx, challenge, strlen(challenge)) == 1 &&
		EVP_DigestUpdate(ctx, secret, strlen(secret)) == 1 &&
		EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 16;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	for (unsigned int i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * mdlen] = '\0';
	return 0;
}

static int auth_verify_apop(const attr_t *req, const char *user,
			    buf_t *canon_r, const char **why_r)
{
	const char *challenge = attr_get(req, "challenge");
	const char *digest = attr_get(req, "digest");
	char want[AUTH_APOP_HEX + 1], got[AUTH_APOP_HEX + 1];
	users_entry_t e;
	const char *secret;
	int valid, found = 0, ok;
	char *u;

	if (challenge == NULL || digest == NULL) {
		*why_r = "APOP without challenge or digest attribute";
		return -1;
	}
	if (strlen(challenge) > AUTH_CHALLENGE_MAX) {
		*why_r = "APOP challenge too long";
		return -1;
	}
	u = auth_verify_user(user, &valid);
	if (valid) {
		found = auth_db_get(u, &e);
		if (found < 0) {
			mem_free(u);
			*why_r = "users database unavailable";
			return AUTH_TEMPFAIL;
		}
	}
	secret = found && e.apop != NULL ? e.apop : auth_dummy_secret;
	if (auth_verify_apop_digest(challenge, secret, want) < 0) {
		log_error("MD5 for APOP: not available from OpenSSL");
		*why_r = "MD5 unavailable";
		ok = -1;
	} else {
		/* The digest as lower-case hex of the right length, else a
		 * string that cannot match; compared in constant time. */
		memset(got, 'x', AUTH_APOP_HEX);
		got[AUTH_APOP_HEX] = '\0';
		if (strlen(digest) == AUTH_APOP_HEX)
			for (size_t i = 0; i < AUTH_APOP_HEX; i++)
				got[i] = (char) (digest[i] >= 'A' && digest[i] <= 'F' ?
						 digest[i] - 'A' + 'a' : digest[i]);
		ok = CRYPTO_memcmp(want, got, AUTH_APOP_HEX) == 0 &&
			secret != auth_dummy_secret;
		if (ok)
			buf_set(canon_r, e.address);
		else
			*why_r = !found ? "unknown user" :
				secret == auth_dummy_secret ? "no APOP secret" :
				"wrong APOP digest";
		explicit_bzero(want, sizeof(want));
	}
	if (found)
		users_entry_clear(&e);
	mem_free(u);
	return ok < 0 ? AUTH_TEMPFAIL : ok ? AUTH_OK : AUTH_FAIL;
}

int auth_verify(const attr_t *req, buf_t *canon_r, const char **why_r)
{
	const char *mech = attr_get(req, "mech");
	const char *user = attr_get(req, "user");

	if (mech == NULL || user == NULL) {
		*why_r = "verify without mech or user attribute";
		return -1;
	}
	if (strcmp(mech, "PLAIN") == 0 || strcmp(mech, "LOGIN") == 0)
		return auth_verify_password(req, user, canon_r, why_r);
	if (strcmp(mech, "APOP") == 0)
		return auth_verify_apop(req, user, canon_r, why_r);
	*why_r = "unknown mechanism";
	return -1;
}

/* dkim_key.c - DKIM keys through libcrypto; see dkim_key.h. */
#include <string.h>

#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "base64.h"
#include "dkim_key.h"
#include "mem.h"

EVP_PKEY *dkim_key_generate(enum dkim_alg alg, int bits, const char **err_r)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *key = NULL;

	if (alg == DKIM_ALG_RSA && bits < DKIM_RSA_BITS_MIN) {
		*err_r = "RSA keys for DKIM need at least 1024 bits";
		return NULL;
	}
	ctx = EVP_PKEY_CTX_new_id(alg == DKIM_ALG_RSA ? EVP_PKEY_RSA :
				  EVP_PKEY_ED25519, NULL);
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0 ||
	    (alg == DKIM_ALG_RSA &&
	     EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) <= 0) ||
	    EVP_PKEY_keygen(ctx, &key) <= 0) {
		*err_r = "key generation failed";
		key = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	return key;
}

int dkim_key_alg(EVP_PKEY *key, enum dkim_alg *alg_r)
{
	switch (EVP_PKEY_base_id(key)) {
	case EVP_PKEY_RSA:
		if (EVP_PKEY_bits(key) < DKIM_RSA_BITS_MIN)
			return -1;
		*alg_r = DKIM_ALG_RSA;
		return 0;
	case EVP_PKEY_ED25519:
		*alg_r = DKIM_ALG_ED25519;
		return 0;
	default:
		return -1;
	}
}

const char *dkim_alg_name(enum dkim_alg alg)
{
	return alg == DKIM_ALG_RSA ? "rsa" : "ed25519";
}

const char *dkim_alg_sig_name(enum dkim_alg alg)
{
	return alg == DKIM_ALG_RSA ? "rsa-sha256" : "ed25519-sha256";
}

/* What a memory BIO holds, appended to out. */
static void dkim_key_bio_take(BIO *bio, buf_t *out)
{
	char *data;
	long n = BIO_get_mem_data(bio, &data);

	if (n > 0)
		buf_append(out, data, (size_t) n);
}

int dkim_key_pem(EVP_PKEY *key, buf_t *out)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int r = -1;

	if (bio != NULL && PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0,
						     NULL, NULL) == 1) {
		dkim_key_bio_take(bio, out);
		r = 0;
	}
	BIO_free(bio);
	return r;
}

EVP_PKEY *dkim_key_from_pem(const char *pem, size_t len)
{
	BIO *bio = BIO_new_mem_buf(pem, (int) len);
	EVP_PKEY *key = NULL;
	enum dkim_alg alg;

	if (bio != NULL && len < (1U << 20))
		key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (key != NULL && dkim_key_alg(key, &alg) < 0)
		EVP_PKEY_free(key);
	else
		return key;
	return NULL;
}

int dkim_key_record(EVP_PKEY *key, buf_t *out)
{
	enum dkim_alg alg;
	unsigned char raw[64], *der = NULL;
	size_t rawlen = sizeof(raw);
	int derlen;

	if (dkim_key_alg(key, &alg) < 0)
		return -1;
	buf_printf(out, "v=DKIM1; k=%s; p=", dkim_alg_name(alg));
	if (alg == DKIM_ALG_ED25519) {
		if (EVP_PKEY_get_raw_public_key(key, raw, &rawlen) != 1)
			return -1;
		base64_encode(raw, rawlen, out);
		return 0;
	}
	if ((derlen = i2d_PUBKEY(key, &der)) <= 0)
		return -1;
	base64_encode(der, (size_t) derlen, out);
	OPENSSL_free(der);
	return 0;
}

void dkim_key_dns_line(const char *selector, const char *domain,
		       const char *record, buf_t *out)
{
	size_t len = strlen(record);

	buf_printf(out, "%s._domainkey.%s. IN TXT (", selector, domain);
	for (size_t off = 0; off < len; off += 255) {
		size_t n = len - off < 255 ? len - off : 255;

		buf_printf(out, " \"%.*s\"", (int) n, record + off);
	}
	buf_puts(out, " )");
}

int dkim_selector_ok(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++) {
		char c = s[n];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      (c == '-' && n > 0)))
			return 0;
	}
	return n > 0 && n <= 63 && s[n - 1] != '-';
}

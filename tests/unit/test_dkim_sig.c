/* test_dkim_sig.c - unit tests for lib/dkim_key.c and lib/dkim_sig.c:
 * keys of both algorithms made, stored as PEM and read back, their DNS
 * records (p= decodes to the key's public half) and zone lines (strings
 * of at most 255 octets), selectors, and signatures: the field's tags,
 * and b= verified with the public key from the record over the data RFC
 * 6376 §3.7 defines (the fields, then the field itself with b= empty,
 * relaxed, without its CRLF), SHA-256 first for Ed25519 (RFC 8463 §3).
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "../../lib/base64.h"
#include "../../lib/buf.h"
#include "../../lib/dkim_canon.h"
#include "../../lib/dkim_key.h"
#include "../../lib/dkim_sig.h"
#include "test.h"

/* The public key of a record's p=. */
static EVP_PKEY *record_key(const char *record, enum dkim_alg alg)
{
	const char *p = strstr(record, "p=");
	buf_t der = BUF_INIT;
	const unsigned char *d;
	EVP_PKEY *k = NULL;

	if (p == NULL || base64_decode(p + 2, strlen(p + 2), &der) < 0)
		return NULL;
	d = (const unsigned char *) der.data;
	if (alg == DKIM_ALG_RSA)
		k = d2i_PUBKEY(NULL, &d, (long) der.len);
	else if (der.len == 32)
		k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, d, 32);
	buf_release(&der);
	return k;
}

/* Check b= of field (stored form) over fields, with pub. */
static int verify(EVP_PKEY *pub, enum dkim_alg alg, const char *fields,
		  const char *field)
{
	const char *b = strstr(field, "\tb=");
	buf_t head = BUF_INIT, data = BUF_INIT, sig = BUF_INIT, b64 = BUF_INIT;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	if (b == NULL)
		return 0;
	buf_append(&head, field, (size_t) (b - field) + 3);
	for (const char *p = b + 3; *p; p++)
		if (*p != '\n' && *p != '\t')
			buf_putc(&b64, *p);
	if (base64_decode(b64.data, b64.len, &sig) < 0)
		return 0;
	buf_puts(&data, fields);
	dkim_canon_header(head.data, head.len, &data);
	data.len -= 2;
	if (alg == DKIM_ALG_ED25519) {
		EVP_Digest(data.data, data.len, md, &mdlen, EVP_sha256(), NULL);
		ok = EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pub) == 1 &&
			EVP_DigestVerify(ctx, (unsigned char *) sig.data, sig.len,
					 md, mdlen) == 1;
	} else {
		ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pub) == 1 &&
			EVP_DigestVerify(ctx, (unsigned char *) sig.data, sig.len,
					 (unsigned char *) data.data, data.len) == 1;
	}
	EVP_MD_CTX_free(ctx);
	buf_release(&head);
	buf_release(&data);
	buf_release(&sig);
	buf_release(&b64);
	return ok;
}

static void sign_check(enum dkim_alg alg)
{
	static const char *const fields[] = {
		"subject:hello world\r\n", "to:b@x.example\r\n",
		"from:A <a@example.com>\r\n",
	};
	size_t lens[3];
	const char *err = NULL;
	buf_t pem = BUF_INIT, rec = BUF_INIT, rec2 = BUF_INIT, out = BUF_INIT;
	EVP_PKEY *key = dkim_key_generate(alg, 2048, &err), *back, *pub;
	dkim_sig_input_t in = {
		"example.com", "sel-1", 1700000000, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
		fields, lens, 3,
	};
	enum dkim_alg got;

	for (size_t i = 0; i < 3; i++)
		lens[i] = strlen(fields[i]);
	test_assert(key != NULL);
	if (key == NULL)
		return;
	test_assert(dkim_key_alg(key, &got) == 0 && got == alg);
	test_assert_int(dkim_key_pem(key, &pem), 0);
	test_assert(strstr(buf_str(&pem), "-----BEGIN PRIVATE KEY-----") != NULL);
	back = dkim_key_from_pem(pem.data, pem.len);
	test_assert(back != NULL);
	test_assert_int(dkim_key_record(key, &rec), 0);
	test_assert_int(dkim_key_record(back, &rec2), 0);
	test_assert_str(buf_str(&rec), buf_str(&rec2));
	test_assert(strncmp(buf_str(&rec), alg == DKIM_ALG_RSA ? "v=DKIM1; k=rsa; p=" :
			    "v=DKIM1; k=ed25519; p=", 18) == 0);
	pub = record_key(buf_str(&rec), alg);
	test_assert(pub != NULL);
	test_assert_int(dkim_sig_field(back, &in, &out, &err), 0);
	test_assert(strncmp(buf_str(&out), "DKIM-Signature: v=1; a=", 23) == 0);
	test_assert(strstr(buf_str(&out), alg == DKIM_ALG_RSA ? "a=rsa-sha256;" :
			   "a=ed25519-sha256;") != NULL);
	test_assert(strstr(buf_str(&out), "c=relaxed/relaxed; d=example.com;\n\ts=sel-1; "
			   "t=1700000000;\n\th=subject:to:from:from;\n\tbh=47DEQ") != NULL);
	test_assert(out.len > 0 && out.data[out.len - 1] == '\n');
	test_assert(pub != NULL && verify(pub, alg, "subject:hello world\r\n"
					  "to:b@x.example\r\nfrom:A <a@example.com>\r\n",
					  buf_str(&out)));
	/* a changed field does not verify */
	test_assert(pub != NULL && !verify(pub, alg, "subject:hello World\r\n"
					   "to:b@x.example\r\nfrom:A <a@example.com>\r\n",
					   buf_str(&out)));
	EVP_PKEY_free(pub);
	EVP_PKEY_free(back);
	EVP_PKEY_free(key);
	buf_release(&pem);
	buf_release(&rec);
	buf_release(&rec2);
	buf_release(&out);
}

static void test_sign_rsa(void)
{
	test_begin("rsa-sha256: key, PEM, record, signature verifies");
	sign_check(DKIM_ALG_RSA);
	test_end();
}

static void test_sign_ed25519(void)
{
	test_begin("ed25519-sha256: key, PEM, record, signature verifies");
	sign_check(DKIM_ALG_ED25519);
	test_end();
}

static void test_sign_refuses(void)
{
	static const char *const bad[] = { "subject: x", "no colon\r\n",
					   "a:b\r\nc\r\n", ":x\r\n" };
	const char *err = NULL;
	EVP_PKEY *key = dkim_key_generate(DKIM_ALG_ED25519, 0, &err);
	buf_t out = BUF_INIT;

	test_begin("fields not in relaxed form, small RSA keys, junk PEM");
	for (size_t i = 0; i < 4; i++) {
		size_t len = strlen(bad[i]);
		dkim_sig_input_t in = { "example.com", "s", 1, "x", &bad[i], &len, 1 };

		err = NULL;
		test_assert_int(dkim_sig_field(key, &in, &out, &err), -1);
		test_assert(err != NULL);
	}
	test_assert_int(out.len, 0);
	test_assert(dkim_key_generate(DKIM_ALG_RSA, 512, &err) == NULL);
	test_assert(dkim_key_from_pem("junk", 4) == NULL);
	EVP_PKEY_free(key);
	test_end();
}

static void test_dns_line(void)
{
	buf_t rec = BUF_INIT, line = BUF_INIT;

	test_begin("zone line: strings of at most 255 octets; selectors");
	for (int i = 0; i < 300; i++)
		buf_putc(&rec, 'A' + i % 26);
	dkim_key_dns_line("s1", "example.com", buf_str(&rec), &line);
	test_assert(strncmp(buf_str(&line), "s1._domainkey.example.com. IN TXT ( \"ABC", 40) == 0);
	{
		const char *q = strchr(buf_str(&line), '"');
		const char *e = strchr(q + 1, '"');

		test_assert_int(e - q - 1, 255);
		q = strchr(e + 1, '"');
		e = strchr(q + 1, '"');
		test_assert_int(e - q - 1, 45);
		test_assert_str(e + 1, " )");
	}
	test_assert(dkim_selector_ok("tern-20261207"));
	test_assert(dkim_selector_ok("s1"));
	test_assert(!dkim_selector_ok("-x"));
	test_assert(!dkim_selector_ok("x-"));
	test_assert(!dkim_selector_ok("Upper"));
	test_assert(!dkim_selector_ok("a.b"));
	test_assert(!dkim_selector_ok("../x"));
	test_assert(!dkim_selector_ok(""));
	buf_release(&rec);
	buf_release(&line);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_sign_rsa,
		test_sign_ed25519,
		test_sign_refuses,
		test_dns_line,
		NULL,
	};

	return test_main(tests);
}

/* test_dkim_sign_request.c - unit tests for dkim-sign/dkim_sign_request.c:
 * what the signing service refuses (an unknown request, a bad queue id,
 * domain or body hash, no fields or too many, no From field or two, a
 * From address outside the domain asked for), "nokey" for a domain
 * without keys, and one signature per key of the domain, each with its
 * selector.  The key table is this file's stand-in for dkim_sign_keys.c.
 */
#include <string.h>

#include "../../dkim-sign/dkim_sign.h"
#include "../../lib/attr.h"
#include "../../lib/dkim_key.h"
#include "../../lib/dkim_proto.h"
#include "test.h"

static dkim_sign_key_t test_keys[2];

size_t dkim_sign_keys_of(const char *domain, const dkim_sign_key_t **keys_r)
{
	*keys_r = test_keys;
	return strcmp(domain, "example.com") == 0 ? 2 : 0;
}

static attr_t *req_new(const char *domain, const char *from)
{
	attr_t *a = attr_new();

	attr_add(a, "request", "sign");
	attr_add(a, "id", "6620C9E0723A506C70003");
	attr_add(a, "domain", domain);
	attr_add(a, "bh", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	attr_add(a, "field", "subject:hi\r\n");
	if (from != NULL)
		attr_add(a, "field", from);
	return a;
}

/* The status of the reply to a. */
static const char *answer(attr_t *a, attr_t *reply)
{
	attr_clear(reply);
	dkim_sign_request(a, reply);
	return attr_get(reply, "status");
}

static void test_refused(void)
{
	attr_t *reply = attr_new(), *a;

	test_begin("refused requests");
	a = req_new("example.com", "from:a@example.com\r\n");
	test_assert_str(answer(a, reply), "ok");
	attr_free(&a);
	a = req_new("Example.com", "from:a@example.com\r\n");
	test_assert_str(answer(a, reply), "error");
	attr_free(&a);
	a = req_new("../etc", "from:a@../etc\r\n");
	test_assert_str(answer(a, reply), "error");
	attr_free(&a);
	a = req_new("example.com", NULL);
	test_assert_str(answer(a, reply), "error");
	test_assert_str(attr_get(reply, "reason"), "not exactly one From field");
	attr_free(&a);
	a = req_new("example.com", "from:a@example.com\r\n");
	attr_add(a, "field", "from:b@example.com\r\n");
	test_assert_str(answer(a, reply), "error");
	attr_free(&a);
	a = req_new("example.com", "from:a@evil.example\r\n");
	test_assert_str(answer(a, reply), "error");
	test_assert_str(attr_get(reply, "reason"), "the From address is not in the domain");
	attr_free(&a);
	a = req_new("example.com", "from:a@example.com\r\n");
	attr_clear(a);
	attr_add(a, "request", "sign");
	attr_add(a, "id", "6620C9E0723A506C70003");
	attr_add(a, "domain", "example.com");
	attr_add(a, "bh", "short=");
	attr_add(a, "field", "from:a@example.com\r\n");
	test_assert_str(answer(a, reply), "error");
	attr_free(&a);
	a = req_new("example.com", "from:a@example.com\r\n");
	for (int i = 0; i < DKIM_MAX_FIELDS; i++)
		attr_add(a, "field", "x:y\r\n");
	test_assert_str(answer(a, reply), "error");
	attr_free(&a);
	a = attr_new();
	attr_add(a, "request", "verify");
	test_assert_str(answer(a, reply), "error");
	attr_free(&a);
	attr_free(&reply);
	test_end();
}

static void test_signed(void)
{
	attr_t *reply = attr_new(), *a;

	test_begin("nokey, and one signature per key");
	a = req_new("other.example", "from:a@other.example\r\n");
	test_assert_str(answer(a, reply), "nokey");
	test_assert_int(attr_count_of(reply, "signature"), 0);
	attr_free(&a);
	a = req_new("example.com", "from:\"A\" <a@Example.COM>\r\n");
	test_assert_str(answer(a, reply), "ok");
	test_assert_int(attr_count_of(reply, "signature"), 2);
	test_assert(strstr(attr_get_nth(reply, "signature", 0), "a=ed25519-sha256;") != NULL);
	test_assert(strstr(attr_get_nth(reply, "signature", 0), "s=ed1;") != NULL);
	test_assert(strstr(attr_get_nth(reply, "signature", 1), "a=rsa-sha256;") != NULL);
	test_assert(strstr(attr_get_nth(reply, "signature", 1), "h=subject:from:from;") != NULL);
	attr_free(&a);
	attr_free(&reply);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_refused,
		test_signed,
		NULL,
	};
	const char *err;
	int r;

	test_keys[0] = (dkim_sign_key_t) { "example.com", "ed1", DKIM_ALG_ED25519,
		dkim_key_generate(DKIM_ALG_ED25519, 0, &err) };
	test_keys[1] = (dkim_sign_key_t) { "example.com", "rsa1", DKIM_ALG_RSA,
		dkim_key_generate(DKIM_ALG_RSA, 2048, &err) };
	r = test_main(tests);
	EVP_PKEY_free(test_keys[0].pkey);
	EVP_PKEY_free(test_keys[1].pkey);
	return r;
}

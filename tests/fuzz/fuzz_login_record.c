/* fuzz_login_record.c - libFuzzer target for the session side's check of
 * the hand-off record (lib/login_record.c), which reads what the
 * unprivileged login process sends.
 *
 * The input is decoded as an attr record, as the session receives it.  A
 * record the check accepts has every field within the rules of
 * login_record.h, and survives a round trip: encoding the fields again
 * and checking that gives the same fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "login_record.h"

static int field_ok(const char *v)
{
	size_t len;

	if (v == NULL)
		return 0;
	len = strlen(v);
	if (len == 0 || len > LOGIN_FIELD_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char) v[i] < 0x20 || v[i] == 0x7f)
			return 0;
	return 1;
}

static int str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	attr_t *a = attr_new(), *again = attr_new();
	login_record_t r, r2;
	const char *err = NULL;

	if (attr_decode((const char *) data, size, a) == ATTR_OK) {
		if (login_record_parse(a, &r, &err) == 0) {
			if (!field_ok(r.token) || !field_ok(r.service) ||
			    !field_ok(r.client) || r.port < 0 || r.port > 65535 ||
			    (r.tls_version != NULL && (!field_ok(r.tls_version) ||
						       !field_ok(r.tls_cipher))) ||
			    r.input_len > LOGIN_INPUT_MAX)
				abort();
			login_record_encode(&r, again);
			if (login_record_parse(again, &r2, &err) != 0 ||
			    !str_eq(r.token, r2.token) || !str_eq(r.service, r2.service) ||
			    !str_eq(r.client, r2.client) || r.port != r2.port ||
			    r.secured != r2.secured || r.anvil != r2.anvil ||
			    !str_eq(r.tls_version, r2.tls_version) ||
			    !str_eq(r.tls_cipher, r2.tls_cipher) ||
			    r.input_len != r2.input_len ||
			    (r.input_len > 0 && memcmp(r.input, r2.input, r.input_len) != 0))
				abort();
		} else if (err == NULL) {
			abort();
		}
	}
	attr_free(&a);
	attr_free(&again);
	return 0;
}

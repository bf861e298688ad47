/* test_login_record.c - unit tests for lib/login_record.c: the hand-off
 * record encoded by the login side and checked by the session side,
 * without sockets (test_login.c runs the same checks through the real
 * hand-off).  A record that encodes is accepted with every field intact;
 * each way a login process could send a bad one is refused.
 */
#include <string.h>

#include "../../lib/attr.h"
#include "../../lib/buf.h"
#include "../../lib/login_record.h"
#include "test.h"

static const login_record_t good = {
	.token = "tok", .service = "pop3", .client = "192.0.2.7",
	.port = 40110, .secured = 1, .anvil = 1,
	.tls_version = "TLSv1.3", .tls_cipher = "TLS_AES_128_GCM_SHA256",
	.input = "STAT\r\n", .input_len = 6,
};

/* good encoded, with extra (name, value) pairs appended; the pairs end
 * with NULL. */
static attr_t *record_with(const login_record_t *r, const char *const *extra)
{
	attr_t *a = attr_new();

	login_record_encode(r, a);
	for (size_t i = 0; extra != NULL && extra[i] != NULL; i += 2)
		attr_add(a, extra[i], extra[i + 1]);
	return a;
}

/* The record with name's value changed (first occurrence). */
static attr_t *record_changed(const char *name, const char *value)
{
	attr_t *in = record_with(&good, NULL), *out = attr_new();

	for (size_t i = 0; i < in->count; i++) {
		if (strcmp(in->names[i], name) == 0)
			attr_add(out, name, value);
		else
			attr_add_n(out, in->names[i], in->values[i], in->values_len[i]);
	}
	attr_free(&in);
	return out;
}

static const char *refusal(attr_t *a)
{
	login_record_t r;
	const char *err = NULL;

	if (login_record_parse(a, &r, &err) == 0)
		err = "(accepted)";
	attr_free(&a);
	return err;
}

static void test_record_roundtrip(void)
{
	attr_t *a = record_with(&good, NULL), *b = attr_new();
	buf_t wire = BUF_INIT;
	login_record_t r, plain = good;
	const char *err = NULL;

	test_begin("login record: what the login side encodes is accepted whole");
	attr_encode(a, &wire);
	test_assert_int(attr_decode(wire.data, wire.len, b), ATTR_OK);
	test_assert_int(login_record_parse(b, &r, &err), 0);
	test_assert_str(r.token, "tok");
	test_assert_str(r.service, "pop3");
	test_assert_str(r.client, "192.0.2.7");
	test_assert_int(r.port, 40110);
	test_assert_int(r.secured, 1);
	test_assert_int(r.anvil, 1);
	test_assert_str(r.tls_version, "TLSv1.3");
	test_assert_str(r.tls_cipher, "TLS_AES_128_GCM_SHA256");
	test_assert_int(r.input_len, 6);
	test_assert(r.input != NULL && memcmp(r.input, "STAT\r\n", 6) == 0);
	attr_free(&a);
	attr_free(&b);

	plain.secured = plain.anvil = 0;	/* no TLS, no anvil, no input */
	plain.tls_version = plain.tls_cipher = NULL;
	plain.input = NULL;
	plain.input_len = 0;
	a = record_with(&plain, NULL);
	test_assert_int(attr_count_of(a, "anvil") + attr_count_of(a, "input") +
			attr_count_of(a, "tls_version"), 0);
	test_assert_int(login_record_parse(a, &r, &err), 0);
	test_assert_int(r.secured, 0);
	test_assert_int(r.anvil, 0);
	test_assert(r.tls_version == NULL && r.tls_cipher == NULL);
	test_assert(r.input == NULL && r.input_len == 0);
	attr_free(&a);
	buf_release(&wire);
	test_end();
}

static void test_record_refused(void)
{
	static const char *const twice[] = { "token", "again", NULL };
	static const char *const input2[] = { "input", "more", NULL };
	char long_field[LOGIN_FIELD_MAX + 2];
	login_record_t r = good;
	char *big;
	attr_t *a;

	test_begin("login record: every malformed record is refused");
	memset(long_field, 'x', sizeof(long_field) - 1);
	long_field[sizeof(long_field) - 1] = '\0';
	test_assert_str(refusal(record_changed("proto", "qmgr")),
			"hand-off record of the wrong protocol or version");
	test_assert_str(refusal(record_changed("version", "2")),
			"hand-off record of the wrong protocol or version");
	test_assert_str(refusal(record_changed("version", "1x")),
			"hand-off record of the wrong protocol or version");
	test_assert_str(refusal(record_with(&good, twice)), "malformed hand-off record");
	test_assert_str(refusal(record_changed("token", "")), "malformed hand-off record");
	test_assert_str(refusal(record_changed("service", "pop3\tx")),
			"malformed hand-off record");
	test_assert_str(refusal(record_changed("client", long_field)),
			"malformed hand-off record");
	test_assert_str(refusal(record_changed("port", "65536")), "malformed hand-off record");
	test_assert_str(refusal(record_changed("port", "-1")), "malformed hand-off record");
	test_assert_str(refusal(record_changed("secured", "YES")), "malformed hand-off record");
	test_assert_str(refusal(record_changed("anvil", "no")),
			"malformed anvil flag in the hand-off record");
	test_assert_str(refusal(record_changed("tls_cipher", "")),
			"malformed TLS facts in the hand-off record");
	test_assert_str(refusal(record_with(&good, input2)),
			"malformed pipelined input in the hand-off record");

	a = attr_new();		/* a NUL inside a field */
	login_record_encode(&good, a);
	for (size_t i = 0; i < a->count; i++)
		if (strcmp(a->names[i], "service") == 0)
			a->values[i][1] = '\0';
	test_assert_str(refusal(a), "malformed hand-off record");

	big = calloc(1, LOGIN_INPUT_MAX + 1);	/* more input than is carried */
	r.input = big;
	r.input_len = LOGIN_INPUT_MAX + 1;
	a = attr_new();
	login_record_encode(&r, a);
	free(big);
	test_assert_str(refusal(a), "malformed pipelined input in the hand-off record");
	test_end();
}

/* The protocol context of IMAP: the login command's tag and the
 * capabilities for its tagged OK; POP3 sends neither. */
static void test_record_context(void)
{
	login_record_t r = good, out;
	static const char *const caps_only[] = { "capabilities", "IMAP4rev1", NULL };
	static const char *const tag2[] = { "greeting_tag", "a2", NULL };
	const char *err = NULL;
	attr_t *a = attr_new();
	char long_caps[LOGIN_CAPABILITIES_MAX + 2];

	test_begin("login record: greeting tag and capabilities");
	login_record_encode(&good, a);
	test_assert(attr_get(a, "greeting_tag") == NULL);
	test_assert(attr_get(a, "capabilities") == NULL);
	test_assert_int(login_record_parse(a, &out, &err), 0);
	test_assert(out.greeting_tag == NULL && out.capabilities == NULL);
	attr_free(&a);

	r.greeting_tag = "a001";
	r.capabilities = "IMAP4rev1 IDLE LITERAL+ ID ENABLE";
	a = attr_new();
	login_record_encode(&r, a);
	test_assert_int(login_record_parse(a, &out, &err), 0);
	test_assert_str(out.greeting_tag, "a001");
	test_assert_str(out.capabilities, "IMAP4rev1 IDLE LITERAL+ ID ENABLE");
	attr_free(&a);
	r.capabilities = NULL;		/* a tag alone is fine */
	a = attr_new();
	login_record_encode(&r, a);
	test_assert_int(login_record_parse(a, &out, &err), 0);
	test_assert_str(out.greeting_tag, "a001");
	test_assert(out.capabilities == NULL);
	attr_free(&a);
	test_end();

	test_begin("login record: bad tags and capability lists are refused");
	r.capabilities = "IMAP4rev1";
	for (const char *const *t = (const char *const[]) { "a+1", "a 1", "a(1",
	     "a*", "a%", "a\"", "a\\", "a{1", "\x01", "a\x7f", NULL }; *t; t++) {
		r.greeting_tag = *t;
		a = attr_new();
		login_record_encode(&r, a);
		test_assert_str(refusal(a), "malformed greeting tag in the hand-off record");
	}
	r.greeting_tag = "a]1";		/* "]" is an ASTRING-CHAR */
	a = attr_new();
	login_record_encode(&r, a);
	test_assert_int(login_record_parse(a, &out, &err), 0);
	attr_free(&a);
	memset(long_caps, 'X', sizeof(long_caps) - 1);
	long_caps[sizeof(long_caps) - 1] = '\0';
	r.greeting_tag = "t";
	for (const char *const *c = (const char *const[]) { " IMAP4rev1", "IMAP4rev1 ",
	     "IMAP4rev1  IDLE", "IMAP4rev1\tIDLE", "IMAP\x80", long_caps, NULL }; *c; c++) {
		r.capabilities = *c;
		a = attr_new();
		login_record_encode(&r, a);
		test_assert_str(refusal(a), "malformed capabilities in the hand-off record");
	}
	/* capabilities without a tag, a second tag */
	test_assert_str(refusal(record_with(&good, caps_only)),
			"malformed capabilities in the hand-off record");
	r.capabilities = NULL;
	a = attr_new();
	login_record_encode(&r, a);
	attr_add(a, tag2[0], tag2[1]);
	test_assert_str(refusal(a), "malformed greeting tag in the hand-off record");
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_record_roundtrip,
		test_record_refused,
		test_record_context,
		NULL,
	};

	return test_main(tests);
}

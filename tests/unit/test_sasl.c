/* test_sasl.c - unit tests for lib/sasl.c: PLAIN messages, LOGIN fields,
 * the mechanism table and the exchange (initial responses, continuation
 * lines, "*", bad base64, malformed messages). */
#include "../../lib/base64.h"
#include "../../lib/sasl.h"
#include "test.h"

static void test_sasl_plain(void)
{
	sasl_plain_t p;
	char big[600];

	test_begin("sasl: PLAIN split, with and without authzid");
	test_assert_int(sasl_plain_parse("\0bob\0secret", 11, &p), 0);
	test_assert_int(p.authzid_len, 0);
	test_assert(p.authcid_len == 3 && memcmp(p.authcid, "bob", 3) == 0);
	test_assert(p.passwd_len == 6 && memcmp(p.passwd, "secret", 6) == 0);
	test_assert_int(sasl_plain_parse("admin\0bob\0pass word", 19, &p), 0);
	test_assert(p.authzid_len == 5 && memcmp(p.authzid, "admin", 5) == 0);
	test_assert(p.passwd_len == 9 && memcmp(p.passwd, "pass word", 9) == 0);
	test_end();

	test_begin("sasl: malformed PLAIN refused");
	test_assert_int(sasl_plain_parse("", 0, &p), -1);
	test_assert_int(sasl_plain_parse("bob", 3, &p), -1);
	test_assert_int(sasl_plain_parse("\0bob", 4, &p), -1);		/* one NUL */
	test_assert_int(sasl_plain_parse("\0\0pw", 4, &p), -1);		/* empty authcid */
	test_assert_int(sasl_plain_parse("\0bob\0", 5, &p), -1);		/* empty passwd */
	test_assert_int(sasl_plain_parse("\0bob\0pw\0x", 9, &p), -1);	/* extra NUL */
	memset(big, 'a', sizeof(big));
	big[0] = '\0';
	big[4] = '\0';
	test_assert_int(sasl_plain_parse(big, 4 + 1 + 255, &p), 0);
	test_assert_int(sasl_plain_parse(big, 4 + 1 + 256, &p), -1);	/* passwd > 255 */
	test_end();
}

static void test_sasl_login(void)
{
	char big[300];

	memset(big, 'x', sizeof(big));
	test_begin("sasl: LOGIN fields");
	test_assert_int(sasl_login_field_check("bob", 3), 0);
	test_assert_int(sasl_login_field_check("", 0), -1);
	test_assert_int(sasl_login_field_check("b\0b", 3), -1);
	test_assert_int(sasl_login_field_check(big, 255), 0);
	test_assert_int(sasl_login_field_check(big, 256), -1);
	test_end();
}

/* Feed b64(msg) as one continuation line. */
static int feed(sasl_server_t *x, const char *msg, size_t len, buf_t *ch)
{
	buf_t b = BUF_INIT;
	int r;

	base64_encode(msg, len, &b);
	r = sasl_server_feed(x, buf_str(&b), b.len, ch);
	buf_release(&b);
	return r;
}

static void test_sasl_mechs(void)
{
	buf_t list = BUF_INIT;

	test_begin("sasl: mechanism table");
	test_assert(sasl_mech_find("plain") == sasl_mech_find("PLAIN"));
	test_assert_str(sasl_mech_name(sasl_mech_find("login")), "LOGIN");
	test_assert(sasl_mech_find("CRAM-MD5") == NULL);
	test_assert(sasl_mech_find("") == NULL);
	test_assert_int(sasl_mech_plaintext(sasl_mech_find("PLAIN")), 1);
	sasl_mech_list(&list, " ", 1);
	test_assert_str(buf_str(&list), "PLAIN LOGIN");
	buf_reset(&list);
	sasl_mech_list(&list, " ", 0);
	test_assert_str(buf_str(&list), "");
	buf_release(&list);
	test_end();
}

static void test_sasl_exchange_plain(void)
{
	const sasl_mech_t *m = sasl_mech_find("PLAIN");
	sasl_server_t *x;
	buf_t ch = BUF_INIT;

	test_begin("sasl: PLAIN with an initial response");
	x = sasl_server_new(m);
	/* "\0bob\0secret" */
	test_assert_int(sasl_server_start(x, "AGJvYgBzZWNyZXQ=", &ch), SASL_DONE);
	test_assert_str(sasl_server_authcid(x), "bob");
	test_assert_str(sasl_server_passwd(x), "secret");
	test_assert_str(sasl_server_authzid(x), "");
	/* A finished exchange takes no more lines. */
	test_assert_int(feed(x, "x", 1, &ch), SASL_MALFORMED);
	sasl_server_free(&x);
	test_assert(x == NULL);
	test_end();

	test_begin("sasl: PLAIN after an empty challenge, with authzid");
	x = sasl_server_new(m);
	test_assert_int(sasl_server_start(x, NULL, &ch), SASL_CONTINUE);
	test_assert_int(ch.len, 0);
	test_assert_int(feed(x, "admin\0bob\0pw", 12, &ch), SASL_DONE);
	test_assert_str(sasl_server_authzid(x), "admin");
	test_assert_str(sasl_server_passwd(x), "pw");
	sasl_server_free(&x);
	test_end();

	test_begin("sasl: PLAIN: \"=\" is an empty initial response, malformed");
	x = sasl_server_new(m);
	test_assert_int(sasl_server_start(x, "=", &ch), SASL_MALFORMED);
	sasl_server_free(&x);
	x = sasl_server_new(m);
	test_assert_int(sasl_server_start(x, "not base64!", &ch), SASL_BAD_BASE64);
	sasl_server_free(&x);
	x = sasl_server_new(m);
	test_assert_int(sasl_server_start(x, NULL, &ch), SASL_CONTINUE);
	test_assert_int(sasl_server_feed(x, "abc", 3, &ch), SASL_BAD_BASE64);
	sasl_server_free(&x);
	test_end();

	test_begin("sasl: \"*\" cancels");
	x = sasl_server_new(m);
	test_assert_int(sasl_server_start(x, NULL, &ch), SASL_CONTINUE);
	test_assert_int(sasl_server_feed(x, "*", 1, &ch), SASL_CANCELLED);
	sasl_server_free(&x);
	test_end();
	buf_release(&ch);
}

static void test_sasl_exchange_login(void)
{
	const sasl_mech_t *m = sasl_mech_find("LOGIN");
	sasl_server_t *x;
	buf_t ch = BUF_INIT;

	test_begin("sasl: LOGIN, two challenges");
	x = sasl_server_new(m);
	test_assert_int(sasl_server_start(x, NULL, &ch), SASL_CONTINUE);
	test_assert_str(buf_str(&ch), "VXNlcm5hbWU6");
	test_assert_int(feed(x, "bob", 3, &ch), SASL_CONTINUE);
	test_assert_str(buf_str(&ch), "UGFzc3dvcmQ6");
	test_assert_int(feed(x, "pass word", 9, &ch), SASL_DONE);
	test_assert_str(sasl_server_authcid(x), "bob");
	test_assert_str(sasl_server_passwd(x), "pass word");
	sasl_server_free(&x);
	test_end();

	test_begin("sasl: LOGIN, the initial response is the user name");
	x = sasl_server_new(m);
	test_assert_int(sasl_server_start(x, "Ym9i", &ch), SASL_CONTINUE);
	test_assert_str(buf_str(&ch), "UGFzc3dvcmQ6");
	test_assert_int(sasl_server_feed(x, "*", 1, &ch), SASL_CANCELLED);
	sasl_server_free(&x);
	x = sasl_server_new(m);
	test_assert_int(sasl_server_start(x, NULL, &ch), SASL_CONTINUE);
	test_assert_int(feed(x, "b\0b", 3, &ch), SASL_MALFORMED);
	sasl_server_free(&x);
	x = sasl_server_new(m);
	test_assert_int(sasl_server_start(x, "=", &ch), SASL_MALFORMED);
	sasl_server_free(&x);
	test_end();
	buf_release(&ch);
}

int main(void)
{
	static void (*const tests[])(void) = { test_sasl_plain, test_sasl_login,
		test_sasl_mechs, test_sasl_exchange_plain, test_sasl_exchange_login,
		NULL };
	return test_main(tests);
}

/* test_smtp_parse.c - unit tests for lib/smtp_parse.c (SMTP command lines)
 * and lib/base64.c (SASL exchanges). */
#include "../../lib/base64.h"
#include "../../lib/smtp_parse.h"
#include "test.h"

static void test_smtp_cmd_split(void)
{
	smtp_cmd_t c;

	test_begin("smtp_cmd_parse: verb, arguments, line ends, bad octets");
	smtp_cmd_init(&c);
	test_assert(smtp_cmd_parse("mail FROM:<a@b.c>  SIZE=10 \r\n", 29, &c) == NULL);
	test_assert_str(buf_str(&c.verb), "MAIL");
	test_assert_str(buf_str(&c.args), "FROM:<a@b.c>  SIZE=10");
	test_assert(smtp_cmd_parse("QUIT\n", 5, &c) == NULL);
	test_assert_str(buf_str(&c.verb), "QUIT");
	test_assert_str(buf_str(&c.args), "");
	test_assert(smtp_cmd_parse("Ehlo\tx", 6, &c) == NULL);
	test_assert_str(buf_str(&c.verb), "EHLO");
	test_assert_str(buf_str(&c.args), "x");
	test_assert(smtp_cmd_parse("\r\n", 2, &c) != NULL);
	test_assert(smtp_cmd_parse("   \r\n", 5, &c) != NULL);
	test_assert(smtp_cmd_parse("NOOP a\0b\r\n", 10, &c) != NULL);
	test_assert(smtp_cmd_parse("NOOP a\rb\r\n", 10, &c) != NULL);
	test_assert(smtp_cmd_parse("NOOP \x7f\r\n", 8, &c) != NULL);
	/* 8-bit text passes (SMTPUTF8 addresses); the grammar decides later. */
	test_assert(smtp_cmd_parse("RCPT TO:<\xc3\xa9@x.y>", 16, &c) == NULL);
	smtp_cmd_release(&c);
	test_end();
}

static void test_smtp_mail(void)
{
	smtp_mail_t m;

	test_begin("smtp_parse_mail: path and ESMTP parameters");
	smtp_mail_init(&m);
	test_assert(smtp_parse_mail("FROM:<Joe@Example.ORG>", &m) == NULL);
	test_assert_str(buf_str(&m.addr), "Joe@Example.ORG");
	test_assert(!m.has_size && m.body == SMTP_BODY_NONE && !m.smtputf8);
	test_assert(smtp_parse_mail("from: <>", &m) == NULL);
	test_assert(m.info.null && m.addr.len == 0);
	test_assert(smtp_parse_mail("FROM:<a@b.c> size=12345 BODY=8bitmime "
				    "RET=hdrs ENVID=x+2By AUTH=<>", &m) == NULL);
	test_assert(m.has_size && m.size == 12345);
	test_assert(m.body == SMTP_BODY_8BITMIME);
	test_assert(m.ret == SMTP_RET_HDRS);
	test_assert_str(buf_str(&m.envid), "x+y");
	test_assert_str(buf_str(&m.auth), "<>");
	test_assert(smtp_parse_mail("FROM:<a@b.c> SIZE=99999999999999999999", &m) == NULL);
	test_assert(m.size == ~0ULL);
	test_assert(smtp_parse_mail("FROM:<@r1,@r2:a@b.c>", &m) == NULL);
	test_assert_str(buf_str(&m.addr), "a@b.c");
	test_assert(smtp_parse_mail("FROM:<\xc3\xa9@b.c> SMTPUTF8", &m) == NULL);
	test_assert(m.smtputf8 && m.info.utf8);

	test_assert_str(smtp_parse_mail("FROM:<\xc3\xa9@b.c>", &m),
			"553 5.6.7 Non-ASCII sender address needs SMTPUTF8");
	test_assert(strncmp(smtp_parse_mail("TO:<a@b.c>", &m), "501 5.5.4", 9) == 0);
	test_assert(strncmp(smtp_parse_mail("FROM:a@b.c", &m), "501 5.1.7", 9) == 0);
	test_assert(strncmp(smtp_parse_mail("FROM:<a@b.c>x", &m), "501 5.1.7", 9) == 0);
	test_assert(strncmp(smtp_parse_mail("FROM:<a@b.c> SIZE=", &m), "501", 3) == 0);
	test_assert(strncmp(smtp_parse_mail("FROM:<a@b.c> SIZE=1x", &m), "501", 3) == 0);
	test_assert(strncmp(smtp_parse_mail("FROM:<a@b.c> SIZE=1 SIZE=2", &m), "501", 3) == 0);
	test_assert(strncmp(smtp_parse_mail("FROM:<a@b.c> BODY=BINARYMIME", &m), "555", 3) == 0);
	test_assert(strncmp(smtp_parse_mail("FROM:<a@b.c> BODY=9BIT", &m), "501", 3) == 0);
	test_assert(strncmp(smtp_parse_mail("FROM:<a@b.c> RET=FULL RET=FULL", &m), "501", 3) == 0);
	test_assert(strncmp(smtp_parse_mail("FROM:<a@b.c> ENVID=a+2", &m), "501", 3) == 0);
	test_assert(strncmp(smtp_parse_mail("FROM:<a@b.c> ENVID=a+0Ab", &m), "501", 3) == 0);
	test_assert(strncmp(smtp_parse_mail("FROM:<a@b.c> SMTPUTF8=yes", &m), "501", 3) == 0);
	test_assert(strncmp(smtp_parse_mail("FROM:<a@b.c> XYZ=1", &m), "555", 3) == 0);
	test_assert(strncmp(smtp_parse_mail("FROM:<a@b.c> =1", &m), "501", 3) == 0);
	test_assert(strncmp(smtp_parse_mail("FROM:<a@b.c> A=b=c", &m), "501", 3) == 0);
	smtp_mail_release(&m);
	test_end();
}

static void test_smtp_rcpt(void)
{
	smtp_rcpt_t r;
	buf_t n = BUF_INIT;

	test_begin("smtp_parse_rcpt: path, postmaster, NOTIFY, ORCPT");
	smtp_rcpt_init(&r);
	test_assert(smtp_parse_rcpt("TO:<User+Tag@Example.org>", 0, &r) == NULL);
	test_assert_str(buf_str(&r.addr), "User+Tag@Example.org");
	test_assert(r.notify == 0 && !r.has_orcpt);
	test_assert(smtp_parse_rcpt("to:<PostMaster>", 0, &r) == NULL);
	test_assert_str(buf_str(&r.addr), "PostMaster");
	test_assert(strncmp(smtp_parse_rcpt("TO:<joe>", 0, &r), "501 5.1.3", 9) == 0);
	test_assert(smtp_parse_rcpt("TO:<a@b.c> NOTIFY=success,DELAY ORCPT=rfc822;a+40b.c", 0, &r) == NULL);
	test_assert_int(r.notify, SMTP_NOTIFY_SUCCESS | SMTP_NOTIFY_DELAY);
	smtp_notify_format(r.notify, &n);
	test_assert_str(buf_str(&n), "SUCCESS,DELAY");
	test_assert_str(buf_str(&r.orcpt), "rfc822;a@b.c");
	test_assert(smtp_parse_rcpt("TO:<a@b.c> NOTIFY=NEVER", 0, &r) == NULL);
	test_assert_int(r.notify, SMTP_NOTIFY_NEVER);
	test_assert(strncmp(smtp_parse_rcpt("TO:<a@b.c> NOTIFY=NEVER,DELAY", 0, &r), "501", 3) == 0);
	test_assert(strncmp(smtp_parse_rcpt("TO:<a@b.c> NOTIFY=DELAY,DELAY", 0, &r), "501", 3) == 0);
	test_assert(strncmp(smtp_parse_rcpt("TO:<a@b.c> NOTIFY=", 0, &r), "501", 3) == 0);
	test_assert(strncmp(smtp_parse_rcpt("TO:<a@b.c> NOTIFY=SUCCESS,", 0, &r), "501", 3) == 0);
	test_assert(strncmp(smtp_parse_rcpt("TO:<a@b.c> ORCPT=a@b.c", 0, &r), "501", 3) == 0);
	test_assert(strncmp(smtp_parse_rcpt("TO:<a@b.c> ORCPT=;a@b.c", 0, &r), "501", 3) == 0);
	test_assert(strncmp(smtp_parse_rcpt("TO:<a@b.c> ORCPT=rfc822;a+0Db", 0, &r), "501", 3) == 0);
	/* 8-bit only as RFC 6533's utf-8 type, and then valid UTF-8. */
	test_assert(strncmp(smtp_parse_rcpt("TO:<a@b.c> ORCPT=rfc822;a+FF+FE@b.c", 0, &r), "501", 3) == 0);
	test_assert(strncmp(smtp_parse_rcpt("TO:<a@b.c> ORCPT=utf-8;a+FF+FE@b.c", 0, &r), "501", 3) == 0);
	test_assert(smtp_parse_rcpt("TO:<a@b.c> ORCPT=utf-8;caf+C3+A9@b.c", 0, &r) == NULL);
	test_assert(strncmp(smtp_parse_rcpt("TO:<a@b.c> FOO", 0, &r), "555", 3) == 0);
	test_assert(strncmp(smtp_parse_rcpt("TO:<\xc3\xa9@b.c>", 0, &r), "553 5.6.7", 9) == 0);
	test_assert(smtp_parse_rcpt("TO:<\xc3\xa9@b.c>", 1, &r) == NULL);
	/* Route hacks and quoting are reported for the policy to refuse. */
	test_assert(smtp_parse_rcpt("TO:<a%c.d@b.c>", 0, &r) == NULL && r.info.route_hack);
	test_assert(smtp_parse_rcpt("TO:<\"a@c.d\"@b.c>", 0, &r) == NULL && r.info.quoted);
	test_assert(smtp_parse_rcpt("TO:<\"a\"@b.c>", 0, &r) == NULL && !r.info.quoted);
	test_assert_str(buf_str(&r.addr), "a@b.c");
	smtp_rcpt_release(&r);
	buf_release(&n);
	test_end();
}

static void test_smtp_bdat_xtext(void)
{
	unsigned long long size;
	buf_t out = BUF_INIT;
	int last;

	test_begin("smtp_parse_bdat and smtp_xtext_decode");
	test_assert(smtp_parse_bdat("1000", &size, &last) == NULL && size == 1000 && !last);
	test_assert(smtp_parse_bdat("0 last", &size, &last) == NULL && size == 0 && last);
	test_assert(smtp_parse_bdat("", &size, &last) != NULL);
	test_assert(smtp_parse_bdat("-1", &size, &last) != NULL);
	test_assert(smtp_parse_bdat("10 FIRST", &size, &last) != NULL);
	test_assert(smtp_parse_bdat("10x", &size, &last) != NULL);
	test_assert(smtp_parse_bdat("99999999999999999999999", &size, &last) != NULL);
	test_assert(smtp_xtext_decode("a+2Bb+3dc", 9, &out) == 0);
	test_assert_str(buf_str(&out), "a+b=c");
	test_assert(smtp_xtext_decode("a=b", 3, &out) < 0);
	test_assert(smtp_xtext_decode("a b", 3, &out) < 0);
	test_assert(smtp_xtext_decode("+4", 2, &out) < 0);
	test_assert(smtp_xtext_decode("+4G", 3, &out) < 0);
	buf_release(&out);
	test_end();
}

/* What smtp-out sends decodes back to the octets it was given, whatever
 * they are: no space, CR, LF, '+' or '=' reaches the command line. */
static void test_smtp_xtext_encode(void)
{
	buf_t enc = BUF_INIT, dec = BUF_INIT;
	char all[256];

	test_begin("smtp_xtext_encode");
	smtp_xtext_encode("a+b=c d", 7, &enc);
	test_assert_str(buf_str(&enc), "a+2Bb+3Dc+20d");
	for (int i = 0; i < 256; i++)
		all[i] = (char) i;
	buf_reset(&enc);
	smtp_xtext_encode(all, sizeof(all), &enc);
	for (size_t i = 0; i < enc.len; i++)
		test_assert((unsigned char) enc.data[i] > ' ' &&
			    (unsigned char) enc.data[i] < 127 && enc.data[i] != '=');
	test_assert(smtp_xtext_decode(enc.data, enc.len, &dec) == 0);
	test_assert(dec.len == sizeof(all) && memcmp(dec.data, all, sizeof(all)) == 0);
	buf_release(&enc);
	buf_release(&dec);
	test_end();
}

static void test_base64(void)
{
	buf_t out = BUF_INIT, enc = BUF_INIT;

	test_begin("base64: RFC 4648 vectors, strict decoding (RFC 4954 §4)");
	base64_encode("foobar", 6, &enc);
	test_assert_str(buf_str(&enc), "Zm9vYmFy");
	buf_reset(&enc);
	base64_encode("fooba", 5, &enc);
	test_assert_str(buf_str(&enc), "Zm9vYmE=");
	buf_reset(&enc);
	base64_encode("f", 1, &enc);
	test_assert_str(buf_str(&enc), "Zg==");
	test_assert(base64_decode("Zm9vYg==", 8, &out) == 0);
	test_assert_str(buf_str(&out), "foob");
	test_assert(base64_decode("AGFAYgBj", 8, &out) == 0);
	test_assert_int(out.len, 6);
	test_assert(memcmp(out.data, "\0a@b\0c", 6) == 0);
	test_assert(base64_decode("", 0, &out) == 0 && out.len == 0);
	test_assert(base64_decode("Zm9", 3, &out) < 0);
	test_assert(base64_decode("=AAA", 4, &out) < 0);
	test_assert(base64_decode("AA=A", 4, &out) < 0);
	test_assert(base64_decode("AAA=BBBB", 8, &out) < 0);
	test_assert(base64_decode("Zm9v YmFy", 9, &out) < 0);
	test_assert(base64_decode("Zm9v*mFy", 8, &out) < 0);
	test_assert(base64_decode("Zh==", 4, &out) < 0);
	test_assert(base64_decode("Zm9=", 4, &out) < 0);
	buf_release(&out);
	buf_release(&enc);
	test_end();
}

/* Feeding a line a few bytes at a time must not change the verdict. */
static void test_smtp_prefixes(void)
{
	static const char *lines[] = {
		"MAIL FROM:<a@b.c> SIZE=10 BODY=7BIT",
		"RCPT TO:<x@y.z> NOTIFY=FAILURE ORCPT=rfc822;x+40y.z",
	};
	smtp_mail_t m;
	smtp_rcpt_t r;
	smtp_cmd_t c;

	test_begin("smtp_parse: every prefix of valid lines parses or fails cleanly");
	smtp_mail_init(&m);
	smtp_rcpt_init(&r);
	smtp_cmd_init(&c);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		size_t len = strlen(lines[i]);

		for (size_t k = 0; k <= len; k++) {
			char *p = strndup(lines[i], k);

			if (smtp_cmd_parse(p, k, &c) == NULL) {
				if (strcmp(buf_str(&c.verb), "MAIL") == 0)
					(void) smtp_parse_mail(buf_str(&c.args), &m);
				else
					(void) smtp_parse_rcpt(buf_str(&c.args), 0, &r);
			}
			free(p);
		}
	}
	test_assert(smtp_parse_mail("FROM:<a@b.c> SIZE=10 BODY=7BIT", &m) == NULL);
	smtp_mail_release(&m);
	smtp_rcpt_release(&r);
	smtp_cmd_release(&c);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_smtp_cmd_split, test_smtp_mail, test_smtp_rcpt,
		test_smtp_bdat_xtext, test_smtp_xtext_encode, test_base64,
		test_smtp_prefixes, NULL,
	};

	return test_main(tests);
}

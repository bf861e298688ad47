/* test_smtp_ehlo.c - unit tests for lib/smtp_ehlo.c: every keyword of
 * smtp_ehlo.h, case, SIZE limits (none, zero, bad, saturated), AUTH in
 * both forms, unknown keywords and the greeting line ignored.
 *
 * Each reply goes through the reply parser (lib/smtp_reply.c) fed one
 * octet at a time, in pieces of 5 and whole, as smtp-out will use them.
 */
#include <limits.h>
#include <string.h>

#include "../../lib/smtp_ehlo.h"
#include "../../lib/smtp_reply.h"
#include "test.h"

struct ehlo_feed {
	smtp_reply_t r;
	enum smtp_reply_status st;
};

static void ehlo_feed_fn(const char *p, size_t n, void *ctx)
{
	struct ehlo_feed *f = ctx;

	smtp_reply_feed(&f->r, p, n, &f->st);
}

/* The capability set of one EHLO reply; it must be the same whatever the
 * pieces. */
static smtp_ehlo_t ehlo_of(const char *reply)
{
	static const size_t steps[] = { 1, 5, 0 };
	smtp_ehlo_t first = { 0, 0, 0 };

	for (size_t k = 0; k < 3; k++) {
		struct ehlo_feed f;
		smtp_ehlo_t e;

		smtp_reply_init(&f.r, 0, 0);
		test_feed(reply, strlen(reply), steps[k], ehlo_feed_fn, &f);
		test_assert_int(f.st, SMTP_REPLY_DONE);
		smtp_ehlo_parse(&e, &f.r);
		if (k == 0)
			first = e;
		else
			test_assert(e.ext == first.ext && e.size_max == first.size_max &&
				    e.auth == first.auth);
		smtp_reply_release(&f.r);
	}
	return first;
}

static void test_ehlo_keywords(void)
{
	smtp_ehlo_t e;

	test_begin("smtp_ehlo every keyword");
	e = ehlo_of("250-mx.example greets you\r\n250-SIZE 10240000\r\n"
		    "250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-DSN\r\n"
		    "250-CHUNKING\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n"
		    "250 AUTH PLAIN LOGIN\r\n");
	test_assert_int(e.ext, SMTP_EXT_SIZE | SMTP_EXT_PIPELINING |
			SMTP_EXT_8BITMIME | SMTP_EXT_SMTPUTF8 | SMTP_EXT_DSN |
			SMTP_EXT_CHUNKING | SMTP_EXT_STARTTLS |
			SMTP_EXT_ENHANCEDSTATUSCODES | SMTP_EXT_AUTH);
	test_assert_int(e.size_max, 10240000);
	test_assert_int(e.auth, SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN);
	/* a server that offers nothing */
	e = ehlo_of("250 mx.example\r\n");
	test_assert_int(e.ext, 0);
	test_assert_int(e.size_max, 0);
	test_assert_int(e.auth, 0);
	/* the greeting line is not a keyword line */
	e = ehlo_of("250-PIPELINING\r\n250 DSN\r\n");
	test_assert_int(e.ext, SMTP_EXT_DSN);
	test_end();
}

static void test_ehlo_case_unknown(void)
{
	smtp_ehlo_t e;

	test_begin("smtp_ehlo case-insensitive, unknown keywords ignored");
	e = ehlo_of("250-mx\r\n250-pipelining\r\n250-StartTLS\r\n250-8bitmime\r\n"
		    "250-XCLIENT NAME ADDR\r\n250-X-EXPS GSSAPI\r\n250-VRFY\r\n"
		    "250-ETRN\r\n250-BINARYMIME\r\n250-PIPELININGX\r\n250-SIZ\r\n"
		    "250-\r\n250-   \r\n250 chunking\r\n");
	test_assert_int(e.ext, SMTP_EXT_PIPELINING | SMTP_EXT_STARTTLS |
			SMTP_EXT_8BITMIME | SMTP_EXT_CHUNKING);
	test_assert_int(e.auth, 0);
	test_end();
}

static void test_ehlo_size(void)
{
	smtp_ehlo_t e;

	test_begin("smtp_ehlo SIZE and its limit");
	e = ehlo_of("250-mx\r\n250 SIZE\r\n");
	test_assert_int(e.ext, SMTP_EXT_SIZE);
	test_assert_int(e.size_max, 0);
	e = ehlo_of("250-mx\r\n250 SIZE 0\r\n");
	test_assert_int(e.ext, SMTP_EXT_SIZE);
	test_assert_int(e.size_max, 0);
	e = ehlo_of("250-mx\r\n250 size   52428800  \r\n");
	test_assert_int(e.size_max, 52428800);
	e = ehlo_of("250-mx\r\n250 SIZE 12k\r\n");
	test_assert_int(e.ext, SMTP_EXT_SIZE);
	test_assert_int(e.size_max, 0);
	e = ehlo_of("250-mx\r\n250 SIZE -1\r\n");
	test_assert_int(e.size_max, 0);
	e = ehlo_of("250-mx\r\n250 SIZE 99999999999999999999999\r\n");
	test_assert(e.size_max == ULLONG_MAX);
	e = ehlo_of("250-mx\r\n250 SIZE 18446744073709551615\r\n");
	test_assert(e.size_max == ULLONG_MAX);
	e = ehlo_of("250-mx\r\n250 SIZE 18446744073709551614\r\n");
	test_assert(e.size_max == ULLONG_MAX - 1);
	/* the later limit counts */
	e = ehlo_of("250-mx\r\n250-SIZE 1000\r\n250 SIZE 2000\r\n");
	test_assert_int(e.size_max, 2000);
	test_end();
}

static void test_ehlo_auth(void)
{
	smtp_ehlo_t e;

	test_begin("smtp_ehlo AUTH mechanisms, both forms");
	e = ehlo_of("250-mx\r\n250 AUTH login Plain CRAM-MD5\r\n");
	test_assert_int(e.ext, SMTP_EXT_AUTH);
	test_assert_int(e.auth, SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN | SMTP_AUTH_CRAM_MD5);
	e = ehlo_of("250-mx\r\n250 AUTH=LOGIN PLAIN\r\n");
	test_assert_int(e.ext, SMTP_EXT_AUTH);
	test_assert_int(e.auth, SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN);
	/* both forms, as servers send them for old and new clients */
	e = ehlo_of("250-mx\r\n250-AUTH SCRAM-SHA-256 SCRAM-SHA-1\r\n"
		    "250 auth=plain\r\n");
	test_assert_int(e.auth, SMTP_AUTH_SCRAM_SHA_256 | SMTP_AUTH_SCRAM_SHA_1 |
			SMTP_AUTH_PLAIN);
	e = ehlo_of("250-mx\r\n250 AUTH GSSAPI XOAUTH2\r\n");
	test_assert_int(e.auth, SMTP_AUTH_OTHER);
	/* AUTH without mechanisms */
	e = ehlo_of("250-mx\r\n250 AUTH\r\n");
	test_assert_int(e.ext, SMTP_EXT_AUTH);
	test_assert_int(e.auth, 0);
	/* not AUTH: "AUTH=" alone, "AUTHX" */
	e = ehlo_of("250-mx\r\n250-AUTH=\r\n250 AUTHX PLAIN\r\n");
	test_assert_int(e.ext, 0);
	test_assert_int(e.auth, 0);
	/* a PLAIN that is only a prefix is another mechanism */
	e = ehlo_of("250-mx\r\n250 AUTH PLAINX\r\n");
	test_assert_int(e.auth, SMTP_AUTH_OTHER);
	test_end();
}

static void test_ehlo_line(void)
{
	smtp_ehlo_t e;

	test_begin("smtp_ehlo single lines, tabs and a length without NUL");
	smtp_ehlo_init(&e);
	smtp_ehlo_line(&e, "SIZE\t77", 7);
	smtp_ehlo_line(&e, "DSNX", 3);		/* only "DSN" given */
	smtp_ehlo_line(&e, "", 0);
	test_assert_int(e.ext, SMTP_EXT_SIZE | SMTP_EXT_DSN);
	test_assert_int(e.size_max, 77);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_ehlo_keywords,
		test_ehlo_case_unknown,
		test_ehlo_size,
		test_ehlo_auth,
		test_ehlo_line,
		NULL,
	};

	return test_main(tests);
}

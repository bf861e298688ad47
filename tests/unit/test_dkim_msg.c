/* test_dkim_msg.c - unit tests for lib/dkim_msg.c: where the header ends
 * (an empty line, a CR counting as a line end), the fields signed and
 * their bottom-up order, the body hash (RFC 6376's hash of an empty body,
 * and one computed here from the canonical octets), the header limit, the
 * From domain, and d= domain names.  Messages are fed whole and a byte at
 * a time.
 */
#include <string.h>

#include <openssl/evp.h>

#include "../../lib/base64.h"
#include "../../lib/buf.h"
#include "../../lib/dkim_msg.h"
#include "test.h"

static void msg_feed_fn(const char *p, size_t n, void *ctx)
{
	dkim_msg_update(ctx, p, n);
}

static void collect_fn(void *arg, const char *c, size_t len)
{
	buf_append(arg, c, len);
}

/* The fields given for msg (fed in steps), concatenated, and bh. */
static int msg_run(const char *msg, size_t step, size_t max, buf_t *fields,
		   buf_t *bh)
{
	dkim_msg_t m;
	int r;

	dkim_msg_init(&m, max);
	test_feed(msg, strlen(msg), step, msg_feed_fn, &m);
	r = dkim_msg_finish(&m, bh);
	buf_reset(fields);
	dkim_msg_fields(&m, collect_fn, fields);
	dkim_msg_release(&m);
	return r;
}

static void sha_b64(const char *s, buf_t *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n;

	EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
	buf_reset(out);
	base64_encode(md, n, out);
}

static void test_fields(void)
{
	const char *msg = "From: A <a@example.com>\nX-Other: no\nTo: b@x.example\n"
		"Subject: hi\n  there\nto: c@x.example\n\nbody\n";
	buf_t f = BUF_INIT, bh = BUF_INIT;

	test_begin("fields: the listed ones, relaxed, bottom-up");
	for (size_t step = 0; step < 2; step++) {
		test_assert_int(msg_run(msg, step, 4096, &f, &bh), 0);
		test_assert_str(buf_str(&f), "to:c@x.example\r\nsubject:hi there\r\n"
				"to:b@x.example\r\nfrom:A <a@example.com>\r\n");
	}
	buf_release(&f);
	buf_release(&bh);
	test_end();
}

static void test_body_hash(void)
{
	buf_t f = BUF_INIT, bh = BUF_INIT, want = BUF_INIT;

	test_begin("body hash: empty body, trailing lines, CR ends the header");
	msg_run("From: a@example.com\n\n", 0, 4096, &f, &bh);
	sha_b64("", &want);
	test_assert_str(buf_str(&bh), buf_str(&want));
	msg_run("From: a@example.com\n", 0, 4096, &f, &bh);
	test_assert_str(buf_str(&bh), buf_str(&want));
	for (size_t step = 0; step < 2; step++) {
		msg_run("From: a@example.com\n\nHi  there \n\n\n", step, 4096, &f, &bh);
		sha_b64("Hi there\r\n", &want);
		test_assert_str(buf_str(&bh), buf_str(&want));
		/* "\r\n" stored goes out as two line ends: the header ends */
		msg_run("From: a@example.com\r\nbody\n", step, 4096, &f, &bh);
		sha_b64("body\r\n", &want);
		test_assert_str(buf_str(&bh), buf_str(&want));
		test_assert_str(buf_str(&f), "from:a@example.com\r\n");
	}
	buf_release(&f);
	buf_release(&bh);
	buf_release(&want);
	test_end();
}

static void test_limit(void)
{
	buf_t f = BUF_INIT, bh = BUF_INIT;

	test_begin("a header over the limit is not signed");
	test_assert_int(msg_run("From: a@example.com\nSubject: long enough\n\nx\n",
				0, 20, &f, &bh), -1);
	test_assert_int(msg_run("From: a@example.com\n\nx\n", 0, 21, &f, &bh), 0);
	buf_release(&f);
	buf_release(&bh);
	test_end();
}

static int from_domain(const char *msg, buf_t *d)
{
	dkim_msg_t m;
	buf_t bh = BUF_INIT;
	int r;

	dkim_msg_init(&m, 4096);
	dkim_msg_update(&m, msg, strlen(msg));
	dkim_msg_finish(&m, &bh);
	buf_reset(d);
	r = dkim_msg_from_domain(&m, d);
	dkim_msg_release(&m);
	buf_release(&bh);
	return r;
}

static void test_from(void)
{
	buf_t d = BUF_INIT;

	test_begin("From domain");
	test_assert_int(from_domain("From: a@Example.COM\n\n", &d), 0);
	test_assert_str(buf_str(&d), "example.com");
	test_assert_int(from_domain("Subject: x\nFROM : \"x@evil.example\" "
				    "<user@mail.example.org>\n\n", &d), 0);
	test_assert_str(buf_str(&d), "mail.example.org");
	test_assert_int(from_domain("From: user@example.net (x@evil.example)\n\n", &d), 0);
	test_assert_str(buf_str(&d), "example.net");
	test_assert_int(from_domain("From: Name\n <user@fold.example>\n\n", &d), 0);
	test_assert_str(buf_str(&d), "fold.example");
	test_assert_int(from_domain("To: a@example.com\n\n", &d), -1);
	test_assert_int(from_domain("From: a@example.com\nFrom: b@example.com\n\n", &d), -1);
	test_assert_int(from_domain("From: a@example.com, b@example.org\n\n", &d), -1);
	test_assert_int(from_domain("From: <a@example.com>, <b@example.org>\n\n", &d), -1);
	test_assert_int(from_domain("From: a@localhost\n\n", &d), -1);
	test_assert_int(from_domain("From: a@[127.0.0.1]\n\n", &d), -1);
	test_assert_int(from_domain("From: a@ex_ample.com\n\n", &d), -1);
	buf_release(&d);
	test_end();
}

static void test_domain_ok(void)
{
	test_begin("d= domain names");
	test_assert(dkim_domain_ok("example.com"));
	test_assert(dkim_domain_ok("a-b.c1.example"));
	test_assert(!dkim_domain_ok("example"));
	test_assert(!dkim_domain_ok(".example.com"));
	test_assert(!dkim_domain_ok("example.com."));
	test_assert(!dkim_domain_ok("a..b"));
	test_assert(!dkim_domain_ok("-a.b"));
	test_assert(!dkim_domain_ok("a-.b"));
	test_assert(!dkim_domain_ok("../etc"));
	test_assert(!dkim_domain_ok("a/b.c"));
	test_assert(!dkim_domain_ok(""));
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_fields,
		test_body_hash,
		test_limit,
		test_from,
		test_domain_ok,
		NULL,
	};

	return test_main(tests);
}

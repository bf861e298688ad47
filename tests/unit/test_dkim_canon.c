/* test_dkim_canon.c - unit tests for lib/dkim_canon.c: RFC 6376 §3.4.5's
 * example, trailing whitespace and empty lines, whitespace runs, empty
 * bodies, the stored form's bare CR as a line end (what smtp-out sends),
 * and a differential check against a plain reference run on smtp_body's
 * wire form.  Every body is fed whole, a byte at a time, in pieces of 3
 * and cut in two at every point.
 */
#include <string.h>

#include "../../lib/buf.h"
#include "../../lib/dkim_canon.h"
#include "../../lib/smtp_body.h"
#include "test.h"
#include "dkim_canon_ref.h"

struct canon_feed {
	dkim_body_t b;
	buf_t *out;
};

static void canon_feed_fn(const char *p, size_t n, void *ctx)
{
	struct canon_feed *f = ctx;

	dkim_body_update(&f->b, p, n, f->out);
}

static void body_is(const char *in, const char *want)
{
	size_t len = strlen(in);
	buf_t out = BUF_INIT;

	for (size_t way = 0; way < 3 + len + 1; way++) {
		struct canon_feed f = { .out = &out };

		buf_reset(&out);
		dkim_body_init(&f.b);
		if (way < 3)
			test_feed(in, len, way == 0 ? len + 1 : way == 1 ? 1 : 3,
				  canon_feed_fn, &f);
		else
			test_feed_split(in, len, way - 3, canon_feed_fn, &f);
		dkim_body_finish(&f.b, &out);
		test_assert_str(buf_str(&out), want);
	}
	buf_release(&out);
}

static void header_is(const char *in, const char *want)
{
	buf_t out = BUF_INIT;

	dkim_canon_header(in, strlen(in), &out);
	test_assert_str(buf_str(&out), want);
	buf_release(&out);
}

static void test_rfc_example(void)
{
	test_begin("RFC 6376 3.4.5 example, relaxed");
	header_is("A: X\n", "a:X\r\n");
	header_is("B : Y\t\n\tZ  \n", "b:Y Z\r\n");
	body_is(" C \n D \t E\n\n\n", " C\r\n D E\r\n");
	test_end();
}

static void test_body_rules(void)
{
	test_begin("body: trailing space, runs, empty lines, no final line end");
	body_is("", "");
	body_is("\n\n\n", "");
	body_is("  \n\t\n", "");
	body_is("a", "a\r\n");
	body_is("a  b\t\tc  \n", "a b c\r\n");
	body_is("a\n\nb\n\n", "a\r\n\r\nb\r\n");
	body_is("a\n \n\nb", "a\r\n\r\n\r\nb\r\n");
	body_is("\n\na\n", "\r\n\r\na\r\n");
	body_is(".\n..x\n", ".\r\n..x\r\n");
	body_is("\xc3\xa9t\xc3\xa9\n", "\xc3\xa9t\xc3\xa9\r\n");
	test_end();
}

static void test_body_cr(void)
{
	test_begin("body: every stored CR and LF is a line end");
	body_is("a\rb\n", "a\r\nb\r\n");
	body_is("a\r\nb\n", "a\r\n\r\nb\r\n");
	body_is("a \r", "a\r\n");
	body_is("a\r\r\r\n", "a\r\n");
	test_end();
}

static void test_body_differential(void)
{
	static const char alphabet[] = { 'a', ' ', '\t', '\r', '\n', '.' };
	buf_t in = BUF_INIT, wire = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	unsigned seed = 12345;

	test_begin("body: equal to a reference on smtp_body's wire form");
	for (int round = 0; round < 3000; round++) {
		smtp_body_t sb;
		dkim_body_t db;
		size_t n;

		seed = seed * 1103515245u + 12345u;
		n = (seed >> 16) % 24;
		buf_reset(&in);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			buf_putc(&in, alphabet[(seed >> 16) % sizeof(alphabet)]);
		}
		buf_reset(&wire);
		smtp_body_init(&sb, 0);
		smtp_body_encode(&sb, in.data, in.len, &wire);
		smtp_body_finish(&sb, &wire);
		ref_relaxed(wire.data, wire.len, &want);
		buf_reset(&got);
		dkim_body_init(&db);
		dkim_body_update(&db, in.data, in.len, &got);
		dkim_body_finish(&db, &got);
		test_assert_str(buf_str(&got), buf_str(&want));
	}
	buf_release(&in);
	buf_release(&wire);
	buf_release(&want);
	buf_release(&got);
	test_end();
}

static void test_header_rules(void)
{
	test_begin("header: case, unfolding, runs, colon spacing");
	header_is("Subject: Hello   World  \n", "subject:Hello World\r\n");
	header_is("SUBJECT:\tfolded\n  line\n", "subject:folded line\r\n");
	header_is("To:a@b\r\n", "to:a@b\r\n");
	header_is("X-Empty:\n", "x-empty:\r\n");
	header_is("X-Empty:   \n", "x-empty:\r\n");
	header_is("Odd", "odd:\r\n");
	header_is("From: \"A  B\" <a@b.example>\n", "from:\"A B\" <a@b.example>\r\n");
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_rfc_example,
		test_body_rules,
		test_body_cr,
		test_body_differential,
		test_header_rules,
		NULL,
	};

	return test_main(tests);
}

/* test_smtp_body.c - unit tests for lib/smtp_body.c: CRLF line ends,
 * dot-stuffing and the end line for DATA, the same without stuffing for
 * BDAT, the line-end rules of smtp_body.h for CRs (each one a line end:
 * no bare CR on the wire, a dot after one stuffed), binary octets, and
 * the counted size (the stored size plus one per CR or LF).
 *
 * Every case is encoded whole, one octet at a time, in pieces of 3, and
 * cut in two at every point; each way must give the same octets, and a
 * counting-only run (no output buffer) the same size.
 */
#include <string.h>

#include "../../lib/buf.h"
#include "../../lib/smtp_body.h"
#include "test.h"

struct body_feed {
	smtp_body_t b;
	buf_t *out;
};

static void body_feed_fn(const char *p, size_t n, void *ctx)
{
	struct body_feed *f = ctx;

	smtp_body_encode(&f->b, p, n, f->out);
}

static void body_check_one(const char *in, size_t len, int stuff,
			   const char *want, size_t want_len)
{
	static const size_t steps[] = { 0, 1, 3 };
	buf_t out = BUF_INIT;

	for (size_t way = 0; way < 4 + len; way++) {
		struct body_feed f;

		buf_reset(&out);
		smtp_body_init(&f.b, stuff);
		f.out = way == 3 ? NULL : &out;
		if (way < 4)
			test_feed(in, len, steps[way % 3], body_feed_fn, &f);
		else
			test_feed_split(in, len, way - 4, body_feed_fn, &f);
		smtp_body_finish(&f.b, f.out);
		if (smtp_body_octets(&f.b) != want_len ||
		    (f.out != NULL && (out.len != want_len ||
		     (want_len > 0 && memcmp(out.data, want, want_len) != 0)))) {
			printf("  %s way %zu: %zu octets (%llu counted)\n",
			       stuff ? "DATA" : "BDAT", way, out.len,
			       smtp_body_octets(&f.b));
			test_case_failed = 1;
		}
	}
	buf_release(&out);
}

#define BODY_CHECK(in, data, bdat) do { \
	body_check_one(in, sizeof(in) - 1, 1, data, sizeof(data) - 1); \
	body_check_one(in, sizeof(in) - 1, 0, bdat, sizeof(bdat) - 1); \
} while (0)

static void test_body_plain(void)
{
	test_begin("smtp_body line ends and the end line");
	BODY_CHECK("", ".\r\n", "");
	BODY_CHECK("a\n", "a\r\n.\r\n", "a\r\n");
	BODY_CHECK("Subject: x\n\nhello\nworld\n",
		   "Subject: x\r\n\r\nhello\r\nworld\r\n.\r\n",
		   "Subject: x\r\n\r\nhello\r\nworld\r\n");
	/* an unended last line is ended */
	BODY_CHECK("a", "a\r\n.\r\n", "a\r\n");
	BODY_CHECK("a\nb", "a\r\nb\r\n.\r\n", "a\r\nb\r\n");
	BODY_CHECK("\n\n", "\r\n\r\n.\r\n", "\r\n\r\n");
	test_end();
}

static void test_body_dots(void)
{
	test_begin("smtp_body dot-stuffing (DATA only)");
	BODY_CHECK(".\n", "..\r\n.\r\n", ".\r\n");
	BODY_CHECK(".", "..\r\n.\r\n", ".\r\n");
	BODY_CHECK("a\n.b\n..\n", "a\r\n..b\r\n...\r\n.\r\n", "a\r\n.b\r\n..\r\n");
	/* only at the start of a line */
	BODY_CHECK("x.\n. .\n", "x.\r\n.. .\r\n.\r\n", "x.\r\n. .\r\n");
	test_end();
}

static void test_body_cr(void)
{
	test_begin("smtp_body bare CR: a line end, never alone on the wire");
	BODY_CHECK("a\rb\n", "a\r\nb\r\n.\r\n", "a\r\nb\r\n");
	/* CR LF in the stored form ("\r\r\n" on the wire) is two line ends,
	 * as RFC 6376 §5.3 makes of what smtpd received */
	BODY_CHECK("a\r\nb", "a\r\n\r\nb\r\n.\r\n", "a\r\n\r\nb\r\n");
	BODY_CHECK("a\r", "a\r\n.\r\n", "a\r\n");
	BODY_CHECK("\r\r", "\r\n\r\n.\r\n", "\r\n\r\n");
	/* smuggling: a dot after a bare CR is stuffed */
	BODY_CHECK("a\r.\nMAIL FROM:<x>\n",
		   "a\r\n..\r\nMAIL FROM:<x>\r\n.\r\n",
		   "a\r\n.\r\nMAIL FROM:<x>\r\n");
	BODY_CHECK("\r.\r", "\r\n..\r\n.\r\n", "\r\n.\r\n");
	test_end();
}

static void test_body_binary(void)
{
	test_begin("smtp_body 8-bit and NUL octets pass through");
	BODY_CHECK("\0\xff\n\x80.\n", "\0\xff\r\n\x80.\r\n.\r\n", "\0\xff\r\n\x80.\r\n");
	test_end();
}

/* A large body in 4 KiB pieces: the counted size is the produced size. */
static void test_body_size(void)
{
	buf_t in = BUF_INIT, out = BUF_INIT;
	smtp_body_t b, c;
	size_t ends = 0;

	test_begin("smtp_body counted size of a large body");
	for (int i = 0; i < 20000; i++)
		buf_printf(&in, "%sline %d%s", i % 7 == 0 ? "." : "", i,
			   i % 11 == 0 ? "\r" : "\n");
	buf_puts(&in, "no line end");
	for (size_t i = 0; i < in.len; i++)
		ends += in.data[i] == '\n' || in.data[i] == '\r';
	smtp_body_init(&b, 0);
	smtp_body_init(&c, 0);
	for (size_t off = 0; off < in.len; off += 4096) {
		size_t n = in.len - off < 4096 ? in.len - off : 4096;

		smtp_body_encode(&b, in.data + off, n, &out);
		smtp_body_encode(&c, in.data + off, n, NULL);
	}
	smtp_body_finish(&b, &out);
	smtp_body_finish(&c, NULL);
	test_assert(smtp_body_octets(&b) == out.len);
	test_assert(smtp_body_octets(&c) == out.len);
	/* the stored size, one octet per CR or LF, and the last line's end */
	test_assert_int(out.len, in.len + ends + 2);
	buf_release(&in);
	buf_release(&out);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_body_plain,
		test_body_dots,
		test_body_cr,
		test_body_binary,
		test_body_size,
		NULL,
	};

	return test_main(tests);
}

/* test_mime_decode.c - unit tests for lib/mime_decode.c: base64 with line
 * breaks, junk and early padding; quoted-printable soft breaks (also cut
 * at every point between pieces), lower-case hex, malformed "=",
 * trailing whitespace; pass-through; round trips through the encoders of
 * lib/base64.c and lib/mime_qp.c. */
#include "../../lib/base64.h"
#include "../../lib/mime_decode.h"
#include "../../lib/mime_qp.h"
#include "test.h"

struct feed_ctx {
	struct mime_decoder d;
	buf_t out;
};

static void feed(const char *p, size_t n, void *ctx)
{
	struct feed_ctx *f = ctx;

	mime_decode_feed(&f->d, p, n, &f->out);
}

/* Decode in[0..len) in pieces of step (0: whole) and in two pieces cut at
 * every point; all must give expect.  1 when they all do. */
static int decodes_to(enum mime_cte cte, const char *in, size_t len,
		      const char *expect, size_t elen)
{
	struct feed_ctx f;
	int ok = 1;

	buf_init(&f.out);
	for (size_t pass = 0; pass <= 2 * len + 8; pass++) {
		mime_decoder_init(&f.d, cte);
		buf_reset(&f.out);
		if (pass <= len)
			test_feed_split(in, len, pass, feed, &f);
		else
			test_feed(in, len, pass - len, feed, &f);
		mime_decode_finish(&f.d, &f.out);
		if (f.out.len != elen || (elen > 0 && memcmp(f.out.data, expect, elen) != 0)) {
			printf("  pass %zu: got \"%s\"\n", pass, buf_str(&f.out));
			ok = 0;
			break;
		}
	}
	buf_release(&f.out);
	return ok;
}

#define DECODES(cte, in, expect) \
	test_assert(decodes_to(cte, in, sizeof(in) - 1, expect, sizeof(expect) - 1))

static void test_mime_cte_parse(void)
{
	test_begin("mime_decode: Content-Transfer-Encoding names");
	test_assert_int(mime_cte_parse("base64"), MIME_CTE_BASE64);
	test_assert_int(mime_cte_parse(" BASE64\r\n"), MIME_CTE_BASE64);
	test_assert_int(mime_cte_parse("Quoted-Printable"), MIME_CTE_QP);
	test_assert_int(mime_cte_parse("7bit"), MIME_CTE_IDENTITY);
	test_assert_int(mime_cte_parse("x-uuencode"), MIME_CTE_IDENTITY);
	test_assert_int(mime_cte_parse("base64x"), MIME_CTE_IDENTITY);
	test_assert_int(mime_cte_parse(NULL), MIME_CTE_IDENTITY);
	test_end();
}

static void test_mime_decode_base64(void)
{
	test_begin("mime_decode: base64 with line breaks, junk and padding");
	DECODES(MIME_CTE_BASE64, "SGVsbG8sIHdv\r\ncmxkIQ==\r\n", "Hello, world!");
	DECODES(MIME_CTE_BASE64, "SGVs bG8s\tIHdv*cmxk\nIQ", "Hello, world!");
	/* "=" ends the data: what follows is ignored. */
	DECODES(MIME_CTE_BASE64, "SGk=\nSGk=\n", "Hi");
	DECODES(MIME_CTE_BASE64, "SGVsbG8=junk", "Hello");
	/* A cut quantum: its whole octets; one sextet alone gives none. */
	DECODES(MIME_CTE_BASE64, "SGVsbG", "Hell");
	DECODES(MIME_CTE_BASE64, "SGVsb", "Hel");
	DECODES(MIME_CTE_BASE64, "", "");
	DECODES(MIME_CTE_BASE64, "\xC3\xA9\x00\xFF", "");
	/* UTF-8 "café" */
	DECODES(MIME_CTE_BASE64, "Y2Fmw6k=", "caf\xC3\xA9");
	test_end();
}

static void test_mime_decode_qp(void)
{
	test_begin("mime_decode: quoted-printable soft breaks, hex, malformed =");
	DECODES(MIME_CTE_QP, "caf=C3=A9 cr=c3=a8me", "caf\xC3\xA9 cr\xC3\xA8me");
	DECODES(MIME_CTE_QP, "long li=\nne\n", "long line\n");
	DECODES(MIME_CTE_QP, "long li=\r\nne\r\n", "long line\r\n");
	/* Whitespace transport added after the soft-break "=". */
	DECODES(MIME_CTE_QP, "long li= \t\nne", "long line");
	DECODES(MIME_CTE_QP, "long li= \r\nne", "long line");
	/* Trailing whitespace of a line is deleted, inner kept. */
	DECODES(MIME_CTE_QP, "a b  \nc\t\r\nd  ", "a b\nc\r\nd");
	DECODES(MIME_CTE_QP, "a =20\n", "a  \n");
	/* Malformed: kept as it is. */
	DECODES(MIME_CTE_QP, "1=G2 =4x =\xC3\xA9 ==41 = x", "1=G2 =4x =\xC3\xA9 =A = x");
	DECODES(MIME_CTE_QP, "a=\rb", "a=\rb");
	DECODES(MIME_CTE_QP, "a\rb \r", "a\rb \r");
	/* At the end: "=" is a soft break, "=4" kept. */
	DECODES(MIME_CTE_QP, "end=", "end");
	DECODES(MIME_CTE_QP, "end= ", "end");
	DECODES(MIME_CTE_QP, "end=4", "end=4");
	DECODES(MIME_CTE_QP, "", "");
	test_end();
}

static void test_mime_decode_qp_long_ws(void)
{
	char in[MIME_DECODE_HOLD_MAX * 3 + 3];
	buf_t out = BUF_INIT;
	struct mime_decoder d;

	test_begin("mime_decode: quoted-printable whitespace runs are bounded");
	in[0] = 'x';
	memset(in + 1, ' ', sizeof(in) - 3);
	in[sizeof(in) - 2] = 'y';
	in[sizeof(in) - 1] = '\n';
	mime_decoder_init(&d, MIME_CTE_QP);
	mime_decode_feed(&d, in, sizeof(in), &out);
	mime_decode_finish(&d, &out);
	test_assert_int(out.len, sizeof(in));
	test_assert(memcmp(out.data, in, sizeof(in)) == 0);
	/* Trailing: all but what overflowed the hold is deleted. */
	in[sizeof(in) - 2] = ' ';
	buf_reset(&out);
	mime_decode_feed(&d, in, sizeof(in), &out);
	test_assert(out.len < sizeof(in) && out.len >= 2 && out.data[0] == 'x' &&
		    out.data[out.len - 1] == '\n');
	test_assert(sizeof(in) - out.len <= MIME_DECODE_HOLD_MAX + 1);
	buf_release(&out);
	test_end();
}

static void test_mime_decode_identity(void)
{
	test_begin("mime_decode: 7bit, 8bit, binary, unknown pass through");
	DECODES(MIME_CTE_IDENTITY, "caf=C3=A9 \n\x00\xFF=", "caf=C3=A9 \n\x00\xFF=");
	test_end();
}

static void test_mime_decode_roundtrip(void)
{
	unsigned char all[600];
	buf_t enc = BUF_INIT, wrapped = BUF_INIT;

	test_begin("mime_decode: round trips through base64 and QP encoders");
	for (size_t i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char) (i * 7 + i / 256);
	all[100] = '\n';
	all[101] = ' ';
	all[102] = '\n';
	all[200] = '=';
	base64_encode(all, sizeof(all), &enc);
	/* 76-column lines with CRLF, as MIME has them. */
	for (size_t i = 0; i < enc.len; i += 76) {
		buf_append(&wrapped, enc.data + i, enc.len - i < 76 ? enc.len - i : 76);
		buf_puts(&wrapped, "\r\n");
	}
	test_assert(decodes_to(MIME_CTE_BASE64, wrapped.data, wrapped.len,
			       (const char *) all, sizeof(all)));
	buf_reset(&enc);
	mime_qp_encode((const char *) all, sizeof(all), &enc);
	test_assert(decodes_to(MIME_CTE_QP, enc.data, enc.len, (const char *) all, sizeof(all)));
	buf_release(&enc);
	buf_release(&wrapped);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_mime_cte_parse,
		test_mime_decode_base64,
		test_mime_decode_qp,
		test_mime_decode_qp_long_ws,
		test_mime_decode_identity,
		test_mime_decode_roundtrip,
		NULL
	};

	return test_main(tests);
}

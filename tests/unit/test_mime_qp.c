/* test_mime_qp.c - unit tests for lib/mime_qp.c: the rules of RFC 2045
 * §6.7 as mime_qp.h lists them (literal and encoded octets, white space
 * at a line end, hard and soft line breaks within 76 characters) and the
 * "=2D" at the start of an encoded line.
 */
#include <string.h>

#include "../../lib/buf.h"
#include "../../lib/mime_qp.h"
#include "test.h"

static void qp_check(const char *in, size_t len, const char *want)
{
	buf_t out = BUF_INIT;

	mime_qp_encode(in, len, &out);
	test_assert_str(buf_str(&out), want);
	buf_release(&out);
}

#define QP_CHECK(in, want) qp_check(in, sizeof(in) - 1, want)

static void test_qp_octets(void)
{
	test_begin("mime_qp literal and encoded octets");
	QP_CHECK("", "");
	QP_CHECK("Hello, world!\n", "Hello, world!\n");
	QP_CHECK("a=b\n", "a=3Db\n");
	QP_CHECK("gr\xc3\xbc\xc3\x9f" "e\n", "gr=C3=BC=C3=9Fe\n");
	QP_CHECK("\0\x01\x7f\xff", "=00=01=7F=FF");
	/* a CR is no line break in the stored form */
	QP_CHECK("a\rb\r\n", "a=0Db=0D\n");
	QP_CHECK("~!<>", "~!<>");
	test_end();
}

static void test_qp_space(void)
{
	test_begin("mime_qp white space at the end of a line");
	QP_CHECK("a b\n", "a b\n");
	QP_CHECK("a \n", "a=20\n");
	QP_CHECK("a\t\n", "a=09\n");
	QP_CHECK("a  ", "a =20");
	QP_CHECK(" \n\t", "=20\n=09");
	test_end();
}

static void test_qp_lines(void)
{
	buf_t in = BUF_INIT, out = BUF_INIT, want = BUF_INIT;

	test_begin("mime_qp hard and soft line breaks");
	QP_CHECK("a\n\nb", "a\n\nb");
	/* 76 literal characters fit on one line, 77 do not */
	for (int i = 0; i < 76; i++)
		buf_putc(&in, 'x');
	mime_qp_encode(in.data, in.len, &out);
	test_assert_str(buf_str(&out), buf_str(&in));
	buf_putc(&in, 'y');
	buf_reset(&out);
	mime_qp_encode(in.data, in.len, &out);
	buf_reset(&want);
	for (int i = 0; i < 75; i++)
		buf_putc(&want, 'x');
	buf_puts(&want, "=\nxy");
	test_assert_str(buf_str(&out), buf_str(&want));
	/* an encoded octet is not split by a soft break */
	buf_reset(&in);
	for (int i = 0; i < 74; i++)
		buf_putc(&in, 'x');
	buf_puts(&in, "\xe9z");
	buf_reset(&out);
	mime_qp_encode(in.data, in.len, &out);
	buf_reset(&want);
	for (int i = 0; i < 74; i++)
		buf_putc(&want, 'x');
	buf_puts(&want, "=\n=E9z");
	test_assert_str(buf_str(&out), buf_str(&want));
	/* a last encoded octet may use the 76th column */
	buf_truncate(&in, 73);
	buf_puts(&in, "\xe9\n");
	buf_reset(&out);
	mime_qp_encode(in.data, in.len, &out);
	test_assert_int(out.len, 73 + 3 + 1);
	/* a long 8-bit line: every encoded line within 76 */
	buf_reset(&in);
	for (int i = 0; i < 1000; i++)
		buf_putc(&in, i % 3 ? '\xa0' : ' ');
	buf_reset(&out);
	mime_qp_encode(in.data, in.len, &out);
	{
		size_t col = 0, maxcol = 0;

		for (size_t i = 0; i < out.len; i++) {
			if (out.data[i] == '\n') {
				test_assert(i > 0 && out.data[i - 1] == '=');
				col = 0;
			} else if (++col > maxcol) {
				maxcol = col;
			}
		}
		test_assert(maxcol <= MIME_QP_LINE_MAX);
	}
	buf_release(&in);
	buf_release(&out);
	buf_release(&want);
	test_end();
}

static void test_qp_dash(void)
{
	buf_t in = BUF_INIT, out = BUF_INIT;

	test_begin("mime_qp no encoded line starts with a dash");
	QP_CHECK("--boundary\n", "=2D-boundary\n");
	QP_CHECK("a-b\n", "a-b\n");
	/* where a soft break falls before "--" */
	for (int i = 0; i < 75; i++)
		buf_putc(&in, 'x');
	buf_puts(&in, "--b\xe9");
	mime_qp_encode(in.data, in.len, &out);
	test_assert(strstr(out.data, "=\n=2D-b=E9") != NULL);
	buf_release(&in);
	buf_release(&out);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_qp_octets,
		test_qp_space,
		test_qp_lines,
		test_qp_dash,
		NULL,
	};

	return test_main(tests);
}

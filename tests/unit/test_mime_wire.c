/* test_mime_wire.c - unit tests for mime_wire: the CRLF form of stored
 * content, its size, and partial reads from every offset in pieces of
 * every size, against a plain reference conversion. */
#include "test.h"

#include "mime_wire.h"

/* CR -> CRLF, LF -> CRLF, everything else as it is. */
static void reference(const mime_wire_seg_t *seg, size_t nseg, buf_t *out)
{
	buf_reset(out);
	for (size_t i = 0; i < nseg; i++)
		for (size_t j = 0; j < seg[i].len; j++) {
			if (seg[i].p[j] == '\n' || seg[i].p[j] == '\r')
				buf_puts(out, "\r\n");
			else
				buf_putc(out, seg[i].p[j]);
		}
}

static void test_size(void)
{
	test_begin("wire size: CR and LF count twice");
	test_assert_int(mime_wire_size("", 0), 0);
	test_assert_int(mime_wire_size("abc", 3), 3);
	test_assert_int(mime_wire_size("a\nb\n", 4), 6);
	test_assert_int(mime_wire_size("\n\n\n", 3), 6);
	test_assert_int(mime_wire_size("a\r\nb\r", 5), 8);
	test_assert_int(mime_wire_eol("abc", 3), 3);
	test_assert_int(mime_wire_eol("ab\rc\n", 5), 2);
	test_assert_int(mime_wire_eol("ab\nc\r", 5), 2);
	test_assert_int(mime_wire_eol("", 0), 0);
	test_end();
}

static void test_partial(void)
{
	static const mime_wire_seg_t seg[] = {
		{ "ab\ncd", 5 }, { "", 0 }, { "\n", 1 }, { "x\r\n\ny", 5 }, { "\n", 1 },
	};
	buf_t ref = BUF_INIT, out = BUF_INIT;
	size_t total;
	int bad = 0;

	test_begin("partial reads from every offset, in every piece size");
	reference(seg, 5, &ref);
	total = ref.len;
	for (size_t start = 0; start <= total + 1; start++)
		for (size_t max = 0; max <= total + 1; max++)
			for (size_t piece = 1; piece <= total + 1; piece++) {
				mime_wire_t w;
				size_t want = start >= total ? 0 :
					(total - start < max ? total - start : max);

				mime_wire_init(&w, seg, 5, start, max);
				if (mime_wire_left(&w) != want)
					bad++;
				buf_reset(&out);
				while (mime_wire_read(&w, &out, piece) > 0)
					;
				if (out.len != want || memcmp(out.data ? out.data : "",
							      ref.data + (start < total ? start : total),
							      want) != 0)
					bad++;
				if (mime_wire_left(&w) != 0)
					bad++;
			}
	test_assert_int(bad, 0);
	buf_reset(&out);
	{
		mime_wire_t w;

		mime_wire_init(&w, seg, 5, 0, (size_t) -1);
		test_assert_int(mime_wire_left(&w), 18);
		while (mime_wire_read(&w, &out, 3) > 0)
			;
		test_assert_str(buf_str(&out), "ab\r\ncd\r\nx\r\n\r\n\r\ny\r\n");
	}
	buf_release(&ref);
	buf_release(&out);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = { test_size, test_partial, NULL };

	return test_main(tests);
}

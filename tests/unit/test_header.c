/* test_header.c - unit tests for lib/header.c. */
#include "../../lib/header.h"
#include "test.h"

static void test_header_scan(void)
{
	static const char msg[] =
		"Received: from a\n\tby b; Mon, 1 Jan 2024\n"
		"subject:  Hello  \r\n"
		"X-Empty:\n"
		"\n"
		"Body: not a header\n";
	header_field_t f;
	buf_t v = BUF_INIT;
	size_t pos = 0;

	test_begin("header: fields, folding, end of header");
	test_assert_int(header_next(msg, sizeof(msg) - 1, &pos, &f), 1);
	test_assert(header_is(&f, "received"));
	header_value(&f, &v);
	test_assert_str(buf_str(&v), "from a\tby b; Mon, 1 Jan 2024");
	test_assert_int(header_next(msg, sizeof(msg) - 1, &pos, &f), 1);
	test_assert(header_is(&f, "Subject"));
	header_value(&f, &v);
	test_assert_str(buf_str(&v), "Hello");
	test_assert_int(header_next(msg, sizeof(msg) - 1, &pos, &f), 1);
	test_assert(header_is(&f, "X-Empty"));
	header_value(&f, &v);
	test_assert_str(buf_str(&v), "");
	test_assert_int(header_next(msg, sizeof(msg) - 1, &pos, &f), 0);
	test_assert_str(msg + pos, "Body: not a header\n");
	buf_release(&v);
	test_end();
}

static void test_header_no_blank_line(void)
{
	static const char msg[] = "To: x\nthis line is body text\n";
	header_field_t f;
	size_t pos = 0;

	test_begin("header: a non-field line starts the body");
	test_assert_int(header_next(msg, sizeof(msg) - 1, &pos, &f), 1);
	test_assert_int(header_next(msg, sizeof(msg) - 1, &pos, &f), 0);
	test_assert_str(msg + pos, "this line is body text\n");
	pos = 0;
	test_assert_int(header_next("", 0, &pos, &f), 0);
	test_end();
}

static void test_header_lines(void)
{
	test_begin("header: line tests");
	test_assert(header_line_is("Delivered-To: a@b\n", 18, "delivered-to"));
	test_assert(!header_line_is("Delivered-Toooo: a\n", 19, "delivered-to"));
	test_assert(!header_line_is(" Delivered-To: a\n", 17, "delivered-to"));
	test_assert_int(header_line_name_len("No colon here\n", 14), 0);
	test_assert_int(header_line_name_len("A:b", 3), 1);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_header_scan, test_header_no_blank_line, test_header_lines, NULL,
	};
	return test_main(tests);
}

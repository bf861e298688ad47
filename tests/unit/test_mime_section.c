/* test_mime_section.c - unit tests for mime_section: section texts, the
 * octets of every section form in their wire form, partial ranges. */
#include "test.h"

#include "mime_section.h"
#include "mime_test_msgs.h"

static const char *const fields_sf[] = { "SUBJECT", "from" };

/* The wire form of section text sec of msg, <start.max>; "-" when the
 * section does not exist, "!" when the text does not parse. */
static const char *fetch(const char *msg, const char *sec, size_t start, size_t max)
{
	static buf_t out;
	mime_part_t *root = mime_parse(msg, strlen(msg));
	mime_section_spec_t spec;
	mime_content_t c = MIME_CONTENT_INIT;
	mime_wire_t w;
	size_t used;

	buf_reset(&out);
	if (mime_section_parse(sec, strlen(sec), &spec, &used) < 0 || used != strlen(sec)) {
		buf_puts(&out, "!");
	} else {
		spec.fields = fields_sf;
		spec.nfields = 2;
		if (mime_section_get(msg, strlen(msg), root, &spec, &c) < 0) {
			test_assert_int(c.nseg, 0);
			buf_puts(&out, "-");
		} else {
			mime_wire_init(&w, c.seg, c.nseg, start, max);
			test_assert_int(mime_wire_left(&w),
					start >= c.wsize ? 0 : c.wsize - start < max ?
					c.wsize - start : max);
			while (mime_wire_read(&w, &out, 5) > 0)
				;
		}
	}
	mime_content_release(&c);
	mime_part_free(&root);
	return buf_str(&out);
}

#define ALL ((size_t) -1)

static void test_parse(void)
{
	mime_section_spec_t s;
	size_t used;

	test_begin("section-spec texts");
	test_assert_int(mime_section_parse("", 0, &s, &used), 0);
	test_assert_int(s.kind, MIME_SECTION_PART);
	test_assert_int(s.nparts, 0);
	test_assert_int(mime_section_parse("]", 1, &s, &used), 0);
	test_assert_int(used, 0);
	test_assert_int(mime_section_parse("1.22.3]", 7, &s, &used), 0);
	test_assert_int(used, 6);
	test_assert_int(s.nparts, 3);
	test_assert_int(s.parts[1], 22);
	test_assert_int(mime_section_parse("2.header.fields.not (a)", 23, &s, &used), 0);
	test_assert_int(s.kind, MIME_SECTION_HEADER_FIELDS_NOT);
	test_assert_int(used, 19);
	test_assert_int(mime_section_parse("HEADER.FIELDS (a)", 17, &s, &used), 0);
	test_assert_int(s.kind, MIME_SECTION_HEADER_FIELDS);
	test_assert_int(mime_section_parse("3.MIME", 6, &s, &used), 0);
	test_assert_int(s.kind, MIME_SECTION_MIME);
	test_assert_int(mime_section_parse("TEXT", 4, &s, &used), 0);
	test_assert_int(s.kind, MIME_SECTION_TEXT);
	test_assert_int(mime_section_parse("MIME", 4, &s, &used), -1);
	test_assert_int(mime_section_parse("0", 1, &s, &used), -1);
	test_assert_int(mime_section_parse("01", 2, &s, &used), -1);
	test_assert_int(mime_section_parse("1.", 2, &s, &used), -1);
	test_assert_int(mime_section_parse("1.HEADERS", 9, &s, &used), -1);
	test_assert_int(mime_section_parse("1.BODY", 6, &s, &used), -1);
	test_assert_int(mime_section_parse("99999999999", 11, &s, &used), -1);
	{
		buf_t many = BUF_INIT;

		for (int i = 0; i < MIME_SECTION_MAX_PARTS; i++)
			buf_puts(&many, "1.");
		buf_puts(&many, "TEXT");
		test_assert_int(mime_section_parse(many.data, many.len, &s, &used), 0);
		test_assert_int(s.nparts, MIME_SECTION_MAX_PARTS);
		buf_reset(&many);
		for (int i = 0; i <= MIME_SECTION_MAX_PARTS; i++)
			buf_puts(&many, "1.");
		buf_puts(&many, "TEXT");
		test_assert_int(mime_section_parse(many.data, many.len, &s, &used), -1);
		buf_release(&many);
	}
	test_end();
}

static void test_parse_fields(void)
{
	const char *t = " (From \"To\" x-y \"a\\\"b\")]";
	char **names;
	unsigned int n;
	size_t used;
	buf_t many = BUF_INIT;

	test_begin("HEADER.FIELDS lists");
	test_assert_int(mime_section_parse_fields(t, strlen(t), &names, &n, &used), 0);
	test_assert_int(n, 4);
	test_assert_int(used, strlen(t) - 1);
	test_assert_str(names[0], "From");
	test_assert_str(names[1], "To");
	test_assert_str(names[2], "x-y");
	test_assert_str(names[3], "a\"b");
	mime_section_fields_free(&names, n);
	test_assert(names == NULL);
	test_assert_int(mime_section_parse_fields(" (\"\")", 5, &names, &n, &used), 0);
	test_assert_int(n, 1);
	test_assert_str(names[0], "");
	mime_section_fields_free(&names, n);
	test_assert_int(mime_section_parse_fields("(From)", 6, &names, &n, &used), -1);
	test_assert_int(mime_section_parse_fields(" ()", 3, &names, &n, &used), -1);
	test_assert_int(mime_section_parse_fields(" (a b", 5, &names, &n, &used), -1);
	test_assert_int(mime_section_parse_fields(" (a  b)", 7, &names, &n, &used), -1);
	test_assert_int(mime_section_parse_fields(" (a\tb)", 6, &names, &n, &used), -1);
	test_assert_int(mime_section_parse_fields(" (\"open)", 8, &names, &n, &used), -1);
	test_assert_int(mime_section_parse_fields(" (a*)", 5, &names, &n, &used), -1);
	buf_puts(&many, " (a");
	for (int i = 1; i < MIME_SECTION_MAX_FIELDS; i++)
		buf_puts(&many, " a");
	buf_puts(&many, ")");
	test_assert_int(mime_section_parse_fields(many.data, many.len, &names, &n, &used), 0);
	test_assert_int(n, MIME_SECTION_MAX_FIELDS);
	mime_section_fields_free(&names, n);
	buf_truncate(&many, many.len - 1);
	buf_puts(&many, " a)");
	test_assert_int(mime_section_parse_fields(many.data, many.len, &names, &n, &used), -1);
	buf_release(&many);
	test_end();
}

static void test_nested(void)
{
	const char *m = mime_test_nested;

	test_begin("every section form of the nested message");
	test_assert_int(strlen(fetch(m, "", 0, ALL)), strlen(m) + 43);
	test_assert_str(fetch(m, "1", 0, ALL), "plain body");
	test_assert_str(fetch(m, "1.MIME", 0, ALL), "\r\n");
	test_assert_str(fetch(m, "2.HEADER", 0, ALL),
			"From: Carol <carol@example.com>\r\nSubject: inner\r\n"
			"Content-Type: multipart/alternative; boundary=inner\r\n\r\n");
	test_assert_str(fetch(m, "2.HEADER.FIELDS", 0, ALL),
			"From: Carol <carol@example.com>\r\nSubject: inner\r\n\r\n");
	test_assert_str(fetch(m, "2.HEADER.FIELDS.NOT", 0, ALL),
			"Content-Type: multipart/alternative; boundary=inner\r\n\r\n");
	test_assert_str(fetch(m, "2.MIME", 0, ALL), "Content-Type: message/rfc822\r\n\r\n");
	test_assert_int(strlen(fetch(m, "2", 0, ALL)), 263);
	test_assert_int(strlen(fetch(m, "2.TEXT", 0, ALL)), 159);
	test_assert_str(fetch(m, "2.1", 0, ALL), "hi");
	test_assert_str(fetch(m, "2.2", 0, ALL), "<p>hi</p>\r\n");
	test_assert_str(fetch(m, "2.2.MIME", 0, ALL),
			"Content-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
	test_assert_str(fetch(m, "3", 0, ALL), "QUJD");
	test_assert_str(fetch(m, "HEADER.FIELDS", 0, ALL),
			"From: Alice <alice@example.org>\r\nSubject: nested\r\n\r\n");
	test_assert_str(fetch(m, "TEXT", 0, 10), "preamble\r\n");
	/* no such part, HEADER of a part that is no message: "" */
	test_assert_str(fetch(m, "4", 0, ALL), "-");
	test_assert_str(fetch(m, "2.3", 0, ALL), "-");
	test_assert_str(fetch(m, "2.1.2", 0, ALL), "-");
	test_assert_str(fetch(m, "1.2", 0, ALL), "-");
	/* part 1 of a leaf is the leaf, as Dovecot has it */
	test_assert_str(fetch(m, "2.1.1", 0, ALL), "hi");
	test_assert_str(fetch(m, "1.1", 0, ALL), "plain body");
	test_assert_str(fetch(m, "1.1.MIME", 0, ALL), "\r\n");
	test_assert_str(fetch(m, "1.HEADER", 0, ALL), "-");
	test_assert_str(fetch(m, "3.TEXT", 0, ALL), "-");
	test_end();
}

static void test_single(void)
{
	const char *m = "Subject: one\n two\nFrom: a@b\nX: y\n\nline1\nline2\n";

	test_begin("part 1 of a non-multipart message; partial ranges");
	test_assert_str(fetch(m, "1", 0, ALL), "line1\r\nline2\r\n");
	test_assert_str(fetch(m, "TEXT", 0, ALL), "line1\r\nline2\r\n");
	test_assert_str(fetch(m, "1.MIME", 0, ALL),
			"Subject: one\r\n two\r\nFrom: a@b\r\nX: y\r\n\r\n");
	test_assert_str(fetch(m, "HEADER.FIELDS", 0, ALL),
			"Subject: one\r\n two\r\nFrom: a@b\r\n\r\n");
	test_assert_str(fetch(m, "HEADER.FIELDS.NOT", 0, ALL), "X: y\r\n\r\n");
	test_assert_str(fetch(m, "1.2", 0, ALL), "-");
	test_assert_str(fetch(m, "1.1", 0, ALL), "line1\r\nline2\r\n");
	test_assert_str(fetch(m, "2", 0, ALL), "-");
	test_assert_str(fetch(m, "1", 5, 3), "\r\nl");
	test_assert_str(fetch(m, "1", 6, 3), "\nli");
	test_assert_str(fetch(m, "1", 14, 3), "");
	test_assert_str(fetch(m, "1", 99, 3), "");
	test_assert_str(fetch(m, "", 0, 0), "");
	test_end();
}

static void test_odd_headers(void)
{
	test_begin("HEADER.FIELDS: unterminated last field, no match, header only");
	test_assert_str(fetch(mime_test_header_only, "HEADER", 0, ALL),
			"From x Mon\r\nSubject: hdr only\r\nContent-Type: text/html;\r\n"
			" charset=\"utf-8\" (comment)");
	test_assert_str(fetch(mime_test_header_only, "TEXT", 0, ALL), "");
	test_assert_str(fetch("To: x\nSubject: last", "HEADER.FIELDS", 0, ALL),
			"Subject: last\r\n\r\n");
	test_assert_str(fetch("To: x\n\nSubject: body", "HEADER.FIELDS", 0, ALL), "\r\n");
	test_assert_str(fetch("From x\nTo: y\n\n", "HEADER.FIELDS.NOT", 0, ALL),
			"From x\r\nTo: y\r\n\r\n");
	test_assert_str(fetch("", "HEADER.FIELDS", 0, ALL), "\r\n");
	/* a stored CR is a line end: CRLF out, and it ends a field */
	test_assert_str(fetch("To: x\rSubject: last\r", "HEADER.FIELDS", 0, ALL),
			"Subject: last\r\n\r\n");
	test_assert_str(fetch("A: b\n\nx\ry", "1", 0, ALL), "x\r\ny");
	test_assert_str(fetch("A: b\n\nx\ry", "1", 2, 1), "\n");
	test_assert_str(fetch("", "", 0, ALL), "");
	test_end();
}

static void test_rfc822_part1(void)
{
	const char *m = "Content-Type: message/rfc822\n\nSubject: s\n\nb";

	test_begin("a message that is message/rfc822 itself");
	test_assert_str(fetch(m, "1", 0, ALL), "Subject: s\r\n\r\nb");
	test_assert_str(fetch(m, "1.HEADER", 0, ALL), "Subject: s\r\n\r\n");
	test_assert_str(fetch(m, "1.TEXT", 0, ALL), "b");
	test_assert_str(fetch(m, "1.1", 0, ALL), "b");
	test_assert_str(fetch(m, "1.1.MIME", 0, ALL), "Subject: s\r\n\r\n");
	test_end();
}

static void test_epilogues(void)
{
	const char *m = mime_test_epilogues;

	test_begin("folded boundary, preambles and epilogues at two levels");
	test_assert_str(fetch(m, "1", 0, ALL), "first\r\n");
	test_assert_str(fetch(m, "2.1", 0, ALL), "a");
	test_assert_str(fetch(m, "2.TEXT", 0, ALL),
			"inner preamble\r\n--in\r\n\r\na\r\n--in--\r\ninner epilogue\r\n");
	test_assert_str(fetch(m, "2.HEADER.FIELDS.NOT", 0, ALL),
			"Content-Type: multipart/related; boundary=in\r\n\r\n");
	test_assert_str(fetch(m, "2.1.MIME", 0, ALL), "\r\n");
	test_assert_str(fetch(m, "3", 0, ALL), "-");
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_parse, test_parse_fields, test_nested, test_single, test_odd_headers,
		test_rfc822_part1, test_epilogues, NULL
	};

	return test_main(tests);
}

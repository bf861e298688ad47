/* test_imapd_fetch_parse.c - unit tests for
 * imapd/session/imapd_fetch_parse.c: the FETCH item list as lib/imap_parse
 * gives it (macros, every fetch-att, sections with their part numbers,
 * words and field lists, partials), the labels the responses use, UID
 * put first for UID FETCH, repeats dropped, and refused syntax.
 */
#include <string.h>

#include "../../imapd/session/imapd_fetch.h"
#include "../../lib/imap_parse.h"
#include "../../lib/mem.h"
#include "test.h"

/* Parse "t FETCH 1 " items as a client sends it; the result of
 * imapd_fetch_parse(), f filled on 0. */
static int parse(const char *items, int uid, imapd_fetch_t *f)
{
	imap_parser_t *p = imap_parser_new(NULL, 0);
	char *line = mem_printf("t FETCH 1 %s\r\n", items);
	const imap_cmd_t *cmd;
	const char *error = NULL;
	int r = -2;

	memset(f, 0, sizeof(*f));
	if (imap_parse_line(p, line, strlen(line)) == IMAP_PARSE_DONE) {
		cmd = imap_parser_cmd(p);
		r = imapd_fetch_parse(cmd->args + 1, cmd->nargs - 1, uid, f, &error);
		if (r < 0 && (error == NULL || *error == '\0'))
			r = -3;
	}
	mem_free(line);
	imap_parser_free(&p);
	return r;
}

/* The labels of the items, space-separated. */
static const char *labels(const imapd_fetch_t *f)
{
	static buf_t out = BUF_INIT;

	buf_reset(&out);
	for (size_t i = 0; i < f->n; i++) {
		if (i > 0)
			buf_putc(&out, ' ');
		buf_puts(&out, f->items[i].label);
	}
	return buf_str(&out);
}

/* Parse and give the labels, or "(bad)". */
static const char *norm(const char *items, int uid)
{
	static char out[1000];
	imapd_fetch_t f;

	if (parse(items, uid, &f) != 0)
		return "(bad)";
	snprintf(out, sizeof(out), "%s", labels(&f));
	imapd_fetch_free(&f);
	return out;
}

static void test_fetch_macros(void)
{
	imapd_fetch_t f;

	test_begin("imapd_fetch_parse: ALL FAST FULL and the plain items");
	test_assert_str(norm("ALL", 0), "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE");
	test_assert_str(norm("fast", 0), "FLAGS INTERNALDATE RFC822.SIZE");
	test_assert_str(norm("Full", 0), "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY");
	test_assert_str(norm("FULL", 1), "UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY");
	test_assert_str(norm("(uid flags internaldate rfc822.size envelope body bodystructure)", 0),
			"UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY BODYSTRUCTURE");
	test_assert_str(norm("FLAGS", 0), "FLAGS");
	test_assert_str(norm("(FLAGS)", 1), "UID FLAGS");
	test_assert_str(norm("(FLAGS UID)", 1), "FLAGS UID");
	test_assert_str(norm("(FLAGS FLAGS UID flags)", 0), "FLAGS UID");
	test_assert_int(parse("(ENVELOPE BODYSTRUCTURE)", 1, &f), 0);
	test_assert_int(f.n, 3);
	test_assert_int(f.items[0].kind, IMAPD_FETCH_UID);
	test_assert_int(f.items[1].kind, IMAPD_FETCH_ENVELOPE);
	test_assert_int(f.items[2].kind, IMAPD_FETCH_BODYSTRUCTURE);
	test_assert_int(f.kinds, IMAPD_FETCH_BIT(IMAPD_FETCH_UID) |
			IMAPD_FETCH_BIT(IMAPD_FETCH_ENVELOPE) |
			IMAPD_FETCH_BIT(IMAPD_FETCH_BODYSTRUCTURE));
	test_assert_int(f.sets_seen, 0);
	imapd_fetch_free(&f);
	test_assert(f.items == NULL);
	test_end();
}

static void test_fetch_rfc822(void)
{
	imapd_fetch_t f;

	test_begin("imapd_fetch_parse: RFC822, RFC822.HEADER, RFC822.TEXT");
	test_assert_int(parse("(RFC822 rfc822.header RFC822.Text)", 0, &f), 0);
	test_assert_str(labels(&f), "RFC822 RFC822.HEADER RFC822.TEXT");
	test_assert_int(f.items[0].kind, IMAPD_FETCH_SECTION);
	test_assert_int(f.items[0].peek, 0);
	test_assert_int(f.items[0].spec.kind, MIME_SECTION_PART);
	test_assert_int(f.items[0].spec.nparts, 0);
	test_assert_int(f.items[1].peek, 1);
	test_assert_int(f.items[1].spec.kind, MIME_SECTION_HEADER);
	test_assert_int(f.items[2].peek, 0);
	test_assert_int(f.items[2].spec.kind, MIME_SECTION_TEXT);
	test_assert_int(f.sets_seen, 1);
	imapd_fetch_free(&f);
	test_assert_int(parse("RFC822.HEADER", 0, &f), 0);
	test_assert_int(f.sets_seen, 0);
	imapd_fetch_free(&f);
	test_end();
}

static void test_fetch_sections(void)
{
	imapd_fetch_t f;
	const imapd_fetch_item_t *it;

	test_begin("imapd_fetch_parse: sections and their labels");
	test_assert_str(norm("BODY[]", 0), "BODY[]");
	test_assert_str(norm("body.peek[]", 0), "BODY[]");
	test_assert_str(norm("BODY[1]", 0), "BODY[1]");
	test_assert_str(norm("BODY[1.2.3]", 0), "BODY[1.2.3]");
	test_assert_str(norm("BODY[header]", 0), "BODY[HEADER]");
	test_assert_str(norm("BODY[Text]", 0), "BODY[TEXT]");
	test_assert_str(norm("BODY[2.mime]", 0), "BODY[2.MIME]");
	test_assert_str(norm("BODY[3.1.HEADER]", 0), "BODY[3.1.HEADER]");
	test_assert_str(norm("BODY[3.TEXT]", 0), "BODY[3.TEXT]");
	test_assert_str(norm("BODY.PEEK[HEADER.FIELDS (From To)]", 0),
			"BODY[HEADER.FIELDS (From To)]");
	test_assert_str(norm("BODY[header.fields.not (X-A \"x-b\")]", 0),
			"BODY[HEADER.FIELDS.NOT (X-A x-b)]");
	test_assert_str(norm("BODY[HEADER.FIELDS (\"a b\")]", 0),
			"BODY[HEADER.FIELDS (\"a b\")]");
	test_assert_str(norm("BODY[HEADER.FIELDS (\"a]\" \"b\\\\c\")]", 0),
			"BODY[HEADER.FIELDS (\"a]\" \"b\\\\c\")]");
	test_assert_str(norm("BODY[2.HEADER.FIELDS (Subject)]<5.10>", 0),
			"BODY[2.HEADER.FIELDS (Subject)]<5>");
	test_assert_str(norm("BODY[]<0.2048>", 0), "BODY[]<0>");
	test_assert_str(norm("BODY.PEEK[TEXT]<4294967295.4294967295>", 0),
			"BODY[TEXT]<4294967295>");
	test_assert_str(norm("(BODY[] BODY[])", 0), "BODY[] BODY[]");
	test_assert_str(norm("(BODY BODY[1] BODY.PEEK[1]<1.1>)", 1),
			"UID BODY BODY[1] BODY[1]<1>");

	test_assert_int(parse("(BODY.PEEK[1.2.HEADER.FIELDS (From \"To\")]<7.100> BODY[1.MIME])",
			      0, &f), 0);
	test_assert_int(f.n, 2);
	it = &f.items[0];
	test_assert_int(it->kind, IMAPD_FETCH_SECTION);
	test_assert_int(it->peek, 1);
	test_assert_int(it->spec.kind, MIME_SECTION_HEADER_FIELDS);
	test_assert_int(it->spec.nparts, 2);
	test_assert_int(it->spec.parts[0], 1);
	test_assert_int(it->spec.parts[1], 2);
	test_assert_int(it->spec.nfields, 2);
	test_assert_str(it->spec.fields[0], "From");
	test_assert_str(it->spec.fields[1], "To");
	test_assert_int(it->partial, 1);
	test_assert_int(it->start, 7);
	test_assert_int(it->len, 100);
	it = &f.items[1];
	test_assert_int(it->peek, 0);
	test_assert_int(it->spec.kind, MIME_SECTION_MIME);
	test_assert_int(it->spec.nparts, 1);
	test_assert_int(it->partial, 0);
	test_assert_int(f.sets_seen, 1);
	imapd_fetch_free(&f);
	test_end();
}

static void test_fetch_bad(void)
{
	static const char *const bad[] = {
		"(ALL)", "(FLAGS FAST)", "()", "NOSUCH", "(FLAGS NOSUCH)",
		"BODY.PEEK", "BODY.PEEK[", "BODY[", "BODY[HEADER", "BODY[]]", "BODY[]x",
		"BODY[MIME]", "BODY[0]", "BODY[1.]", "BODY[.1]", "BODY[01]",
		"BODY[1.2.]", "BODY[HEADERX]", "BODY[HEADER.FIELDS]",
		"BODY[HEADER.FIELDS ()]", "BODY[HEADER.FIELDS (a]",
		"BODY[HEADER.FIELDS(a)]", "BODY[HEADER (a)]", "BODY[TEXT ]",
		"BODY[]<>", "BODY[]<1>", "BODY[]<0.0>", "BODY[]<.1>", "BODY[]<1.>",
		"BODY[]<1.2", "BODY[]<1.2>x", "BODY[]<4294967296.1>",
		"BODY[]<0.4294967296>", "BODY[]<-1.2>", "BODYSTRUCTURE[]",
		"RFC822.PEEK", "\"FLAGS\"", "(\"FLAGS\")", "((FLAGS))",
		"FLAGS UID", "ENVELOPE ()", "BODY[2147483648]",
		"BODY[HEADER.FIELDS (\"T\xfc\")]", "BODY[HEADER.FIELDS (\"a\tb\")]",
	};
	imapd_fetch_t f;

	test_begin("imapd_fetch_parse: refused item lists");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse(bad[i], 0, &f);

		if (r != -1)
			printf("  accepted: %s (%d)\n", bad[i], r);
		test_assert_int(r, -1);
		test_assert(f.items == NULL);
	}
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_fetch_macros,
		test_fetch_rfc822,
		test_fetch_sections,
		test_fetch_bad,
		NULL,
	};

	return test_main(tests);
}

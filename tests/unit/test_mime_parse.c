/* test_mime_parse.c - unit tests for mime_parse: offsets, wire sizes,
 * lines and fields of every part, defaults, limits and malformed input. */
#include "test.h"

#include "buf.h"
#include "mime_parse.h"
#include "mime_test_msgs.h"

#define PARSE(s) mime_parse((s), strlen(s))

/* The stored text of [a, b) of msg. */
static const char *span(const char *msg, size_t a, size_t b)
{
	static buf_t out;

	buf_reset(&out);
	buf_append(&out, msg + a, b - a);
	return buf_str(&out);
}

static void test_nested(void)
{
	const char *m = mime_test_nested;
	mime_part_t *root = PARSE(m);
	const mime_part_t *p1, *p2, *enc, *alt1, *alt2, *p3;

	test_begin("nested multipart in message/rfc822 in multipart/mixed");
	test_assert_int(root->flags, MIME_PART_MESSAGE | MIME_PART_MULTIPART);
	test_assert_str(root->type, "multipart");
	test_assert_str(root->subtype, "mixed");
	test_assert_int(root->nchildren, 3);
	test_assert_int(root->hdr_off, 0);
	test_assert_int(root->body_off, 200);
	test_assert_int(root->end, strlen(m));
	test_assert_int(root->hdr_wsize, 208);
	test_assert_int(root->body_wsize, 661);
	test_assert_int(root->body_lines, 35);

	p1 = mime_part_child(root, 1);
	test_assert_int(p1->flags, MIME_PART_DEFAULT_TYPE);
	test_assert_str(span(m, p1->hdr_off, p1->body_off), "\n");
	test_assert_str(span(m, p1->body_off, p1->end), "plain body");
	test_assert_int(p1->body_wsize, 10);
	test_assert_int(p1->body_lines, 0);
	test_assert_str(p1->params[0].name, "charset");
	test_assert_str(p1->params[0].value, "us-ascii");

	p2 = mime_part_child(root, 2);
	test_assert_int(p2->flags, MIME_PART_RFC822);
	test_assert_int(p2->nchildren, 1);
	test_assert_int(p2->body_wsize, 263);
	test_assert_int(p2->body_lines, 14);
	enc = p2->children;
	test_assert_int(enc->flags, MIME_PART_MESSAGE | MIME_PART_MULTIPART);
	test_assert_int(enc->hdr_off, p2->body_off);
	test_assert_int(enc->end, p2->end);
	test_assert_int(enc->depth, 2);
	test_assert(strncmp(m + enc->hdr_off, "From: Carol", 11) == 0);
	test_assert_str(span(m, enc->end - 9, enc->end), "--inner--");
	alt1 = mime_part_child(enc, 1);
	alt2 = mime_part_child(enc, 2);
	test_assert(mime_part_child(enc, 3) == NULL);
	test_assert(mime_part_child(enc, 0) == NULL);
	test_assert_str(span(m, alt1->body_off, alt1->end), "hi");
	test_assert_str(alt1->params[0].value, "utf-8");
	test_assert_str(span(m, alt2->body_off, alt2->end), "<p>hi</p>\n");
	test_assert_int(alt2->body_wsize, 11);
	test_assert_int(alt2->body_lines, 1);
	test_assert_str(alt2->encoding, "quoted-printable");
	test_assert_int(alt2->nparams, 0);

	p3 = mime_part_child(root, 3);
	test_assert_str(p3->type, "application");
	test_assert_str(p3->params[0].value, "a b.pdf");
	test_assert_str(p3->disposition, "attachment");
	test_assert_str(p3->disp_params[0].name, "filename");
	test_assert_str(p3->disp_params[0].value, "a b.pdf");
	test_assert_str(p3->encoding, "base64");
	test_assert_str(p3->id, "<pdf@x>");
	test_assert_str(p3->description, "A file");
	test_assert_str(p3->md5, "Q2hlY2sgSW50ZWdyaXR5IQ==");
	test_assert_int(p3->nlanguages, 2);
	test_assert_str(p3->languages[1], "de");
	test_assert_str(p3->location, "http://x/a.pdf");
	test_assert_str(span(m, p3->body_off, p3->end), "QUJD");
	test_assert(p3->next == NULL);
	mime_part_free(&root);
	test_assert(root == NULL);
	test_end();
}

static void test_defaults(void)
{
	mime_part_t *root;

	test_begin("defaults: no Content-Type, unparsable, digest");
	root = PARSE("Subject: x\n\nbody\n");
	test_assert_int(root->flags, MIME_PART_MESSAGE | MIME_PART_DEFAULT_TYPE);
	test_assert_str(root->type, "text");
	test_assert_str(root->subtype, "plain");
	test_assert_int(root->nparams, 1);
	test_assert(root->encoding == NULL);
	test_assert_int(root->body_lines, 1);
	test_assert_int(root->body_wsize, 6);
	mime_part_free(&root);

	root = PARSE("Content-Type: garbage\nContent-Type: text/html\n\nx");
	test_assert(root->flags & MIME_PART_DEFAULT_TYPE);
	test_assert_str(root->subtype, "plain");
	test_assert_int(root->body_lines, 0);
	mime_part_free(&root);

	root = mime_parse(mime_test_digest, strlen(mime_test_digest));
	test_assert_int(root->nchildren, 3);
	test_assert_str(root->children->type, "message");
	test_assert_int(root->children->flags, MIME_PART_RFC822 | MIME_PART_DEFAULT_TYPE);
	test_assert_int(root->children->nparams, 0);
	test_assert_str(root->children->children->subtype, "plain");
	test_assert_str(mime_part_child(root, 2)->type, "text");
	/* the unclosed last delimiter starts an empty part */
	test_assert_int(mime_part_child(root, 3)->body_wsize, 0);
	mime_part_free(&root);
	test_end();
}

static void test_header_only(void)
{
	const char *m = mime_test_header_only;
	mime_part_t *root = PARSE(m);

	test_begin("header without empty line, line without colon, folding");
	test_assert_int(root->body_off, strlen(m));
	test_assert_int(root->end, strlen(m));
	test_assert_int(root->hdr_wsize, strlen(m) + 3);
	test_assert_int(root->body_wsize, 0);
	test_assert_int(root->body_lines, 0);
	test_assert_str(root->subtype, "html");
	test_assert_str(root->params[0].value, "utf-8");
	mime_part_free(&root);

	root = PARSE("");
	test_assert_int(root->end, 0);
	test_assert_str(root->type, "text");
	mime_part_free(&root);

	root = PARSE("\n");
	test_assert_int(root->body_off, 1);
	test_assert_int(root->hdr_wsize, 2);
	mime_part_free(&root);
	test_end();
}

static void test_boundaries(void)
{
	mime_part_t *root;
	const char *m;

	test_begin("boundary prefixes, missing close, no delimiter");
	m = "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: multipart/alternative; boundary=b2\n\n"
	    "--b2\n\none\n--b2\n\ntwo\n--b\n\nthree\n--b--\n";
	root = PARSE(m);
	test_assert_int(root->nchildren, 2);
	test_assert_int(root->children->nchildren, 2);
	test_assert_str(span(m, mime_part_child(root->children, 2)->body_off,
			     mime_part_child(root->children, 2)->end), "two");
	test_assert_str(span(m, mime_part_child(root, 2)->body_off,
			     mime_part_child(root, 2)->end), "three");
	mime_part_free(&root);

	/* the longer boundary outside, the shorter inside */
	m = "Content-Type: multipart/mixed; boundary=b2\n\n"
	    "--b2\nContent-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n\nin\n--b2x\n--b-\n--b  \t\n\nin2\n--b2--  \nepi\n";
	root = PARSE(m);
	test_assert_int(root->nchildren, 1);
	test_assert_int(root->children->nchildren, 2);
	test_assert_str(span(m, root->children->children->body_off,
			     root->children->children->end), "in\n--b2x\n--b-");
	test_assert_str(span(m, mime_part_child(root->children, 2)->body_off,
			     mime_part_child(root->children, 2)->end), "in2");
	mime_part_free(&root);

	/* never closed: the last part runs to the end, the inner one too */
	m = "Content-Type: multipart/mixed; boundary=x\n\n--x\n\na\n--x\n"
	    "Content-Type: multipart/mixed; boundary=y\n\n--y\n\nb\nc";
	root = PARSE(m);
	test_assert_int(root->nchildren, 2);
	test_assert_str(span(m, mime_part_child(root, 2)->children->body_off,
			     mime_part_child(root, 2)->children->end), "b\nc");
	test_assert_int(mime_part_child(root, 2)->children->body_lines, 1);
	test_assert_int(mime_part_child(root, 2)->end, strlen(m));
	mime_part_free(&root);

	/* no delimiter, no boundary, an empty boundary */
	root = PARSE("Content-Type: multipart/mixed; boundary=z\n\nno parts\n");
	test_assert_int(root->flags, MIME_PART_MESSAGE | MIME_PART_MULTIPART);
	test_assert_int(root->nchildren, 0);
	mime_part_free(&root);
	root = PARSE("Content-Type: multipart/mixed\n\n--\n\nx\n");
	test_assert_int(root->nchildren, 0);
	mime_part_free(&root);
	root = PARSE("Content-Type: multipart/mixed; boundary=\"\"\n\n--\n\nx\n");
	test_assert_int(root->nchildren, 0);
	mime_part_free(&root);

	/* a delimiter right after the header; an empty part between two */
	m = "Content-Type: multipart/mixed; boundary=q\n\n--q\n--q\nA: b\n--q--";
	root = PARSE(m);
	test_assert_int(root->nchildren, 2);
	test_assert_int(root->children->hdr_off, root->children->end);
	test_assert_str(span(m, mime_part_child(root, 2)->hdr_off,
			     mime_part_child(root, 2)->body_off), "A: b");
	test_assert_int(mime_part_child(root, 2)->body_wsize, 0);
	mime_part_free(&root);

	/* the empty line of an enclosed header just before a delimiter:
	 * the enclosing part ends after it too */
	m = "Content-Type: multipart/digest; boundary=d\n\n--d\n\nFrom: a@b\n\n--d--\n";
	root = PARSE(m);
	test_assert_int(root->children->end, root->children->children->end);
	test_assert_int(root->children->children->body_off, root->children->end);
	test_assert_int(root->children->body_wsize, 13);
	test_assert_int(root->children->body_lines, 2);
	mime_part_free(&root);
	test_end();
}

static void test_cr(void)
{
	/* a stored CR ends a line as on the wire, where it is CRLF */
	const char *m = "Subject: x\rContent-Type: multipart/mixed; boundary=b\r\r"
			"--b\rContent-Type: text/plain\r\rline\r--b--\r";
	mime_part_t *root = PARSE(m);

	test_begin("stored CR: a line end of its own, CRLF on the wire");
	test_assert_int(root->nchildren, 1);
	test_assert_int(root->body_off, 54);
	test_assert_int(root->hdr_wsize, 57);
	test_assert_int(root->body_wsize, 46);
	test_assert_int(root->body_lines, 5);
	test_assert_str(span(m, root->children->body_off, root->children->end), "line");
	test_assert_int(root->children->body_wsize, 4);
	test_assert_int(root->children->body_lines, 0);
	mime_part_free(&root);

	/* "\r\n" is two line ends: the second is the empty line */
	root = PARSE("A: b\r\nC: d\n\nx");
	test_assert_int(root->body_off, 6);
	test_assert_int(root->hdr_wsize, 8);
	test_assert_int(root->body_wsize, 9);
	test_assert_int(root->body_lines, 2);
	mime_part_free(&root);

	root = PARSE("A: b\r\rC: d\n\nx\ry\r");
	test_assert_int(root->body_off, 6);
	test_assert_int(root->body_lines, 4);
	test_assert_int(root->body_wsize, 14);
	mime_part_free(&root);

	/* a delimiter after a bare CR is one, as the client sees it */
	root = PARSE("Content-Type: multipart/mixed; boundary=q\n\n--q\n\na\r--q--\n");
	test_assert_int(root->nchildren, 1);
	test_assert_int(root->children->body_wsize, 1);
	mime_part_free(&root);
	test_end();
}

static void test_fields(void)
{
	const char *m =
		"Content-Type: (c1) Text (c2) / (c3) Plain (c4) ; (x) CharSet = \"iso\\\"8859-1\" ;\n"
		"\tformat=flowed;;broken;=v; name*0*=us-ascii'en'a%20b; name*1=\"c d\";\n"
		"Content-Disposition: INLINE ; size=12\n"
		"Content-Language: (c) en-US (d) , , fr ,\n"
		"Content-Transfer-Encoding: (x) 8BIT (y)\n"
		"Content-ID:\n  <folded@id>  \n"
		"\n";
	mime_part_t *root = PARSE(m);

	test_begin("Content-* values: comments, folding, quoted, RFC 2231");
	test_assert_str(root->type, "Text");
	test_assert_str(root->subtype, "Plain");
	test_assert_int(root->nparams, 4);
	test_assert_str(root->params[0].name, "CharSet");
	test_assert_str(root->params[0].value, "iso\"8859-1");
	test_assert_str(root->params[1].name, "format");
	test_assert_str(root->params[1].value, "flowed");
	test_assert_str(root->params[2].name, "name*0*");
	test_assert_str(root->params[2].value, "us-ascii'en'a%20b");
	test_assert_str(root->params[3].value, "c d");
	test_assert_str(root->disposition, "INLINE");
	test_assert_int(root->ndisp_params, 1);
	test_assert_str(root->disp_params[0].value, "12");
	test_assert_int(root->nlanguages, 2);
	test_assert_str(root->languages[0], "en-US");
	test_assert_str(root->languages[1], "fr");
	test_assert_str(root->encoding, "8BIT");
	test_assert_str(root->id, "<folded@id>");
	mime_part_free(&root);
	test_end();
}

static void test_depth_limit(void)
{
	buf_t m = BUF_INIT;
	mime_part_t *root;
	const mime_part_t *p;
	unsigned int depth = 0;

	test_begin("nesting past MIME_MAX_DEPTH: opaque, bounded");
	for (int i = 0; i < MIME_MAX_DEPTH + 50; i++)
		buf_puts(&m, "Content-Type: message/rfc822\n\n");
	buf_puts(&m, "body\n");
	root = mime_parse(m.data, m.len);
	for (p = root; p->children != NULL; p = p->children)
		depth++;
	test_assert_int(depth, MIME_MAX_DEPTH);
	test_assert_int(p->flags, MIME_PART_MESSAGE | MIME_PART_OPAQUE);
	test_assert_int(p->end, m.len);
	mime_part_free(&root);

	buf_reset(&m);
	for (int i = 0; i < MIME_MAX_DEPTH + 50; i++)
		buf_printf(&m, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
	root = mime_parse(m.data, m.len);
	depth = 0;
	for (p = root; p->children != NULL; p = p->children)
		depth++;
	test_assert_int(depth, MIME_MAX_DEPTH);
	test_assert(p->flags & MIME_PART_OPAQUE);
	mime_part_free(&root);
	buf_release(&m);
	test_end();
}

static void test_part_limit(void)
{
	buf_t m = BUF_INIT;
	mime_part_t *root;

	test_begin("parts past MIME_MAX_PARTS are not made");
	buf_puts(&m, "Content-Type: multipart/mixed; boundary=b\n\n");
	for (int i = 0; i < MIME_MAX_PARTS + 100; i++)
		buf_puts(&m, "--b\n\nx\n");
	buf_puts(&m, "--b--\n");
	root = mime_parse(m.data, m.len);
	test_assert_int(root->nchildren, MIME_MAX_PARTS - 1);
	test_assert_int(mime_part_child(root, MIME_MAX_PARTS - 1)->body_wsize, 1);
	mime_part_free(&root);

	/* the limit reached inside: a message/rfc822 part is then opaque */
	buf_reset(&m);
	buf_puts(&m, "Content-Type: multipart/mixed; boundary=b\n\n");
	for (int i = 0; i < MIME_MAX_PARTS - 2; i++)
		buf_puts(&m, "--b\n\n");
	buf_puts(&m, "--b\nContent-Type: message/rfc822\n\nSubject: x\n\ny\n--b--\n");
	root = mime_parse(m.data, m.len);
	test_assert_int(root->nchildren, MIME_MAX_PARTS - 1);
	test_assert_int(mime_part_child(root, MIME_MAX_PARTS - 1)->flags, MIME_PART_OPAQUE);
	mime_part_free(&root);
	buf_release(&m);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_nested, test_defaults, test_header_only, test_boundaries,
		test_cr, test_fields, test_depth_limit, test_part_limit, NULL
	};

	return test_main(tests);
}

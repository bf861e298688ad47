/* test_mime_field.c - unit tests for mime_field: the field scanner and
 * the Content-* value parsers. */
#include "test.h"

#include "buf.h"
#include "mem.h"
#include "mime_field.h"

static void test_next(void)
{
	const char *h = "Subject: one\n two\nX-Odd : v\nFrom x y\n"
			"\tcontinued\nTo:\r\n\r\nbody: no\n";
	size_t pos = 0, len = strlen(h);
	mime_field_t f;
	char *v;

	test_begin("field scanner: folding, no colon, space before colon, CR");
	test_assert_int(mime_field_next(h, len, &pos, &f), 1);
	test_assert(mime_field_is(&f, "SUBJECT"));
	test_assert_int(f.len, 18);
	v = mime_field_unfold(&f, 100);
	test_assert_str(v, "one two");
	mem_free(v);
	v = mime_field_unfold(&f, 3);
	test_assert_str(v, "one");
	mem_free(v);
	test_assert_int(mime_field_next(h, len, &pos, &f), 1);
	test_assert(mime_field_is(&f, "x-odd"));
	test_assert(mime_field_is_n(&f, "X-ODDITY", 5));
	test_assert(!mime_field_is(&f, "x-od"));
	test_assert_int(f.value_len, 2);
	test_assert_int(mime_field_next(h, len, &pos, &f), 1);
	test_assert_int(f.name_len, 0);
	test_assert(!mime_field_is(&f, "from"));
	test_assert_int(f.len, 20);
	test_assert_int(mime_field_next(h, len, &pos, &f), 1);
	test_assert(mime_field_is(&f, "to"));
	test_assert_int(f.value_len, 0);
	test_assert_int(f.len, 4);
	/* the CR ended "To:", the LF is an empty line of its own */
	test_assert_int(mime_field_next(h, len, &pos, &f), 0);
	test_assert_str(h + pos, "\r\nbody: no\n");
	pos = 0;
	h = "A: 1\r 2\rB: 3\n";
	test_assert_int(mime_field_next(h, strlen(h), &pos, &f), 1);
	test_assert_int(f.len, 8);
	v = mime_field_unfold(&f, 100);
	test_assert_str(v, "1 2");
	mem_free(v);
	test_assert_int(mime_field_next(h, strlen(h), &pos, &f), 1);
	test_assert(mime_field_is(&f, "b"));
	test_assert_int(f.value_len, 2);
	pos = 0;
	test_assert_int(mime_field_next("", 0, &pos, &f), 0);
	test_assert_int(mime_field_next(":x\n", 3, &pos, &f), 1);
	test_assert_int(f.name_len, 0);
	test_end();
}

static void test_type(void)
{
	char *type, *subtype;
	mime_param_t *params;
	unsigned int n;
	const char *v;

	test_begin("Content-Type values");
	test_assert_int(mime_field_content_type("text", 4, &type, &subtype, &params, &n), -1);
	test_assert_int(mime_field_content_type("text/", 5, &type, &subtype, &params, &n), -1);
	test_assert_int(mime_field_content_type(" /plain", 7, &type, &subtype, &params, &n), -1);
	v = " multipart/mixed; boundary==_a=b?c/d;x=\"unterminated";
	test_assert_int(mime_field_content_type(v, strlen(v), &type, &subtype, &params, &n), 0);
	test_assert_str(type, "multipart");
	test_assert_str(subtype, "mixed");
	test_assert_int(n, 2);
	test_assert_str(params[0].value, "=_a=b?c/d");
	test_assert_str(params[1].value, "unterminated");
	mem_free(type);
	mem_free(subtype);
	mime_params_free(&params, n);
	test_assert(params == NULL);
	v = "text/plain (comment (nested) \\) still) ; a=1 junk; b=\"x\\\\y\" (c)";
	test_assert_int(mime_field_content_type(v, strlen(v), &type, &subtype, &params, &n), 0);
	test_assert_int(n, 2);
	test_assert_str(params[0].value, "1");
	test_assert_str(params[1].value, "x\\y");
	mem_free(type);
	mem_free(subtype);
	mime_params_free(&params, n);
	test_end();
}

static void test_other(void)
{
	char *d, *st, **tags;
	mime_param_t *params;
	unsigned int n;
	buf_t many = BUF_INIT;

	test_begin("disposition, token, languages, limits");
	test_assert_int(mime_field_disposition(" ; x=1", 6, &d, &params, &n), -1);
	test_assert_int(mime_field_disposition("inline", 6, &d, &params, &n), 0);
	test_assert_str(d, "inline");
	test_assert_int(n, 0);
	test_assert(params == NULL);
	mem_free(d);
	d = mime_field_token(" (x) base64 (y)", 15);
	test_assert_str(d, "base64");
	mem_free(d);
	test_assert(mime_field_token(" (x) ", 5) == NULL);
	tags = mime_field_languages("", 0, &n);
	test_assert(tags == NULL);
	test_assert_int(n, 0);
	buf_puts(&many, "text/plain");
	for (int i = 0; i < MIME_MAX_PARAMS + 10; i++)
		buf_printf(&many, "; p%d=v", i);
	test_assert_int(mime_field_content_type(many.data, many.len, &d, &st, &params, &n), 0);
	test_assert_int(n, MIME_MAX_PARAMS);
	mem_free(d);
	mem_free(st);
	mime_params_free(&params, n);
	buf_release(&many);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = { test_next, test_type, test_other, NULL };

	return test_main(tests);
}

/* test_search_text.c - unit tests for lib/search_text.c: stored bodies as
 * mail has them (quoted-printable ISO-8859-1 with a soft break inside
 * the word, base64 KOI8-R and ISO-2022-JP with line breaks, UTF-8 8bit)
 * fed whole, a byte at a time and cut at every point; a part left early
 * does not spill into the next; header values with encoded-words. */
#include "../../lib/search_text.h"
#include "test.h"

static void feed(const char *p, size_t n, void *ctx)
{
	search_text_body_feed(ctx, p, n);
}

/* 1 when needle is found in body whole, in every cut and in pieces of
 * 1..7 octets; 0 when it is found in none; -1 when the ways disagree. */
static int body_has(const char *needle, const char *cte, const char *charset, const char *body)
{
	struct search_text *st = search_text_new(needle, strlen(needle));
	size_t len = strlen(body);
	int first = search_text_body(st, cte, charset, body, len);

	for (size_t cut = 0; cut <= len; cut++) {
		search_text_body_begin(st, cte, charset);
		test_feed_split(body, len, cut, feed, st);
		if (search_text_body_end(st) != first)
			first = -1;
	}
	for (size_t step = 1; step <= 7; step++) {
		search_text_body_begin(st, cte, charset);
		test_feed(body, len, step, feed, st);
		if (search_text_body_end(st) != first)
			first = -1;
	}
	search_text_free(&st);
	return first;
}

static void test_search_text_bodies(void)
{
	/* "Grüße aus Köln, schöne Straße" in ISO-8859-1 quoted-printable
	 * with a soft break inside "Köln". */
	const char *qp = "Gr=FC=DFe aus K=\r\n=F6ln, sch=F6ne Stra=DFe\r\n";
	/* "Привет, мир" KOI8-R in base64, broken over lines. */
	const char *koi = "8NLJ18XULCDN\r\n yfI=\r\n";
	/* "日本語のテキスト" ISO-2022-JP in base64. */
	const char *jis = "GyRCRnxLXDhsJE4lRiUtJTklSBsoQg==\n";

	test_begin("search_text: QP latin1, base64 KOI8-R and ISO-2022-JP, cut anywhere");
	test_assert_int(body_has("K\xC3\x96LN", "quoted-printable", "iso-8859-1", qp), 1);
	test_assert_int(body_has("gr\xC3\xBC\xC3\x9F" "e", "Quoted-Printable", "ISO-8859-1", qp), 1);
	test_assert_int(body_has("koln", "quoted-printable", "iso-8859-1", qp), 0);
	test_assert_int(body_has("\xD0\x9C\xD0\x98\xD0\xA0", "base64", "koi8-r", koi), 1);	/* МИР */
	test_assert_int(body_has("\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82, ", "base64", "KOI8-R", koi), 1);
	test_assert_int(body_has("\xE3\x83\x86\xE3\x82\xAD\xE3\x82\xB9\xE3\x83\x88", "base64", "iso-2022-jp", jis), 1);
	test_assert_int(body_has("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE", "base64", "iso-2022-jp", jis), 1);
	/* The encoded form is not what is searched. */
	test_assert_int(body_has("8NLJ", "base64", "koi8-r", koi), 0);
	test_assert_int(body_has("=FC", "quoted-printable", "iso-8859-1", qp), 0);
	/* 8bit UTF-8, no charset; 7bit us-ascii. */
	test_assert_int(body_has("CAF\xC3\x89", "8bit", NULL, "Un caf\xC3\xA9 noir"), 1);
	test_assert_int(body_has("noir", NULL, "us-ascii", "Un cafe noir"), 1);
	test_assert_int(body_has("", NULL, NULL, ""), 1);
	test_end();
}

static void test_search_text_reuse(void)
{
	struct search_text *st = search_text_new("\xE6\x97\xA5", 3);	/* 日 */
	const char *jis = "\x1B$BF|";	/* shift into JIS X 0208, 日, no shift back */

	test_begin("search_text: a part left early does not spill into the next");
	search_text_body_begin(st, "7bit", "iso-2022-jp");
	test_assert(search_text_body_feed(st, jis, strlen(jis)));
	/* Left without end: the next part in the same charset starts in
	 * ASCII, so "F|" is two letters there. */
	test_assert(!search_text_body(st, "7bit", "ISO-2022-JP", "F|", 2));
	/* A cut UTF-8 sequence left behind is not joined to the next part. */
	search_text_body_begin(st, NULL, "utf-8");
	search_text_body_feed(st, "x\xE6\x97", 3);
	test_assert(!search_text_body(st, NULL, "utf-8", "\xA5", 1));
	search_text_free(&st);
	test_assert(st == NULL);
	test_end();
}

static int header_has(struct search_text *st, const char *value)
{
	return search_text_header(st, value, strlen(value));
}

static void test_search_text_header(void)
{
	const char *needle = "caf\xC3\xA9 cr\xC3\xA8me";
	struct search_text *st = search_text_new(needle, strlen(needle));

	test_begin("search_text: header values after RFC 2047 decoding");
	test_assert(header_has(st, "=?ISO-8859-1?Q?Caf=E9_Cr=E8me?="));
	test_assert(header_has(st, "Re: =?utf-8?B?Q0FGw4k=?=\r\n =?utf-8?q?_cr=C3=A8me?= !"));
	test_assert(!header_has(st, "=?utf-8?q?cafe_creme?="));
	test_assert(!header_has(st, "=?ISO-8859-1?Q?Caf=E9?= Cr=E8me"));
	search_text_free(&st);
	st = search_text_new("", 0);
	test_assert(st != NULL && header_has(st, ""));
	search_text_free(&st);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_search_text_bodies,
		test_search_text_reuse,
		test_search_text_header,
		NULL
	};

	return test_main(tests);
}

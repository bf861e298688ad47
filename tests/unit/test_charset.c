/* test_charset.c - unit tests for lib/charset.c: real-world charsets
 * (ISO-8859-1 read as windows-1252, windows-1252, KOI8-R, Shift_JIS,
 * ISO-2022-JP, GB2312, UTF-7) converted whole and cut at every point,
 * U+FFFD for what does not convert, the UTF-8 reading of us-ascii and
 * unknown charsets, names refused before iconv, and SEARCH's
 * [BADCHARSET] test. */
#include "../../lib/charset.h"
#include "test.h"

struct conv_ctx {
	struct charset_conv *conv;
	buf_t out;
};

static void feed(const char *p, size_t n, void *ctx)
{
	struct conv_ctx *c = ctx;

	charset_conv_feed(c->conv, p, n, &c->out);
}

/* in converts to expect whole, a byte at a time, and cut at every point,
 * with one converter reused for every text. */
static int converts(const char *name, const char *in, const char *expect)
{
	struct conv_ctx c;
	size_t len = strlen(in);
	int ok = 1;

	c.conv = charset_conv_new(name);
	buf_init(&c.out);
	for (size_t pass = 0; pass <= len + 2 && ok; pass++) {
		buf_reset(&c.out);
		if (pass <= len)
			test_feed_split(in, len, pass, feed, &c);
		else
			test_feed(in, len, pass == len + 1 ? 1 : 0, feed, &c);
		charset_conv_finish(c.conv, &c.out);
		if (strcmp(buf_str(&c.out), expect) != 0) {
			printf("  %s pass %zu: got \"%s\", expected \"%s\"\n", name, pass,
			       buf_str(&c.out), expect);
			ok = 0;
		}
	}
	charset_conv_free(&c.conv);
	buf_release(&c.out);
	return ok;
}

#define FFFD "\xEF\xBF\xBD"

static void test_charset_single_byte(void)
{
	test_begin("charset: ISO-8859-1 (as windows-1252), windows-1252, KOI8-R");
	test_assert(converts("ISO-8859-1", "caf\xE9 \xC4rger", "caf\xC3\xA9 \xC3\x84rger"));
	test_assert(converts("latin1", "\x80 5", "\xE2\x82\xAC 5"));	/* € as windows-1252 */
	test_assert(converts("windows-1252", "\x93quoted\x94 \x80",
			     "\xE2\x80\x9Cquoted\xE2\x80\x9D \xE2\x82\xAC"));
	/* 0x81 is unassigned in windows-1252. */
	test_assert(converts("Windows-1252", "a\x81z", "a" FFFD "z"));
	test_assert(converts("KOI8-R", "\xF0\xD2\xC9\xD7\xC5\xD4",	/* Привет */
			     "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82"));
	test_assert(converts("iso-8859-7", "\xD3\xEF\xF6\xDF\xE1",	/* Σοφία */
			     "\xCE\xA3\xCE\xBF\xCF\x86\xCE\xAF\xCE\xB1"));
	test_end();
}

static void test_charset_multibyte(void)
{
	test_begin("charset: Shift_JIS, ISO-2022-JP, GB2312, UTF-7 cut anywhere");
	/* 日本語 */
	test_assert(converts("Shift_JIS", "\x93\xFA\x96\x7B\x8C\xEA abc",
			     "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E abc"));
	test_assert(converts("iso-2022-jp", "x \x1B$B\x46\x7C\x4B\x5C\x38\x6C\x1B(B y",
			     "x \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E y"));
	/* 中文 */
	test_assert(converts("gb2312", "\xD6\xD0\xCE\xC4", "\xE4\xB8\xAD\xE6\x96\x87"));
	test_assert(converts("utf-7", "Hi Mom -+Jjo--!", "Hi Mom -\xE2\x98\xBA-!"));
	/* A lead octet followed by what cannot follow it, and one cut
	 * short at the very end. */
	test_assert(converts("shift_jis", "a\x81\x20z", "a" FFFD " z"));
	test_assert(converts("shift_jis", "a\x93", "a" FFFD));
	test_end();
}

static void test_charset_utf8(void)
{
	test_begin("charset: UTF-8 checked here, us-ascii and unknown read as UTF-8");
	test_assert(converts("UTF-8", "caf\xC3\xA9 \xF0\x9F\x98\x80 \xE2\x82\xAC",
			     "caf\xC3\xA9 \xF0\x9F\x98\x80 \xE2\x82\xAC"));
	test_assert(converts("utf8", "a\xC3(b\xED\xA0\x80" FFFD "\xE2\x82",
			     "a" FFFD "(b" FFFD FFFD FFFD FFFD FFFD));
	test_assert(converts("us-ascii", "plain a\xE9z caf\xC3\xA9", "plain a" FFFD "z caf\xC3\xA9"));
	test_assert(converts(NULL, "a\xFF", "a" FFFD));
	test_assert(converts("x-unknown", "a\xE9z", "a" FFFD "z"));
	test_assert(converts("utf-8//TRANSLIT", "a\xE9", "a" FFFD));
	test_end();
}

static void test_charset_known(void)
{
	struct charset_conv *conv;
	buf_t out = BUF_INIT;

	test_begin("charset: known names, counts, SEARCH CHARSET");
	conv = charset_conv_new("UTF-8");
	test_assert(charset_conv_known(conv));
	test_assert_str(charset_conv_name(conv), "utf-8");
	charset_conv_free(&conv);
	test_assert(conv == NULL);
	conv = charset_conv_new("X-Unknown");
	test_assert(!charset_conv_known(conv));
	charset_conv_free(&conv);
	conv = charset_conv_new("../../etc/x");
	test_assert(!charset_conv_known(conv));
	test_assert_str(charset_conv_name(conv), "");
	charset_conv_free(&conv);

	test_assert_int(charset_to_utf8("koi8-r", "\xE1\xE2", 2, &out), 0);
	test_assert_str(buf_str(&out), "\xD0\x90\xD0\x91");	/* АБ */
	buf_reset(&out);
	test_assert_int(charset_to_utf8("utf-8", "\xFF\xFE", 2, &out), 2);
	test_assert_int(charset_to_utf8("x-bogus", "a", 1, &out), -1);

	test_assert(charset_search_supported("UTF-8"));
	test_assert(charset_search_supported("us-ascii"));
	test_assert(charset_search_supported("ISO-8859-1"));
	test_assert(charset_search_supported("KOI8-R"));
	test_assert(!charset_search_supported("x-bogus"));
	test_assert(!charset_search_supported("ISO-2022-CN-EXT"));
	test_assert(!charset_search_supported("iso2022cnext"));
	test_assert(!charset_search_supported("UTF-8//IGNORE"));
	test_assert(!charset_search_supported(""));
	test_assert(!charset_search_supported(NULL));
	buf_release(&out);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_charset_single_byte,
		test_charset_multibyte,
		test_charset_utf8,
		test_charset_known,
		NULL
	};

	return test_main(tests);
}

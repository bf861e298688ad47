/* test_text_match.c - unit tests for lib/text_match.c: case-insensitive
 * matches in several scripts, the ß choice, matches and UTF-8 sequences
 * cut at every point between pieces, KMP's overlapping prefixes, and the
 * needle limit. */
#include "../../lib/text_match.h"
#include "test.h"

static int match(const char *needle, const char *text)
{
	struct text_match *tm = text_match_new(needle, strlen(needle));
	int r = text_match_utf8(tm, text, strlen(text));

	text_match_free(&tm);
	return r;
}

static void test_text_match_cases(void)
{
	test_begin("text_match: case-insensitive in Latin, Greek, Cyrillic");
	test_assert(match("hello", "Say HeLLo to me"));
	test_assert(!match("hello", "Say Hell o"));
	test_assert(match("\xC3\xA9t\xC3\xA9", "L'\xC3\x89T\xC3\x89 dernier"));	/* été / ÉTÉ */
	test_assert(match("\xC3\x84rger", "kein \xC3\xA4rger"));		/* Ärger */
	test_assert(match("\xCF\x83\xCE\xBF\xCF\x86\xCE\xBF\xCF\x82",		/* σοφος */
			  "\xCE\xA3\xCE\x9F\xCE\xA6\xCE\x9F\xCE\xA3"));	/* ΣΟΦΟΣ */
	test_assert(match("\xCF\x82", "\xCE\xA3"));				/* ς ~ Σ */
	test_assert(match("\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82",	/* привет */
			  "\xD0\x9F\xD0\xA0\xD0\x98\xD0\x92\xD0\x95\xD0\xA2, \xD0\xBC\xD0\xB8\xD1\x80"));
	/* Simple folding keeps ß: no match with "ss" either way. */
	test_assert(!match("strasse", "Stra\xC3\x9F" "e"));
	test_assert(!match("stra\xC3\x9F" "e", "STRASSE"));
	test_assert(match("stra\xC3\x9F" "e", "STRA\xE1\xBA\x9E" "E"));		/* ẞ */
	/* Literal: whitespace and line ends must match as they are. */
	test_assert(!match("a b", "a  b"));
	test_assert(!match("a b", "a\nb"));
	/* Not confused by a lead octet inside a sequence. */
	test_assert(!match("\xC3\xA9", "\xC3\xA8"));
	test_assert(match("", ""));
	test_assert(match("", "x"));
	test_assert(!match("x", ""));
	/* Non-ASCII that folds to ASCII: the Kelvin sign is a "k". */
	test_assert(match("ok", "O\xE2\x84\xAA!"));
	test_assert(match("\xE2\x84\xAA", "ok"));
	test_end();
}

static void test_text_match_kmp(void)
{
	test_begin("text_match: overlapping prefixes (KMP borders)");
	test_assert(match("aab", "aaab"));
	test_assert(match("abab", "ababab"));
	test_assert(match("abcabd", "abcabcabd"));
	test_assert(match("aaaa", "aaaxaaaa"));
	test_assert(!match("aaaa", "aaaxaaa"));
	test_assert(match("ANANAS", "bananananas"));
	test_end();
}

static void feed(const char *p, size_t n, void *ctx)
{
	text_match_feed(ctx, p, n);
}

static void test_text_match_pieces(void)
{
	const char *text = "Grand Caf\xC3\xA9 \xE2\x82\xAC" "5 \xF0\x9F\x98\x80 \xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0!";
	static const char *const needles[] = {
		"CAF\xC3\x89 \xE2\x82\xAC", "\xF0\x9F\x98\x80 \xD0\xBC\xD0\x9E", "\xD0\xB2\xD0\xB0!", "grand",
	};
	size_t len = strlen(text);

	test_begin("text_match: matches and sequences cut at every point");
	for (size_t k = 0; k < 4; k++) {
		struct text_match *tm = text_match_new(needles[k], strlen(needles[k]));

		for (size_t cut = 0; cut <= len; cut++) {
			text_match_reset(tm);
			test_feed_split(text, len, cut, feed, tm);
			test_assert(text_match_found(tm));
		}
		for (size_t step = 1; step <= 5; step++) {
			text_match_reset(tm);
			test_feed(text, len, step, feed, tm);
			test_assert(text_match_found(tm));
		}
		text_match_free(&tm);
	}
	/* A cut sequence that turns out ill-formed: U+FFFD, no false match,
	 * and what follows it still counts. */
	{
		struct text_match *tm = text_match_new("\xC3\xA9x", 3);

		test_assert(!text_match_feed(tm, "a\xC3", 2));
		test_assert(!text_match_feed(tm, "x", 1));
		test_assert(!text_match_feed(tm, "\xC3", 1));
		test_assert(text_match_feed(tm, "\x89X", 2));	/* ÉX */
		text_match_free(&tm);
	}
	test_end();
}

static void test_text_match_needle(void)
{
	char *big = malloc(TEXT_MATCH_NEEDLE_MAX + 2);
	struct text_match *tm;
	size_t len;

	test_begin("text_match: the needle is folded and bounded");
	tm = text_match_new("\xCE\xA3X\xFF", 4);
	test_assert_str(text_match_needle(tm, &len), "\xCF\x83x\xEF\xBF\xBD");
	test_assert_int(len, 6);
	text_match_free(&tm);
	test_assert(tm == NULL);
	memset(big, 'a', TEXT_MATCH_NEEDLE_MAX + 1);
	test_assert(text_match_new(big, TEXT_MATCH_NEEDLE_MAX + 1) == NULL);
	tm = text_match_new(big, TEXT_MATCH_NEEDLE_MAX);
	test_assert(tm != NULL);
	test_assert(text_match_utf8(tm, big, TEXT_MATCH_NEEDLE_MAX));
	test_assert(!text_match_utf8(tm, big, TEXT_MATCH_NEEDLE_MAX - 1));
	text_match_free(&tm);
	free(big);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_text_match_cases,
		test_text_match_kmp,
		test_text_match_pieces,
		test_text_match_needle,
		NULL
	};

	return test_main(tests);
}

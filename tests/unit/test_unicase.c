/* test_unicase.c - unit tests for lib/unicase.c: simple case folding of
 * Latin, Greek, Cyrillic and others, the choices unicase.h states (ß
 * kept, final sigma, no Turkic rule), and that it needs no locale. */
#include <locale.h>

#include "../../lib/unicase.h"
#include "../../lib/unicase_impl.h"
#include "test.h"

static void test_unicase_points(void)
{
	static const uint32_t pairs[][2] = {
		{ 'A', 'a' }, { 'z', 'z' }, { '@', '@' }, { '[', '[' },
		{ 0xC9, 0xE9 }, { 0xE9, 0xE9 },		/* É é */
		{ 0xC4, 0xE4 }, { 0xD6, 0xF6 },		/* Ä Ö */
		{ 0xD7, 0xD7 },				/* × has no case */
		{ 0xDF, 0xDF }, { 0x1E9E, 0xDF },	/* ß kept, ẞ to ß */
		{ 0x178, 0xFF },			/* Ÿ */
		{ 0x100, 0x101 }, { 0x101, 0x101 },	/* Ā ā */
		{ 0x17F, 's' },				/* long s */
		{ 0x212A, 'k' }, { 0x212B, 0xE5 },	/* Kelvin, Angstrom */
		{ 0x3A3, 0x3C3 }, { 0x3C2, 0x3C3 },	/* Σ, final ς to σ */
		{ 0x391, 0x3B1 }, { 0x3AA, 0x3CA },	/* Α, Ϊ */
		{ 0xB5, 0x3BC },			/* micro sign to μ */
		{ 0x410, 0x430 }, { 0x42F, 0x44F },	/* Cyrillic А Я */
		{ 0x401, 0x451 }, { 0x404, 0x454 },	/* Ё, Є */
		{ 0x531, 0x561 },			/* Armenian */
		{ 0x10A0, 0x2D00 },			/* Georgian */
		{ 0xAB70, 0x13A0 },			/* Cherokee folds to upper */
		{ 0x10400, 0x10428 },			/* Deseret */
		{ 0xFF21, 0xFF41 },			/* fullwidth A */
		{ 0x130, 0x130 }, { 'I', 'i' },		/* no Turkic rule */
		{ 0x4E2D, 0x4E2D },			/* 中 */
		{ 0x1F88, 0x1F80 },			/* status S */
	};

	test_begin("unicase: simple folding of code points in many scripts");
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if (unicase_fold(pairs[i][0]) != pairs[i][1]) {
			printf("  U+%04X -> U+%04X, expected U+%04X\n", pairs[i][0],
			       unicase_fold(pairs[i][0]), pairs[i][1]);
			test_assert(0);
		}
	test_end();
}

static void test_unicase_idempotent(void)
{
	test_begin("unicase: folding twice is folding once, everywhere");
	for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
		uint32_t f = unicase_fold(cp);

		if (unicase_fold(f) != f) {
			printf("  U+%04X\n", cp);
			test_assert(0);
			break;
		}
	}
	test_end();
}

/* The two tables of unicase_table.c say the same below the direct
 * table's end, and the ranges are sorted and apart. */
static void test_unicase_tables(void)
{
	test_begin("unicase: direct table and ranges agree");
	for (size_t i = 0; i < unicase_range_count; i++) {
		const struct unicase_range *r = &unicase_ranges[i];

		test_assert(r->first <= r->last && (r->stride == 1 || r->stride == 2));
		test_assert(i == 0 || unicase_ranges[i - 1].last < r->first);
		for (uint32_t cp = r->first; cp <= r->last && cp < UNICASE_DIRECT_MAX; cp++) {
			uint32_t want = (cp - r->first) % r->stride ? cp :
					(uint32_t) ((int32_t) cp + r->delta);

			if (unicase_direct[cp] != want) {
				printf("  U+%04X: direct U+%04X, range U+%04X\n", cp,
				       unicase_direct[cp], want);
				test_assert(0);
			}
		}
	}
	/* And what no range covers folds to itself. */
	for (uint32_t cp = 0, i = 0; cp < UNICASE_DIRECT_MAX; cp++) {
		while (i < unicase_range_count && unicase_ranges[i].last < cp)
			i++;
		if ((i == unicase_range_count || cp < unicase_ranges[i].first) &&
		    unicase_direct[cp] != cp) {
			printf("  U+%04X outside every range folds\n", cp);
			test_assert(0);
		}
	}
	test_end();
}

static void test_unicase_utf8(void)
{
	buf_t b = BUF_INIT;
	const char *s = "Stra\xC3\x9F" "E \xC3\x89T\xC3\x89 \xCE\xA3\xCE\x9F\xCE\xA6\xCE\x9F\xCE\xA3 "
			"\xD0\x9C\xD0\x9E\xD0\xA1\xD0\x9A\xD0\x92\xD0\x90 \xE2\x84\xAA\xFF";

	test_begin("unicase: UTF-8 strings, ill-formed parts U+FFFD, no locale");
	/* The C locale: nothing from /usr/lib/locale is needed. */
	setlocale(LC_ALL, "C");
	unicase_fold_utf8(s, strlen(s), &b);
	test_assert_str(buf_str(&b), "stra\xC3\x9F" "e \xC3\xA9t\xC3\xA9 \xCF\x83\xCE\xBF\xCF\x86\xCE\xBF\xCF\x83 "
			"\xD0\xBC\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0 k\xEF\xBF\xBD");
	test_assert(unicase_unicode_version[0] != '\0');
	buf_release(&b);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_unicase_points,
		test_unicase_idempotent,
		test_unicase_tables,
		test_unicase_utf8,
		NULL
	};

	return test_main(tests);
}

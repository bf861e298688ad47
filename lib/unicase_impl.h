/* unicase_impl.h - the table shared by unicase.c and the generated
 * unicase_table.c; nothing else includes it. */
#ifndef TERN_UNICASE_IMPL_H
#define TERN_UNICASE_IMPL_H

#include <stddef.h>
#include <stdint.h>

/* Every stride-th code point from first to last folds to itself + delta;
 * ranges are sorted by first and never overlap. */
struct unicase_range {
	uint32_t first, last;
	int32_t delta;
	uint32_t stride;
};

extern const struct unicase_range unicase_ranges[];
extern const size_t unicase_range_count;

/* The folding of every code point below UNICASE_DIRECT_MAX (Latin,
 * Greek, Cyrillic), so the common case needs no search. */
#define UNICASE_DIRECT_MAX 0x530
extern const uint16_t unicase_direct[UNICASE_DIRECT_MAX];

#endif

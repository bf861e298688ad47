/* unicase.c - simple case folding by a direct table below U+0530 and
 * binary search in the generated range table above (unicase_table.c);
 * see unicase.h. */
#include "unicase.h"
#include "unicase_impl.h"
#include "utf8.h"

uint32_t unicase_fold(uint32_t cp)
{
	size_t lo = 0, hi = unicase_range_count;

	if (cp < UNICASE_DIRECT_MAX)
		return unicase_direct[cp];
	/* The last range whose first is <= cp. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (unicase_ranges[mid].first <= cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0) {
		const struct unicase_range *r = &unicase_ranges[lo - 1];

		if (cp <= r->last && (cp - r->first) % r->stride == 0)
			return (uint32_t) ((int32_t) cp + r->delta);
	}
	return cp;
}

void unicase_fold_utf8(const char *s, size_t len, buf_t *out)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t i = 0;

	buf_reserve(out, len);
	while (i < len) {
		uint32_t cp;

		if (p[i] < 0x80) {
			buf_putc(out, p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
			i++;
			continue;
		}
		i += utf8_decode_end(p + i, len - i, &cp);
		utf8_put(out, unicase_fold(cp));
	}
}

/* fuzz_imap_seqset.c - libFuzzer target for IMAP sequence sets
 * (lib/imap_seqset.c), parsed from every FETCH, STORE, COPY and SEARCH.
 *
 * The first four octets are the value "*" resolves to; the rest is the
 * set's text.  An accepted set must come out ascending, disjoint and not
 * adjacent; its compact form must parse back to the same ranges; its
 * count must match its ranges (and its iteration, when small); membership
 * must agree with the ranges at their edges.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap_seqset.h"

static void fuzz_check(const imap_seqset_t *s)
{
	uint64_t total = 0;

	for (size_t i = 0; i < s->count; i++) {
		const imap_range_t *r = &s->ranges[i];

		if (r->lo > r->hi)
			abort();
		if (i > 0 && (uint64_t) s->ranges[i - 1].hi + 1 >= r->lo)
			abort();
		if (!imap_seqset_contains(s, r->lo) || !imap_seqset_contains(s, r->hi))
			abort();
		if (r->lo > 0 && (i == 0 || s->ranges[i - 1].hi < r->lo - 1) &&
		    imap_seqset_contains(s, r->lo - 1))
			abort();
		if (r->hi < UINT32_MAX && imap_seqset_contains(s, r->hi + 1))
			abort();
		total += (uint64_t) r->hi - r->lo + 1;
	}
	if (total != imap_seqset_count(s))
		abort();
	if (total <= 100000) {
		imap_seqset_iter_t it;
		uint64_t k = 0, last = 0;
		uint32_t n;

		imap_seqset_iter_init(&it);
		while (imap_seqset_iter_next(s, &it, &n)) {
			if (k > 0 && n <= last)
				abort();
			last = n;
			k++;
		}
		if (k != total)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	imap_seqset_t s = IMAP_SEQSET_INIT, t = IMAP_SEQSET_INIT;
	buf_t out = BUF_INIT;
	uint32_t max;

	if (size < 4 || size > 4096)
		return 0;
	memcpy(&max, data, 4);
	if (imap_seqset_parse(&s, (const char *) data + 4, size - 4) == 0) {
		if (s.saved && s.count != 0)
			abort();
		imap_seqset_resolve(&s, max);
		fuzz_check(&s);
		imap_seqset_format(&s, &out);
		/* "0" only comes from "*" resolved to 0 and does not parse */
		if (s.count > 0 && s.ranges[0].lo > 0) {
			if (imap_seqset_parse(&t, out.data, out.len) != 0 ||
			    t.count != s.count ||
			    memcmp(t.ranges, s.ranges, s.count * sizeof(*s.ranges)) != 0)
				abort();
		}
		imap_seqset_add(&s, max, max / 2);
		fuzz_check(&s);
		imap_seqset_clamp(&s, max / 3, max);
		fuzz_check(&s);
	}
	buf_release(&out);
	imap_seqset_release(&s);
	imap_seqset_release(&t);
	return 0;
}

/* imap_seqset.c - IMAP sequence sets: parsing, resolving "*", ranges
 * (imap_seqset.h).
 *
 * While a "*" is unresolved it is kept as 0, which no number written in
 * a set can be (RFC 3501 nz-number); resolution replaces it, orders each
 * range, then sorts and merges.  Reading functions rely on the merged
 * form: binary search for membership, one pass to format.
 */
#include <stdlib.h>
#include <string.h>

#include "imap_seqset.h"
#include "log.h"
#include "mem.h"

void imap_seqset_init(imap_seqset_t *s)
{
	static const imap_seqset_t empty = IMAP_SEQSET_INIT;

	*s = empty;
}

void imap_seqset_release(imap_seqset_t *s)
{
	mem_free(s->ranges);
	imap_seqset_init(s);
}

static void imap_seqset_push(imap_seqset_t *s, uint32_t lo, uint32_t hi)
{
	if (s->count == s->alloc) {
		s->alloc = s->alloc > 0 ? s->alloc * 2 : 8;
		s->ranges = mem_reallocarray(s->ranges, s->alloc,
					     sizeof(*s->ranges));
	}
	s->ranges[s->count].lo = lo;
	s->ranges[s->count].hi = hi;
	s->count++;
}

/* nz-number (RFC 3501 §9): 1*DIGIT without a leading zero, 32 bits. */
static const char *imap_seqset_number(const char *p, const char *end,
				      uint32_t *n_r)
{
	uint64_t n = 0;

	if (p == end || *p < '1' || *p > '9')
		return NULL;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (uint64_t) (*p - '0');
		if (n > UINT32_MAX)
			return NULL;
	}
	*n_r = (uint32_t) n;
	return p;
}

/* seq-number: nz-number or "*" (kept as 0). */
static const char *imap_seqset_item(imap_seqset_t *s, const char *p,
				    const char *end, uint32_t *n_r)
{
	if (p < end && *p == '*') {
		*n_r = 0;
		s->resolved = 0;
		s->star = 1;
		return p + 1;
	}
	p = imap_seqset_number(p, end, n_r);
	if (p != NULL && *n_r > s->max_explicit)
		s->max_explicit = *n_r;
	return p;
}

static int imap_range_cmp(const void *a, const void *b)
{
	const imap_range_t *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sort and merge overlapping or adjacent ranges (lo <= hi in each). */
static void imap_seqset_normalize(imap_seqset_t *s)
{
	size_t out = 0;

	if (s->count < 2)
		return;
	if (s->count > 1)
		qsort(s->ranges, s->count, sizeof(*s->ranges), imap_range_cmp);
	for (size_t i = 1; i < s->count; i++) {
		imap_range_t *last = &s->ranges[out];

		if ((uint64_t) s->ranges[i].lo <= (uint64_t) last->hi + 1) {
			if (s->ranges[i].hi > last->hi)
				last->hi = s->ranges[i].hi;
		} else {
			s->ranges[++out] = s->ranges[i];
		}
	}
	s->count = out + 1;
}

int imap_seqset_parse(imap_seqset_t *s, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	imap_seqset_release(s);
	if (len == 1 && *text == '$') {
		s->saved = 1;
		return 0;
	}
	for (;;) {
		uint32_t lo, hi;

		if (s->count >= IMAP_SEQSET_ITEMS_MAX ||
		    (p = imap_seqset_item(s, p, end, &lo)) == NULL)
			break;
		hi = lo;
		if (p < end && *p == ':' &&
		    (p = imap_seqset_item(s, p + 1, end, &hi)) == NULL)
			break;
		imap_seqset_push(s, lo, hi);
		if (p == end) {
			if (s->resolved)
				imap_seqset_resolve(s, 0);
			return 0;
		}
		if (*p++ != ',')
			break;
	}
	imap_seqset_release(s);
	return -1;
}

void imap_seqset_resolve(imap_seqset_t *s, uint32_t max)
{
	for (size_t i = 0; i < s->count; i++) {
		imap_range_t *r = &s->ranges[i];

		if (r->lo == 0)
			r->lo = max;
		if (r->hi == 0)
			r->hi = max;
		if (r->lo > r->hi) {
			uint32_t t = r->lo;

			r->lo = r->hi;
			r->hi = t;
		}
	}
	s->resolved = 1;
	imap_seqset_normalize(s);
}

static void imap_seqset_check(const imap_seqset_t *s, const char *fn)
{
	if (!s->resolved)
		log_panic("%s: sequence set with an unresolved *", fn);
}

void imap_seqset_add(imap_seqset_t *s, uint32_t lo, uint32_t hi)
{
	imap_range_t *last;

	imap_seqset_check(s, "imap_seqset_add");
	if (lo > hi) {
		uint32_t t = lo;

		lo = hi;
		hi = t;
	}
	last = s->count > 0 ? &s->ranges[s->count - 1] : NULL;
	/* Ascending additions (UIDs as assigned) stay O(1). */
	if (last == NULL || (uint64_t) lo > (uint64_t) last->hi + 1) {
		imap_seqset_push(s, lo, hi);
	} else if (lo >= last->lo) {
		if (hi > last->hi)
			last->hi = hi;
	} else {
		imap_seqset_push(s, lo, hi);
		imap_seqset_normalize(s);
	}
}

void imap_seqset_clamp(imap_seqset_t *s, uint32_t lo, uint32_t hi)
{
	size_t out = 0;

	imap_seqset_check(s, "imap_seqset_clamp");
	for (size_t i = 0; i < s->count; i++) {
		imap_range_t r = s->ranges[i];

		if (r.hi < lo || r.lo > hi)
			continue;
		if (r.lo < lo)
			r.lo = lo;
		if (r.hi > hi)
			r.hi = hi;
		s->ranges[out++] = r;
	}
	s->count = out;
}

int imap_seqset_contains(const imap_seqset_t *s, uint32_t n)
{
	size_t lo = 0, hi = s->count;

	imap_seqset_check(s, "imap_seqset_contains");
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (n < s->ranges[mid].lo)
			hi = mid;
		else if (n > s->ranges[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

uint64_t imap_seqset_count(const imap_seqset_t *s)
{
	uint64_t n = 0;

	imap_seqset_check(s, "imap_seqset_count");
	for (size_t i = 0; i < s->count; i++)
		n += (uint64_t) s->ranges[i].hi - s->ranges[i].lo + 1;
	return n;
}

void imap_seqset_iter_init(imap_seqset_iter_t *it)
{
	it->i = 0;
	it->next = 0;
}

int imap_seqset_iter_next(const imap_seqset_t *s, imap_seqset_iter_t *it,
			  uint32_t *n_r)
{
	imap_seqset_check(s, "imap_seqset_iter_next");
	if (it->i < s->count && it->next > s->ranges[it->i].hi) {
		it->i++;
		it->next = 0;
	}
	if (it->i >= s->count)
		return 0;
	if (it->next < s->ranges[it->i].lo)
		it->next = s->ranges[it->i].lo;
	*n_r = (uint32_t) it->next++;
	return 1;
}

void imap_seqset_format(const imap_seqset_t *s, buf_t *out)
{
	imap_seqset_check(s, "imap_seqset_format");
	for (size_t i = 0; i < s->count; i++) {
		if (i > 0)
			buf_putc(out, ',');
		if (s->ranges[i].lo == s->ranges[i].hi)
			buf_printf(out, "%u", (unsigned) s->ranges[i].lo);
		else
			buf_printf(out, "%u:%u", (unsigned) s->ranges[i].lo,
				   (unsigned) s->ranges[i].hi);
	}
}

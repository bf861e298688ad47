/* text_match.c - streaming case-insensitive substring search; see
 * text_match.h.
 *
 * The text is decoded and folded one code point at a time, and its folded
 * UTF-8 octets run through a KMP automaton built on the folded needle.
 * Matching octets rather than code points is safe because UTF-8 is
 * self-synchronizing: the needle starts with a lead octet, which never
 * equals a continuation octet, so an octet match starts and ends on code
 * point boundaries of the folded text.
 */
#include <string.h>

#include "mem.h"
#include "text_match.h"
#include "unicase.h"
#include "utf8.h"

struct text_match {
	buf_t needle;		/* folded */
	size_t *fail;		/* KMP: longest proper border of needle[0..i] */
	size_t state;		/* octets of the needle matched so far */
	/* ASCII octets that cannot start a match: skipped in a tight loop
	 * while nothing is matched, which is most of the time. */
	unsigned char skip[128];
	int found;
	unsigned char pend[UTF8_SEQ_MAX];	/* a sequence cut by the piece's end */
	size_t npend;
};

struct text_match *text_match_new(const char *needle, size_t len)
{
	struct text_match *tm = MEM_NEW(struct text_match);
	const unsigned char *p;
	size_t k = 0;

	buf_init(&tm->needle);
	unicase_fold_utf8(needle, len, &tm->needle);
	if (tm->needle.len > TEXT_MATCH_NEEDLE_MAX) {
		text_match_free(&tm);
		return NULL;
	}
	p = (const unsigned char *) buf_str(&tm->needle);
	tm->fail = mem_reallocarray(NULL, tm->needle.len + 1, sizeof(size_t));
	tm->fail[0] = 0;
	for (size_t i = 1; i < tm->needle.len; i++) {
		while (k > 0 && p[i] != p[k])
			k = tm->fail[k - 1];
		if (p[i] == p[k])
			k++;
		tm->fail[i] = k;
	}
	for (int c = 0; c < 128; c++) {
		int folded = c >= 'A' && c <= 'Z' ? c + 32 : c;

		tm->skip[c] = tm->needle.len > 0 && folded != p[0];
	}
	text_match_reset(tm);
	return tm;
}

void text_match_free(struct text_match **tmp)
{
	struct text_match *tm = *tmp;

	if (tm == NULL)
		return;
	buf_release(&tm->needle);
	mem_free(tm->fail);
	MEM_FREE(*tmp);
}

void text_match_reset(struct text_match *tm)
{
	tm->state = 0;
	tm->npend = 0;
	tm->found = tm->needle.len == 0;
}

/* One octet of folded text through the automaton. */
static inline void text_match_octet(struct text_match *tm, unsigned char c)
{
	const unsigned char *p = (const unsigned char *) tm->needle.data;
	size_t q = tm->state;

	while (q > 0 && p[q] != c)
		q = tm->fail[q - 1];
	if (p[q] == c && ++q == tm->needle.len) {
		tm->found = 1;
		q = tm->fail[q - 1];
	}
	tm->state = q;
}

static void text_match_cp(struct text_match *tm, uint32_t cp)
{
	unsigned char seq[UTF8_SEQ_MAX];
	size_t n = utf8_encode(unicase_fold(cp), seq);

	for (size_t i = 0; i < n; i++)
		text_match_octet(tm, seq[i]);
}

int text_match_feed(struct text_match *tm, const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *) text;
	size_t i = 0;
	uint32_t cp;

	if (tm->found)
		return 1;
	if (tm->npend > 0 && len > 0) {
		/* The cut sequence was a well-formed prefix, so whatever the
		 * decoder takes now reaches at least into the new piece. */
		unsigned char seq[2 * UTF8_SEQ_MAX];
		size_t k = len < UTF8_SEQ_MAX ? len : UTF8_SEQ_MAX, n;

		memcpy(seq, tm->pend, tm->npend);
		memcpy(seq + tm->npend, p, k);
		n = utf8_decode(seq, tm->npend + k, &cp);
		if (n == 0) {
			memcpy(tm->pend, seq, tm->npend + k);
			tm->npend += k;
			return 0;
		}
		i = n - tm->npend;
		tm->npend = 0;
		text_match_cp(tm, cp);
	}
	while (i < len && !tm->found) {
		size_t n;

		if (tm->state == 0) {
			while (i < len && p[i] < 0x80 && tm->skip[p[i]])
				i++;
			if (i == len)
				break;
		}
		if (p[i] < 0x80) {
			text_match_octet(tm, p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
			i++;
			continue;
		}
		n = utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			memcpy(tm->pend, p + i, len - i);
			tm->npend = len - i;
			break;
		}
		text_match_cp(tm, cp);
		i += n;
	}
	return tm->found;
}

int text_match_found(const struct text_match *tm)
{
	return tm->found;
}

int text_match_utf8(struct text_match *tm, const char *text, size_t len)
{
	text_match_reset(tm);
	return text_match_feed(tm, text, len);
}

const char *text_match_needle(const struct text_match *tm, size_t *len_r)
{
	*len_r = tm->needle.len;
	return buf_str(&tm->needle);
}

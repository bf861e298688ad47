/* fuzz_text_match.c - libFuzzer target for the streaming case-insensitive
 * matcher (lib/text_match.c) and the folding under it (lib/unicase.c).
 *
 * The first octet gives the needle's length and a piece size; then the
 * needle, then the text (made well-formed UTF-8 first, so that no
 * sequence is cut at its end).  The matcher, fed the text whole and in
 * pieces, must agree with the plain answer: both folded whole by
 * unicase_fold_utf8() and searched with memmem().
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text_match.h"
#include "unicase.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	buf_t text = BUF_INIT, ftext = BUF_INIT, fneedle = BUF_INIT;
	struct text_match *tm;
	size_t nlen, step;
	int plain, whole, pieces;

	if (size < 1 || size > 65536)
		return 0;
	nlen = data[0] & 15;
	step = (size_t) (data[0] >> 4) + 1;
	if (nlen > size - 1)
		nlen = size - 1;
	utf8_sanitize((const char *) data + 1 + nlen, size - 1 - nlen, &text);
	tm = text_match_new((const char *) data + 1, nlen);
	if (tm == NULL)
		abort();
	unicase_fold_utf8((const char *) data + 1, nlen, &fneedle);
	unicase_fold_utf8(buf_str(&text), text.len, &ftext);
	plain = fneedle.len == 0 ||
		memmem(buf_str(&ftext), ftext.len, fneedle.data, fneedle.len) != NULL;
	whole = text_match_utf8(tm, buf_str(&text), text.len);
	text_match_reset(tm);
	for (size_t off = 0; off < text.len; off += step)
		text_match_feed(tm, text.data + off, text.len - off < step ? text.len - off : step);
	pieces = text_match_found(tm);
	if (plain != whole || plain != pieces)
		abort();
	/* Folding is idempotent. */
	buf_reset(&fneedle);
	unicase_fold_utf8(buf_str(&ftext), ftext.len, &fneedle);
	if (fneedle.len != ftext.len || (ftext.len > 0 && memcmp(fneedle.data, ftext.data, ftext.len) != 0))
		abort();
	text_match_free(&tm);
	buf_release(&text);
	buf_release(&ftext);
	buf_release(&fneedle);
	return 0;
}

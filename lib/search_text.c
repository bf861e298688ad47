/* search_text.c - transfer decoding, charset conversion and matching
 * chained for one part body or header value; see search_text.h. */
#include <strings.h>

#include "charset.h"
#include "mem.h"
#include "mime_decode.h"
#include "rfc2047.h"
#include "search_text.h"
#include "text_match.h"

struct search_text {
	struct text_match *match;
	struct mime_decoder decoder;
	struct charset_conv *conv;	/* kept while the charset stays */
	buf_t decoded;			/* one slice after mime_decode */
	buf_t utf8;			/* the same in UTF-8 */
};

struct search_text *search_text_new(const char *needle, size_t len)
{
	struct text_match *tm = text_match_new(needle, len);
	struct search_text *st;

	if (tm == NULL)
		return NULL;
	st = MEM_NEW(struct search_text);
	st->match = tm;
	buf_init(&st->decoded);
	buf_init(&st->utf8);
	mime_decoder_init(&st->decoder, MIME_CTE_IDENTITY);
	return st;
}

void search_text_free(struct search_text **stp)
{
	struct search_text *st = *stp;

	if (st == NULL)
		return;
	text_match_free(&st->match);
	charset_conv_free(&st->conv);
	buf_release(&st->decoded);
	buf_release(&st->utf8);
	MEM_FREE(*stp);
}

void search_text_body_begin(struct search_text *st, const char *cte, const char *charset)
{
	if (charset == NULL)
		charset = "";
	/* A name charset.c refuses is "" there: a new converter then,
	 * which reads UTF-8 all the same. */
	if (st->conv != NULL && strcasecmp(charset_conv_name(st->conv), charset) != 0)
		charset_conv_free(&st->conv);
	if (st->conv == NULL)
		st->conv = charset_conv_new(charset);
	else
		charset_conv_finish(st->conv, &st->utf8);	/* a part left early */
	buf_reset(&st->decoded);
	buf_reset(&st->utf8);
	mime_decoder_init(&st->decoder, mime_cte_parse(cte));
	text_match_reset(st->match);
}

/* Decoded octets to UTF-8 to the matcher; the buffers are emptied. */
static int search_text_match_decoded(struct search_text *st, int end)
{
	charset_conv_feed(st->conv, st->decoded.data, st->decoded.len, &st->utf8);
	if (end)
		charset_conv_finish(st->conv, &st->utf8);
	buf_reset(&st->decoded);
	text_match_feed(st->match, st->utf8.data, st->utf8.len);
	buf_reset(&st->utf8);
	return text_match_found(st->match);
}

int search_text_body_feed(struct search_text *st, const char *octets, size_t len)
{
	for (size_t off = 0; off < len && !text_match_found(st->match); off += SEARCH_TEXT_SLICE) {
		size_t n = len - off < SEARCH_TEXT_SLICE ? len - off : SEARCH_TEXT_SLICE;

		mime_decode_feed(&st->decoder, octets + off, n, &st->decoded);
		search_text_match_decoded(st, 0);
	}
	return text_match_found(st->match);
}

int search_text_body_end(struct search_text *st)
{
	mime_decode_finish(&st->decoder, &st->decoded);
	search_text_match_decoded(st, 1);
	return text_match_found(st->match);
}

int search_text_body(struct search_text *st, const char *cte, const char *charset,
		     const char *body, size_t len)
{
	search_text_body_begin(st, cte, charset);
	search_text_body_feed(st, body, len);
	return search_text_body_end(st);
}

int search_text_header(struct search_text *st, const char *value, size_t len)
{
	int found;

	buf_reset(&st->utf8);
	rfc2047_decode(value, len, &st->utf8);
	found = text_match_utf8(st->match, st->utf8.data, st->utf8.len);
	buf_reset(&st->utf8);
	return found;
}

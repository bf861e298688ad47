/* fuzz_mime_decode.c - libFuzzer target for the streaming transfer-encoding
 * decoders (lib/mime_decode.c), which SEARCH BODY runs on stored message
 * bodies, anyone's input.
 *
 * The first octet picks the encoding and a piece size, the rest is the
 * body.  Checked: decoding never crashes; pieces of that size give the
 * same octets as the whole at once; a feed appends at most its input
 * plus MIME_DECODE_HOLD_MAX octets; and the body's own octets encoded by
 * base64_encode (cut into lines with junk between them) or mime_qp_encode
 * decode back to themselves.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "buf.h"
#include "mime_decode.h"
#include "mime_qp.h"

static void decode(enum mime_cte cte, const char *in, size_t len, size_t step, buf_t *out)
{
	struct mime_decoder d;

	mime_decoder_init(&d, cte);
	for (size_t off = 0; off < len; off += step) {
		size_t n = len - off < step ? len - off : step, before = out->len;

		mime_decode_feed(&d, in + off, n, out);
		if (out->len - before > n + MIME_DECODE_HOLD_MAX)
			abort();
	}
	mime_decode_finish(&d, out);
}

static void check_same(const buf_t *a, const char *b, size_t blen)
{
	if (a->len != blen || (blen > 0 && memcmp(a->data, b, blen) != 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	buf_t whole = BUF_INIT, pieces = BUF_INIT, enc = BUF_INIT, junk = BUF_INIT;
	const char *body;
	enum mime_cte cte;
	size_t len, step;

	if (size < 1 || size > 65536)
		return 0;
	cte = (enum mime_cte) (data[0] % 3);
	step = (size_t) (data[0] >> 2) + 1;
	body = (const char *) data + 1;
	len = size - 1;

	decode(cte, body, len, len > 0 ? len : 1, &whole);
	decode(cte, body, len, step, &pieces);
	check_same(&pieces, whole.data, whole.len);

	base64_encode(body, len, &enc);
	for (size_t i = 0; i < enc.len; i += 1 + step % 76) {
		size_t n = enc.len - i < 1 + step % 76 ? enc.len - i : 1 + step % 76;

		buf_append(&junk, enc.data + i, n);
		buf_puts(&junk, "\r\n \t*.\x80");
	}
	buf_reset(&pieces);
	decode(MIME_CTE_BASE64, junk.data, junk.len, step, &pieces);
	check_same(&pieces, body, len);

	buf_reset(&enc);
	buf_reset(&pieces);
	mime_qp_encode(body, len, &enc);
	decode(MIME_CTE_QP, enc.data, enc.len, step, &pieces);
	check_same(&pieces, body, len);

	buf_release(&whole);
	buf_release(&pieces);
	buf_release(&enc);
	buf_release(&junk);
	return 0;
}

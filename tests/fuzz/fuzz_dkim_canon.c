/* fuzz_dkim_canon.c - libFuzzer target for DKIM's relaxed
 * canonicalizations (lib/dkim_canon.c) and the message splitter that
 * feeds them in smtpd (lib/dkim_msg.c).
 *
 * Differential: the body canonicalization of the stored form, fed whole
 * and in pieces of sizes taken from the input, must equal a plain
 * reference run on smtp_body's wire form of the same octets (what the
 * peer receives and verifies).  A header field's relaxed form must hold
 * no CR or LF but its final CRLF, no two whitespace octets in a row and
 * no upper-case letter before the colon.  The splitter must give the
 * same fields and body hash fed whole and a byte at a time.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dkim_canon.h"
#include "dkim_msg.h"
#include "smtp_body.h"
#include "../unit/dkim_canon_ref.h"

static void collect(void *arg, const char *c, size_t len)
{
	buf_append(arg, c, len);
}

static void split_run(const char *in, size_t len, size_t step, buf_t *fields,
		      buf_t *bh)
{
	dkim_msg_t m;

	dkim_msg_init(&m, 4096);
	for (size_t off = 0; off < len; off += step)
		dkim_msg_update(&m, in + off, len - off < step ? len - off : step);
	(void) dkim_msg_finish(&m, bh);
	dkim_msg_fields(&m, collect, fields);
	dkim_msg_release(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *) data;
	buf_t wire = BUF_INIT, want = BUF_INIT, got = BUF_INIT, h = BUF_INIT;
	buf_t f1 = BUF_INIT, f2 = BUF_INIT, b1 = BUF_INIT, b2 = BUF_INIT;
	smtp_body_t sb;

	if (size > 65536)
		return 0;
	smtp_body_init(&sb, 0);
	smtp_body_encode(&sb, in, size, &wire);
	smtp_body_finish(&sb, &wire);
	ref_relaxed(wire.data, wire.len, &want);
	for (int way = 0; way < 2; way++) {
		dkim_body_t b;
		size_t k = 0;

		buf_reset(&got);
		dkim_body_init(&b);
		for (size_t off = 0; off < size;) {
			size_t n = way == 0 ? size : (size_t) data[k++ % size] % 16 + 1;

			if (n > size - off)
				n = size - off;
			dkim_body_update(&b, in + off, n, &got);
			off += n;
		}
		dkim_body_finish(&b, &got);
		if (got.len != want.len || (got.len && memcmp(got.data, want.data, got.len)))
			abort();
	}
	dkim_canon_header(in, size, &h);
	if (h.len < 3 || memcmp(h.data + h.len - 2, "\r\n", 2) != 0)
		abort();
	{
		int colon = 0;

		for (size_t i = 0; i + 2 < h.len; i++) {
			char c = h.data[i];

			if (c == '\r' || c == '\n' || (c == '\t' && colon))
				abort();
			if (i > 0 && c == ' ' && h.data[i - 1] == ' ' && colon)
				abort();
			if (!colon && c >= 'A' && c <= 'Z')
				abort();
			colon |= c == ':';
		}
	}
	split_run(in, size, size ? size : 1, &f1, &b1);
	split_run(in, size, 1, &f2, &b2);
	if (f1.len != f2.len || (f1.len && memcmp(f1.data, f2.data, f1.len)) ||
	    strcmp(buf_str(&b1), buf_str(&b2)) != 0)
		abort();
	buf_release(&wire);
	buf_release(&want);
	buf_release(&got);
	buf_release(&h);
	buf_release(&f1);
	buf_release(&f2);
	buf_release(&b1);
	buf_release(&b2);
	return 0;
}

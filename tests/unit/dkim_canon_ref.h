/* dkim_canon_ref.h - a plain reference for DKIM's relaxed body
 * canonicalization (RFC 6376 §3.4.4), for the differential checks of
 * test_dkim_canon.c and fuzz_dkim_canon.c: written from the RFC's rules
 * line by line on the CRLF wire form, with none of lib/dkim_canon.c's
 * incremental state, so the two can be compared.  The includer has
 * buf.h included already.
 */
#ifndef TERN_DKIM_CANON_REF_H
#define TERN_DKIM_CANON_REF_H

/* out = the relaxed body of wire[0..len): whitespace runs made one
 * space, trailing whitespace dropped, empty lines at the end dropped. */
static void ref_relaxed(const char *wire, size_t len, buf_t *out)
{
	size_t pos = 0, keep = 0;

	buf_reset(out);
	while (pos < len) {
		size_t end = pos, start = out->len;
		int space = 0;

		while (end + 1 < len && !(wire[end] == '\r' && wire[end + 1] == '\n'))
			end++;
		if (end + 1 >= len)
			end = len;
		for (size_t i = pos; i < end; i++) {
			if (wire[i] == ' ' || wire[i] == '\t') {
				space = 1;
				continue;
			}
			if (space)
				buf_putc(out, ' ');
			space = 0;
			buf_putc(out, wire[i]);
		}
		buf_puts(out, "\r\n");
		if (out->len - start > 2)
			keep = out->len;
		pos = end + 2;
	}
	buf_truncate(out, keep);
}

#endif

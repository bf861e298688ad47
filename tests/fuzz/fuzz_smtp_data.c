/* fuzz_smtp_data.c - libFuzzer target for the DATA and BDAT decoders
 * (lib/smtp_data.c), which smtpd runs on every message a client sends.
 *
 * Differential: the input is decoded whole, one octet at a time, and in
 * pieces of sizes taken from the input, and each result must equal a
 * plain reference written from RFC 5321's definition instead of a state
 * machine: the data is a series of lines each ended by CRLF (a bare CR
 * or LF is content); the line "." ends it; a leading dot is dropped.  Of
 * a last line without its CRLF, the leading dot is dropped and a CR at
 * its very end is held back (it may be the start of a CRLF).  The same
 * for BDAT: the chunks together with every CRLF made LF, whatever the
 * cuts, and a CR at the end of the last chunk kept.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "smtp_data.h"

/* The reference DATA decoder: content into out, octets used returned,
 * *done set. */
static size_t ref_data(const char *in, size_t len, buf_t *out, int *done)
{
	size_t pos = 0;

	*done = 0;
	while (pos < len) {
		size_t end = pos, n;
		const char *l = in + pos;
		int complete = 0;

		while (end < len && !(in[end] == '\r' && end + 1 < len &&
				      in[end + 1] == '\n'))
			end++;
		complete = end < len;
		n = end - pos;
		if (complete && n == 1 && l[0] == '.') {
			*done = 1;
			return end + 2;
		}
		if (n > 0 && l[0] == '.') {
			l++;
			n--;
		}
		if (!complete && n > 0 && l[n - 1] == '\r')
			n--;
		buf_append(out, l, n);
		if (!complete)
			return len;
		buf_putc(out, '\n');
		pos = end + 2;
	}
	return pos;
}

/* Decode in pieces: sizes from steps[] in turn (0 in steps: whole). */
static size_t run_data(const char *in, size_t len, const uint8_t *steps,
		       size_t nsteps, buf_t *out, int *done)
{
	smtp_data_t d;
	size_t off = 0, k = 0;

	smtp_data_init(&d);
	while (off < len && !smtp_data_done(&d)) {
		size_t n = nsteps == 0 ? len - off : (size_t) steps[k++ % nsteps] + 1;

		if (n > len - off)
			n = len - off;
		off += smtp_data_decode(&d, in + off, n, out);
	}
	*done = smtp_data_done(&d);
	return off;
}

static void ref_bdat(const char *in, size_t len, buf_t *out)
{
	for (size_t i = 0; i < len; i++) {
		if (in[i] == '\r' && i + 1 < len && in[i + 1] == '\n')
			continue;
		buf_putc(out, in[i]);
	}
}

static void run_bdat(const char *in, size_t len, const uint8_t *steps,
		     size_t nsteps, buf_t *out)
{
	smtp_bdat_t b;
	size_t off = 0, k = 0;

	smtp_bdat_init(&b);
	while (off < len) {
		size_t n = nsteps == 0 ? len - off : (size_t) steps[k++ % nsteps] % 8 + 1;

		if (n > len - off)
			n = len - off;
		smtp_bdat_decode(&b, in + off, n, out);
		off += n;
	}
	smtp_bdat_finish(&b, out);
}

static int same(const buf_t *a, const buf_t *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t one[] = { 0 };
	const char *in = (const char *) data;
	buf_t want = BUF_INIT, got = BUF_INIT;
	size_t used, u;
	int done, d;

	if (size > 65536)
		return 0;
	used = ref_data(in, size, &want, &done);
	for (int way = 0; way < 3; way++) {
		buf_reset(&got);
		if (way == 0)
			u = run_data(in, size, NULL, 0, &got, &d);
		else if (way == 1)
			u = run_data(in, size, one, 1, &got, &d);
		else
			u = run_data(in, size, data, size < 16 ? size : 16, &got, &d);
		if (u != used || d != done || !same(&want, &got))
			abort();
	}
	buf_reset(&want);
	ref_bdat(in, size, &want);
	for (int way = 0; way < 3; way++) {
		buf_reset(&got);
		if (way == 0)
			run_bdat(in, size, NULL, 0, &got);
		else if (way == 1)
			run_bdat(in, size, one, 1, &got);
		else
			run_bdat(in, size, data, size < 16 ? size : 16, &got);
		if (!same(&want, &got))
			abort();
	}
	buf_release(&want);
	buf_release(&got);
	return 0;
}

/* fuzz_smtp_reply.c - libFuzzer target for the SMTP client's reply parser
 * (lib/smtp_reply.c), which smtp-out runs on everything a remote server
 * sends.
 *
 * The first input octet picks the settings (enhanced codes on or off,
 * small or default limits); the rest is parsed as a series of replies,
 * whole, one octet at a time, and in pieces of sizes taken from the
 * input.  Each way must give the same replies (status, summary, octets
 * used) and every reply must keep the promises of smtp_reply.h: a code of
 * 200-599, at most lines_max lines, no CR, LF or NUL in a line's text, an
 * enhanced code of the reply's class, a status code (smtp_reply_dsn) of
 * the reply's class.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "smtp_reply.h"

/* Parse in[0..len) as replies; each reply's summary and the status and
 * offset it ended at go into log. */
static void run(const char *in, size_t len, int enhanced, size_t line_max,
		size_t lines_max, const uint8_t *steps, size_t nsteps, buf_t *log)
{
	smtp_reply_t r;
	enum smtp_reply_status st = SMTP_REPLY_MORE;
	size_t off = 0, k = 0;

	smtp_reply_init(&r, line_max, lines_max);
	smtp_reply_set_enhanced(&r, enhanced);
	while (off < len && st != SMTP_REPLY_BAD) {
		size_t n = nsteps == 0 ? len - off : (size_t) steps[k++ % nsteps] % 32 + 1;

		if (n > len - off)
			n = len - off;
		off += smtp_reply_feed(&r, in + off, n, &st);
		if (st == SMTP_REPLY_DONE) {
			if (r.code < 200 || r.code > 599 || r.nlines == 0 ||
			    r.nlines > r.lines_max)
				abort();
			if (r.enhanced[0] && r.enhanced[0] != '0' + r.code / 100)
				abort();
			if (smtp_reply_dsn(&r)[0] != (r.code >= 500 ? '5' :
						      r.code >= 400 ? '4' : '2'))
				abort();
			for (size_t i = 0; i < r.nlines; i++) {
				size_t n2;
				const char *s = smtp_reply_line(&r, i, &n2);

				if (memchr(s, '\r', n2) || memchr(s, '\n', n2) ||
				    memchr(s, '\0', n2))
					abort();
			}
			buf_printf(log, "%zu:", off);
			smtp_reply_summary(&r, log);
			buf_putc(log, '\n');
		}
	}
	buf_printf(log, "end %d %zu\n", st, st == SMTP_REPLY_BAD ? 0 : off);
	smtp_reply_release(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t one[] = { 0 };
	buf_t want = BUF_INIT, got = BUF_INIT;
	const char *in;
	int enhanced;
	size_t line_max, lines_max;

	if (size < 1 || size > 65536)
		return 0;
	enhanced = data[0] & 1;
	line_max = data[0] & 2 ? 16 : 0;
	lines_max = data[0] & 4 ? 3 : 0;
	in = (const char *) data + 1;
	size--;
	run(in, size, enhanced, line_max, lines_max, NULL, 0, &want);
	run(in, size, enhanced, line_max, lines_max, one, 1, &got);
	if (want.len != got.len || memcmp(want.data, got.data, want.len) != 0)
		abort();
	buf_reset(&got);
	run(in, size, enhanced, line_max, lines_max, data, size < 16 ? size : 16, &got);
	if (want.len != got.len || memcmp(want.data, got.data, want.len) != 0)
		abort();
	buf_release(&want);
	buf_release(&got);
	return 0;
}

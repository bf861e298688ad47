/* fuzz_smtp_ehlo.c - libFuzzer target for the EHLO capability parser
 * (lib/smtp_ehlo.c), fed what a remote server says it can do.
 *
 * The input is taken as EHLO reply lines, through the reply parser and
 * line by line; both ways must give the same set, only the bits
 * smtp_ehlo.h defines may be set, a SIZE limit only with SIZE, mechanisms
 * only with AUTH, and the same input in upper case must give the same
 * set (keywords and mechanism names are case-insensitive).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "smtp_ehlo.h"
#include "smtp_reply.h"

#define EXT_ALL 0x1ff
#define AUTH_ALL 0x3f

/* Every LF-separated line of in[0..len) but the first. */
static void by_line(const char *in, size_t len, smtp_ehlo_t *e)
{
	size_t pos = 0;
	int first = 1;

	smtp_ehlo_init(e);
	while (pos < len) {
		const char *lf = memchr(in + pos, '\n', len - pos);
		size_t n = lf ? (size_t) (lf - (in + pos)) : len - pos;

		if (!first)
			smtp_ehlo_line(e, in + pos, n);
		first = 0;
		pos += n + 1;
	}
}

static int same(const smtp_ehlo_t *a, const smtp_ehlo_t *b)
{
	return a->ext == b->ext && a->size_max == b->size_max && a->auth == b->auth;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *) data;
	smtp_ehlo_t a, b, c;
	smtp_reply_t r;
	enum smtp_reply_status st;
	buf_t reply = BUF_INIT, upper = BUF_INIT;
	size_t pos = 0, nlines = 0;

	if (size > 16384)
		return 0;
	by_line(in, size, &a);
	if ((a.ext & ~EXT_ALL) || (a.auth & ~AUTH_ALL) ||
	    (a.size_max && !(a.ext & SMTP_EXT_SIZE)) ||
	    (a.auth && !(a.ext & SMTP_EXT_AUTH)))
		abort();
	for (size_t i = 0; i < size; i++)
		buf_putc(&upper, toupper((unsigned char) in[i]));
	by_line(upper.data, upper.len, &b);
	if (!same(&a, &b))
		abort();

	/* The same lines as a reply, when the reply parser takes them. */
	while (pos < size) {
		const char *lf = memchr(in + pos, '\n', size - pos);
		size_t n = lf ? (size_t) (lf - (in + pos)) : size - pos;

		nlines++;
		buf_puts(&reply, "250");
		buf_putc(&reply, pos + n + 1 >= size ? ' ' : '-');
		buf_append(&reply, in + pos, n);
		buf_puts(&reply, "\r\n");
		pos += n + 1;
	}
	smtp_reply_init(&r, 65536, 65536);
	smtp_reply_feed(&r, reply.data, reply.len, &st);
	if (st == SMTP_REPLY_DONE) {
		smtp_ehlo_parse(&c, &r);
		if (r.nlines != nlines || !same(&a, &c))
			abort();
	}
	smtp_reply_release(&r);
	buf_release(&reply);
	buf_release(&upper);
	return 0;
}

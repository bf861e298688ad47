/* mime_wire.c - stored content in its wire form; see mime_wire.h.
 *
 * The reader's position is a stored offset plus one bit (the CR of a line
 * end is out, its LF is owed), which is all the state a wire offset needs:
 * a partial fetch can start or stop between the CR and the LF.
 */
#include <string.h>

#include "mime_wire.h"

size_t mime_wire_size(const char *p, size_t len)
{
	size_t n = len;
	const char *end = p + len, *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t) (end - p))) != NULL) {
		n++;
		p = nl + 1;
	}
	return n;
}

/* Move the reader skip wire octets on (no further than the end). */
static void mime_wire_skip(mime_wire_t *w, size_t skip)
{
	while (skip > 0 && w->i < w->nseg) {
		const mime_wire_seg_t *s = &w->seg[w->i];
		const char *nl;
		size_t run;

		if (w->off >= s->len) {
			w->i++;
			w->off = 0;
			continue;
		}
		nl = memchr(s->p + w->off, '\n', s->len - w->off);
		run = (nl ? (size_t) (nl - s->p) : s->len) - w->off;
		if (skip < run) {
			w->off += skip;
			return;
		}
		w->off += run;
		skip -= run;
		if (nl == NULL || skip == 0)
			continue;
		/* at the stored LF: CR and LF on the wire */
		w->off++;
		if (skip == 1) {
			w->lf_owed = 1;
			return;
		}
		skip -= 2;
	}
}

void mime_wire_init(mime_wire_t *w, const mime_wire_seg_t *seg, size_t nseg,
		    size_t start, size_t max)
{
	size_t total = 0;

	for (size_t i = 0; i < nseg; i++)
		total += mime_wire_size(seg[i].p, seg[i].len);
	w->seg = seg;
	w->nseg = nseg;
	w->i = 0;
	w->off = 0;
	w->lf_owed = 0;
	if (start >= total) {
		w->left = 0;
		w->i = nseg;
		return;
	}
	w->left = total - start < max ? total - start : max;
	mime_wire_skip(w, start);
}

size_t mime_wire_left(const mime_wire_t *w)
{
	return w->left;
}

size_t mime_wire_read(mime_wire_t *w, buf_t *out, size_t max)
{
	size_t done = 0;

	if (max > w->left)
		max = w->left;
	while (done < max) {
		const mime_wire_seg_t *s;
		const char *nl;
		size_t run;

		if (w->lf_owed) {
			buf_putc(out, '\n');
			w->lf_owed = 0;
			done++;
			continue;
		}
		if (w->i >= w->nseg)
			break;
		s = &w->seg[w->i];
		if (w->off >= s->len) {
			w->i++;
			w->off = 0;
			continue;
		}
		nl = memchr(s->p + w->off, '\n', s->len - w->off);
		run = (nl ? (size_t) (nl - s->p) : s->len) - w->off;
		if (run > max - done)
			run = max - done;
		buf_append(out, s->p + w->off, run);
		w->off += run;
		done += run;
		if (done < max && nl != NULL && s->p + w->off == nl) {
			buf_putc(out, '\r');
			w->off++;
			w->lf_owed = 1;
			done++;
		}
	}
	w->left -= done;
	return done;
}

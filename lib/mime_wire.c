/* mime_wire.c - stored content in its wire form; see mime_wire.h.
 *
 * The reader's position is a stored offset plus one bit (the CR of a line
 * end is out, its LF is owed), which is all the state a wire offset needs:
 * a partial fetch can start or stop between the CR and the LF.  Searches
 * for line ends never look further than the octets still wanted, so
 * reading a long body without line ends in small pieces stays linear.
 */
#include <string.h>

#include "mime_wire.h"

static size_t mime_wire_count(const char *p, size_t len, char c)
{
	const char *end = p + len, *hit;
	size_t n = 0;

	while (p < end && (hit = memchr(p, c, (size_t) (end - p))) != NULL) {
		n++;
		p = hit + 1;
	}
	return n;
}

size_t mime_wire_size(const char *p, size_t len)
{
	return len + mime_wire_count(p, len, '\n') + mime_wire_count(p, len, '\r');
}

size_t mime_wire_eol(const char *p, size_t len)
{
	const char *nl = memchr(p, '\n', len);
	size_t lim = nl ? (size_t) (nl - p) : len;
	const char *cr = memchr(p, '\r', lim);

	return cr ? (size_t) (cr - p) : lim;
}

/* Move the reader skip wire octets on (no further than the end). */
static void mime_wire_skip(mime_wire_t *w, size_t skip)
{
	while (skip > 0 && w->i < w->nseg) {
		const mime_wire_seg_t *s = &w->seg[w->i];
		size_t avail, run;

		if (w->off >= s->len) {
			w->i++;
			w->off = 0;
			continue;
		}
		avail = s->len - w->off;
		run = mime_wire_eol(s->p + w->off, avail < skip ? avail : skip);
		if (run > 0) {
			w->off += run;
			skip -= run;
			continue;
		}
		/* a line end: CR and LF on the wire */
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
		size_t avail, room, run;

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
		avail = s->len - w->off;
		room = max - done;
		run = mime_wire_eol(s->p + w->off, avail < room ? avail : room);
		if (run > 0) {
			buf_append(out, s->p + w->off, run);
			w->off += run;
			done += run;
			continue;
		}
		buf_putc(out, '\r');
		w->off++;
		w->lf_owed = 1;
		done++;
	}
	w->left -= done;
	return done;
}

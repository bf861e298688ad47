/* dkim_canon.c - DKIM relaxed canonicalization of a body and of header
 * fields; see dkim_canon.h for the rules and why every CR and LF of the
 * stored form is a line end.
 */
#include <string.h>

#include "dkim_canon.h"

static int dkim_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static int dkim_eol(char c)
{
	return c == '\r' || c == '\n';
}

void dkim_body_init(dkim_body_t *b)
{
	memset(b, 0, sizeof(*b));
}

/*
 * Line ends are held back until a non-blank octet follows them, so that
 * empty lines at the end of the body (and lines that become empty when
 * their trailing whitespace goes) are never written; whitespace is held
 * back until a non-blank octet follows it on the same line, so that
 * trailing whitespace is never written and a run becomes one SP.
 */
void dkim_body_update(dkim_body_t *b, const char *in, size_t len, buf_t *out)
{
	for (size_t i = 0; i < len; i++) {
		char c = in[i];

		if (dkim_eol(c)) {
			b->held_ends++;
			b->held_space = 0;
		} else if (dkim_wsp(c)) {
			b->held_space = 1;
		} else {
			for (; b->held_ends > 0; b->held_ends--)
				buf_append(out, "\r\n", 2);
			if (b->held_space)
				buf_putc(out, ' ');
			b->held_space = 0;
			buf_putc(out, c);
			b->started = 1;
		}
	}
}

void dkim_body_finish(dkim_body_t *b, buf_t *out)
{
	if (b->started)
		buf_append(out, "\r\n", 2);
	b->held_ends = 0;
	b->held_space = 0;
}

void dkim_canon_header(const char *field, size_t len, buf_t *out)
{
	const char *colon = memchr(field, ':', len);
	size_t name_len = colon ? (size_t) (colon - field) : len;
	int space = 0, any = 0;

	while (name_len > 0 && (dkim_wsp(field[name_len - 1]) ||
				dkim_eol(field[name_len - 1])))
		name_len--;
	for (size_t i = 0; i < name_len; i++) {
		char c = field[i];

		if (dkim_eol(c))
			continue;
		buf_putc(out, c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	buf_putc(out, ':');
	if (colon != NULL) {
		for (const char *p = colon + 1; p < field + len; p++) {
			if (dkim_eol(*p))
				continue;	/* unfolding */
			if (dkim_wsp(*p)) {
				space = 1;
				continue;
			}
			if (space && any)
				buf_putc(out, ' ');
			space = 0;
			any = 1;
			buf_putc(out, *p);
		}
	}
	buf_append(out, "\r\n", 2);
}

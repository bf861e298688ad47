/* smtp_reply.c - the reply parser of smtp_reply.h (RFC 5321 §4.2, RFC
 * 2034 §4, RFC 3463 §2).
 *
 * Octets are gathered into one line at a time (bounded by line_max, so a
 * server that never sends a line end cannot grow it); each complete line
 * is checked and its text added to the reply.
 */
#include <string.h>

#include "mem.h"
#include "smtp_reply.h"

void smtp_reply_init(smtp_reply_t *r, size_t line_max, size_t lines_max)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->text);
	buf_init(&r->line);
	r->line_max = line_max ? line_max : SMTP_REPLY_LINE_MAX;
	r->lines_max = lines_max ? lines_max : SMTP_REPLY_LINES_MAX;
	r->status = SMTP_REPLY_MORE;
}

void smtp_reply_release(smtp_reply_t *r)
{
	buf_release(&r->text);
	buf_release(&r->line);
	mem_free(r->offs);
	r->offs = NULL;
	r->offs_size = 0;
}

void smtp_reply_set_enhanced(smtp_reply_t *r, int on)
{
	r->enhanced_on = on;
}

static void smtp_reply_start(smtp_reply_t *r)
{
	r->code = 0;
	r->enhanced[0] = '\0';
	r->nlines = 0;
	r->error = NULL;
	buf_reset(&r->text);
	buf_reset(&r->line);
	r->status = SMTP_REPLY_MORE;
}

static int smtp_reply_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* An enhanced status code of class cls at the start of s[0..len): its
 * length (followed by a space or the end), or 0. */
static size_t smtp_reply_enhanced_len(const char *s, size_t len, char cls)
{
	size_t i = 0;

	if (len < 5 || s[0] != cls || s[1] != '.')
		return 0;
	i = 2;
	for (int part = 0; part < 2; part++) {
		size_t start = i;

		while (i < len && i - start < 4 && smtp_reply_digit(s[i]))
			i++;
		if (i == start || i - start > 3)
			return 0;
		if (part == 0) {
			if (i >= len || s[i] != '.')
				return 0;
			i++;
		}
	}
	return i == len || s[i] == ' ' ? i : 0;
}

static enum smtp_reply_status smtp_reply_bad(smtp_reply_t *r, const char *why)
{
	r->error = why;
	r->status = SMTP_REPLY_BAD;
	return r->status;
}

/* One complete line (its LF taken off) into the reply. */
static enum smtp_reply_status smtp_reply_line_add(smtp_reply_t *r,
						  const char *s, size_t len)
{
	const char *text;
	size_t tlen, elen;
	int code;

	if (len > 0 && s[len - 1] == '\r')
		len--;
	if (memchr(s, '\0', len) != NULL || memchr(s, '\r', len) != NULL)
		return smtp_reply_bad(r, "control character in reply");
	if (len < 3 || s[0] < '2' || s[0] > '5' || !smtp_reply_digit(s[1]) ||
	    !smtp_reply_digit(s[2]) || (len > 3 && s[3] != '-' && s[3] != ' '))
		return smtp_reply_bad(r, "no reply code");
	code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	if (r->nlines == 0)
		r->code = code;
	else if (code != r->code)
		return smtp_reply_bad(r, "reply code changes within a reply");
	if (r->nlines == r->lines_max)
		return smtp_reply_bad(r, "too many reply lines");

	text = len > 3 ? s + 4 : s + 3;
	tlen = len > 3 ? len - 4 : 0;
	if (r->enhanced_on && s[0] != '3' &&
	    (elen = smtp_reply_enhanced_len(text, tlen, s[0])) > 0) {
		if (r->nlines == 0) {
			memcpy(r->enhanced, text, elen);
			r->enhanced[elen] = '\0';
		}
		while (elen < tlen && text[elen] == ' ')
			elen++;
		text += elen;
		tlen -= elen;
	}
	if (r->nlines == r->offs_size) {
		r->offs_size = r->offs_size ? 2 * r->offs_size : 8;
		r->offs = mem_reallocarray(r->offs, r->offs_size, sizeof(*r->offs));
	}
	r->offs[r->nlines++] = r->text.len;
	buf_append(&r->text, text, tlen);
	buf_putc(&r->text, '\n');
	return len > 3 && s[3] == '-' ? SMTP_REPLY_MORE : SMTP_REPLY_DONE;
}

size_t smtp_reply_feed(smtp_reply_t *r, const char *in, size_t len,
		       enum smtp_reply_status *status_r)
{
	size_t i = 0;

	if (r->status == SMTP_REPLY_DONE)
		smtp_reply_start(r);
	while (i < len && r->status == SMTP_REPLY_MORE) {
		const char *lf = memchr(in + i, '\n', len - i);
		size_t n = lf ? (size_t) (lf - (in + i)) + 1 : len - i;

		if (r->line.len + n > r->line_max) {
			smtp_reply_bad(r, "reply line too long");
			break;
		}
		buf_append(&r->line, in + i, n);
		i += n;
		if (lf == NULL)
			break;
		r->status = smtp_reply_line_add(r, r->line.data, r->line.len - 1);
		buf_reset(&r->line);
	}
	*status_r = r->status;
	return i;
}

const char *smtp_reply_line(const smtp_reply_t *r, size_t i, size_t *len_r)
{
	size_t end = i + 1 < r->nlines ? r->offs[i + 1] : r->text.len;

	*len_r = end - r->offs[i] - 1;
	return r->text.data + r->offs[i];
}

const char *smtp_reply_dsn(const smtp_reply_t *r)
{
	if (r->enhanced[0])
		return r->enhanced;
	return r->code >= 500 ? "5.0.0" : r->code >= 400 ? "4.0.0" : "2.0.0";
}

void smtp_reply_summary(const smtp_reply_t *r, buf_t *out)
{
	buf_printf(out, "%03d", r->code);
	if (r->enhanced[0])
		buf_printf(out, " %s", r->enhanced);
	for (size_t i = 0; i < r->nlines; i++) {
		size_t n;
		const char *s = smtp_reply_line(r, i, &n);

		if (n > 0) {
			buf_putc(out, ' ');
			buf_append(out, s, n);
		}
	}
}

/* mime_downgrade.c - the 8-bit to 7-bit conversion of mime_downgrade.h
 * (RFC 6152 §3, RFC 2045 §5, §6, RFC 2046 §5).
 *
 * The message is in memory; an entity is a range of it (header and
 * body), converted by a recursive walk whose depth is bounded.  Header
 * fields are found with header.h; only Content-Type (type, subtype and
 * the boundary parameter) and Content-Transfer-Encoding are parsed.
 */
#include <string.h>

#include "header.h"
#include "mime_downgrade.h"
#include "mime_qp.h"

/* The longest boundary taken: RFC 2046 §5.1.1 allows 70, senders send
 * longer ones. */
#define MIME_BOUNDARY_MAX 200

typedef struct mime_type {
	char type[32];		/* lower case, "" when unknown */
	char subtype[64];
	char boundary[MIME_BOUNDARY_MAX + 1];	/* "" when none */
} mime_type_t;

typedef struct mime_walk {
	buf_t *out;
	const char *err;
	int changed;
	buf_t value;		/* scratch for unfolded field values */
} mime_walk_t;

int mime_has_8bit(const char *msg, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char) msg[i] & 0x80)
			return 1;
	}
	return 0;
}

/* RFC 2045 §5.1 tspecials, and the token characters around them. */
static int mime_token_char(char c)
{
	return c > 32 && c < 127 && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* Skip blanks and (nested) comments. */
static size_t mime_skip_cfws(const char *s, size_t len, size_t i)
{
	int depth = 0;

	for (; i < len; i++) {
		if (depth > 0 && s[i] == '\\' && i + 1 < len)
			i++;
		else if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && depth > 0)
			depth--;
		else if (depth == 0 && s[i] != ' ' && s[i] != '\t')
			break;
	}
	return i;
}

/* A token at s[*i], lower-cased into out[0..size) (cut when longer):
 * its length, 0 when there is none. */
static size_t mime_token(const char *s, size_t len, size_t *i, char *out,
			 size_t size)
{
	size_t start = *i, n = 0;

	while (*i < len && mime_token_char(s[*i])) {
		char c = s[*i];

		if (n + 1 < size)
			out[n++] = c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
		(*i)++;
	}
	if (size > 0)
		out[n] = '\0';
	return *i - start;
}

/* type "/" subtype *(";" attribute "=" value), RFC 2045 §5.1; only the
 * boundary is kept of the parameters.  A value that does not parse
 * leaves type "" (text/plain by §5.2). */
static void mime_parse_type(const char *s, size_t len, mime_type_t *t)
{
	size_t i = mime_skip_cfws(s, len, 0);

	memset(t, 0, sizeof(*t));
	if (mime_token(s, len, &i, t->type, sizeof(t->type)) == 0 ||
	    (i = mime_skip_cfws(s, len, i)) >= len || s[i] != '/' ||
	    (i = mime_skip_cfws(s, len, i + 1),
	     mime_token(s, len, &i, t->subtype, sizeof(t->subtype)) == 0)) {
		memset(t, 0, sizeof(*t));
		return;
	}
	for (;;) {
		char name[16], val[MIME_BOUNDARY_MAX + 2];
		size_t n = 0;

		i = mime_skip_cfws(s, len, i);
		if (i >= len || s[i] != ';')
			return;
		i = mime_skip_cfws(s, len, i + 1);
		if (mime_token(s, len, &i, name, sizeof(name)) == 0)
			return;
		i = mime_skip_cfws(s, len, i);
		if (i >= len || s[i] != '=')
			return;
		i = mime_skip_cfws(s, len, i + 1);
		if (i < len && s[i] == '"') {
			for (i++; i < len && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < len)
					i++;
				if (n < sizeof(val) - 1)
					val[n++] = s[i];
			}
			if (i >= len)
				return;
			i++;
		} else {
			while (i < len && mime_token_char(s[i])) {
				if (n < sizeof(val) - 1)
					val[n++] = s[i];
				i++;
			}
		}
		val[n] = '\0';
		if (strcmp(name, "boundary") == 0 && t->boundary[0] == '\0' &&
		    n > 0 && n <= MIME_BOUNDARY_MAX)
			memcpy(t->boundary, val, n + 1);
	}
}

/* The header of p[0..len): *body_r where the body starts, the parsed
 * Content-Type (type "" when none), the transfer encoding token ("" when
 * none), and whether MIME-Version is there.  -1 for 8-bit octets in a
 * field. */
static int mime_header(mime_walk_t *w, const char *p, size_t len, size_t *body_r,
		       mime_type_t *ct, char *cte, size_t cte_size, int *mv_r)
{
	header_field_t f;
	size_t pos = 0;
	int have_ct = 0, have_cte = 0;

	memset(ct, 0, sizeof(*ct));
	cte[0] = '\0';
	*mv_r = 0;
	while (header_next(p, len, &pos, &f)) {
		if (mime_has_8bit(f.start, f.len)) {
			w->err = "8-bit octets in a header field";
			return -1;
		}
		if (header_is(&f, "Content-Type") && !have_ct) {
			have_ct = 1;
			header_value(&f, &w->value);
			mime_parse_type(w->value.data, w->value.len, ct);
		} else if (header_is(&f, "Content-Transfer-Encoding") && !have_cte) {
			size_t i;

			have_cte = 1;
			header_value(&f, &w->value);
			i = mime_skip_cfws(w->value.data, w->value.len, 0);
			mime_token(w->value.data, w->value.len, &i, cte, cte_size);
			if (cte[0] == '\0')
				memcpy(cte, "?", 2);	/* a field with no token */
		} else if (header_is(&f, "MIME-Version")) {
			*mv_r = 1;
		}
	}
	*body_r = pos;
	return 0;
}

/* Copy the header p[0..body) with Content-Transfer-Encoding set to cte
 * (in the place of the first such field, others dropped, or added at the
 * end) and, when add_mv, MIME-Version added.  blank: the body will be
 * re-encoded, so a header that ends at the first line that is no field
 * gets its blank line (an encoded line could look like a field). */
static void mime_header_write(mime_walk_t *w, const char *p, size_t body,
			      const char *cte, int add_mv, int blank)
{
	header_field_t f;
	size_t pos = 0, end = 0;
	int done = 0;

	while (header_next(p, body, &pos, &f)) {
		end = pos;
		if (header_is(&f, "Content-Transfer-Encoding")) {
			if (!done)
				buf_printf(w->out, "Content-Transfer-Encoding: %s\n", cte);
			done = 1;
			continue;
		}
		buf_append(w->out, f.start, f.len);
		if (f.start[f.len - 1] != '\n')
			buf_putc(w->out, '\n');
	}
	if (add_mv)
		buf_puts(w->out, "MIME-Version: 1.0\n");
	if (!done)
		buf_printf(w->out, "Content-Transfer-Encoding: %s\n", cte);
	buf_append(w->out, p + end, body - end);
	if (blank && body == end)
		buf_putc(w->out, '\n');
}

static int mime_entity(mime_walk_t *w, const char *p, size_t len, int message,
		       int digest, int depth);

/* Is the line s[0..n) (LF excluded) a delimiter of boundary b: 1, 2 for
 * the close delimiter, 0 not.  RFC 2046 §5.1.1: "--" boundary ["--"],
 * then only white space. */
static int mime_delimiter(const char *s, size_t n, const char *b)
{
	size_t bl = strlen(b), i;
	int close = 0;

	if (n < bl + 2 || s[0] != '-' || s[1] != '-' || memcmp(s + 2, b, bl) != 0)
		return 0;
	i = bl + 2;
	if (i + 1 < n && s[i] == '-' && s[i + 1] == '-') {
		close = 1;
		i += 2;
	}
	for (; i < n; i++) {
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	}
	return close ? 2 : 1;
}

/* The body of a multipart: each part converted, the rest copied. */
static int mime_multipart(mime_walk_t *w, const char *b, size_t len,
			  const char *boundary, int digest, int depth)
{
	size_t pos = 0, part = 0;
	int in_parts = 0;

	while (pos < len) {
		const char *lf = memchr(b + pos, '\n', len - pos);
		size_t next = lf ? (size_t) (lf - b) + 1 : len;
		int d = mime_delimiter(b + pos, (lf ? next - 1 : next) - pos, boundary);

		if (d == 0) {
			pos = next;
			continue;
		}
		if (!in_parts) {
			if (mime_has_8bit(b, pos)) {
				w->err = "8-bit octets in a multipart preamble";
				return -1;
			}
			buf_append(w->out, b, pos);
		} else if (pos > part) {
			/* the LF before a delimiter belongs to it */
			if (mime_entity(w, b + part, pos - 1 - part, 0, digest, depth) < 0)
				return -1;
			buf_putc(w->out, '\n');
		}
		buf_append(w->out, b + pos, next - pos);
		in_parts = 1;
		pos = part = next;
		if (d == 2) {
			if (mime_has_8bit(b + pos, len - pos)) {
				w->err = "8-bit octets in a multipart epilogue";
				return -1;
			}
			buf_append(w->out, b + pos, len - pos);
			return 0;
		}
	}
	if (!in_parts) {
		w->err = "8-bit multipart without its boundary";
		return -1;
	}
	return mime_entity(w, b + part, len - part, 0, digest, depth);
}

/* One entity p[0..len): a message (message: its header may need
 * MIME-Version) or a body part (digest: in a multipart/digest). */
static int mime_entity(mime_walk_t *w, const char *p, size_t len, int message,
		       int digest, int depth)
{
	mime_type_t ct;
	char cte[32];
	size_t body;
	int mv, is_7bit_label;

	if (!mime_has_8bit(p, len)) {
		buf_append(w->out, p, len);
		return 0;
	}
	if (depth >= MIME_DOWNGRADE_DEPTH) {
		w->err = "MIME parts nested too deeply";
		return -1;
	}
	if (mime_header(w, p, len, &body, &ct, cte, sizeof(cte), &mv) < 0)
		return -1;
	if (ct.type[0] == '\0') {
		strcpy(ct.type, digest ? "message" : "text");
		strcpy(ct.subtype, digest ? "rfc822" : "plain");
	}
	is_7bit_label = cte[0] == '\0' || strcmp(cte, "7bit") == 0 ||
			strcmp(cte, "8bit") == 0;
	if (!is_7bit_label) {
		w->err = strcmp(cte, "binary") == 0 ? "binary content" :
			 strcmp(cte, "quoted-printable") == 0 || strcmp(cte, "base64") == 0 ?
			 "8-bit octets in an encoded body" : "unknown transfer encoding";
		return -1;
	}
	w->changed = 1;
	if (strcmp(ct.type, "multipart") == 0) {
		if (ct.boundary[0] == '\0') {
			w->err = "multipart without a boundary";
			return -1;
		}
		if (strcmp(cte, "8bit") == 0)
			mime_header_write(w, p, body, "7bit", 0, 0);
		else
			buf_append(w->out, p, body);
		return mime_multipart(w, p + body, len - body, ct.boundary,
				      strcmp(ct.subtype, "digest") == 0, depth + 1);
	}
	if (strcmp(ct.type, "message") == 0) {
		if (strcmp(ct.subtype, "rfc822") != 0) {
			w->err = strcmp(ct.subtype, "global") == 0 ?
				 "message/global needs SMTPUTF8" :
				 "8-bit octets in a message part not message/rfc822";
			return -1;
		}
		if (strcmp(cte, "8bit") == 0)
			mime_header_write(w, p, body, "7bit", 0, 0);
		else
			buf_append(w->out, p, body);
		return mime_entity(w, p + body, len - body, 1, 0, depth + 1);
	}
	mime_header_write(w, p, body, "quoted-printable", message && !mv, 1);
	mime_qp_encode(p + body, len - body, w->out);
	return 0;
}

int mime_downgrade(const char *msg, size_t len, buf_t *out, const char **err_r)
{
	mime_walk_t w;
	int r;

	memset(&w, 0, sizeof(w));
	w.out = out;
	buf_init(&w.value);
	r = mime_entity(&w, msg, len, 1, 0, 0);
	buf_release(&w.value);
	if (r < 0) {
		*err_r = w.err;
		return -1;
	}
	return w.changed;
}

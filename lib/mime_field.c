/* mime_field.c - header fields and Content-* values; see mime_field.h.
 *
 * The value lexer works on the raw value (folding included): CR and LF
 * count as white space, comments nest by a counter (no recursion), and a
 * quoted-pair or quoted-string that runs off the end stops there.
 */
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mem.h"
#include "mime_field.h"
#include "mime_wire.h"

/* A line with its line end (CR or LF, mime_wire.h). */
static size_t mime_field_line_len(const char *p, size_t left)
{
	size_t n = mime_wire_eol(p, left);

	return n < left ? n + 1 : left;
}

int mime_field_next(const char *hdr, size_t len, size_t *pos, mime_field_t *f)
{
	size_t p = *pos, n, end, i;

	if (p >= len)
		return 0;
	n = mime_field_line_len(hdr + p, len - p);
	if (hdr[p] == '\n' || hdr[p] == '\r') {
		*pos = p + n;
		return 0;
	}
	end = p + n;
	while (end < len && (hdr[end] == ' ' || hdr[end] == '\t'))
		end += mime_field_line_len(hdr + end, len - end);
	f->start = hdr + p;
	f->len = end - p;
	f->name = hdr + p;
	/* field-name = 1*ftext (RFC 5322 §3.6.8); obs-optional lets white
	 * space stand before the colon (§4.5.8). */
	for (i = p; i < end; i++) {
		unsigned char c = (unsigned char) hdr[i];

		if (c == ':' || c < 33 || c > 126)
			break;
	}
	f->name_len = i - p;
	while (i < end && (hdr[i] == ' ' || hdr[i] == '\t'))
		i++;
	if (f->name_len == 0 || i >= end || hdr[i] != ':') {
		f->name_len = 0;
		f->value = f->start;
		f->value_len = f->len;
	} else {
		f->value = hdr + i + 1;
		f->value_len = end - (i + 1);
	}
	if (f->value_len > 0 && (f->value[f->value_len - 1] == '\n' ||
				 f->value[f->value_len - 1] == '\r'))
		f->value_len--;
	*pos = end;
	return 1;
}

int mime_field_is_n(const mime_field_t *f, const char *name, size_t n)
{
	return f->name_len > 0 && f->name_len == n &&
	       strncasecmp(f->name, name, n) == 0;
}

int mime_field_is(const mime_field_t *f, const char *name)
{
	return mime_field_is_n(f, name, strlen(name));
}

char *mime_field_unfold(const mime_field_t *f, size_t max)
{
	const char *v = f->value;
	size_t n = f->value_len, i = 0;
	buf_t out = BUF_INIT;

	while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' || v[i] == '\n'))
		i++;
	for (; i < n && out.len < max; i++)
		if (v[i] != '\n' && v[i] != '\r')
			buf_putc(&out, v[i]);
	while (out.len > 0 && (out.data[out.len - 1] == ' ' || out.data[out.len - 1] == '\t'))
		buf_truncate(&out, out.len - 1);
	return buf_steal(&out);
}

/* Skip white space, line ends and comments from i. */
static size_t mime_field_cfws(const char *s, size_t len, size_t i)
{
	unsigned int depth = 0;

	while (i < len) {
		char c = s[i];

		if (depth > 0) {
			if (c == '\\')
				i++;
			else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			i++;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			i++;
		} else if (c == '(') {
			depth = 1;
			i++;
		} else {
			break;
		}
	}
	return i < len ? i : len;
}

/* RFC 2045 §5.1 token: not SP, CTL, DEL or tspecials; 8-bit allowed. */
static int mime_field_token_char(unsigned char c)
{
	return c > 0x20 && c != 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* A parameter value unquoted: any octet but white space, CTL, ";", '"'
 * and "(" (real mail has "/", "=", "?" in unquoted values). */
static int mime_field_value_char(unsigned char c)
{
	return c > 0x20 && c != 0x7f && c != ';' && c != '"' && c != '(';
}

static char *mime_field_take(const char *s, size_t n)
{
	return mem_strndup(s, n < MIME_MAX_VALUE ? n : MIME_MAX_VALUE);
}

/* A quoted-string at s[*i] == '"': its content, quoted-pairs undone and
 * folding removed; *i after the closing quote (or at the end). */
static char *mime_field_quoted(const char *s, size_t len, size_t *i)
{
	buf_t out = BUF_INIT;
	size_t j = *i + 1;

	for (; j < len && s[j] != '"'; j++) {
		char c = s[j];

		if (c == '\\' && j + 1 < len)
			c = s[++j];
		else if (c == '\r' || c == '\n')
			continue;
		if (out.len < MIME_MAX_VALUE)
			buf_putc(&out, c);
	}
	*i = j < len ? j + 1 : len;
	return buf_steal(&out);
}

/* Skip to the next ';' outside quoted strings and comments. */
static size_t mime_field_resync(const char *s, size_t len, size_t i)
{
	while (i < len && s[i] != ';') {
		if (s[i] == '"') {
			mem_free(mime_field_quoted(s, len, &i));
		} else if (s[i] == '(') {
			i = mime_field_cfws(s, len, i);
		} else {
			i++;
		}
	}
	return i;
}

static size_t mime_field_token_len(const char *s, size_t len, size_t i)
{
	size_t j = i;

	while (j < len && mime_field_token_char((unsigned char) s[j]))
		j++;
	return j - i;
}

/* *(";" attribute "=" value) from i. */
static void mime_field_params(const char *s, size_t len, size_t i,
			      mime_param_t **params_r, unsigned int *n_r)
{
	mime_param_t *params = NULL;
	unsigned int n = 0;

	for (;;) {
		size_t name, name_len, vlen;
		char *value;

		i = mime_field_cfws(s, len, i);
		if (i >= len)
			break;
		if (s[i] != ';') {
			i = mime_field_resync(s, len, i);
			continue;
		}
		i = mime_field_cfws(s, len, i + 1);
		name = i;
		name_len = mime_field_token_len(s, len, i);
		i = mime_field_cfws(s, len, i + name_len);
		if (name_len == 0 || i >= len || s[i] != '=')
			continue;
		i = mime_field_cfws(s, len, i + 1);
		if (i < len && s[i] == '"') {
			value = mime_field_quoted(s, len, &i);
		} else {
			for (vlen = 0; i + vlen < len &&
			     mime_field_value_char((unsigned char) s[i + vlen]); vlen++)
				;
			value = mime_field_take(s + i, vlen);
			i += vlen;
		}
		if (n >= MIME_MAX_PARAMS) {
			mem_free(value);
			continue;
		}
		params = mem_reallocarray(params, n + 1, sizeof(*params));
		params[n].name = mime_field_take(s + name, name_len);
		params[n].value = value;
		n++;
	}
	*params_r = params;
	*n_r = n;
}

int mime_field_content_type(const char *v, size_t len, char **type_r,
			    char **subtype_r, mime_param_t **params_r,
			    unsigned int *nparams_r)
{
	size_t i, t, tlen, st, stlen;

	t = mime_field_cfws(v, len, 0);
	tlen = mime_field_token_len(v, len, t);
	i = mime_field_cfws(v, len, t + tlen);
	if (tlen == 0 || i >= len || v[i] != '/')
		return -1;
	st = mime_field_cfws(v, len, i + 1);
	stlen = mime_field_token_len(v, len, st);
	if (stlen == 0)
		return -1;
	*type_r = mime_field_take(v + t, tlen);
	*subtype_r = mime_field_take(v + st, stlen);
	mime_field_params(v, len, st + stlen, params_r, nparams_r);
	return 0;
}

int mime_field_disposition(const char *v, size_t len, char **disp_r,
			   mime_param_t **params_r, unsigned int *nparams_r)
{
	size_t t = mime_field_cfws(v, len, 0);
	size_t tlen = mime_field_token_len(v, len, t);

	if (tlen == 0)
		return -1;
	*disp_r = mime_field_take(v + t, tlen);
	mime_field_params(v, len, t + tlen, params_r, nparams_r);
	return 0;
}

char *mime_field_token(const char *v, size_t len)
{
	size_t t = mime_field_cfws(v, len, 0);
	size_t tlen = mime_field_token_len(v, len, t);

	return tlen == 0 ? NULL : mime_field_take(v + t, tlen);
}

char **mime_field_languages(const char *v, size_t len, unsigned int *n_r)
{
	char **tags = NULL;
	unsigned int n = 0;
	size_t i = 0;

	while (i < len) {
		size_t tlen;

		i = mime_field_cfws(v, len, i);
		tlen = mime_field_token_len(v, len, i);
		if (tlen > 0 && n < MIME_MAX_LANGUAGES) {
			tags = mem_reallocarray(tags, n + 1, sizeof(*tags));
			tags[n++] = mime_field_take(v + i, tlen);
		}
		i = mime_field_cfws(v, len, i + tlen);
		/* anything else up to the next comma is not a tag */
		while (i < len && v[i] != ',')
			i++;
		if (i < len)
			i++;
	}
	*n_r = n;
	return tags;
}

void mime_params_free(mime_param_t **params, unsigned int n)
{
	if (*params == NULL)
		return;
	for (unsigned int i = 0; i < n; i++) {
		mem_free((*params)[i].name);
		mem_free((*params)[i].value);
	}
	MEM_FREE(*params);
}

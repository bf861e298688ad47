/* header.c - header field scanning; see header.h. */
#include <string.h>
#include <strings.h>

#include "header.h"

size_t header_line_name_len(const char *line, size_t len)
{
	size_t i;

	/* field-name = 1*ftext, ftext = %d33-57 / %d59-126 (RFC 5322 §3.6.8) */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char) line[i];

		if (c == ':')
			return i;
		if (c < 33 || c > 126)
			return 0;
	}
	return 0;
}

int header_line_is(const char *line, size_t len, const char *name)
{
	size_t n = header_line_name_len(line, len);

	return n > 0 && n == strlen(name) && strncasecmp(line, name, n) == 0;
}

static size_t header_line_len(const char *p, size_t left)
{
	const char *nl = memchr(p, '\n', left);

	return nl ? (size_t) (nl - p) + 1 : left;
}

int header_next(const char *data, size_t len, size_t *pos, header_field_t *f)
{
	size_t p = *pos, n, name_len, end;

	if (p >= len)
		return 0;
	n = header_line_len(data + p, len - p);
	if (data[p] == '\n' || (data[p] == '\r' && n == 2 && data[p + 1] == '\n')) {
		*pos = p + n;		/* the blank line belongs to neither part */
		return 0;
	}
	name_len = header_line_name_len(data + p, n);
	if (name_len == 0)
		return 0;
	end = p + n;
	while (end < len && (data[end] == ' ' || data[end] == '\t'))
		end += header_line_len(data + end, len - end);
	f->start = data + p;
	f->len = end - p;
	f->name = data + p;
	f->name_len = name_len;
	f->value = data + p + name_len + 1;
	f->value_len = end - (p + name_len + 1);
	while (f->value_len && (f->value[f->value_len - 1] == '\n' ||
				f->value[f->value_len - 1] == '\r'))
		f->value_len--;
	*pos = end;
	return 1;
}

int header_is(const header_field_t *f, const char *name)
{
	return f->name_len == strlen(name) && strncasecmp(f->name, name, f->name_len) == 0;
}

void header_value(const header_field_t *f, buf_t *out)
{
	size_t i = 0, n = f->value_len;

	buf_reset(out);
	while (i < n && (f->value[i] == ' ' || f->value[i] == '\t'))
		i++;
	for (; i < n; i++)
		if (f->value[i] != '\r' && f->value[i] != '\n')
			buf_putc(out, f->value[i]);
	while (out->len && (out->data[out->len - 1] == ' ' || out->data[out->len - 1] == '\t'))
		buf_truncate(out, out->len - 1);
}

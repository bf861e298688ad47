/* mime_section.c - FETCH sections as stored segments; see
 * mime_section.h. */
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mem.h"
#include "mime_section.h"

int mime_section_parse(const char *s, size_t len, mime_section_spec_t *spec,
		       size_t *used_r)
{
	static const struct {
		const char *word;
		mime_section_kind_t kind;
	} words[] = {
		{ "HEADER.FIELDS.NOT", MIME_SECTION_HEADER_FIELDS_NOT },
		{ "HEADER.FIELDS", MIME_SECTION_HEADER_FIELDS },
		{ "HEADER", MIME_SECTION_HEADER },
		{ "TEXT", MIME_SECTION_TEXT },
		{ "MIME", MIME_SECTION_MIME },
	};
	size_t i = 0;

	memset(spec, 0, sizeof(*spec));
	spec->kind = MIME_SECTION_PART;
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		unsigned long n = 0;

		if (s[i] == '0' || spec->nparts >= MIME_SECTION_MAX_PARTS)
			return -1;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			n = n * 10 + (unsigned long) (s[i] - '0');
			if (n > 0x7fffffffUL)
				return -1;
		}
		spec->parts[spec->nparts++] = (unsigned int) n;
		if (i >= len || s[i] != '.') {
			*used_r = i;
			return 0;
		}
		i++;
		if (i >= len)
			return -1;
	}
	if (i == len && spec->nparts == 0) {
		*used_r = i;
		return 0;
	}
	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		size_t wl = strlen(words[w].word);

		if (len - i < wl || strncasecmp(s + i, words[w].word, wl) != 0)
			continue;
		/* "HEADER" must not take the start of "HEADERX" */
		if (i + wl < len && s[i + wl] != ' ' && s[i + wl] != ']')
			continue;
		if (words[w].kind == MIME_SECTION_MIME && spec->nparts == 0)
			return -1;
		spec->kind = words[w].kind;
		*used_r = i + wl;
		return 0;
	}
	if (spec->nparts == 0 && i < len && (s[i] == ']' || s[i] == ' ')) {
		*used_r = i;
		return 0;
	}
	return -1;
}

/* An ASTRING-CHAR other than ')' (RFC 3501 §9): any CHAR above SP but
 * DEL, '(', ')', '{', '%', '*', '"' and '\'. */
static int mime_section_name_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\", c) == NULL;
}

/* One header-fld-name at s[*i]: a quoted string or an atom, as a new
 * string; NULL on bad syntax. */
static char *mime_section_name(const char *s, size_t len, size_t *i)
{
	buf_t name = BUF_INIT;
	size_t j = *i;

	if (j < len && s[j] == '"') {
		for (j++; j < len && s[j] != '"'; j++) {
			if (s[j] == '\\' && j + 1 < len && (s[j + 1] == '"' || s[j + 1] == '\\'))
				j++;
			else if (s[j] == '\\' || s[j] == '\r' || s[j] == '\n' || s[j] == '\0')
				break;
			buf_putc(&name, s[j]);
		}
		if (j >= len || s[j] != '"') {
			buf_release(&name);
			return NULL;
		}
		*i = j + 1;
		return buf_steal(&name);
	}
	while (j < len && mime_section_name_char((unsigned char) s[j]))
		j++;
	if (j == *i)
		return NULL;
	buf_append(&name, s + *i, j - *i);
	*i = j;
	return buf_steal(&name);
}

int mime_section_parse_fields(const char *s, size_t len, char ***names_r,
			      unsigned int *n_r, size_t *used_r)
{
	char **names = NULL;
	unsigned int n = 0;
	size_t i = 2;

	if (len < 2 || s[0] != ' ' || s[1] != '(')
		return -1;
	for (;;) {
		char *name;

		if (n > 0) {
			if (i < len && s[i] == ')')
				break;
			if (i >= len || s[i] != ' ')
				goto bad;
			i++;
		}
		name = mime_section_name(s, len, &i);
		if (name == NULL)
			goto bad;
		if (n >= MIME_SECTION_MAX_FIELDS) {
			mem_free(name);
			goto bad;
		}
		names = mem_reallocarray(names, n + 1, sizeof(*names));
		names[n++] = name;
	}
	*names_r = names;
	*n_r = n;
	*used_r = i + 1;
	return 0;
bad:
	mime_section_fields_free(&names, n);
	return -1;
}

void mime_section_fields_free(char ***names, unsigned int n)
{
	if (*names == NULL)
		return;
	for (unsigned int i = 0; i < n; i++)
		mem_free((*names)[i]);
	MEM_FREE(*names);
}

/* Part k of a message (RFC 3501 §6.4.5). */
static const mime_part_t *mime_section_in_message(const mime_part_t *m, unsigned int k)
{
	if (m->flags & MIME_PART_MULTIPART)
		return mime_part_child(m, k);
	return k == 1 ? m : NULL;
}

/* Part k after part p; of a part that is neither multipart nor
 * message/rfc822, part 1 is the part itself (Dovecot's reading, which
 * extends RFC 3501's rule for messages to every part). */
static const mime_part_t *mime_section_step(const mime_part_t *p, unsigned int k)
{
	if (p->flags & MIME_PART_MULTIPART)
		return mime_part_child(p, k);
	if ((p->flags & MIME_PART_RFC822) && p->children != NULL)
		return mime_section_in_message(p->children, k);
	return k == 1 ? p : NULL;
}

static void mime_content_add(mime_content_t *c, const char *p, size_t len)
{
	c->seg = mem_reallocarray(c->seg, c->nseg + 1, sizeof(*c->seg));
	c->seg[c->nseg].p = p;
	c->seg[c->nseg].len = len;
	c->nseg++;
	c->wsize += mime_wire_size(p, len);
}

static int mime_section_listed(const mime_field_t *f, const mime_section_spec_t *spec)
{
	for (unsigned int i = 0; i < spec->nfields; i++)
		if (mime_field_is(f, spec->fields[i]))
			return 1;
	return 0;
}

/* HEADER.FIELDS [.NOT] of the header of m. */
static void mime_section_fields(const char *msg, const mime_part_t *m,
				const mime_section_spec_t *spec, mime_content_t *c)
{
	static const char lf[] = "\n";
	const char *hdr = msg + m->hdr_off;
	size_t len = m->body_off - m->hdr_off, pos = 0;
	int not = spec->kind == MIME_SECTION_HEADER_FIELDS_NOT;
	mime_field_t f;

	while (mime_field_next(hdr, len, &pos, &f)) {
		if (mime_section_listed(&f, spec) == not)
			continue;
		/* fields that follow each other make one segment */
		if (c->nseg > 0 && c->seg[c->nseg - 1].p + c->seg[c->nseg - 1].len == f.start) {
			c->seg[c->nseg - 1].len += f.len;
			c->wsize += mime_wire_size(f.start, f.len);
		} else {
			mime_content_add(c, f.start, f.len);
		}
	}
	if (c->nseg > 0) {
		const mime_wire_seg_t *last = &c->seg[c->nseg - 1];

		if (last->p[last->len - 1] != '\n' && last->p[last->len - 1] != '\r')
			mime_content_add(c, lf, 1);
	}
	mime_content_add(c, lf, 1);
}

int mime_section_get(const char *msg, size_t len, const mime_part_t *root,
		     const mime_section_spec_t *spec, mime_content_t *c)
{
	const mime_part_t *p = root, *m = root;

	c->nseg = 0;
	c->wsize = 0;
	if (spec->nparts > 0) {
		p = mime_section_in_message(root, spec->parts[0]);
		for (unsigned int i = 1; p != NULL && i < spec->nparts; i++)
			p = mime_section_step(p, spec->parts[i]);
		if (p == NULL)
			return -1;
		m = (p->flags & MIME_PART_RFC822) ? p->children : NULL;
	}
	switch (spec->kind) {
	case MIME_SECTION_PART:
		if (spec->nparts == 0)
			mime_content_add(c, msg, len);
		else
			mime_content_add(c, msg + p->body_off, p->end - p->body_off);
		return 0;
	case MIME_SECTION_MIME:
		if (spec->nparts == 0)
			return -1;
		mime_content_add(c, msg + p->hdr_off, p->body_off - p->hdr_off);
		return 0;
	default:
		break;
	}
	if (m == NULL)
		return -1;
	if (spec->kind == MIME_SECTION_HEADER)
		mime_content_add(c, msg + m->hdr_off, m->body_off - m->hdr_off);
	else if (spec->kind == MIME_SECTION_TEXT)
		mime_content_add(c, msg + m->body_off, m->end - m->body_off);
	else
		mime_section_fields(msg, m, spec, c);
	return 0;
}

void mime_content_release(mime_content_t *c)
{
	MEM_FREE(c->seg);
	c->nseg = 0;
	c->wsize = 0;
}

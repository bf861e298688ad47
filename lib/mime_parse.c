/* mime_parse.c - the part tree of a message in one pass; see
 * mime_parse.h.
 *
 * The message is read line by line.  A stack holds the entities that are
 * open at the current line: the root at the bottom, above a multipart the
 * body part being read, above a message/rfc822 part its enclosed message.
 * An entity is in its header until the empty line; then a multipart waits
 * for its delimiters, a message/rfc822 part pushes its enclosed message,
 * anything else is a body to the end.  A line starting with "--" is
 * tried against the boundary of every open multipart, innermost first;
 * a match closes everything above that multipart.  Lines end at a CR or
 * an LF, as on the wire (mime_wire.h).  The count of line ends before
 * the current line is kept, so each entity's wire sizes and lines come
 * from the counts where it starts and ends: nothing is read twice except
 * header fields.
 */
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "mime_parse.h"
#include "mime_wire.h"

enum mime_state {
	MIME_IN_HEADER,
	MIME_IN_BODY,		/* a leaf, or a multipart before its close delimiter */
	MIME_IN_EPILOGUE	/* a multipart after its close delimiter */
};

typedef struct mime_open {
	mime_part_t *part;
	enum mime_state state;
	const char *boundary;	/* a multipart with children: its boundary */
	size_t blen;
	size_t eol_hdr, eol_body;	/* line ends before hdr_off and body_off */
	mime_part_t *last;	/* the last child so far */
} mime_open_t;

typedef struct mime_parser {
	const char *msg;
	size_t len;
	mime_open_t stack[MIME_MAX_DEPTH + 1];
	unsigned int top;	/* entities on the stack */
	unsigned int nparts;
	size_t eol;		/* line ends before the current line */
} mime_parser_t;

static const mime_param_t *mime_param_find(const mime_part_t *part, const char *name)
{
	for (unsigned int i = 0; i < part->nparams; i++)
		if (strcasecmp(part->params[i].name, name) == 0)
			return &part->params[i];
	return NULL;
}

int mime_part_is(const mime_part_t *part, const char *type, const char *subtype)
{
	return strcasecmp(part->type, type) == 0 &&
	       (subtype == NULL || strcasecmp(part->subtype, subtype) == 0);
}

const mime_part_t *mime_part_child(const mime_part_t *part, unsigned int n)
{
	const mime_part_t *c = part->children;

	if (n == 0)
		return NULL;
	while (c != NULL && --n > 0)
		c = c->next;
	return c;
}

/* RFC 2045 §5.2 and RFC 2046 §5.1.5 defaults. */
static void mime_part_default_type(mime_part_t *part)
{
	part->flags |= MIME_PART_DEFAULT_TYPE;
	if (part->parent != NULL && (part->parent->flags & MIME_PART_MULTIPART) &&
	    mime_part_is(part->parent, "multipart", "digest")) {
		part->type = mem_strdup("message");
		part->subtype = mem_strdup("rfc822");
		return;
	}
	part->type = mem_strdup("text");
	part->subtype = mem_strdup("plain");
	part->params = mem_zalloc(sizeof(*part->params));
	part->params[0].name = mem_strdup("charset");
	part->params[0].value = mem_strdup("us-ascii");
	part->nparams = 1;
}

/* The Content-* fields of a part's header; the first of each counts, even
 * when it cannot be parsed (then the default type holds). */
static void mime_part_fields(mime_part_t *part, const char *msg)
{
	const char *hdr = msg + part->hdr_off;
	size_t len = part->body_off - part->hdr_off, pos = 0;
	mime_field_t f;
	int seen_type = 0, have_type = 0, seen_disp = 0, seen_lang = 0;

	while (mime_field_next(hdr, len, &pos, &f)) {
		if (f.name_len < 8 || strncasecmp(f.name, "content-", 8) != 0)
			continue;
		if (mime_field_is(&f, "content-type")) {
			if (!seen_type) {
				seen_type = 1;
				have_type = mime_field_content_type(f.value, f.value_len,
					&part->type, &part->subtype, &part->params,
					&part->nparams) == 0;
			}
		} else if (mime_field_is(&f, "content-transfer-encoding")) {
			if (part->encoding == NULL)
				part->encoding = mime_field_token(f.value, f.value_len);
		} else if (mime_field_is(&f, "content-id")) {
			if (part->id == NULL)
				part->id = mime_field_unfold(&f, MIME_MAX_VALUE);
		} else if (mime_field_is(&f, "content-description")) {
			if (part->description == NULL)
				part->description = mime_field_unfold(&f, MIME_MAX_VALUE);
		} else if (mime_field_is(&f, "content-md5")) {
			if (part->md5 == NULL)
				part->md5 = mime_field_unfold(&f, MIME_MAX_VALUE);
		} else if (mime_field_is(&f, "content-location")) {
			if (part->location == NULL)
				part->location = mime_field_unfold(&f, MIME_MAX_VALUE);
		} else if (mime_field_is(&f, "content-disposition")) {
			if (!seen_disp) {
				seen_disp = 1;
				mime_field_disposition(f.value, f.value_len,
						       &part->disposition, &part->disp_params,
						       &part->ndisp_params);
			}
		} else if (mime_field_is(&f, "content-language")) {
			if (!seen_lang) {
				seen_lang = 1;
				part->languages = mime_field_languages(f.value, f.value_len,
								       &part->nlanguages);
			}
		}
	}
	if (!have_type)
		mime_part_default_type(part);
}

/* A new entity starting at off, pushed above its parent, or NULL past
 * the limits. */
static mime_open_t *mime_push(mime_parser_t *p, mime_part_t *parent,
			      mime_open_t *po, size_t off, unsigned int flags)
{
	mime_part_t *part;
	mime_open_t *o;

	if (p->nparts >= MIME_MAX_PARTS || parent->depth + 1 > MIME_MAX_DEPTH ||
	    p->top > MIME_MAX_DEPTH)
		return NULL;
	p->nparts++;
	part = MEM_NEW(mime_part_t);
	part->parent = parent;
	part->depth = parent->depth + 1;
	part->flags = flags;
	part->hdr_off = off;
	if (po->last == NULL)
		parent->children = part;
	else
		po->last->next = part;
	po->last = part;
	parent->nchildren++;
	o = &p->stack[p->top++];
	memset(o, 0, sizeof(*o));
	o->part = part;
	o->state = MIME_IN_HEADER;
	o->eol_hdr = p->eol;
	return o;
}

/* The header of o ends; its body starts at off (after eol line ends).
 * May push the enclosed message of a message/rfc822 part. */
static void mime_header_end(mime_parser_t *p, mime_open_t *o, size_t off, size_t eol)
{
	mime_part_t *part = o->part;
	int room = p->nparts < MIME_MAX_PARTS && part->depth < MIME_MAX_DEPTH;

	if (off < part->hdr_off) {
		off = part->hdr_off;
		eol = o->eol_hdr;
	}
	part->body_off = off;
	o->eol_body = eol;
	part->hdr_wsize = (off - part->hdr_off) + (eol - o->eol_hdr);
	o->state = MIME_IN_BODY;
	mime_part_fields(part, p->msg);
	if (strcasecmp(part->type, "multipart") == 0) {
		const mime_param_t *b = mime_param_find(part, "boundary");

		if (!room) {
			part->flags |= MIME_PART_OPAQUE;
			return;
		}
		part->flags |= MIME_PART_MULTIPART;
		if (b != NULL && b->value[0] != '\0') {
			o->boundary = b->value;
			o->blen = strlen(b->value);
		}
	} else if (mime_part_is(part, "message", "rfc822")) {
		size_t saved = p->eol;
		mime_open_t *child;

		p->eol = eol;
		child = room ? mime_push(p, part, o, off, MIME_PART_MESSAGE) : NULL;
		p->eol = saved;
		if (child == NULL)
			part->flags |= MIME_PART_OPAQUE;
		else
			part->flags |= MIME_PART_RFC822;
	}
}

/* Close every entity above stack level keep: they end at off, after eol
 * line ends, or where the part inside them ended, if later.  One still in its
 * header gets it ended there first (which may push an empty enclosed
 * message, closed in turn). */
static void mime_close_above(mime_parser_t *p, unsigned int keep, size_t off, size_t eol)
{
	while (p->top > keep) {
		mime_open_t *o = &p->stack[p->top - 1];
		mime_part_t *part = o->part;
		size_t end = off, eol_end = eol;

		if (o->state == MIME_IN_HEADER) {
			mime_header_end(p, o, off, eol);
			continue;
		}
		if (end < part->body_off) {
			end = part->body_off;
			eol_end = o->eol_body;
		}
		part->end = end;
		part->body_wsize = (end - part->body_off) + (eol_end - o->eol_body);
		part->body_lines = eol_end - o->eol_body;
		p->top--;
		/* An empty line that ends a header just before a delimiter
		 * is the header's: the part then ends after it, and so must
		 * every part around it. */
		off = end;
		eol = eol_end;
	}
}

/* Is line [ls, le) a delimiter of boundary b?  0 no, 1 delimiter, 2 close
 * delimiter (RFC 2046 §5.1.1; trailing white space allowed). */
static int mime_delimiter(const char *msg, size_t ls, size_t le, const char *b, size_t blen)
{
	size_t i = ls + 2 + blen;
	int close = 0;

	if (le - ls < 2 + blen || memcmp(msg + ls + 2, b, blen) != 0)
		return 0;
	if (i + 1 < le && msg[i] == '-' && msg[i + 1] == '-') {
		close = 1;
		i += 2;
	}
	while (i < le && (msg[i] == ' ' || msg[i] == '\t'))
		i++;
	if (i < le && msg[i] != '\n' && msg[i] != '\r')
		return 0;
	return close ? 2 : 1;
}

/* A line starting with "--": a delimiter of an open multipart? */
static int mime_line_delimiter(mime_parser_t *p, size_t ls, size_t le)
{
	for (unsigned int k = p->top; k-- > 0;) {
		mime_open_t *o = &p->stack[k];
		int d;

		if (o->boundary == NULL || o->state == MIME_IN_HEADER)
			continue;
		d = mime_delimiter(p->msg, ls, le, o->boundary, o->blen);
		if (d == 0)
			continue;
		/* the line end before the delimiter belongs to it */
		mime_close_above(p, k + 1, ls > 0 ? ls - 1 : 0, p->eol > 0 ? p->eol - 1 : 0);
		o = &p->stack[k];
		if (d == 2) {
			o->state = MIME_IN_EPILOGUE;
		} else if (o->state == MIME_IN_BODY) {
			size_t saved = p->eol;

			p->eol += p->msg[le - 1] == '\n' || p->msg[le - 1] == '\r';
			mime_push(p, o->part, o, le, 0);
			p->eol = saved;
		}
		return 1;
	}
	return 0;
}

static void mime_line(mime_parser_t *p, size_t ls, size_t le)
{
	const char *line = p->msg + ls;
	size_t n = le - ls;
	mime_open_t *o;

	if (n >= 2 && line[0] == '-' && line[1] == '-' && mime_line_delimiter(p, ls, le))
		return;
	o = &p->stack[p->top - 1];
	if (o->state == MIME_IN_HEADER && n == 1 && (line[0] == '\n' || line[0] == '\r'))
		mime_header_end(p, o, le, p->eol + 1);
}

mime_part_t *mime_parse(const char *msg, size_t len)
{
	mime_parser_t *p = MEM_NEW(mime_parser_t);
	mime_part_t *root = MEM_NEW(mime_part_t);
	size_t pos = 0;

	p->msg = msg;
	p->len = len;
	root->flags = MIME_PART_MESSAGE;
	p->stack[0].part = root;
	p->stack[0].state = MIME_IN_HEADER;
	p->top = 1;
	p->nparts = 1;
	while (pos < len) {
		size_t n = mime_wire_eol(msg + pos, len - pos);
		size_t le = n < len - pos ? pos + n + 1 : len;

		mime_line(p, pos, le);
		if (n < len - pos)
			p->eol++;
		pos = le;
	}
	mime_close_above(p, 0, len, p->eol);
	mem_free(p);
	return root;
}

static void mime_part_free_one(mime_part_t *part)
{
	mem_free(part->type);
	mem_free(part->subtype);
	mime_params_free(&part->params, part->nparams);
	mem_free(part->id);
	mem_free(part->description);
	mem_free(part->encoding);
	mem_free(part->md5);
	mem_free(part->location);
	mem_free(part->disposition);
	mime_params_free(&part->disp_params, part->ndisp_params);
	for (unsigned int i = 0; i < part->nlanguages; i++)
		mem_free(part->languages[i]);
	mem_free(part->languages);
	mem_free(part);
}

void mime_part_free(mime_part_t **root)
{
	mime_part_t *part = *root;

	/* Depth first without recursion: descend to a leaf, free it, go on
	 * with its next sibling or back up to its parent. */
	while (part != NULL) {
		mime_part_t *up;

		if (part->children != NULL) {
			part = part->children;
			continue;
		}
		up = part->parent;
		if (part == *root) {
			mime_part_free_one(part);
			break;
		}
		if (part->next != NULL) {
			up->children = part->next;
			mime_part_free_one(part);
			part = up->children;
		} else {
			up->children = NULL;
			mime_part_free_one(part);
			part = up;
		}
	}
	*root = NULL;
}

/* fuzz_mime_parse.c - libFuzzer target for the MIME part tree
 * (lib/mime_parse.c) and what is built on it: BODY/BODYSTRUCTURE
 * (lib/imap_bodystructure.c) and FETCH sections (lib/mime_section.c,
 * lib/mime_wire.c), all of which imapd runs on messages from anyone.
 *
 * Checked: every part's offsets are ordered and inside the message, and
 * inside its parent's body; its wire sizes are those of its ranges, its
 * lines the line ends of its body; the
 * limits hold; both structure strings are well formed
 * (fuzz_imap_check.h); every section of a list of section texts lies in
 * the message, and reading it in pieces gives exactly its wire size;
 * the input's first line, taken as a section text from a client, parses
 * within its bounds and resolves inside the message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_imap_check.h"
#include "imap_bodystructure.h"
#include "imap_quote.h"
#include "mime_section.h"

static unsigned int fuzz_nparts;

static void fuzz_check_part(const char *d, size_t size, const mime_part_t *p)
{
	const mime_part_t *c, *prev = NULL;

	fuzz_nparts++;
	if (p->hdr_off > p->body_off || p->body_off > p->end || p->end > size ||
	    p->depth > MIME_MAX_DEPTH)
		abort();
	if (p->hdr_wsize != mime_wire_size(d + p->hdr_off, p->body_off - p->hdr_off) ||
	    p->body_wsize != mime_wire_size(d + p->body_off, p->end - p->body_off) ||
	    p->body_lines != p->body_wsize - (p->end - p->body_off))
		abort();
	if (p->type == NULL || p->subtype == NULL)
		abort();
	if ((p->flags & MIME_PART_RFC822) &&
	    (p->nchildren != 1 || p->children->hdr_off != p->body_off ||
	     p->children->end != p->end || !(p->children->flags & MIME_PART_MESSAGE)))
		abort();
	if (!(p->flags & (MIME_PART_RFC822 | MIME_PART_MULTIPART)) && p->children != NULL)
		abort();
	for (c = p->children; c != NULL; prev = c, c = c->next) {
		if (c->parent != p || c->depth != p->depth + 1 ||
		    c->hdr_off < p->body_off || c->end > p->end ||
		    (prev != NULL && c->hdr_off < prev->end))
			abort();
		fuzz_check_part(d, size, c);
	}
}

static void fuzz_check_sections(const char *d, size_t size, const mime_part_t *root)
{
	static const char *const texts[] = {
		"", "1", "2", "3", "1.1", "1.2", "2.1", "2.2", "1.1.1", "2.1.2",
		"HEADER", "TEXT", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "1.MIME",
		"2.MIME", "1.HEADER", "1.TEXT", "2.HEADER.FIELDS", "1.1.MIME",
		"1.1.HEADER", "2.2.TEXT", "1.2.3.4.HEADER",
	};
	static const char *const names[] = { "subject", "content-type", "from" };
	mime_content_t c = MIME_CONTENT_INIT;
	buf_t out = BUF_INIT;

	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		mime_section_spec_t spec;
		mime_wire_t w;
		size_t used, piece = 1 + (size % 97);

		if (mime_section_parse(texts[t], strlen(texts[t]), &spec, &used) < 0)
			abort();
		spec.fields = names;
		spec.nfields = 3;
		if (mime_section_get(d, size, root, &spec, &c) < 0) {
			if (c.nseg != 0 || c.wsize != 0)
				abort();
			continue;
		}
		for (size_t i = 0; i < c.nseg; i++)
			if (c.seg[i].len > 0 && !(c.seg[i].len == 1 && c.seg[i].p[0] == '\n') &&
			    (c.seg[i].p < d || c.seg[i].p + c.seg[i].len > d + size))
				abort();
		mime_wire_init(&w, c.seg, c.nseg, size % 7, (size_t) -1);
		buf_reset(&out);
		while (mime_wire_read(&w, &out, piece) > 0)
			;
		if (out.len != (c.wsize > size % 7 ? c.wsize - size % 7 : 0))
			abort();
	}
	/* the first line as a section text from a client */
	{
		const char *nl = memchr(d, '\n', size);
		size_t n = nl ? (size_t) (nl - d) : size, used;
		mime_section_spec_t spec;
		char **list = NULL;
		unsigned int nlist = 0;
		size_t lused;

		if (mime_section_parse(d, n, &spec, &used) == 0) {
			if (used > n || spec.nparts > MIME_SECTION_MAX_PARTS)
				abort();
			spec.fields = names;
			spec.nfields = 1;
			if ((spec.kind == MIME_SECTION_HEADER_FIELDS ||
			     spec.kind == MIME_SECTION_HEADER_FIELDS_NOT) &&
			    mime_section_parse_fields(d + used, n - used, &list, &nlist,
						      &lused) == 0) {
				if (lused > n - used || nlist == 0 ||
				    nlist > MIME_SECTION_MAX_FIELDS)
					abort();
				spec.fields = (const char *const *) list;
				spec.nfields = nlist;
			}
			if (mime_section_get(d, size, root, &spec, &c) == 0)
				for (size_t i = 0; i < c.nseg; i++)
					if (c.seg[i].len > 1 && (c.seg[i].p < d ||
					    c.seg[i].p + c.seg[i].len > d + size))
						abort();
		}
		mime_section_fields_free(&list, nlist);
	}
	mime_content_release(&c);
	buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *) data;
	mime_part_t *root;
	buf_t out = BUF_INIT;

	if (size > 262144)
		return 0;
	root = mime_parse(d, size);
	if (root->hdr_off != 0 || root->end != size || root->parent != NULL)
		abort();
	fuzz_nparts = 0;
	fuzz_check_part(d, size, root);
	if (fuzz_nparts > MIME_MAX_PARTS)
		abort();
	for (int ext = 0; ext <= 1; ext++) {
		buf_reset(&out);
		imap_bodystructure_write(&out, d, root, ext, ext ? IMAP_QUOTE_UTF8 : 0);
		if (!fuzz_imap_check(out.data, out.len, ext) || out.data[0] != '(')
			abort();
	}
	fuzz_check_sections(d, size, root);
	buf_release(&out);
	mime_part_free(&root);
	return 0;
}

/* imap_bodystructure.c - BODY and BODYSTRUCTURE; see
 * imap_bodystructure.h.  Recursion follows the part tree, whose depth
 * mime_parse bounds (MIME_MAX_DEPTH). */
#include <string.h>
#include <strings.h>

#include "imap_bodystructure.h"
#include "imap_envelope.h"
#include "imap_quote.h"

/* body-fld-param: "(" name SP value *(...) ")" or NIL; with
 * add_charset, a "charset" "us-ascii" pair at the end. */
static void imap_bs_params(buf_t *out, const mime_param_t *params, unsigned int n,
			   int add_charset, int flags)
{
	if (n == 0 && !add_charset) {
		buf_append(out, "NIL", 3);
		return;
	}
	buf_putc(out, '(');
	for (unsigned int i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(out, ' ');
		imap_quote_nstr(out, params[i].name, flags);
		buf_putc(out, ' ');
		imap_quote_nstr(out, params[i].value, flags);
	}
	if (add_charset)
		buf_puts(out, n > 0 ? " \"charset\" \"us-ascii\"" : "\"charset\" \"us-ascii\"");
	buf_putc(out, ')');
}

/* A text part without a charset parameter: RFC 2045 §5.2's us-ascii is
 * shown, as Dovecot shows it. */
static int imap_bs_needs_charset(const mime_part_t *part)
{
	if (!mime_part_is(part, "text", NULL))
		return 0;
	for (unsigned int i = 0; i < part->nparams; i++)
		if (strcasecmp(part->params[i].name, "charset") == 0)
			return 0;
	return 1;
}

/* SP body-fld-dsp SP body-fld-lang SP body-fld-loc */
static void imap_bs_ext_tail(buf_t *out, const mime_part_t *part, int flags)
{
	buf_putc(out, ' ');
	if (part->disposition == NULL) {
		buf_append(out, "NIL", 3);
	} else {
		buf_putc(out, '(');
		imap_quote_nstr(out, part->disposition, flags);
		buf_putc(out, ' ');
		imap_bs_params(out, part->disp_params, part->ndisp_params, 0, flags);
		buf_putc(out, ')');
	}
	buf_putc(out, ' ');
	if (part->nlanguages == 0) {
		buf_append(out, "NIL", 3);
	} else {
		buf_putc(out, '(');
		for (unsigned int i = 0; i < part->nlanguages; i++) {
			if (i > 0)
				buf_putc(out, ' ');
			imap_quote_nstr(out, part->languages[i], flags);
		}
		buf_putc(out, ')');
	}
	buf_putc(out, ' ');
	imap_quote_nstr(out, part->location, flags);
}

static void imap_bs_part(buf_t *out, const char *msg, const mime_part_t *part,
			 int extended, int flags);

static void imap_bs_multipart(buf_t *out, const char *msg, const mime_part_t *part,
			      int extended, int flags)
{
	buf_putc(out, '(');
	if (part->children == NULL) {
		buf_puts(out, "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0");
		if (extended)
			buf_puts(out, " NIL NIL NIL NIL");
		buf_putc(out, ')');
	}
	for (const mime_part_t *c = part->children; c != NULL; c = c->next)
		imap_bs_part(out, msg, c, extended, flags);
	buf_putc(out, ' ');
	imap_quote_nstr(out, part->subtype, flags);
	if (extended) {
		buf_putc(out, ' ');
		imap_bs_params(out, part->params, part->nparams, 0, flags);
		imap_bs_ext_tail(out, part, flags);
	}
	buf_putc(out, ')');
}

static void imap_bs_part(buf_t *out, const char *msg, const mime_part_t *part,
			 int extended, int flags)
{
	int opaque = (part->flags & MIME_PART_OPAQUE) != 0;

	if (part->flags & MIME_PART_MULTIPART) {
		imap_bs_multipart(out, msg, part, extended, flags);
		return;
	}
	buf_putc(out, '(');
	if (opaque) {
		buf_puts(out, "\"application\" \"octet-stream\"");
	} else {
		imap_quote_nstr(out, part->type, flags);
		buf_putc(out, ' ');
		imap_quote_nstr(out, part->subtype, flags);
	}
	buf_putc(out, ' ');
	imap_bs_params(out, part->params, part->nparams,
		       !opaque && imap_bs_needs_charset(part), flags);
	buf_putc(out, ' ');
	imap_quote_nstr(out, part->id, flags);
	buf_putc(out, ' ');
	imap_quote_nstr(out, part->description, flags);
	buf_putc(out, ' ');
	imap_quote_nstr(out, part->encoding != NULL ? part->encoding : "7bit", flags);
	buf_printf(out, " %zu", part->body_wsize);
	if ((part->flags & MIME_PART_RFC822) && part->children != NULL) {
		const mime_part_t *m = part->children;

		buf_putc(out, ' ');
		imap_envelope_write(out, msg + m->hdr_off, m->body_off - m->hdr_off, flags);
		buf_putc(out, ' ');
		imap_bs_part(out, msg, m, extended, flags);
		buf_printf(out, " %zu", part->body_lines);
	} else if (!opaque && mime_part_is(part, "text", NULL)) {
		buf_printf(out, " %zu", part->body_lines);
	}
	if (extended) {
		buf_putc(out, ' ');
		imap_quote_nstr(out, part->md5, flags);
		imap_bs_ext_tail(out, part, flags);
	}
	buf_putc(out, ')');
}

void imap_bodystructure_write(buf_t *out, const char *msg, const mime_part_t *part,
			      int extended, int flags)
{
	imap_bs_part(out, msg, part, extended, flags);
}

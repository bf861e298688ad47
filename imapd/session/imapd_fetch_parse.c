/* imapd_fetch_parse.c - the item list of FETCH (RFC 3501 §6.4.5, §9
 * fetch-att) into an imapd_fetch_t; see imapd_fetch.h.
 *
 * The command parser (lib/imap_parse.h) gives each item as one atom, a
 * bracketed section with its spaces and parentheses included, so
 * "BODY.PEEK[HEADER.FIELDS (To Cc)]<0.512>" arrives whole and is taken
 * apart here with lib/mime_section.h.  The response names an item as
 * RFC 3501 §7.4.2 does: BODY.PEEK answers as BODY, a partial fetch shows
 * its origin octet only ("BODY[]<0>"), the RFC822 items answer under
 * their own names.  The label is built from what was parsed, so the
 * client sees its section in one canonical spelling (upper-case words,
 * one space between field names).
 */
#include <string.h>
#include <strings.h>

#include "imap_quote.h"
#include "imapd_fetch.h"
#include "mem.h"

static const struct {
	const char *word;
	enum imapd_fetch_kind kind;
} imapd_fetch_words[] = {
	{ "UID", IMAPD_FETCH_UID },
	{ "FLAGS", IMAPD_FETCH_FLAGS },
	{ "INTERNALDATE", IMAPD_FETCH_INTERNALDATE },
	{ "RFC822.SIZE", IMAPD_FETCH_RFC822_SIZE },
	{ "ENVELOPE", IMAPD_FETCH_ENVELOPE },
	{ "BODY", IMAPD_FETCH_BODY },
	{ "BODYSTRUCTURE", IMAPD_FETCH_BODYSTRUCTURE },
};

/* The macros of §6.4.5, each the items it stands for. */
static const struct {
	const char *word;
	enum imapd_fetch_kind kinds[5];
	size_t n;
} imapd_fetch_macros[] = {
	{ "ALL", { IMAPD_FETCH_FLAGS, IMAPD_FETCH_INTERNALDATE,
		   IMAPD_FETCH_RFC822_SIZE, IMAPD_FETCH_ENVELOPE }, 4 },
	{ "FAST", { IMAPD_FETCH_FLAGS, IMAPD_FETCH_INTERNALDATE,
		    IMAPD_FETCH_RFC822_SIZE }, 3 },
	{ "FULL", { IMAPD_FETCH_FLAGS, IMAPD_FETCH_INTERNALDATE,
		    IMAPD_FETCH_RFC822_SIZE, IMAPD_FETCH_ENVELOPE,
		    IMAPD_FETCH_BODY }, 5 },
};

#define IMAPD_FETCH_COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const imapd_fetch_section_words[] = {
	[MIME_SECTION_PART] = "",
	[MIME_SECTION_HEADER] = "HEADER",
	[MIME_SECTION_HEADER_FIELDS] = "HEADER.FIELDS",
	[MIME_SECTION_HEADER_FIELDS_NOT] = "HEADER.FIELDS.NOT",
	[MIME_SECTION_TEXT] = "TEXT",
	[MIME_SECTION_MIME] = "MIME",
};

static imapd_fetch_item_t *imapd_fetch_add(imapd_fetch_t *f,
					    enum imapd_fetch_kind kind)
{
	imapd_fetch_item_t *item;

	f->items = mem_reallocarray(f->items, f->n + 1, sizeof(*f->items));
	item = &f->items[f->n++];
	memset(item, 0, sizeof(*item));
	item->kind = kind;
	f->kinds |= IMAPD_FETCH_BIT(kind);
	return item;
}

/* An item without a section, once however often it is asked. */
static void imapd_fetch_add_plain(imapd_fetch_t *f, enum imapd_fetch_kind kind)
{
	if (f->kinds & IMAPD_FETCH_BIT(kind))
		return;
	for (size_t i = 0; i < IMAPD_FETCH_COUNT(imapd_fetch_words); i++)
		if (imapd_fetch_words[i].kind == kind)
			imapd_fetch_add(f, kind)->label =
				mem_strdup(imapd_fetch_words[i].word);
}

/* A section item with the section's text s[0..len) after "[" (the
 * rest of the atom).  0, or -1 on bad syntax. */
static int imapd_fetch_section(imapd_fetch_t *f, const char *s, size_t len,
			       int peek)
{
	mime_section_spec_t spec;
	char **names = NULL;
	unsigned int nnames = 0;
	size_t used, i;
	uint64_t start = 0, plen = 0;
	int partial = 0;
	imapd_fetch_item_t *item;
	buf_t label = BUF_INIT;

	if (mime_section_parse(s, len, &spec, &used) < 0)
		return -1;
	i = used;
	if (spec.kind == MIME_SECTION_HEADER_FIELDS ||
	    spec.kind == MIME_SECTION_HEADER_FIELDS_NOT) {
		if (mime_section_parse_fields(s + i, len - i, &names, &nnames,
					      &used) < 0)
			return -1;
		i += used;
		/* a quoted string is 7-bit text (RFC 3501 §9 TEXT-CHAR); a
		 * header field name is printable ASCII (RFC 5322 §3.6.8) */
		for (unsigned int k = 0; k < nnames; k++)
			for (const char *c = names[k]; *c != '\0'; c++)
				if ((unsigned char) *c < 0x20 || (unsigned char) *c > 0x7e)
					goto bad;
	}
	if (i >= len || s[i] != ']')
		goto bad;
	i++;
	if (i < len) {
		/* "<" number "." nz-number ">", each a 32-bit number */
		size_t digits;

		if (s[i++] != '<')
			goto bad;
		for (digits = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++)
			if ((start = start * 10 + (uint64_t) (s[i] - '0')) > UINT32_MAX)
				goto bad;
		if (digits == 0 || i >= len || s[i++] != '.')
			goto bad;
		for (digits = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++)
			if ((plen = plen * 10 + (uint64_t) (s[i] - '0')) > UINT32_MAX)
				goto bad;
		if (digits == 0 || plen == 0 || i >= len || s[i++] != '>' || i != len)
			goto bad;
		partial = 1;
	}

	buf_puts(&label, "BODY[");
	for (unsigned int k = 0; k < spec.nparts; k++)
		buf_printf(&label, "%s%u", k > 0 ? "." : "", spec.parts[k]);
	if (spec.kind != MIME_SECTION_PART)
		buf_printf(&label, "%s%s", spec.nparts > 0 ? "." : "",
			   imapd_fetch_section_words[spec.kind]);
	if (nnames > 0) {
		buf_puts(&label, " (");
		for (unsigned int k = 0; k < nnames; k++) {
			if (k > 0)
				buf_putc(&label, ' ');
			/* quoted when it holds "]": an astring may, but a
			 * client scanning for the section's end would stop */
			if (strchr(names[k], ']') != NULL)
				imap_quote_string(&label, names[k], strlen(names[k]), 0);
			else
				imap_quote_astring(&label, names[k], strlen(names[k]), 0);
		}
		buf_putc(&label, ')');
	}
	buf_putc(&label, ']');
	if (partial)
		buf_printf(&label, "<%llu>", (unsigned long long) start);

	item = imapd_fetch_add(f, IMAPD_FETCH_SECTION);
	item->peek = peek;
	item->spec = spec;
	item->names = names;
	item->nnames = nnames;
	item->spec.fields = (const char *const *) names;
	item->spec.nfields = nnames;
	item->partial = partial;
	item->start = (uint32_t) start;
	item->len = (uint32_t) plen;
	item->label = buf_steal(&label);
	if (!peek)
		f->sets_seen = 1;
	return 0;
bad:
	mime_section_fields_free(&names, nnames);
	return -1;
}

/* The RFC822 items: the sections they are (§6.4.5), under their names. */
static void imapd_fetch_rfc822(imapd_fetch_t *f, mime_section_kind_t kind,
			       int peek, const char *word)
{
	imapd_fetch_item_t *item = imapd_fetch_add(f, IMAPD_FETCH_SECTION);

	item->peek = peek;
	item->spec.kind = kind;
	item->label = mem_strdup(word);
	if (!peek)
		f->sets_seen = 1;
}

/* One fetch-att.  0, or -1 when it is none. */
static int imapd_fetch_att(imapd_fetch_t *f, const imap_arg_t *a)
{
	const char *s = imap_arg_atom(a);
	size_t len;

	if (s == NULL)
		return -1;
	len = a->len;
	for (size_t i = 0; i < IMAPD_FETCH_COUNT(imapd_fetch_words); i++) {
		if (strcasecmp(s, imapd_fetch_words[i].word) == 0) {
			imapd_fetch_add_plain(f, imapd_fetch_words[i].kind);
			return 0;
		}
	}
	if (strcasecmp(s, "RFC822") == 0)
		imapd_fetch_rfc822(f, MIME_SECTION_PART, 0, "RFC822");
	else if (strcasecmp(s, "RFC822.HEADER") == 0)
		imapd_fetch_rfc822(f, MIME_SECTION_HEADER, 1, "RFC822.HEADER");
	else if (strcasecmp(s, "RFC822.TEXT") == 0)
		imapd_fetch_rfc822(f, MIME_SECTION_TEXT, 0, "RFC822.TEXT");
	else if (len > 5 && strncasecmp(s, "BODY[", 5) == 0)
		return imapd_fetch_section(f, s + 5, len - 5, 0);
	else if (len > 10 && strncasecmp(s, "BODY.PEEK[", 10) == 0)
		return imapd_fetch_section(f, s + 10, len - 10, 1);
	else
		return -1;
	return 0;
}

int imapd_fetch_parse(const imap_arg_t *args, size_t nargs, int uid,
		      imapd_fetch_t *f, const char **error_r)
{
	const imap_arg_t *list;
	size_t count;

	memset(f, 0, sizeof(*f));
	if (nargs != 1) {
		*error_r = nargs == 0 ? "FETCH needs the items to fetch" :
			"unexpected arguments after the FETCH items";
		return -1;
	}
	if ((list = imap_arg_list(&args[0], &count)) != NULL) {
		if (count == 0) {
			*error_r = "empty FETCH item list";
			return -1;
		}
		for (size_t i = 0; i < count; i++) {
			if (imapd_fetch_att(f, &list[i]) < 0)
				goto bad;
		}
	} else {
		size_t m;

		for (m = 0; m < IMAPD_FETCH_COUNT(imapd_fetch_macros); m++)
			if (imap_arg_atom_is(&args[0], imapd_fetch_macros[m].word))
				break;
		if (m < IMAPD_FETCH_COUNT(imapd_fetch_macros)) {
			for (size_t i = 0; i < imapd_fetch_macros[m].n; i++)
				imapd_fetch_add_plain(f, imapd_fetch_macros[m].kinds[i]);
		} else if (imapd_fetch_att(f, &args[0]) < 0) {
			goto bad;
		}
	}
	if (uid && !(f->kinds & IMAPD_FETCH_BIT(IMAPD_FETCH_UID))) {
		imapd_fetch_item_t item;

		imapd_fetch_add_plain(f, IMAPD_FETCH_UID);
		item = f->items[f->n - 1];
		memmove(&f->items[1], &f->items[0], (f->n - 1) * sizeof(*f->items));
		f->items[0] = item;
	}
	return 0;
bad:
	*error_r = "invalid FETCH item";
	imapd_fetch_free(f);
	return -1;
}

void imapd_fetch_free(imapd_fetch_t *f)
{
	for (size_t i = 0; i < f->n; i++) {
		mime_section_fields_free(&f->items[i].names, f->items[i].nnames);
		mem_free(f->items[i].label);
	}
	MEM_FREE(f->items);
	f->n = 0;
	f->kinds = 0;
	f->sets_seen = 0;
}

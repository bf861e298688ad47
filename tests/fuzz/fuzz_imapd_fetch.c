/* fuzz_imapd_fetch.c - libFuzzer target for the FETCH item parser of the
 * IMAP session (imapd/session/imapd_fetch_parse.c), which reads what
 * follows the sequence set of every FETCH; the input is that text, as
 * lib/imap_parse.c tokenizes it.
 *
 * The parser is no lib/ module (it is the session's own), so its one
 * source file is compiled into this target; it needs nothing but lib/.
 * An accepted list must hold items the session can serve: a section
 * within the limits, a partial of at least one octet, a printable label
 * naming the section as asked; written back in request form it must
 * parse to the same items and labels.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../imapd/session/imapd_fetch_parse.c"
#include "imap_parse.h"

/* Parse "t FETCH 1 " text CRLF: 0 with f filled, -1 refused, -2 when
 * the command parser took no whole command. */
static int fuzz_parse(const char *text, size_t len, imapd_fetch_t *f)
{
	imap_parser_t *p = imap_parser_new(NULL, 0);
	buf_t line = BUF_INIT;
	const char *error = NULL;
	int r = -2;

	buf_puts(&line, "t FETCH 1 ");
	buf_append(&line, text, len);
	buf_puts(&line, "\r\n");
	memset(f, 0, sizeof(*f));
	if (imap_parse_line(p, line.data, line.len) == IMAP_PARSE_DONE) {
		const imap_cmd_t *cmd = imap_parser_cmd(p);

		r = imapd_fetch_parse(cmd->args + 1, cmd->nargs - 1, 0, f, &error);
		if (r < 0 && (error == NULL || *error == '\0'))
			abort();
	}
	imap_parser_free(&p);
	buf_release(&line);
	return r;
}

/* The items in request form: "(" item ... ")". */
static void fuzz_request(const imapd_fetch_t *f, buf_t *out)
{
	buf_putc(out, '(');
	for (size_t i = 0; i < f->n; i++) {
		const imapd_fetch_item_t *it = &f->items[i];
		const char *label = it->label;

		if (i > 0)
			buf_putc(out, ' ');
		if (it->kind != IMAPD_FETCH_SECTION || strncmp(label, "BODY[", 5) != 0) {
			buf_puts(out, label);
			continue;
		}
		buf_puts(out, it->peek ? "BODY.PEEK" : "BODY");
		buf_append(out, label + 4, (size_t) (strrchr(label, ']') - label) - 3);
		if (it->partial)
			buf_printf(out, "<%u.%u>", it->start, it->len);
	}
	buf_putc(out, ')');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	imapd_fetch_t f, g;
	buf_t req = BUF_INIT;

	if (fuzz_parse((const char *) data, size, &f) != 0)
		return 0;
	if (f.n == 0)
		abort();
	for (size_t i = 0; i < f.n; i++) {
		const imapd_fetch_item_t *it = &f.items[i];

		if (it->label == NULL || *it->label == '\0')
			abort();
		for (const char *c = it->label; *c != '\0'; c++)
			if ((unsigned char) *c < 0x20 || (unsigned char) *c > 0x7e)
				abort();
		if (it->kind != IMAPD_FETCH_SECTION)
			continue;
		if (it->spec.nparts > MIME_SECTION_MAX_PARTS ||
		    (it->partial && it->len == 0) ||
		    it->spec.nfields != it->nnames ||
		    (it->spec.kind == MIME_SECTION_MIME && it->spec.nparts == 0))
			abort();
		if (!it->peek && !f.sets_seen)
			abort();
	}
	fuzz_request(&f, &req);
	if (fuzz_parse(req.data, req.len, &g) != 0 || g.n != f.n || g.kinds != f.kinds ||
	    g.sets_seen != f.sets_seen)
		abort();
	for (size_t i = 0; i < f.n; i++)
		if (strcmp(f.items[i].label, g.items[i].label) != 0 ||
		    f.items[i].peek != g.items[i].peek ||
		    f.items[i].spec.kind != g.items[i].spec.kind ||
		    f.items[i].spec.nparts != g.items[i].spec.nparts ||
		    f.items[i].partial != g.items[i].partial ||
		    f.items[i].start != g.items[i].start || f.items[i].len != g.items[i].len)
			abort();
	imapd_fetch_free(&g);
	imapd_fetch_free(&f);
	buf_release(&req);
	return 0;
}

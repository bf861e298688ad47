/* fuzz_imap_search.c - libFuzzer target for the SEARCH key parser
 * (lib/imap_search_parse.c), which imapd runs on every SEARCH a logged-in
 * client sends.
 *
 * The input is what follows "a SEARCH " on the client's line, cut into
 * lines at LF, with every announced literal kept (a literal longer than
 * what is left ends the run).  A parsed tree must hold no node deeper
 * than IMAP_SEARCH_DEPTH_MAX, and its written form, parsed again by a
 * second command parser and the search parser, must give the same tree.
 * A refused command must say why and leave no tree.  ASan finds leaks
 * and overruns.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap_parse.h"
#include "imap_search_parse.h"

static const imap_parse_limits_t fuzz_limits = { 2000, 64, 65536, 4096 };
#define FUZZ_OPTIONS (IMAP_PARSE_UTF8 | IMAP_PARSE_LITERAL8 | IMAP_PARSE_LITERAL_PLUS)

/* Feed text (lines and literals) to p: the last result. */
static enum imap_parse_result fuzz_feed(imap_parser_t *p, const char *text,
					size_t len)
{
	enum imap_parse_result r = IMAP_PARSE_MORE;
	size_t pos = 0;

	while (pos < len && (r == IMAP_PARSE_MORE || r == IMAP_PARSE_LITERAL)) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl != NULL ? (size_t) (nl - (text + pos)) + 1 : len - pos;

		r = imap_parse_line(p, text + pos, l);
		pos += l;
		if (r == IMAP_PARSE_LITERAL) {
			l = imap_parser_cmd(p)->literal_size;
			if (l > len - pos)
				return IMAP_PARSE_ERROR;
			r = imap_parse_literal_keep(p, text + pos, l);
			pos += l;
		}
	}
	return r;
}

static unsigned fuzz_depth(const imap_search_node_t *node)
{
	unsigned d = 0;

	for (const imap_search_node_t *c = node->children; c != NULL; c = c->next) {
		unsigned cd = fuzz_depth(c);

		if (cd > d)
			d = cd;
	}
	return d + 1;
}

static void fuzz_roundtrip(const imap_search_node_t *root)
{
	imap_parser_t *q = imap_parser_new(NULL, FUZZ_OPTIONS);
	imap_search_node_t *again = NULL;
	buf_t out = BUF_INIT, err = BUF_INIT;
	const imap_cmd_t *cmd;

	buf_puts(&out, "b SEARCH ");
	imap_search_write(root, &out);
	buf_puts(&out, "\r\n");
	if (fuzz_feed(q, out.data, out.len) != IMAP_PARSE_DONE)
		abort();
	cmd = imap_parser_cmd(q);
	if (imap_search_parse(cmd->args, cmd->nargs, &again, &err) != IMAP_SEARCH_PARSED ||
	    !imap_search_equal(root, again))
		abort();
	imap_search_free(&again);
	buf_release(&out);
	buf_release(&err);
	imap_parser_free(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	imap_parser_t *p;
	imap_search_node_t *root = NULL;
	buf_t line = BUF_INIT, err = BUF_INIT;
	const imap_cmd_t *cmd;

	if (size > 20000)
		return 0;
	p = imap_parser_new(&fuzz_limits, FUZZ_OPTIONS);
	buf_puts(&line, "a SEARCH ");
	buf_append(&line, data, size);
	if (size == 0 || data[size - 1] != '\n')
		buf_puts(&line, "\r\n");
	if (fuzz_feed(p, line.data, line.len) == IMAP_PARSE_DONE) {
		cmd = imap_parser_cmd(p);
		switch (imap_search_parse(cmd->args, cmd->nargs, &root, &err)) {
		case IMAP_SEARCH_PARSED:
			if (root == NULL || fuzz_depth(root) > IMAP_SEARCH_DEPTH_MAX + 1)
				abort();
			fuzz_roundtrip(root);
			break;
		case IMAP_SEARCH_BAD:
			if (root != NULL || err.len == 0)
				abort();
			break;
		case IMAP_SEARCH_BADCHARSET:
			if (root != NULL)
				abort();
			break;
		}
	}
	imap_search_free(&root);
	buf_release(&line);
	buf_release(&err);
	imap_parser_free(&p);
	return 0;
}

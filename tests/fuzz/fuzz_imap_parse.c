/* fuzz_imap_parse.c - libFuzzer target for the IMAP command parser
 * (lib/imap_parse.c, lib/imap_arg.c), which imapd's login role runs on
 * unauthenticated input.
 *
 * The first two octets choose the parser's options and, bit by bit, what
 * the caller does with each announced literal (keep its octets, or
 * refuse it; a literal longer than what is left is taken); the rest is
 * the client's input, cut into lines at LF as the stream reader would,
 * with the octets to skip after an error skipped.  Every complete
 * command's tree is written in wire form and parsed again by a second
 * parser: it must give the same tree.  ASan finds leaks and overruns.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap_parse.h"

static const imap_parse_limits_t fuzz_limits = { 200, 16, 4096, 512 };

/* The command's wire form parsed again must give the same tree. */
static void fuzz_roundtrip(const imap_cmd_t *cmd, unsigned options)
{
	imap_parser_t *q = imap_parser_new(&fuzz_limits, options);
	buf_t out = BUF_INIT;
	enum imap_parse_result r = IMAP_PARSE_ERROR;
	size_t pos = 0;

	for (size_t i = 0; i < cmd->nargs; i++)
		if (cmd->args[i].type == IMAP_ARG_LITERAL_TAKEN)
			goto done;
	buf_printf(&out, "%s %s", cmd->tag, cmd->name);
	if (cmd->nargs > 0) {
		buf_putc(&out, ' ');
		imap_args_write(cmd->args, cmd->nargs, &out);
	}
	buf_puts(&out, "\r\n");
	while (pos < out.len) {
		const char *nl = memchr(out.data + pos, '\n', out.len - pos);
		size_t l = (size_t) (nl - (out.data + pos)) + 1;

		r = imap_parse_line(q, out.data + pos, l);
		pos += l;
		if (r == IMAP_PARSE_LITERAL) {
			l = imap_parser_cmd(q)->literal_size;
			if (l > out.len - pos)
				abort();
			r = imap_parse_literal_keep(q, out.data + pos, l);
			pos += l;
		}
		if (r == IMAP_PARSE_ERROR)
			abort();
	}
	if (r != IMAP_PARSE_DONE)
		abort();
	if (strcmp(imap_parser_cmd(q)->tag, cmd->tag) != 0 ||
	    strcmp(imap_parser_cmd(q)->name, cmd->name) != 0 ||
	    !imap_args_equal(cmd->args, cmd->nargs, imap_parser_cmd(q)->args,
			     imap_parser_cmd(q)->nargs))
		abort();
done:
	buf_release(&out);
	imap_parser_free(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	imap_parser_t *p;
	unsigned options, policy, nlit = 0;
	size_t pos = 2;

	if (size < 2 || size > 20000)
		return 0;
	options = data[0] & 0x1f;
	if ((options & IMAP_PARSE_LITERAL_PLUS) && (options & IMAP_PARSE_LITERAL_MINUS))
		options &= ~(unsigned) IMAP_PARSE_LITERAL_MINUS;
	policy = data[1];
	p = imap_parser_new(&fuzz_limits, options);
	while (pos < size) {
		const char *line = (const char *) data + pos;
		const char *nl = memchr(line, '\n', size - pos);
		size_t l = nl != NULL ? (size_t) (nl - line) + 1 : size - pos;
		enum imap_parse_result r = imap_parse_line(p, line, l);
		const imap_cmd_t *cmd = imap_parser_cmd(p);

		pos += l;
		while (r == IMAP_PARSE_LITERAL) {
			size_t n = cmd->literal_size;

			if (policy & (1u << (nlit++ % 8))) {
				r = imap_parse_literal_refuse(p);
			} else if (n > size - pos) {
				r = imap_parse_literal_taken(p);
				pos = size;
			} else {
				r = imap_parse_literal_keep(p, data + pos, n);
				pos += n;
			}
		}
		if (r == IMAP_PARSE_ERROR && (cmd->error == NULL || cmd->error[0] == '\0'))
			abort();
		if (r == IMAP_PARSE_ERROR || r == IMAP_PARSE_IGNORE)
			pos += cmd->skip < size - pos ? cmd->skip : size - pos;
		if (r == IMAP_PARSE_DONE) {
			if (cmd->tag == NULL || cmd->name == NULL)
				abort();
			for (const char *s = cmd->name; *s != '\0'; s++)
				if (*s >= 'a' && *s <= 'z')
					abort();
			fuzz_roundtrip(cmd, options);
		}
	}
	imap_parser_free(&p);
	return 0;
}

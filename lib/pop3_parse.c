/* pop3_parse.c - splitting a POP3 command line into keyword and arguments
 * (pop3_parse.h).
 *
 * RFC 1939 §3: a keyword of three or four characters, arguments separated
 * by single spaces (runs of spaces are taken as one here), printable ASCII.
 */
#include "pop3_parse.h"

int pop3_parse(buf_t *line, pop3_cmd_t *cmd)
{
	char *p;
	size_t klen;

	buf_chomp(line);
	cmd->name = NULL;
	cmd->nargs = 0;
	cmd->rest = (char *) "";
	cmd->bad = 0;
	for (size_t i = 0; i < line->len; i++) {
		unsigned char c = (unsigned char) line->data[i];

		if (c < 0x20 || c == 0x7f)
			cmd->bad = 1;
	}
	p = line->data != NULL ? line->data : (char *) "";
	cmd->name = p;
	while (*p != '\0' && *p != ' ')
		p++;
	klen = (size_t) (p - cmd->name);
	if (klen < 3 || klen > 4)
		cmd->bad = 1;
	for (size_t i = 0; i < klen; i++) {
		char c = cmd->name[i];

		if (c >= 'a' && c <= 'z')
			cmd->name[i] = (char) (c - 'a' + 'A');
		else if (c < 'A' || c > 'Z')
			cmd->bad = 1;
	}
	if (*p == ' ') {
		size_t off, rlen;

		*p++ = '\0';
		off = (size_t) (p - line->data);
		rlen = line->len - off;
		/* rest stays whole; the arguments are split from a copy
		 * appended behind it in the same buffer (reserved first, so
		 * the pointers stay valid). */
		buf_reserve(line, rlen + 2);
		cmd->name = line->data;
		cmd->rest = line->data + off;
		buf_putc(line, '\0');
		p = line->data + line->len;
		buf_append(line, cmd->rest, rlen);
	}
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (cmd->nargs == POP3_ARGS_MAX) {
			cmd->bad = 1;
			break;
		}
		cmd->args[cmd->nargs++] = p;
		while (*p != '\0' && *p != ' ')
			p++;
		if (*p == ' ')
			*p++ = '\0';
	}
	return cmd->bad ? -1 : 0;
}

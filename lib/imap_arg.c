/* imap_arg.c - accessors, comparison, wire form and release of the IMAP
 * argument tree (imap_arg.h).
 *
 * Recursion here follows list nesting, which the parser bounds
 * (IMAP_PARSE_DEPTH_MAX in imap_parse.h).
 */
#include <string.h>
#include <strings.h>

#include "imap_arg.h"
#include "mem.h"

const char *imap_arg_atom(const imap_arg_t *a)
{
	return a->type == IMAP_ARG_ATOM ? a->text : NULL;
}

int imap_arg_atom_is(const imap_arg_t *a, const char *word)
{
	return a->type == IMAP_ARG_ATOM && strcasecmp(a->text, word) == 0;
}

/* RFC 3501 §9: ASTRING-CHAR = ATOM-CHAR / resp-specials, that is any
 * CHAR but CTL, SP, "(", ")", "{", "%", "*", DQUOTE and "\". */
static int imap_arg_astring_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '(' && c != ')' && c != '{' &&
		c != '%' && c != '*' && c != '"' && c != '\\';
}

const char *imap_arg_astring(const imap_arg_t *a, size_t *len_r)
{
	switch (a->type) {
	case IMAP_ARG_ATOM:
		for (size_t i = 0; i < a->len; i++)
			if (!imap_arg_astring_char((unsigned char) a->text[i]))
				return NULL;
		break;
	case IMAP_ARG_NIL:
	case IMAP_ARG_STRING:
		break;
	case IMAP_ARG_LITERAL:
		if (a->literal8)
			return NULL;
		break;
	default:
		return NULL;
	}
	if (len_r != NULL)
		*len_r = a->len;
	return a->text;
}

const char *imap_arg_string(const imap_arg_t *a, int allow8, size_t *len_r)
{
	if (a->type != IMAP_ARG_STRING && a->type != IMAP_ARG_LITERAL)
		return NULL;
	if (a->literal8 && !allow8)
		return NULL;
	if (len_r != NULL)
		*len_r = a->len;
	return a->text;
}

const imap_arg_t *imap_arg_list(const imap_arg_t *a, size_t *count_r)
{
	static const imap_arg_t empty;

	*count_r = 0;
	if (a->type != IMAP_ARG_LIST)
		return NULL;
	*count_r = a->count;
	return a->count > 0 ? a->list : &empty;
}

int imap_arg_equal(const imap_arg_t *a, const imap_arg_t *b)
{
	if (a->type != b->type || a->literal8 != b->literal8)
		return 0;
	if (a->type == IMAP_ARG_LIST)
		return imap_args_equal(a->list, a->count, b->list, b->count);
	if (a->len != b->len)
		return 0;
	return a->type == IMAP_ARG_LITERAL_TAKEN ||
		memcmp(a->text, b->text, a->len) == 0;
}

int imap_args_equal(const imap_arg_t *a, size_t na,
		    const imap_arg_t *b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (!imap_arg_equal(&a[i], &b[i]))
			return 0;
	return 1;
}

static void imap_arg_write(const imap_arg_t *a, buf_t *out)
{
	switch (a->type) {
	case IMAP_ARG_ATOM:
	case IMAP_ARG_NIL:
		buf_append(out, a->text, a->len);
		break;
	case IMAP_ARG_STRING:
		buf_putc(out, '"');
		for (size_t i = 0; i < a->len; i++) {
			if (a->text[i] == '"' || a->text[i] == '\\')
				buf_putc(out, '\\');
			buf_putc(out, a->text[i]);
		}
		buf_putc(out, '"');
		break;
	case IMAP_ARG_LITERAL:
	case IMAP_ARG_LITERAL_TAKEN:
		buf_printf(out, "%s{%zu}\r\n", a->literal8 ? "~" : "", a->len);
		if (a->type == IMAP_ARG_LITERAL)
			buf_append(out, a->text, a->len);
		break;
	case IMAP_ARG_LIST:
		buf_putc(out, '(');
		imap_args_write(a->list, a->count, out);
		buf_putc(out, ')');
		break;
	}
}

void imap_args_write(const imap_arg_t *args, size_t n, buf_t *out)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(out, ' ');
		imap_arg_write(&args[i], out);
	}
}

void imap_args_release(imap_arg_t *args, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (args[i].type == IMAP_ARG_LIST) {
			imap_args_release(args[i].list, args[i].count);
			MEM_FREE(args[i].list);
		}
		MEM_FREE(args[i].text);
	}
}

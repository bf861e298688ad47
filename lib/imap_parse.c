/* imap_parse.c - the IMAP command parser (imap_parse.h).
 *
 * One pass over each line, no backtracking, no recursion: open lists are
 * an explicit stack of pointers into the tree (a list's array only grows
 * while it is the innermost open one, so the pointers to the enclosing
 * lists stay valid).  Between lines the parser remembers what may come
 * next (a separator, a token, or the first item of a list), because a
 * literal can stand anywhere a string can, inside lists too.
 *
 * Strictness follows RFC 3501 §9: one SP between arguments, none after
 * "(" or before ")", CRLF at the end, the tag's characters.  Leniency is
 * deliberate in one place: an atom here is wider than the RFC's atom
 * ('%', '*' and ']' for patterns, sequence sets and astrings, a leading
 * '\' for flags, bracketed sections with spaces inside), since the
 * handlers check each argument's grammar and the tokens do not overlap.
 */
#include <string.h>
#include <strings.h>

#include "imap_parse.h"
#include "log.h"
#include "mem.h"
#include "utf8_strict.h"

enum imap_parse_stage {
	STAGE_START,		/* the next line starts a command */
	STAGE_ARGS,		/* the next line continues after a literal */
	STAGE_LITERAL,		/* waiting for a literal_* call */
	STAGE_DISCARD,		/* the next line belongs to a failed command */
};

enum imap_parse_expect {
	EXPECT_SEP,		/* after a token: SP, ")" or the end */
	EXPECT_TOKEN,		/* after SP: a token or "(" */
	EXPECT_FIRST,		/* after "(": a token, "(" or ")" */
};

struct imap_parser {
	imap_parse_limits_t lim;
	unsigned options;
	enum imap_parse_stage stage;
	enum imap_parse_expect expect;
	char *tag;
	char *name;
	imap_arg_t root;	/* the top-level arguments, a LIST */
	imap_arg_t **stack;	/* open lists, innermost last */
	size_t depth;
	size_t stack_alloc;
	size_t nargs;		/* arguments in the tree */
	size_t octets;		/* text held for the command */
	buf_t text;		/* a quoted string being unescaped */
	imap_cmd_t cmd;
};

static const imap_parse_limits_t imap_parse_default_limits = {
	IMAP_PARSE_ARGS_MAX, IMAP_PARSE_DEPTH_MAX, IMAP_PARSE_OCTETS_MAX,
	IMAP_PARSE_LITERAL_MAX,
};

imap_parser_t *imap_parser_new(const imap_parse_limits_t *limits,
			       unsigned options)
{
	imap_parser_t *p = MEM_NEW(imap_parser_t);

	p->lim = limits != NULL ? *limits : imap_parse_default_limits;
	p->options = options;
	p->root.type = IMAP_ARG_LIST;
	buf_init(&p->text);
	if (options & IMAP_PARSE_SECRET)
		buf_set_secret(&p->text);
	return p;
}

/* Zero the texts of n arguments, lists included. */
static void imap_parser_wipe_args(imap_arg_t *args, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (args[i].type == IMAP_ARG_LIST)
			imap_parser_wipe_args(args[i].list, args[i].count);
		else if (args[i].text != NULL)
			explicit_bzero(args[i].text, args[i].len + 1);
	}
}

static void imap_parser_clear(imap_parser_t *p)
{
	/* IMAP_PARSE_SECRET: whatever ends a command zeroes its texts. */
	if (p->options & IMAP_PARSE_SECRET) {
		imap_parser_wipe_args(p->root.list, p->root.count);
		buf_wipe(&p->text);
	}
	imap_args_release(p->root.list, p->root.count);
	MEM_FREE(p->root.list);
	p->root.count = p->root.alloc = 0;
	MEM_FREE(p->tag);
	MEM_FREE(p->name);
	p->depth = p->nargs = p->octets = 0;
	memset(&p->cmd, 0, sizeof(p->cmd));
}

void imap_parser_free(imap_parser_t **pp)
{
	imap_parser_t *p = *pp;

	if (p == NULL)
		return;
	imap_parser_clear(p);
	mem_free(p->stack);
	buf_release(&p->text);
	mem_free(p);
	*pp = NULL;
}

void imap_parser_set_options(imap_parser_t *p, unsigned options)
{
	p->options = options;
	if (options & IMAP_PARSE_SECRET)
		buf_set_secret(&p->text);
}

void imap_parser_wipe(imap_parser_t *p)
{
	imap_parser_wipe_args(p->root.list, p->root.count);
	buf_wipe(&p->text);
	imap_parser_reset(p);
}

void imap_parser_reset(imap_parser_t *p)
{
	imap_parser_clear(p);
	p->stage = STAGE_START;
}

const imap_cmd_t *imap_parser_cmd(const imap_parser_t *p)
{
	return &p->cmd;
}

/* The command's view for the caller, after every step. */
static void imap_parse_publish(imap_parser_t *p)
{
	p->cmd.tag = p->tag;
	p->cmd.name = p->name;
	p->cmd.args = p->root.list;
	p->cmd.nargs = p->root.count;
}

/* The content of a line without its end: CRLF, or LF alone when allowed.
 * Returns its length, or -1 when the line has no proper end. */
static long imap_parse_content_len(const imap_parser_t *p,
				   const char *line, size_t len)
{
	if (len >= 2 && line[len - 2] == '\r' && line[len - 1] == '\n')
		return (long) len - 2;
	if (len >= 1 && line[len - 1] == '\n' &&
	    (p->options & IMAP_PARSE_BARE_LF))
		return (long) len - 1;
	return -1;
}

/* RFC 7888 §3: the receiver checks the end of every line for {n+} (and
 * ~{n+}, RFC 4466): the client sends those n octets without waiting, so
 * a failed command's literal must be skipped to find the next command.
 * Returns n, or 0 when the line ends otherwise. */
static uint32_t imap_parse_nonsync_suffix(const char *line, size_t len)
{
	size_t end = len, digits;
	uint64_t n = 0;

	if (end > 0 && line[end - 1] == '\n')
		end--;
	if (end > 0 && line[end - 1] == '\r')
		end--;
	if (end < 4 || line[end - 1] != '}' || line[end - 2] != '+')
		return 0;
	end -= 2;
	for (digits = 0; digits < end && line[end - 1 - digits] >= '0' &&
	     line[end - 1 - digits] <= '9'; digits++)
		;
	if (digits == 0 || digits == end || line[end - 1 - digits] != '{')
		return 0;
	/* Any number of digits (leading zeros too): what the client will
	 * send is what it announced, however it wrote the number.  A size
	 * beyond 32 bits is cut to 4 GiB - 1: a client would have to send
	 * that much before its octets were read as commands again. */
	for (size_t i = end - digits; i < end && n <= UINT32_MAX; i++)
		n = n * 10 + (uint64_t) (line[i] - '0');
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t) n;
}

static enum imap_parse_result imap_parse_fail(imap_parser_t *p,
					      const char *line, size_t len,
					      const char *error)
{
	imap_parse_publish(p);
	p->cmd.error = error;
	p->cmd.skip = imap_parse_nonsync_suffix(line, len);
	p->stage = p->cmd.skip > 0 ? STAGE_DISCARD : STAGE_START;
	return IMAP_PARSE_ERROR;
}

/* RFC 3501 §9 tag: ASTRING-CHAR but "+", that is CHAR but CTL, SP, "(",
 * ")", "{", "%", "*", DQUOTE, "\" and "+" (so "*" and "+" never start a
 * client's line, as they start server responses). */
static int imap_parse_tag_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\+", c) == NULL;
}

/* RFC 3501 ATOM-CHAR: CHAR but atom-specials. */
static int imap_parse_atom_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\]", c) == NULL;
}

/* Characters of this parser's wider atom (see the top of the file). */
static int imap_parse_token_char(unsigned char c)
{
	return imap_parse_atom_char(c) || c == '%' || c == '*' || c == ']';
}

/* Room for len more octets of command text; 0 when over max_octets. */
static int imap_parse_hold(imap_parser_t *p, size_t len)
{
	if (len > p->lim.max_octets - p->octets)
		return 0;
	p->octets += len;
	return 1;
}

/* A new argument at the end of the innermost open list; NULL when the
 * command has max_args already. */
static imap_arg_t *imap_parse_new_arg(imap_parser_t *p)
{
	imap_arg_t *list = p->depth > 0 ? p->stack[p->depth - 1] : &p->root;
	imap_arg_t *a;

	if (p->nargs >= p->lim.max_args)
		return NULL;
	if (list->count == list->alloc) {
		list->alloc = list->alloc > 0 ? list->alloc * 2 : 4;
		list->list = mem_reallocarray(list->list, list->alloc,
					      sizeof(*list->list));
	}
	p->nargs++;
	a = &list->list[list->count++];
	memset(a, 0, sizeof(*a));
	return a;
}

static char *imap_parse_dup(const char *s, size_t len)
{
	char *t = mem_alloc(len + 1);

	memcpy(t, s, len);
	t[len] = '\0';
	return t;
}

/* The atom at line[*pos] (the caller saw a token character or '\').
 * A '[' opens a group that runs to its ']' with spaces, parentheses and
 * quoted strings inside (a FETCH section); without that ']' it is an
 * ordinary atom character.  Returns an error text or
 * NULL with *pos past the atom. */
static const char *imap_parse_atom(imap_parser_t *p, const char *line,
				   size_t end, size_t *pos)
{
	size_t start = *pos, i = *pos;
	imap_arg_t *a;

	if (line[i] == '\\')
		i++;
	while (i < end) {
		unsigned char c = (unsigned char) line[i];

		if (c == '[') {
			size_t open = i;

			for (i++; i < end && line[i] != ']'; i++) {
				c = (unsigned char) line[i];
				if (c == '"') {
					for (i++; i < end && line[i] != '"'; i++)
						if (line[i] == '\\' && i + 1 < end)
							i++;
					if (i == end)
						break;
				} else if (c < 0x20 || c >= 0x7f || c == '{') {
					break;
				}
			}
			/* No section after all: '[' is an ATOM-CHAR (RFC 3501
			 * §9 excludes only ']'), as in a mailbox name "a[b". */
			if (i >= end || line[i] != ']')
				i = open;
			i++;
		} else if (imap_parse_token_char(c)) {
			i++;
		} else {
			break;
		}
	}
	if (i == start || (line[start] == '\\' && i == start + 1))
		return "invalid character where an argument was expected";
	if (!imap_parse_hold(p, i - start))
		return "command too large";
	if ((a = imap_parse_new_arg(p)) == NULL)
		return "too many arguments";
	a->text = imap_parse_dup(line + start, i - start);
	a->len = i - start;
	a->type = a->len == 3 && strncasecmp(a->text, "NIL", 3) == 0 ?
		IMAP_ARG_NIL : IMAP_ARG_ATOM;
	*pos = i;
	return NULL;
}

/* The quoted string opening at line[*pos] (RFC 3501 §9 quoted: TEXT-CHARs,
 * with \ only before \ or DQUOTE; 8-bit only as UTF-8 in UTF8 mode). */
static const char *imap_parse_quoted(imap_parser_t *p, const char *line,
				     size_t end, size_t *pos)
{
	size_t i = *pos + 1;
	int eight = 0;
	imap_arg_t *a;

	buf_reset(&p->text);
	for (;; i++) {
		unsigned char c;

		if (i == end)
			return "unterminated quoted string";
		c = (unsigned char) line[i];
		if (c == '"')
			break;
		if (c == '\\') {
			if (i + 1 == end || (line[i + 1] != '\\' && line[i + 1] != '"'))
				return "invalid escape in quoted string";
			c = (unsigned char) line[++i];
		} else if (c == '\0' || c == '\r' || c == '\n') {
			return "invalid character in quoted string";
		} else if (c >= 0x80) {
			if (!(p->options & IMAP_PARSE_UTF8))
				return "8-bit character in quoted string";
			eight = 1;
		}
		buf_putc(&p->text, c);
	}
	/* RFC 6855 §3: invalid UTF-8 in a quoted string gets a BAD. */
	if (eight && !utf8_strict_valid(p->text.data, p->text.len))
		return "invalid UTF-8 in quoted string";
	if (!imap_parse_hold(p, p->text.len))
		return "command too large";
	if ((a = imap_parse_new_arg(p)) == NULL)
		return "too many arguments";
	a->type = IMAP_ARG_STRING;
	a->len = p->text.len;
	a->text = imap_parse_dup(buf_str(&p->text), p->text.len);
	*pos = i + 1;
	return NULL;
}

/* The literal announcement at line[*pos]: "{" number ["+"] "}" (after
 * "~" for literal8), which must end the line.  Returns an error text or
 * NULL with the cmd's literal fields set. */
static const char *imap_parse_announce(imap_parser_t *p, const char *line,
				       size_t end, size_t pos)
{
	uint64_t n = 0;
	size_t digits = 0;
	int lit8 = 0, sync = 1;

	if (line[pos] == '~') {
		lit8 = 1;
		pos++;
	}
	for (pos++; pos < end && line[pos] >= '0' && line[pos] <= '9'; pos++) {
		n = n * 10 + (uint64_t) (line[pos] - '0');
		if (n > UINT32_MAX)
			return "literal size out of range";
		digits++;
	}
	if (pos < end && line[pos] == '+') {
		sync = 0;
		pos++;
	}
	if (digits == 0 || pos == end || line[pos] != '}')
		return "invalid literal announcement";
	if (pos + 1 != end)
		return "literal announcement not at the end of the line";
	if (lit8 && !(p->options & IMAP_PARSE_LITERAL8))
		return "literal8 not supported";
	if (!sync) {
		if (!(p->options & (IMAP_PARSE_LITERAL_PLUS |
				    IMAP_PARSE_LITERAL_MINUS)))
			return "non-synchronizing literals not supported";
		/* RFC 7888 §5: TOOBIG, which APPEND's BAD must carry. */
		if (!(p->options & IMAP_PARSE_LITERAL_PLUS) &&
		    n > IMAP_LITERAL_MINUS_MAX)
			return "[TOOBIG] non-synchronizing literal over 4096 octets";
	}
	if (p->nargs >= p->lim.max_args)
		return "too many arguments";
	p->cmd.literal_size = (uint32_t) n;
	p->cmd.literal_sync = sync;
	p->cmd.literal8 = lit8;
	p->cmd.literal_depth = p->depth;
	p->cmd.literal_fits = n <= p->lim.max_literal &&
		n <= p->lim.max_octets - p->octets;
	return NULL;
}

static const char *imap_parse_open(imap_parser_t *p)
{
	imap_arg_t *a;

	if (p->depth >= p->lim.max_depth)
		return "lists nested too deeply";
	if ((a = imap_parse_new_arg(p)) == NULL)
		return "too many arguments";
	a->type = IMAP_ARG_LIST;
	if (p->depth == p->stack_alloc) {
		p->stack_alloc = p->stack_alloc > 0 ? p->stack_alloc * 2 : 8;
		p->stack = mem_reallocarray(p->stack, p->stack_alloc,
					    sizeof(*p->stack));
	}
	p->stack[p->depth++] = a;
	return NULL;
}

/* The arguments on line[pos..end), from the state the last line left. */
static enum imap_parse_result imap_parse_args(imap_parser_t *p,
					      const char *line, size_t len,
					      size_t end, size_t pos)
{
	const char *err = NULL;

	while (err == NULL) {
		unsigned char c;

		if (pos == end) {
			if (p->expect == EXPECT_TOKEN)
				err = "unexpected space at the end of the line";
			else if (p->depth > 0)
				err = "missing )";
			else
				break;
			continue;
		}
		c = (unsigned char) line[pos];
		if (p->expect == EXPECT_SEP) {
			if (c == ' ') {
				p->expect = EXPECT_TOKEN;
				pos++;
			} else if (c == ')' && p->depth > 0) {
				p->depth--;
				pos++;
			} else {
				err = c == ')' ? "unexpected )" :
					"missing space between arguments";
			}
			continue;
		}
		if (c == ')') {
			if (p->expect == EXPECT_FIRST) {
				p->depth--;
				p->expect = EXPECT_SEP;
				pos++;
			} else {
				err = "unexpected space before )";
			}
		} else if (c == '(') {
			if ((err = imap_parse_open(p)) == NULL) {
				p->expect = EXPECT_FIRST;
				pos++;
			}
		} else if (c == '"') {
			if ((err = imap_parse_quoted(p, line, end, &pos)) == NULL)
				p->expect = EXPECT_SEP;
		} else if (c == '{' || (c == '~' && pos + 1 < end &&
					line[pos + 1] == '{')) {
			if ((err = imap_parse_announce(p, line, end, pos)) == NULL) {
				p->stage = STAGE_LITERAL;
				imap_parse_publish(p);
				return IMAP_PARSE_LITERAL;
			}
		} else if ((err = imap_parse_atom(p, line, end, &pos)) == NULL) {
			p->expect = EXPECT_SEP;
		}
	}
	if (err != NULL)
		return imap_parse_fail(p, line, len, err);
	p->stage = STAGE_START;
	imap_parse_publish(p);
	return IMAP_PARSE_DONE;
}

/* Tag SP command-name, then the arguments. */
static enum imap_parse_result imap_parse_start(imap_parser_t *p,
					       const char *line, size_t len,
					       size_t end)
{
	size_t i = 0, start;

	if (end == 0)
		return imap_parse_fail(p, line, len, "empty command line");
	while (i < end && imap_parse_tag_char((unsigned char) line[i]))
		i++;
	if (i == 0 || i == end || line[i] != ' ')
		return imap_parse_fail(p, line, len, i == end ?
				       "missing command" : "invalid tag");
	p->tag = imap_parse_dup(line, i);
	start = ++i;
	while (i < end && imap_parse_atom_char((unsigned char) line[i]))
		i++;
	if (i == start || (i < end && line[i] != ' '))
		return imap_parse_fail(p, line, len, i == start && i == end ?
				       "missing command" : "invalid command name");
	p->name = imap_parse_dup(line + start, i - start);
	for (char *s = p->name; *s != '\0'; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char) (*s - 'a' + 'A');
	if (!imap_parse_hold(p, i))
		return imap_parse_fail(p, line, len, "command too large");
	p->expect = EXPECT_SEP;
	return imap_parse_args(p, line, len, end, i);
}

/* The tag of a line that cannot be parsed further, if it has one. */
static void imap_parse_find_tag(imap_parser_t *p, const char *line, size_t len)
{
	size_t i = 0;

	while (i < len && imap_parse_tag_char((unsigned char) line[i]))
		i++;
	if (i > 0 && i < len && line[i] == ' ')
		p->tag = imap_parse_dup(line, i);
}

enum imap_parse_result imap_parse_line(imap_parser_t *p,
				       const char *line, size_t len)
{
	long end;

	switch (p->stage) {
	case STAGE_LITERAL:
		log_panic("imap_parse_line: a literal is pending");
	case STAGE_DISCARD:
		/* The failed command's next line: only its end matters. */
		p->cmd.skip = imap_parse_nonsync_suffix(line, len);
		if (p->cmd.skip == 0)
			p->stage = STAGE_START;
		p->cmd.error = NULL;
		return IMAP_PARSE_IGNORE;
	case STAGE_START:
		imap_parser_clear(p);
		break;
	case STAGE_ARGS:
		break;
	}
	p->cmd.skip = 0;
	end = imap_parse_content_len(p, line, len);
	if (end < 0) {
		/* Still the tag, for a tagged BAD (also for a line the
		 * reader cut at its limit). */
		if (p->stage == STAGE_START)
			imap_parse_find_tag(p, line, len);
		return imap_parse_fail(p, line, len, "line not ended by CRLF");
	}
	if (p->stage == STAGE_START)
		return imap_parse_start(p, line, len, (size_t) end);
	return imap_parse_args(p, line, len, (size_t) end, 0);
}

static void imap_parse_literal_check(const imap_parser_t *p, const char *fn)
{
	if (p->stage != STAGE_LITERAL)
		log_panic("%s: no literal pending", fn);
}

/* After the literal: its command goes on with the next line. */
static enum imap_parse_result imap_parse_literal_done(imap_parser_t *p)
{
	p->stage = STAGE_ARGS;
	p->expect = EXPECT_SEP;
	imap_parse_publish(p);
	return IMAP_PARSE_MORE;
}

/* A kept literal refused: the command's rest follows and is ignored. */
static enum imap_parse_result imap_parse_literal_fail(imap_parser_t *p,
						      const char *error)
{
	imap_parse_publish(p);
	p->cmd.error = error;
	p->cmd.skip = 0;
	p->stage = STAGE_DISCARD;
	return IMAP_PARSE_ERROR;
}

enum imap_parse_result imap_parse_literal_keep(imap_parser_t *p,
					       const void *data, size_t len)
{
	imap_arg_t *a;

	imap_parse_literal_check(p, "imap_parse_literal_keep");
	if (len != p->cmd.literal_size)
		log_panic("imap_parse_literal_keep: %zu octets for a literal of %u",
			  len, (unsigned) p->cmd.literal_size);
	if (len > p->lim.max_literal || !imap_parse_hold(p, len))
		return imap_parse_literal_fail(p, "[TOOBIG] literal too large");
	if (!p->cmd.literal8 && memchr(data, '\0', len) != NULL)
		return imap_parse_literal_fail(p, "NUL octet in literal");
	a = imap_parse_new_arg(p);	/* room checked at the announcement */
	a->type = IMAP_ARG_LITERAL;
	a->literal8 = p->cmd.literal8;
	a->len = len;
	a->text = imap_parse_dup(data, len);
	return imap_parse_literal_done(p);
}

enum imap_parse_result imap_parse_literal_taken(imap_parser_t *p)
{
	imap_arg_t *a;

	imap_parse_literal_check(p, "imap_parse_literal_taken");
	a = imap_parse_new_arg(p);
	a->type = IMAP_ARG_LITERAL_TAKEN;
	a->literal8 = p->cmd.literal8;
	a->len = p->cmd.literal_size;
	return imap_parse_literal_done(p);
}

enum imap_parse_result imap_parse_literal_refuse(imap_parser_t *p)
{
	imap_parse_literal_check(p, "imap_parse_literal_refuse");
	imap_parse_publish(p);
	p->cmd.error = NULL;
	p->cmd.skip = p->cmd.literal_sync ? 0 : p->cmd.literal_size;
	p->stage = p->cmd.literal_sync ? STAGE_START : STAGE_DISCARD;
	return IMAP_PARSE_IGNORE;
}

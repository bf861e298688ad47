/* imap_address.c - RFC 5322 address lists as IMAP addresses; see
 * imap_address.h.
 *
 * A tokenizer gives words (atoms, quoted-strings, domain literals), dots
 * and the specials < > @ , ; : with a flag for white space before them;
 * comments are skipped like white space, the first one of an address
 * kept for its name.  The parser collects words until a special says
 * what they were: before ':' a group name, before '<' a display name,
 * before '@' a local part, before ',' ';' or the end a bare mailbox.
 */
#include <string.h>

#include "imap_address.h"
#include "imap_quote.h"
#include "mem.h"

enum imap_tok_type { TOK_END, TOK_WORD, TOK_QUOTED, TOK_SPECIAL };

typedef struct imap_tok {
	enum imap_tok_type type;
	const char *p;		/* TOK_QUOTED: the content between the quotes */
	size_t len;
	char c;			/* TOK_SPECIAL: which */
	int space;		/* white space or a comment before it */
} imap_tok_t;

typedef struct imap_addr_parser {
	const char *s;
	size_t len, i;
	imap_tok_t peek;
	int have_peek;
	const char *comment;	/* the first comment since the last reset */
	size_t comment_len;
	buf_t phrase;		/* words with single spaces: a display name */
	buf_t local;		/* the same without spaces: a local part */
	unsigned int words;	/* tokens in them */
	imap_address_t *addrs;
	unsigned int n;
	unsigned int reserve;	/* slots kept for an open group's end */
} imap_addr_parser_t;

static int imap_addr_special(char c)
{
	return strchr("()<>[]:;@,.\"", c) != NULL;
}

/* White space, line ends and comments (nested, with quoted-pairs). */
static int imap_addr_cfws(imap_addr_parser_t *p)
{
	int space = 0;

	while (p->i < p->len) {
		char c = p->s[p->i];
		unsigned int depth;
		size_t start;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			p->i++;
			space = 1;
			continue;
		}
		if (c != '(')
			break;
		start = ++p->i;
		for (depth = 1; p->i < p->len && depth > 0; p->i++) {
			if (p->s[p->i] == '\\')
				p->i++;
			else if (p->s[p->i] == '(')
				depth++;
			else if (p->s[p->i] == ')')
				depth--;
		}
		if (p->i > p->len)
			p->i = p->len;
		if (p->comment == NULL) {
			p->comment = p->s + start;
			p->comment_len = p->i - start - (depth == 0);
		}
		space = 1;
	}
	return space;
}

static void imap_addr_next(imap_addr_parser_t *p, imap_tok_t *t)
{
	size_t start;
	char c;

	if (p->have_peek) {
		*t = p->peek;
		p->have_peek = 0;
		return;
	}
	t->space = imap_addr_cfws(p);
	if (p->i >= p->len) {
		t->type = TOK_END;
		return;
	}
	c = p->s[p->i];
	start = p->i;
	if (c == '"') {
		for (p->i++; p->i < p->len && p->s[p->i] != '"'; p->i++)
			if (p->s[p->i] == '\\' && p->i + 1 < p->len)
				p->i++;
		t->type = TOK_QUOTED;
		t->p = p->s + start + 1;
		t->len = p->i - start - 1;
		if (p->i < p->len)
			p->i++;
	} else if (c == '[') {
		while (p->i < p->len && p->s[p->i] != ']')
			p->i++;
		if (p->i < p->len)
			p->i++;
		t->type = TOK_WORD;
		t->p = p->s + start;
		t->len = p->i - start;
	} else if (imap_addr_special(c)) {
		p->i++;
		t->type = TOK_SPECIAL;
		t->c = c;
		t->p = p->s + start;
		t->len = 1;
	} else {
		while (p->i < p->len && !imap_addr_special(p->s[p->i]) &&
		       strchr(" \t\r\n", p->s[p->i]) == NULL)
			p->i++;
		t->type = TOK_WORD;
		t->p = p->s + start;
		t->len = p->i - start;
	}
}

static void imap_addr_unget(imap_addr_parser_t *p, const imap_tok_t *t)
{
	p->peek = *t;
	p->have_peek = 1;
}

/* Append a token's text: a quoted-string unquoted, line ends dropped. */
static void imap_addr_put(buf_t *b, const imap_tok_t *t)
{
	if (t->type != TOK_QUOTED) {
		buf_append(b, t->p, t->len);
		return;
	}
	for (size_t i = 0; i < t->len; i++) {
		char c = t->p[i];

		if (c == '\\' && i + 1 < t->len)
			c = t->p[++i];
		else if (c == '\r' || c == '\n')
			continue;
		buf_putc(b, c);
	}
}

static void imap_addr_reset(imap_addr_parser_t *p)
{
	buf_reset(&p->phrase);
	buf_reset(&p->local);
	p->words = 0;
	p->comment = NULL;
}

static char *imap_addr_dup(const buf_t *b)
{
	return mem_strndup(buf_str(b), b->len);
}

/* The display name: the phrase, else the comment, else NIL. */
static char *imap_addr_name(imap_addr_parser_t *p)
{
	buf_t c = BUF_INIT;

	if (p->phrase.len > 0)
		return imap_addr_dup(&p->phrase);
	if (p->comment == NULL)
		return NULL;
	for (size_t i = 0; i < p->comment_len; i++)
		if (p->comment[i] != '\r' && p->comment[i] != '\n')
			buf_putc(&c, p->comment[i]);
	return buf_steal(&c);
}

/* Add an address; takes the strings. */
static void imap_addr_add(imap_addr_parser_t *p, char *name, char *adl,
			  char *mailbox, char *host)
{
	imap_address_t *a;

	if (p->n + p->reserve >= IMAP_ADDRESS_MAX) {
		mem_free(name);
		mem_free(adl);
		mem_free(mailbox);
		mem_free(host);
		return;
	}
	p->addrs = mem_reallocarray(p->addrs, p->n + 1, sizeof(*p->addrs));
	a = &p->addrs[p->n++];
	a->name = name;
	a->adl = adl;
	a->mailbox = mailbox;
	a->host = host;
}

/* Words not followed by '@' or '<': a name without an address. */
static void imap_addr_flush(imap_addr_parser_t *p)
{
	if (p->phrase.len > 0)
		imap_addr_add(p, imap_addr_dup(&p->phrase), NULL,
			      mem_strdup(IMAP_ADDRESS_NO_MAILBOX),
			      mem_strdup(IMAP_ADDRESS_NO_HOST));
	imap_addr_reset(p);
}

/* The mailbox and host of an address, with the markers for what is
 * missing. */
static void imap_addr_add_spec(imap_addr_parser_t *p, char *name, char *adl,
			       int have_local, const buf_t *local, const buf_t *host)
{
	imap_addr_add(p, name, adl,
		      have_local ? imap_addr_dup(local) : mem_strdup(IMAP_ADDRESS_NO_MAILBOX),
		      host->len > 0 ? imap_addr_dup(host) : mem_strdup(IMAP_ADDRESS_NO_HOST));
}

/* A domain after '@': words and dots that follow without a space (or
 * across one only around a dot, RFC 5322 §4.4), into b. */
static void imap_addr_domain(imap_addr_parser_t *p, buf_t *b)
{
	imap_tok_t t;
	int after_dot = 1;

	for (;;) {
		imap_addr_next(p, &t);
		if (t.type == TOK_WORD && (!t.space || after_dot)) {
			buf_append(b, t.p, t.len);
			after_dot = 0;
		} else if (t.type == TOK_SPECIAL && t.c == '.') {
			buf_putc(b, '.');
			after_dot = 1;
		} else {
			imap_addr_unget(p, &t);
			return;
		}
	}
}

/* "<" [route ":"] [local-part] ["@" domain] ">" after the '<'. */
static void imap_addr_angle(imap_addr_parser_t *p)
{
	buf_t adl = BUF_INIT, local = BUF_INIT, host = BUF_INIT;
	imap_tok_t t;
	int have_local = 0;

	imap_addr_next(p, &t);
	if (t.type == TOK_SPECIAL && t.c == '@') {
		/* obs-route: everything up to the ':' */
		while (t.type != TOK_END && !(t.type == TOK_SPECIAL &&
					      (t.c == ':' || t.c == '>'))) {
			imap_addr_put(&adl, &t);
			imap_addr_next(p, &t);
		}
		if (t.type == TOK_SPECIAL && t.c == ':')
			imap_addr_next(p, &t);
	}
	while (t.type == TOK_WORD || t.type == TOK_QUOTED ||
	       (t.type == TOK_SPECIAL && t.c == '.')) {
		imap_addr_put(&local, &t);
		have_local = 1;
		imap_addr_next(p, &t);
	}
	if (t.type == TOK_SPECIAL && t.c == '@') {
		imap_addr_domain(p, &host);
		imap_addr_next(p, &t);
	}
	/* skip to the '>' */
	while (t.type != TOK_END && !(t.type == TOK_SPECIAL && t.c == '>'))
		imap_addr_next(p, &t);
	imap_addr_add_spec(p, imap_addr_name(p), adl.len > 0 ? imap_addr_dup(&adl) : NULL,
			   have_local, &local, &host);
	buf_release(&adl);
	buf_release(&local);
	buf_release(&host);
	/* a comment after the '>' belongs to this address, not the next */
	imap_addr_next(p, &t);
	imap_addr_unget(p, &t);
	imap_addr_reset(p);
}

/* An addr-spec whose local part is in p->local, after the '@'.  Its
 * name can only be a comment, before it or after it: reading the domain
 * looks at the token after it, past such a comment. */
static void imap_addr_spec(imap_addr_parser_t *p)
{
	buf_t host = BUF_INIT;

	imap_addr_domain(p, &host);
	buf_reset(&p->phrase);
	imap_addr_add_spec(p, imap_addr_name(p), NULL, p->words > 0, &p->local, &host);
	buf_release(&host);
	imap_addr_reset(p);
}

/* The end of a group: its marker when its start was kept (in_group 1;
 * 2 is a group whose start did not fit). */
static void imap_addr_group_end(imap_addr_parser_t *p, int in_group)
{
	if (in_group != 1)
		return;
	p->reserve = 0;
	imap_addr_add(p, NULL, NULL, NULL, NULL);
}

unsigned int imap_address_parse(const char *v, size_t len, imap_address_t **addrs_r)
{
	imap_addr_parser_t p;
	int in_group = 0;

	memset(&p, 0, sizeof(p));
	p.s = v;
	p.len = len;
	for (;;) {
		imap_tok_t t;

		imap_addr_next(&p, &t);
		if (t.type == TOK_END)
			break;
		if (t.type == TOK_WORD || t.type == TOK_QUOTED ||
		    (t.type == TOK_SPECIAL && t.c == '.')) {
			if (t.space && p.phrase.len > 0)
				buf_putc(&p.phrase, ' ');
			imap_addr_put(&p.phrase, &t);
			imap_addr_put(&p.local, &t);
			p.words++;
			continue;
		}
		switch (t.c) {
		case '<':
			imap_addr_angle(&p);
			break;
		case '@':
			imap_addr_spec(&p);
			break;
		case ':':
			/* a group start is kept only with room for its end */
			if (in_group == 0 && p.n + 2 <= IMAP_ADDRESS_MAX) {
				in_group = 1;
				imap_addr_add(&p, NULL, NULL, imap_addr_dup(&p.phrase), NULL);
				p.reserve = 1;
			} else if (in_group == 0) {
				in_group = 2;
			}
			imap_addr_reset(&p);
			break;
		case ';':
			imap_addr_flush(&p);
			imap_addr_group_end(&p, in_group);
			in_group = 0;
			break;
		case ',':
			imap_addr_flush(&p);
			break;
		default:	/* a stray '>' ')' ']' */
			break;
		}
	}
	imap_addr_flush(&p);
	imap_addr_group_end(&p, in_group);
	buf_release(&p.phrase);
	buf_release(&p.local);
	*addrs_r = p.addrs;
	return p.n;
}

void imap_address_free(imap_address_t **addrs, unsigned int n)
{
	if (*addrs == NULL)
		return;
	for (unsigned int i = 0; i < n; i++) {
		mem_free((*addrs)[i].name);
		mem_free((*addrs)[i].adl);
		mem_free((*addrs)[i].mailbox);
		mem_free((*addrs)[i].host);
	}
	MEM_FREE(*addrs);
}

void imap_address_write(buf_t *out, const imap_address_t *addrs, unsigned int n,
			int flags)
{
	if (n == 0) {
		buf_append(out, "NIL", 3);
		return;
	}
	buf_putc(out, '(');
	for (unsigned int i = 0; i < n; i++) {
		buf_putc(out, '(');
		imap_quote_nstr(out, addrs[i].name, flags);
		buf_putc(out, ' ');
		imap_quote_nstr(out, addrs[i].adl, flags);
		buf_putc(out, ' ');
		imap_quote_nstr(out, addrs[i].mailbox, flags);
		buf_putc(out, ' ');
		imap_quote_nstr(out, addrs[i].host, flags);
		buf_putc(out, ')');
	}
	buf_putc(out, ')');
}

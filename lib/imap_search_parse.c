/* imap_search_parse.c - IMAP SEARCH keys into a tree; see
 * imap_search_parse.h.
 *
 * Recursive descent over the argument tree: one function per key, lists,
 * NOT and OR going one level down.  The level is checked before each key
 * is read, so the recursion is bounded by IMAP_SEARCH_DEPTH_MAX whatever
 * the input (a line of "NOT NOT NOT ..." holds no list and so passes the
 * command parser's own depth limit).
 */
#include <string.h>
#include <strings.h>

#include "imap_date.h"
#include "imap_quote.h"
#include "imap_search_parse.h"
#include "mem.h"

typedef struct search_parser {
	buf_t *err;
	unsigned texts;		/* keys that match text: at most
				 * IMAP_SEARCH_TEXT_MAX */
} search_parser_t;

/* The keys that take no argument, or one of a kind, by name. */
enum key_arg { ARG_NONE, ARG_NUMBER, ARG_DATE, ARG_STRING, ARG_KEYWORD };

static const struct search_key {
	const char *name;
	enum imap_search_type type;
	enum key_arg arg;
	char letter;		/* FLAG */
	int set;		/* FLAG, KEYWORD, RECENT */
} search_keys[] = {
	{ "ALL", IMAP_SEARCH_ALL, ARG_NONE, 0, 0 },
	{ "ANSWERED", IMAP_SEARCH_FLAG, ARG_NONE, 'R', 1 },
	{ "DELETED", IMAP_SEARCH_FLAG, ARG_NONE, 'T', 1 },
	{ "DRAFT", IMAP_SEARCH_FLAG, ARG_NONE, 'D', 1 },
	{ "FLAGGED", IMAP_SEARCH_FLAG, ARG_NONE, 'F', 1 },
	{ "SEEN", IMAP_SEARCH_FLAG, ARG_NONE, 'S', 1 },
	{ "UNANSWERED", IMAP_SEARCH_FLAG, ARG_NONE, 'R', 0 },
	{ "UNDELETED", IMAP_SEARCH_FLAG, ARG_NONE, 'T', 0 },
	{ "UNDRAFT", IMAP_SEARCH_FLAG, ARG_NONE, 'D', 0 },
	{ "UNFLAGGED", IMAP_SEARCH_FLAG, ARG_NONE, 'F', 0 },
	{ "UNSEEN", IMAP_SEARCH_FLAG, ARG_NONE, 'S', 0 },
	{ "RECENT", IMAP_SEARCH_RECENT, ARG_NONE, 0, 1 },
	{ "OLD", IMAP_SEARCH_RECENT, ARG_NONE, 0, 0 },
	{ "NEW", IMAP_SEARCH_NEW, ARG_NONE, 0, 0 },
	{ "KEYWORD", IMAP_SEARCH_KEYWORD, ARG_KEYWORD, 0, 1 },
	{ "UNKEYWORD", IMAP_SEARCH_KEYWORD, ARG_KEYWORD, 0, 0 },
	{ "LARGER", IMAP_SEARCH_LARGER, ARG_NUMBER, 0, 0 },
	{ "SMALLER", IMAP_SEARCH_SMALLER, ARG_NUMBER, 0, 0 },
	{ "BEFORE", IMAP_SEARCH_BEFORE, ARG_DATE, 0, 0 },
	{ "ON", IMAP_SEARCH_ON, ARG_DATE, 0, 0 },
	{ "SINCE", IMAP_SEARCH_SINCE, ARG_DATE, 0, 0 },
	{ "SENTBEFORE", IMAP_SEARCH_SENTBEFORE, ARG_DATE, 0, 0 },
	{ "SENTON", IMAP_SEARCH_SENTON, ARG_DATE, 0, 0 },
	{ "SENTSINCE", IMAP_SEARCH_SENTSINCE, ARG_DATE, 0, 0 },
	{ "BCC", IMAP_SEARCH_HEADER, ARG_STRING, 0, 0 },
	{ "CC", IMAP_SEARCH_HEADER, ARG_STRING, 0, 0 },
	{ "FROM", IMAP_SEARCH_HEADER, ARG_STRING, 0, 0 },
	{ "SUBJECT", IMAP_SEARCH_HEADER, ARG_STRING, 0, 0 },
	{ "TO", IMAP_SEARCH_HEADER, ARG_STRING, 0, 0 },
	{ "BODY", IMAP_SEARCH_BODY, ARG_STRING, 0, 0 },
	{ "TEXT", IMAP_SEARCH_TEXT, ARG_STRING, 0, 0 },
};

static imap_search_node_t *search_parse_keys(search_parser_t *p,
					     const imap_arg_t *args, size_t n,
					     unsigned level);

static imap_search_node_t *search_node(enum imap_search_type type)
{
	imap_search_node_t *node = mem_zalloc(sizeof(*node));

	node->type = type;
	imap_seqset_init(&node->set_nums);
	return node;
}

void imap_search_free(imap_search_node_t **rootp)
{
	imap_search_node_t *node = *rootp, *child, *next;

	if (node == NULL)
		return;
	for (child = node->children; child != NULL; child = next) {
		next = child->next;
		imap_search_free(&child);
	}
	mem_free(node->field);
	mem_free(node->text);
	imap_seqset_release(&node->set_nums);
	mem_free(node);
	*rootp = NULL;
}

static imap_search_node_t *search_fail(search_parser_t *p, const char *what,
				       const imap_arg_t *a)
{
	buf_puts(p->err, what);
	if (a != NULL && a->type == IMAP_ARG_ATOM && a->len <= 64) {
		buf_puts(p->err, ": ");
		buf_append(p->err, a->text, a->len);
	}
	return NULL;
}

/* RFC 3501 §9: number = 1*DIGIT; number64 (RFC 9051) at most 2^63-1. */
static int search_number(const imap_arg_t *a, uint64_t *n_r)
{
	uint64_t n = 0;

	if (a->type != IMAP_ARG_ATOM || a->len == 0)
		return -1;
	for (size_t i = 0; i < a->len; i++) {
		if (a->text[i] < '0' || a->text[i] > '9')
			return -1;
		n = n * 10 + (uint64_t) (a->text[i] - '0');
		if (n > INT64_MAX)
			return -1;
	}
	*n_r = n;
	return 0;
}

/* RFC 3501 §9: date = date-text / DQUOTE date-text DQUOTE. */
static int search_date(const imap_arg_t *a, int64_t *day_r)
{
	if (a->type != IMAP_ARG_ATOM && a->type != IMAP_ARG_STRING)
		return -1;
	return imap_date_parse(a->text, a->len, day_r);
}

/* flag-keyword = atom: ATOM-CHARs only (none of the atom-specials the
 * argument tree lets into its atoms), and no backslash (§9 flag). */
static int search_keyword(const imap_arg_t *a)
{
	if (a->type != IMAP_ARG_ATOM || a->len == 0)
		return 0;
	for (size_t i = 0; i < a->len; i++) {
		unsigned char c = (unsigned char) a->text[i];

		if (c <= ' ' || c >= 0x7f || strchr("(){%*\"\\]", c) != NULL)
			return 0;
	}
	return 1;
}

static const struct search_key *search_key_find(const char *name)
{
	for (size_t i = 0; i < sizeof(search_keys) / sizeof(search_keys[0]); i++)
		if (strcasecmp(search_keys[i].name, name) == 0)
			return &search_keys[i];
	return NULL;
}

/* A sequence set (RFC 3501 §6.4.4 "sequence-set"; UID's argument). */
static imap_search_node_t *search_set(search_parser_t *p, const imap_arg_t *a,
				      enum imap_search_type type)
{
	imap_search_node_t *node;

	if (a->type != IMAP_ARG_ATOM)
		return search_fail(p, "Invalid sequence set", NULL);
	node = search_node(type);
	if (imap_seqset_parse(&node->set_nums, a->text, a->len) < 0 ||
	    node->set_nums.saved) {
		imap_search_free(&node);
		return search_fail(p, "Invalid sequence set", a);
	}
	node->text = mem_strndup(a->text, a->len);
	node->text_len = a->len;
	return node;
}

/* The key at args[*pos] (level deep), which takes its arguments after
 * it; *pos moves past them. */
static imap_search_node_t *search_key(search_parser_t *p, const imap_arg_t *args,
				      size_t n, size_t *pos, unsigned level)
{
	const imap_arg_t *a = &args[(*pos)++];
	const struct search_key *k;
	imap_search_node_t *node, *child;
	const char *s;
	size_t len;

	if (level > IMAP_SEARCH_DEPTH_MAX)
		return search_fail(p, "Search keys nested too deeply", NULL);
	if (a->type == IMAP_ARG_LIST) {
		const imap_arg_t *items = imap_arg_list(a, &len);

		if (len == 0)
			return search_fail(p, "Empty search key list", NULL);
		return search_parse_keys(p, items, len, level + 1);
	}
	if (a->type != IMAP_ARG_ATOM)
		return search_fail(p, "Search key expected", NULL);
	if ((a->text[0] >= '0' && a->text[0] <= '9') || a->text[0] == '*' ||
	    a->text[0] == '$')
		return search_set(p, a, IMAP_SEARCH_SEQSET);
	if (strcasecmp(a->text, "NOT") == 0 || strcasecmp(a->text, "OR") == 0) {
		int or = a->text[0] == 'O' || a->text[0] == 'o';

		node = search_node(or ? IMAP_SEARCH_OR : IMAP_SEARCH_NOT);
		for (int i = 0; i < 1 + or; i++) {
			if (*pos >= n) {
				imap_search_free(&node);
				return search_fail(p, "Missing search key after", a);
			}
			child = search_key(p, args, n, pos, level + 1);
			if (child == NULL) {
				imap_search_free(&node);
				return NULL;
			}
			if (node->children == NULL)
				node->children = child;
			else
				node->children->next = child;
		}
		return node;
	}
	if (strcasecmp(a->text, "UID") == 0 || strcasecmp(a->text, "HEADER") == 0) {
		int header = a->text[0] == 'H' || a->text[0] == 'h';
		const char *field;
		size_t field_len;

		if (*pos + (size_t) header >= n)
			return search_fail(p, "Missing argument to", a);
		if (!header)
			return search_set(p, &args[(*pos)++], IMAP_SEARCH_UID);
		field = imap_arg_astring(&args[*pos], &field_len);
		s = imap_arg_astring(&args[*pos + 1], &len);
		*pos += 2;
		if (field == NULL || s == NULL || field_len == 0)
			return search_fail(p, "Invalid argument to", a);
		if (++p->texts > IMAP_SEARCH_TEXT_MAX)
			return search_fail(p, "Too many text search keys", NULL);
		node = search_node(IMAP_SEARCH_HEADER);
		node->field = mem_strndup(field, field_len);
		node->text = mem_strndup(s, len);
		node->text_len = len;
		return node;
	}
	k = search_key_find(a->text);
	if (k == NULL)
		return search_fail(p, "Unknown search key", a);
	if (k->arg != ARG_NONE && *pos >= n)
		return search_fail(p, "Missing argument to", a);
	node = search_node(k->type);
	node->letter = k->letter;
	node->set = k->set;
	switch (k->arg) {
	case ARG_NONE:
		return node;
	case ARG_NUMBER:
		if (search_number(&args[*pos], &node->number) < 0)
			goto bad;
		break;
	case ARG_DATE:
		if (search_date(&args[*pos], &node->day) < 0)
			goto bad;
		break;
	case ARG_KEYWORD:
		if (!search_keyword(&args[*pos]))
			goto bad;
		node->text = mem_strndup(args[*pos].text, args[*pos].len);
		node->text_len = args[*pos].len;
		break;
	case ARG_STRING:
		s = imap_arg_astring(&args[*pos], &len);
		if (s == NULL)
			goto bad;
		if (++p->texts > IMAP_SEARCH_TEXT_MAX) {
			imap_search_free(&node);
			return search_fail(p, "Too many text search keys", NULL);
		}
		node->text = mem_strndup(s, len);
		node->text_len = len;
		if (k->type == IMAP_SEARCH_HEADER)
			node->field = mem_strdup(k->name);
		break;
	}
	(*pos)++;
	return node;
bad:
	imap_search_free(&node);
	return search_fail(p, "Invalid argument to", a);
}

/* Keys one after the other, ANDed; one key alone is itself. */
static imap_search_node_t *search_parse_keys(search_parser_t *p,
					     const imap_arg_t *args, size_t n,
					     unsigned level)
{
	imap_search_node_t *first = NULL, *last = NULL, *node, *and;
	size_t pos = 0;

	while (pos < n) {
		node = search_key(p, args, n, &pos, level);
		if (node == NULL) {
			and = search_node(IMAP_SEARCH_AND);
			and->children = first;
			imap_search_free(&and);
			return NULL;
		}
		if (last == NULL)
			first = node;
		else
			last->next = node;
		last = node;
	}
	if (first == last)
		return first;
	and = search_node(IMAP_SEARCH_AND);
	and->children = first;
	return and;
}

enum imap_search_result imap_search_parse(const imap_arg_t *args, size_t n,
					  imap_search_node_t **root_r,
					  buf_t *err)
{
	search_parser_t p = { err, 0 };

	buf_reset(err);
	*root_r = NULL;
	if (n >= 1 && imap_arg_atom_is(&args[0], "CHARSET")) {
		const char *cs = n >= 2 ? imap_arg_astring(&args[1], NULL) : NULL;

		if (cs == NULL) {
			buf_puts(err, "CHARSET needs a charset name");
			return IMAP_SEARCH_BAD;
		}
		if (strcasecmp(cs, "UTF-8") != 0 && strcasecmp(cs, "US-ASCII") != 0)
			return IMAP_SEARCH_BADCHARSET;
		args += 2;
		n -= 2;
	}
	if (n == 0) {
		buf_puts(err, "Search key expected");
		return IMAP_SEARCH_BAD;
	}
	*root_r = search_parse_keys(&p, args, n, 1);
	return *root_r != NULL ? IMAP_SEARCH_PARSED : IMAP_SEARCH_BAD;
}

/* Day number to "d-Mon-yyyy" (the civil calendar from days since
 * 1970-01-01, by eras of 400 years). */
static void search_write_date(int64_t day, buf_t *out)
{
	static const char months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	};
	int64_t z = day + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = yoe + era * 400 + (m <= 2);

	buf_printf(out, "%lld-%s-%04lld", (long long) d, months[m - 1], (long long) y);
}

static const char *search_key_name(const imap_search_node_t *node)
{
	for (size_t i = 0; i < sizeof(search_keys) / sizeof(search_keys[0]); i++) {
		const struct search_key *k = &search_keys[i];

		if (k->type == node->type && k->type != IMAP_SEARCH_HEADER &&
		    (k->type != IMAP_SEARCH_FLAG || k->letter == node->letter) &&
		    k->set == node->set)
			return k->name;
	}
	return NULL;
}

static void search_write_node(const imap_search_node_t *node, buf_t *out, int top)
{
	const imap_search_node_t *c;

	switch (node->type) {
	case IMAP_SEARCH_AND:
		if (!top)
			buf_putc(out, '(');
		for (c = node->children; c != NULL; c = c->next) {
			search_write_node(c, out, 0);
			if (c->next != NULL)
				buf_putc(out, ' ');
		}
		if (!top)
			buf_putc(out, ')');
		return;
	case IMAP_SEARCH_OR:
	case IMAP_SEARCH_NOT:
		buf_puts(out, node->type == IMAP_SEARCH_OR ? "OR" : "NOT");
		for (c = node->children; c != NULL; c = c->next) {
			buf_putc(out, ' ');
			search_write_node(c, out, 0);
		}
		return;
	case IMAP_SEARCH_SEQSET:
		buf_puts(out, node->text);
		return;
	case IMAP_SEARCH_UID:
		buf_printf(out, "UID %s", node->text);
		return;
	case IMAP_SEARCH_HEADER:
		/* quoted even when an atom would do: the command parser reads
		 * an atom with "[" up to its "]" (FETCH's sections) */
		buf_puts(out, "HEADER ");
		imap_quote_string(out, node->field, strlen(node->field), 0);
		buf_putc(out, ' ');
		imap_quote_string(out, node->text, node->text_len, 0);
		return;
	default:
		break;
	}
	buf_puts(out, search_key_name(node));
	switch (node->type) {
	case IMAP_SEARCH_KEYWORD:
		buf_printf(out, " %s", node->text);
		break;
	case IMAP_SEARCH_LARGER:
	case IMAP_SEARCH_SMALLER:
		buf_printf(out, " %llu", (unsigned long long) node->number);
		break;
	case IMAP_SEARCH_BEFORE:
	case IMAP_SEARCH_ON:
	case IMAP_SEARCH_SINCE:
	case IMAP_SEARCH_SENTBEFORE:
	case IMAP_SEARCH_SENTON:
	case IMAP_SEARCH_SENTSINCE:
		buf_putc(out, ' ');
		search_write_date(node->day, out);
		break;
	case IMAP_SEARCH_BODY:
	case IMAP_SEARCH_TEXT:
		buf_putc(out, ' ');
		imap_quote_string(out, node->text, node->text_len, 0);
		break;
	default:
		break;
	}
}

void imap_search_write(const imap_search_node_t *root, buf_t *out)
{
	search_write_node(root, out, 1);
}

static int search_str_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	if (a == NULL || b == NULL)
		return a == b;
	return alen == blen && memcmp(a, b, alen) == 0;
}

int imap_search_equal(const imap_search_node_t *a, const imap_search_node_t *b)
{
	const imap_search_node_t *ca, *cb;

	if (a->type != b->type || a->letter != b->letter || a->set != b->set ||
	    a->number != b->number || a->day != b->day ||
	    !search_str_equal(a->text, a->text_len, b->text, b->text_len) ||
	    !search_str_equal(a->field, a->field ? strlen(a->field) : 0,
			      b->field, b->field ? strlen(b->field) : 0))
		return 0;
	for (ca = a->children, cb = b->children; ca != NULL && cb != NULL;
	     ca = ca->next, cb = cb->next)
		if (!imap_search_equal(ca, cb))
			return 0;
	return ca == NULL && cb == NULL;
}

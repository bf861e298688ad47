/* test_imap_search_parse.c - unit tests for lib/imap_search_parse.c: every
 * RFC 3501 §6.4.4 key into its node, lists and implicit AND, NOT and OR
 * nesting, the depth limit, CHARSET, strings in every form (atom, quoted,
 * literal), sequence sets, refused syntax, and the written form parsing
 * back to the same tree.
 */
#include <stdio.h>
#include <string.h>

#include "../../lib/buf.h"
#include "../../lib/imap_parse.h"
#include "../../lib/imap_search_parse.h"
#include "test.h"

static imap_parser_t *parser;

/* The command "a SEARCH <keys>" through the command parser (literals
 * kept), then the search parser.  NULL when the command parser refuses
 * it; *r_out, *root_out and err as imap_search_parse() leaves them. */
static const imap_cmd_t *search_cmd(const char *keys, enum imap_search_result *r_out,
				    imap_search_node_t **root_out, buf_t *err)
{
	buf_t line = BUF_INIT;
	enum imap_parse_result r = IMAP_PARSE_ERROR;
	const imap_cmd_t *cmd;
	size_t pos = 0;

	if (parser == NULL)
		parser = imap_parser_new(NULL, IMAP_PARSE_UTF8 | IMAP_PARSE_LITERAL8);
	buf_printf(&line, "a SEARCH %s\r\n", keys);
	while (pos < line.len) {
		const char *nl = memchr(line.data + pos, '\n', line.len - pos);
		size_t l = (size_t) (nl - (line.data + pos)) + 1;

		r = imap_parse_line(parser, line.data + pos, l);
		pos += l;
		if (r == IMAP_PARSE_LITERAL) {
			l = imap_parser_cmd(parser)->literal_size;
			r = imap_parse_literal_keep(parser, line.data + pos, l);
			pos += l;
		}
	}
	buf_release(&line);
	if (r != IMAP_PARSE_DONE)
		return NULL;
	cmd = imap_parser_cmd(parser);
	*r_out = imap_search_parse(cmd->args, cmd->nargs, root_out, err);
	return cmd;
}

/* The tree's written form, "BAD: reason", "BADCHARSET" or "(syntax)";
 * every accepted tree must parse back from its written form. */
static const char *norm(const char *keys)
{
	static buf_t out = BUF_INIT;
	buf_t err = BUF_INIT, err2 = BUF_INIT, written = BUF_INIT;
	imap_search_node_t *root = NULL, *again = NULL;
	enum imap_search_result r, r2;

	buf_reset(&out);
	if (search_cmd(keys, &r, &root, &err) == NULL) {
		buf_puts(&out, "(syntax)");
	} else if (r == IMAP_SEARCH_BAD) {
		buf_printf(&out, "BAD: %s", buf_str(&err));
		if (root != NULL)
			buf_puts(&out, " (and a tree)");
	} else if (r == IMAP_SEARCH_BADCHARSET) {
		buf_puts(&out, root == NULL ? "BADCHARSET" : "BADCHARSET (and a tree)");
	} else {
		imap_search_write(root, &out);
		imap_search_write(root, &written);
		if (search_cmd(buf_str(&written), &r2, &again, &err2) == NULL ||
		    r2 != IMAP_SEARCH_PARSED || !imap_search_equal(root, again))
			buf_puts(&out, " (no round trip)");
	}
	imap_search_free(&root);
	imap_search_free(&again);
	buf_release(&err);
	buf_release(&err2);
	buf_release(&written);
	return buf_str(&out);
}

static void test_search_parse_keys(void)
{
	test_begin("imap_search_parse: every key of RFC 3501 §6.4.4");
	test_assert_str(norm("ALL"), "ALL");
	test_assert_str(norm("all"), "ALL");
	test_assert_str(norm("ANSWERED DELETED DRAFT FLAGGED SEEN"),
			"ANSWERED DELETED DRAFT FLAGGED SEEN");
	test_assert_str(norm("UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN"),
			"UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN");
	test_assert_str(norm("NEW OLD RECENT"), "NEW OLD RECENT");
	test_assert_str(norm("KEYWORD $Forwarded UNKEYWORD Junk"),
			"KEYWORD $Forwarded UNKEYWORD Junk");
	test_assert_str(norm("LARGER 100 SMALLER 9223372036854775807"),
			"LARGER 100 SMALLER 9223372036854775807");
	test_assert_str(norm("BEFORE 1-Feb-1994 ON \"07-Feb-1994\" SINCE 29-Feb-2000"),
			"BEFORE 1-Feb-1994 ON 7-Feb-1994 SINCE 29-Feb-2000");
	test_assert_str(norm("SENTBEFORE 1-Jan-1970 SENTON 31-dec-1969 SENTSINCE 1-Mar-2400"),
			"SENTBEFORE 1-Jan-1970 SENTON 31-Dec-1969 SENTSINCE 1-Mar-2400");
	test_assert_str(norm("FROM alice TO \"bob b\" CC carol BCC dave SUBJECT hi"),
			"HEADER \"FROM\" \"alice\" HEADER \"TO\" \"bob b\" HEADER \"CC\" \"carol\" "
			"HEADER \"BCC\" \"dave\" HEADER \"SUBJECT\" \"hi\"");
	test_assert_str(norm("HEADER X-Mailer \"\""), "HEADER \"X-Mailer\" \"\"");
	test_assert_str(norm("HEADER \"A[1\" x"), "HEADER \"A[1\" \"x\"");
	test_assert_str(norm("BODY word TEXT \"two words\""),
			"BODY \"word\" TEXT \"two words\"");
	test_assert_str(norm("1:3,5"), "1:3,5");
	test_assert_str(norm("2:* UID 10:*"), "2:* UID 10:*");
	test_assert_str(norm("uid 4"), "UID 4");
	test_assert_str(norm("SUBJECT NIL"), "HEADER \"SUBJECT\" \"NIL\"");
	test_end();
}

static void test_search_parse_nesting(void)
{
	test_begin("imap_search_parse: lists, NOT, OR");
	test_assert_str(norm("(SEEN)"), "SEEN");
	test_assert_str(norm("((SEEN))"), "SEEN");
	test_assert_str(norm("(SEEN FLAGGED)"), "SEEN FLAGGED");
	test_assert_str(norm("SEEN (FLAGGED DRAFT)"), "SEEN (FLAGGED DRAFT)");
	test_assert_str(norm("NOT SEEN"), "NOT SEEN");
	test_assert_str(norm("NOT NOT SEEN"), "NOT NOT SEEN");
	test_assert_str(norm("OR SEEN FLAGGED"), "OR SEEN FLAGGED");
	test_assert_str(norm("OR OR SEEN FLAGGED DRAFT"), "OR OR SEEN FLAGGED DRAFT");
	test_assert_str(norm("OR (SEEN FROM x) NOT (UID 1:5 LARGER 3)"),
			"OR (SEEN HEADER \"FROM\" \"x\") NOT (UID 1:5 LARGER 3)");
	test_assert_str(norm("NOT OR 1 2 3"), "NOT OR 1 2 3");
	test_end();
}

static void test_search_parse_strings(void)
{
	test_begin("imap_search_parse: strings as atoms, quoted, literals");
	test_assert_str(norm("SUBJECT {5}\r\nhe\"lo"), "HEADER \"SUBJECT\" \"he\\\"lo\"");
	test_assert_str(norm("BODY {4}\r\na\r\nb FLAGGED"), "BODY {4}\r\na\r\nb FLAGGED");
	test_assert_str(norm("CHARSET UTF-8 SUBJECT {5}\r\nk\xc3\xa4se"),
			"HEADER \"SUBJECT\" {5}\r\nk\xc3\xa4se");
	test_assert_str(norm("CHARSET \"us-ascii\" TEXT \"a\\\\b\""), "TEXT \"a\\\\b\"");
	test_assert_str(norm("charset utf-8 ALL"), "ALL");
	test_assert_str(norm("TEXT \"k\xc3\xa4se\""), "TEXT {5}\r\nk\xc3\xa4se");
	test_assert_str(norm("HEADER \"X-Odd Name\" \"v\""),
			"HEADER \"X-Odd Name\" \"v\"");
	test_end();
}

static void test_search_parse_charset(void)
{
	test_begin("imap_search_parse: CHARSET");
	test_assert_str(norm("CHARSET ISO-8859-1 ALL"), "BADCHARSET");
	test_assert_str(norm("CHARSET KOI8-R SUBJECT x"), "BADCHARSET");
	test_assert_str(norm("CHARSET UTF-8"), "BAD: Search key expected");
	test_assert_str(norm("CHARSET"), "BAD: CHARSET needs a charset name");
	test_assert_str(norm("CHARSET (UTF-8) ALL"), "BAD: CHARSET needs a charset name");
	test_assert_str(norm("ALL CHARSET UTF-8"), "BAD: Unknown search key: CHARSET");
	test_end();
}

static void test_search_parse_bad(void)
{
	test_begin("imap_search_parse: refused syntax");
	test_assert_str(norm("FOO"), "BAD: Unknown search key: FOO");
	test_assert_str(norm("\"ALL\""), "BAD: Search key expected");
	test_assert_str(norm("()"), "BAD: Empty search key list");
	test_assert_str(norm("SEEN ()"), "BAD: Empty search key list");
	test_assert_str(norm("NOT"), "BAD: Missing search key after: NOT");
	test_assert_str(norm("OR SEEN"), "BAD: Missing search key after: OR");
	test_assert_str(norm("OR SEEN BOGUS"), "BAD: Unknown search key: BOGUS");
	test_assert_str(norm("LARGER"), "BAD: Missing argument to: LARGER");
	test_assert_str(norm("LARGER x"), "BAD: Invalid argument to: LARGER");
	test_assert_str(norm("LARGER -1"), "BAD: Invalid argument to: LARGER");
	test_assert_str(norm("SMALLER 9223372036854775808"),
			"BAD: Invalid argument to: SMALLER");
	test_assert_str(norm("SMALLER \"5\""), "BAD: Invalid argument to: SMALLER");
	test_assert_str(norm("BEFORE 30-Feb-2000"), "BAD: Invalid argument to: BEFORE");
	test_assert_str(norm("SINCE 1-Foo-2000"), "BAD: Invalid argument to: SINCE");
	test_assert_str(norm("ON {10}\r\n1-Jan-2000"), "BAD: Invalid argument to: ON");
	test_assert_str(norm("KEYWORD \\Seen"), "BAD: Invalid argument to: KEYWORD");
	test_assert_str(norm("KEYWORD \"x\""), "BAD: Invalid argument to: KEYWORD");
	test_assert_str(norm("UNKEYWORD"), "BAD: Missing argument to: UNKEYWORD");
	test_assert_str(norm("HEADER Subject"), "BAD: Missing argument to: HEADER");
	test_assert_str(norm("HEADER \"\" x"), "BAD: Invalid argument to: HEADER");
	test_assert_str(norm("HEADER (a) x"), "BAD: Invalid argument to: HEADER");
	test_assert_str(norm("SUBJECT (x)"), "BAD: Invalid argument to: SUBJECT");
	test_assert_str(norm("SUBJECT ~{1}\r\nx"), "BAD: Invalid argument to: SUBJECT");
	test_assert_str(norm("UID"), "BAD: Missing argument to: UID");
	test_assert_str(norm("UID x"), "BAD: Invalid sequence set: x");
	test_assert_str(norm("UID \"1\""), "BAD: Invalid sequence set");
	test_assert_str(norm("1:x"), "BAD: Invalid sequence set: 1:x");
	test_assert_str(norm("0"), "BAD: Invalid sequence set: 0");
	test_assert_str(norm("$"), "BAD: Invalid sequence set: $");
	test_assert_str(norm("UID $"), "BAD: Invalid sequence set: $");
	test_assert_str(norm("SEEN NIL"), "BAD: Search key expected");
	test_end();
}

/* n copies of word, then key, then n closing texts. */
static const char *nest(const char *word, const char *key, const char *close,
			unsigned n)
{
	static buf_t b = BUF_INIT;

	buf_reset(&b);
	for (unsigned i = 0; i < n; i++)
		buf_puts(&b, word);
	buf_puts(&b, key);
	for (unsigned i = 0; i < n; i++)
		buf_puts(&b, close);
	return buf_str(&b);
}

static void test_search_parse_depth(void)
{
	char expect[64];

	test_begin("imap_search_parse: nesting limit");
	snprintf(expect, sizeof(expect), "BAD: Search keys nested too deeply");
	/* the top level is level 1: IMAP_SEARCH_DEPTH_MAX - 1 operators fit */
	test_assert(strncmp(norm(nest("NOT ", "SEEN", "", IMAP_SEARCH_DEPTH_MAX - 1)),
			    "NOT NOT ", 8) == 0);
	test_assert_str(norm(nest("NOT ", "SEEN", "", IMAP_SEARCH_DEPTH_MAX)), expect);
	test_assert(strncmp(norm(nest("OR ", "SEEN", " ALL", IMAP_SEARCH_DEPTH_MAX - 1)),
			    "OR OR ", 6) == 0);
	test_assert_str(norm(nest("OR ", "SEEN", " ALL", IMAP_SEARCH_DEPTH_MAX)), expect);
	test_assert_str(norm(nest("OR ALL ", "SEEN", "", 4000)), expect);
	test_assert_str(norm(nest("NOT (", "SEEN", ")", 30)), nest("NOT ", "SEEN", "", 30));
	/* the command parser's own list limit comes first for lists */
	test_assert_str(norm(nest("(", "SEEN", ")", 70)), "(syntax)");
	/* keys that match text: at most IMAP_SEARCH_TEXT_MAX (audit i14-03) */
	test_assert(strncmp(norm(nest("TEXT w ", "ALL", "", IMAP_SEARCH_TEXT_MAX)),
			    "TEXT ", 5) == 0);
	test_assert_str(norm(nest("NOT TEXT w ", "ALL", "", IMAP_SEARCH_TEXT_MAX + 1)),
			"BAD: Too many text search keys");
	test_assert_str(norm(nest("HEADER X w ", "ALL", "", IMAP_SEARCH_TEXT_MAX + 1)),
			"BAD: Too many text search keys");
	test_end();
}

static void test_search_parse_tree(void)
{
	imap_search_node_t *root = NULL;
	buf_t err = BUF_INIT;
	enum imap_search_result r;
	imap_search_node_t *c;

	test_begin("imap_search_parse: the nodes");
	test_assert(search_cmd("OR UNSEEN KEYWORD $Junk (FROM \"a b\" 2:* LARGER 7 "
			       "SENTON 2-Jan-1970)", &r, &root, &err) != NULL);
	test_assert_int(r, IMAP_SEARCH_PARSED);
	if (root != NULL && r == IMAP_SEARCH_PARSED) {
		test_assert_int(root->type, IMAP_SEARCH_AND);
		c = root->children;
		test_assert_int(c->type, IMAP_SEARCH_OR);
		test_assert_int(c->children->type, IMAP_SEARCH_FLAG);
		test_assert_int(c->children->letter, 'S');
		test_assert_int(c->children->set, 0);
		test_assert_int(c->children->next->type, IMAP_SEARCH_KEYWORD);
		test_assert_str(c->children->next->text, "$Junk");
		test_assert(c->children->next->next == NULL);
		c = c->next;
		test_assert_int(c->type, IMAP_SEARCH_AND);
		test_assert(c->next == NULL);
		c = c->children;
		test_assert_int(c->type, IMAP_SEARCH_HEADER);
		test_assert_str(c->field, "FROM");
		test_assert_str(c->text, "a b");
		test_assert_int(c->text_len, 3);
		c = c->next;
		test_assert_int(c->type, IMAP_SEARCH_SEQSET);
		test_assert_int(c->set_nums.resolved, 0);
		imap_seqset_resolve(&c->set_nums, 5);
		test_assert(imap_seqset_contains(&c->set_nums, 2));
		test_assert(imap_seqset_contains(&c->set_nums, 5));
		test_assert(!imap_seqset_contains(&c->set_nums, 1));
		c = c->next;
		test_assert_int(c->type, IMAP_SEARCH_LARGER);
		test_assert_int(c->number, 7);
		c = c->next;
		test_assert_int(c->type, IMAP_SEARCH_SENTON);
		test_assert_int(c->day, 1);
	}
	imap_search_free(&root);
	test_assert(root == NULL);
	test_assert(search_cmd("FOO", &r, &root, &err) != NULL);
	test_assert_int(r, IMAP_SEARCH_BAD);
	test_assert(root == NULL);
	test_assert(search_cmd("CHARSET BIG5 ALL", &r, &root, &err) != NULL);
	test_assert_int(r, IMAP_SEARCH_BADCHARSET);
	test_assert(root == NULL);
	test_assert(search_cmd("OR ALL (SEEN SEEN) (SEEN SEEN) FOO", &r, &root, &err) != NULL);
	test_assert_int(r, IMAP_SEARCH_BAD);
	test_assert(root == NULL);
	buf_release(&err);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_search_parse_keys,
		test_search_parse_nesting,
		test_search_parse_strings,
		test_search_parse_charset,
		test_search_parse_bad,
		test_search_parse_depth,
		test_search_parse_tree,
		NULL,
	};
	int r = test_main(tests);

	imap_parser_free(&parser);
	return r;
}

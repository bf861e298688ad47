/* test_imap_parse.c - unit tests for lib/imap_parse.c and lib/imap_arg.c:
 * IMAP command lines and literals into tag, name and argument tree, the
 * errors with their tag and the octets to skip, the limits, and the wire
 * form of a tree parsing back to the same tree.
 */
#include <string.h>

#include "../../lib/buf.h"
#include "../../lib/imap_parse.h"
#include "test.h"

static enum imap_parse_result line(imap_parser_t *p, const char *s)
{
	return imap_parse_line(p, s, strlen(s));
}

/* The parsed command as "TAG NAME args" in wire form. */
static const char *tree(const imap_parser_t *p)
{
	static buf_t out = BUF_INIT;
	const imap_cmd_t *cmd = imap_parser_cmd(p);

	buf_reset(&out);
	buf_printf(&out, "%s %s", cmd->tag ? cmd->tag : "(none)",
		   cmd->name ? cmd->name : "(none)");
	if (cmd->nargs > 0) {
		buf_putc(&out, ' ');
		imap_args_write(cmd->args, cmd->nargs, &out);
	}
	return buf_str(&out);
}

static const imap_cmd_t *cmd_of(const imap_parser_t *p)
{
	return imap_parser_cmd(p);
}

/* One line that must parse to DONE with the tree expected. */
static void ok(imap_parser_t *p, const char *s, const char *expect)
{
	enum imap_parse_result r = line(p, s);

	test_assert_int(r, IMAP_PARSE_DONE);
	if (r != IMAP_PARSE_DONE)
		printf("  for %s: %s\n", s, cmd_of(p)->error ? cmd_of(p)->error : "");
	test_assert_str(tree(p), expect);
}

/* One line that must fail with the tag (NULL: none) and skip. */
static void bad(imap_parser_t *p, const char *s, const char *tag, unsigned skip)
{
	enum imap_parse_result r = line(p, s);
	const imap_cmd_t *cmd = cmd_of(p);

	test_assert_int(r, IMAP_PARSE_ERROR);
	if (r != IMAP_PARSE_ERROR)
		printf("  for %s\n", s);
	if (tag == NULL)
		test_assert(cmd->tag == NULL);
	else
		test_assert_str(cmd->tag, tag);
	test_assert(cmd->error != NULL && cmd->error[0] != '\0');
	test_assert_int(cmd->skip, skip);
}

static void test_imap_parse_simple(void)
{
	imap_parser_t *p = imap_parser_new(NULL, 0);

	test_begin("imap_parse: tag, upper-cased name, atoms, strings, NIL");
	ok(p, "a1 NOOP\r\n", "a1 NOOP");
	test_assert_int(cmd_of(p)->nargs, 0);
	ok(p, "a2 noop\r\n", "a2 NOOP");
	ok(p, "x]y Capability\r\n", "x]y CAPABILITY");
	ok(p, "a LOGIN \"us\\\"er\" \"pa\\\\ss\"\r\n",
	   "a LOGIN \"us\\\"er\" \"pa\\\\ss\"");
	test_assert_int(cmd_of(p)->args[0].type, IMAP_ARG_STRING);
	test_assert_str(cmd_of(p)->args[0].text, "us\"er");
	test_assert_str(cmd_of(p)->args[1].text, "pa\\ss");
	ok(p, "a X NIL nil \"NIL\" \"\"\r\n", "a X NIL nil \"NIL\" \"\"");
	test_assert_int(cmd_of(p)->args[0].type, IMAP_ARG_NIL);
	test_assert_int(cmd_of(p)->args[1].type, IMAP_ARG_NIL);
	test_assert_int(cmd_of(p)->args[2].type, IMAP_ARG_STRING);
	test_assert_int(cmd_of(p)->args[3].len, 0);
	ok(p, "a LOGIN \"{10}\" x\r\n", "a LOGIN \"{10}\" x");
	test_assert_str(cmd_of(p)->args[0].text, "{10}");
	ok(p, "a LIST \"\" %/*\r\n", "a LIST \"\" %/*");
	test_assert_int(cmd_of(p)->args[1].type, IMAP_ARG_ATOM);
	ok(p, "a AUTHENTICATE PLAIN AHVzZXIAcGFzcw==\r\n",
	   "a AUTHENTICATE PLAIN AHVzZXIAcGFzcw==");
	imap_parser_free(&p);
	test_assert(p == NULL);
	test_end();
}

static void test_imap_parse_atoms(void)
{
	imap_parser_t *p = imap_parser_new(NULL, 0);
	const imap_arg_t *items;
	size_t n;

	test_begin("imap_parse: FETCH items, flags, sequence sets are atoms");
	ok(p, "a UID FETCH 1:*,5:2 (FLAGS BODY.PEEK[HEADER.FIELDS (Subject From)]<0.1024> BINARY[1.2])\r\n",
	   "a UID FETCH 1:*,5:2 (FLAGS BODY.PEEK[HEADER.FIELDS (Subject From)]<0.1024> BINARY[1.2])");
	test_assert_int(cmd_of(p)->nargs, 3);
	test_assert_str(imap_arg_atom(&cmd_of(p)->args[1]), "1:*,5:2");
	items = imap_arg_list(&cmd_of(p)->args[2], &n);
	test_assert(items != NULL);
	test_assert_int(n, 3);
	if (n == 3) {
		test_assert_str(imap_arg_atom(&items[1]),
				"BODY.PEEK[HEADER.FIELDS (Subject From)]<0.1024>");
		test_assert_str(imap_arg_atom(&items[2]), "BINARY[1.2]");
	}
	ok(p, "a FETCH 1 BODY[HEADER.FIELDS (\"X]\" From)]\r\n",
	   "a FETCH 1 BODY[HEADER.FIELDS (\"X]\" From)]");
	test_assert_int(cmd_of(p)->nargs, 2);
	ok(p, "a FETCH 1 (BODY[])\r\n", "a FETCH 1 (BODY[])");
	ok(p, "a STORE 1 +FLAGS.SILENT (\\Seen \\* $Junk)\r\n",
	   "a STORE 1 +FLAGS.SILENT (\\Seen \\* $Junk)");
	items = imap_arg_list(&cmd_of(p)->args[2], &n);
	test_assert_int(n, 3);
	test_assert(imap_arg_atom_is(&items[0], "\\SEEN"));
	test_assert_str(imap_arg_atom(&items[1]), "\\*");
	ok(p, "a STATUS box ()\r\n", "a STATUS box ()");
	items = imap_arg_list(&cmd_of(p)->args[1], &n);
	test_assert(items != NULL);
	test_assert_int(n, 0);
	ok(p, "a SEARCH $ ~x\r\n", "a SEARCH $ ~x");
	/* astring: ']' is an ASTRING-CHAR, '*' and '\' are not */
	ok(p, "a SELECT a]b c* \\d NIL\r\n", "a SELECT a]b c* \\d NIL");
	test_assert_str(imap_arg_astring(&cmd_of(p)->args[0], NULL), "a]b");
	test_assert(imap_arg_astring(&cmd_of(p)->args[1], NULL) == NULL);
	test_assert(imap_arg_astring(&cmd_of(p)->args[2], NULL) == NULL);
	test_assert_str(imap_arg_astring(&cmd_of(p)->args[3], NULL), "NIL");
	/* '[' without its ']' is an ATOM-CHAR: the command judges it */
	ok(p, "a FETCH 1 BODY[HEADER\r\n", "a FETCH 1 BODY[HEADER");
	ok(p, "a LIST \"\" !#$&'+,-.09:;<=>?@^_`|[}%*\r\n",
	   "a LIST \"\" !#$&'+,-.09:;<=>?@^_`|[}%*");
	bad(p, "a FETCH 1 BODY[\"]\r\n", "a", 0);
	bad(p, "a STORE 1 FLAGS (\\ x)\r\n", "a", 0);
	bad(p, "a X a\\b\r\n", "a", 0);
	imap_parser_free(&p);
	test_end();
}

static void test_imap_parse_syntax_errors(void)
{
	imap_parser_t *p = imap_parser_new(NULL, 0);
	char deep[2100];

	test_begin("imap_parse: strict syntax, BAD with the tag");
	bad(p, "\r\n", NULL, 0);
	bad(p, "", NULL, 0);
	bad(p, "* NOOP\r\n", NULL, 0);
	bad(p, "+ NOOP\r\n", NULL, 0);
	bad(p, "a{ NOOP\r\n", NULL, 0);
	bad(p, "a%b NOOP\r\n", NULL, 0);
	bad(p, " a NOOP\r\n", NULL, 0);
	bad(p, "a\r\n", NULL, 0);
	bad(p, "a \r\n", "a", 0);
	bad(p, "a NO\"OP\r\n", "a", 0);
	bad(p, "a NOOP \r\n", "a", 0);
	bad(p, "a  NOOP\r\n", "a", 0);
	bad(p, "a LOGIN a  b\r\n", "a", 0);
	bad(p, "a NOOP\n", "a", 0);
	bad(p, "a NOOP\r", "a", 0);
	bad(p, "a NOOP", "a", 0);
	bad(p, "a NO\rOP\r\n", "a", 0);
	bad(p, "a LOGIN {5} x\r\n", "a", 0);
	bad(p, "a LOGIN \"{10}\r\n", "a", 0);
	bad(p, "a LOGIN \"fo\ro\" x\r\n", "a", 0);
	bad(p, "a LOGIN \"f\\o\" x\r\n", "a", 0);
	bad(p, "a LOGIN \"f\xc3\xa9\" x\r\n", "a", 0);
	bad(p, "a FETCH 1 (FLAGS\r\n", "a", 0);
	bad(p, "a FETCH 1 FLAGS)\r\n", "a", 0);
	bad(p, "a FETCH 1 ( FLAGS)\r\n", "a", 0);
	bad(p, "a FETCH 1 (FLAGS )\r\n", "a", 0);
	bad(p, "a X (a)(b)\r\n", "a", 0);
	bad(p, "a X \"a\"b\r\n", "a", 0);
	bad(p, "a X a\x7f\r\n", "a", 0);
	bad(p, "a X \xc3\xa9\r\n", "a", 0);
	test_assert_int(imap_parse_line(p, "a X a\0b\r\n", 9), IMAP_PARSE_ERROR);
	test_assert_int(imap_parse_line(p, "a X \"a\0b\"\r\n", 11), IMAP_PARSE_ERROR);
	/* 1000 nested parentheses against the default depth of 64 */
	memset(deep, 0, sizeof(deep));
	strcpy(deep, "a X ");
	memset(deep + 4, '(', 1000);
	memset(deep + 1004, ')', 1000);
	strcat(deep, "\r\n");
	bad(p, deep, "a", 0);
	memset(deep, 0, sizeof(deep));
	strcpy(deep, "a X ");
	memset(deep + 4, '(', IMAP_PARSE_DEPTH_MAX);
	memset(deep + 4 + IMAP_PARSE_DEPTH_MAX, ')', IMAP_PARSE_DEPTH_MAX);
	strcat(deep, "\r\n");
	test_assert_int(line(p, deep), IMAP_PARSE_DONE);
	/* after all this, a good command still parses */
	ok(p, "b NOOP\r\n", "b NOOP");
	imap_parser_free(&p);
	test_end();
}

static void test_imap_parse_options(void)
{
	imap_parser_t *p = imap_parser_new(NULL, IMAP_PARSE_BARE_LF);

	test_begin("imap_parse: bare LF and UTF-8 quoted strings as options");
	ok(p, "a NOOP\n", "a NOOP");
	ok(p, "a NOOP\r\n", "a NOOP");
	bad(p, "a LOGIN \"f\xc3\xa9\" x\n", "a", 0);
	imap_parser_set_options(p, IMAP_PARSE_UTF8);
	bad(p, "a NOOP\n", "a", 0);
	ok(p, "a SELECT \"f\xc3\xa9\xf0\x9f\x98\x80\"\r\n",
	   "a SELECT \"f\xc3\xa9\xf0\x9f\x98\x80\"");
	bad(p, "a SELECT \"f\xc3\x28\"\r\n", "a", 0);
	bad(p, "a SELECT \"\xed\xa0\x80\"\r\n", "a", 0);
	bad(p, "a SELECT \"\xc0\xaf\"\r\n", "a", 0);
	bad(p, "a SELECT f\xc3\xa9\r\n", "a", 0);
	imap_parser_free(&p);
	test_end();
}

static void test_imap_parse_literals(void)
{
	imap_parser_t *p = imap_parser_new(NULL, IMAP_PARSE_LITERAL_PLUS);
	const imap_cmd_t *cmd;

	test_begin("imap_parse: synchronizing and non-synchronizing literals");
	test_assert_int(line(p, "a LOGIN {4}\r\n"), IMAP_PARSE_LITERAL);
	cmd = cmd_of(p);
	test_assert_int(cmd->literal_size, 4);
	test_assert_int(cmd->literal_sync, 1);
	test_assert_int(cmd->literal8, 0);
	test_assert_int(cmd->literal_depth, 0);
	test_assert_int(cmd->literal_fits, 1);
	test_assert_str(cmd->name, "LOGIN");
	test_assert_int(cmd->nargs, 0);
	test_assert_int(imap_parse_literal_keep(p, "us r", 4), IMAP_PARSE_MORE);
	test_assert_int(line(p, " {4+}\r\n"), IMAP_PARSE_LITERAL);
	test_assert_int(cmd->literal_sync, 0);
	test_assert_int(imap_parse_literal_keep(p, "pa\"s", 4), IMAP_PARSE_MORE);
	ok(p, "\r\n", "a LOGIN {4}\r\nus r {4}\r\npa\"s");
	test_assert_int(cmd->args[0].type, IMAP_ARG_LITERAL);
	test_assert_str(imap_arg_astring(&cmd->args[1], NULL), "pa\"s");

	/* a literal inside a list, and the rest of the list after it */
	test_assert_int(line(p, "a STORE 1 +FLAGS ({3}\r\n"), IMAP_PARSE_LITERAL);
	test_assert_int(cmd->literal_depth, 1);
	test_assert_int(imap_parse_literal_keep(p, "a b", 3), IMAP_PARSE_MORE);
	ok(p, " \\Seen)\r\n", "a STORE 1 +FLAGS ({3}\r\na b \\Seen)");
	test_assert_int(line(p, "a X ({0}\r\n"), IMAP_PARSE_LITERAL);
	test_assert_int(imap_parse_literal_keep(p, "", 0), IMAP_PARSE_MORE);
	ok(p, ")\r\n", "a X ({0}\r\n)");
	/* after a literal: a separator or the end, nothing else */
	test_assert_int(line(p, "a X {1}\r\n"), IMAP_PARSE_LITERAL);
	test_assert_int(imap_parse_literal_keep(p, "x", 1), IMAP_PARSE_MORE);
	bad(p, "y\r\n", "a", 0);
	test_assert_int(line(p, "a X {1}\r\n"), IMAP_PARSE_LITERAL);
	test_assert_int(imap_parse_literal_keep(p, "x", 1), IMAP_PARSE_MORE);
	bad(p, " \r\n", "a", 0);

	/* 32-bit sizes only */
	test_assert_int(line(p, "a X {4294967295}\r\n"), IMAP_PARSE_LITERAL);
	test_assert_int(cmd->literal_size, 4294967295u);
	test_assert_int(cmd->literal_fits, 0);
	imap_parser_reset(p);
	bad(p, "a X {4294967296}\r\n", "a", 0);
	bad(p, "a X {99999999999999999999}\r\n", "a", 0);
	bad(p, "a X {}\r\n", "a", 0);
	bad(p, "a X {+}\r\n", "a", 0);
	bad(p, "a X {1\r\n", "a", 0);
	bad(p, "a X {-1}\r\n", "a", 0);
	imap_parser_free(&p);
	test_end();
}

static void test_imap_parse_taken(void)
{
	imap_parser_t *p = imap_parser_new(NULL, IMAP_PARSE_LITERAL_PLUS);
	const imap_cmd_t *cmd = cmd_of(p);

	test_begin("imap_parse: APPEND's literal taken by the caller");
	test_assert_int(line(p, "A3 APPEND INBOX (\\Seen) \" 7-Feb-1994 21:52:25 -0800\" {50000000}\r\n"),
			IMAP_PARSE_LITERAL);
	test_assert_str(cmd->name, "APPEND");
	test_assert_int(cmd->nargs, 3);
	test_assert_int(cmd->literal_size, 50000000);
	test_assert_int(cmd->literal_fits, 0);
	test_assert_int(cmd->literal_depth, 0);
	test_assert_int(imap_parse_literal_taken(p), IMAP_PARSE_MORE);
	test_assert_int(line(p, "\r\n"), IMAP_PARSE_DONE);
	test_assert_int(cmd->nargs, 4);
	test_assert_int(cmd->args[3].type, IMAP_ARG_LITERAL_TAKEN);
	test_assert_int(cmd->args[3].len, 50000000);
	test_assert(cmd->args[3].text == NULL);
	test_assert(imap_arg_string(&cmd->args[3], 1, NULL) == NULL);
	imap_parser_free(&p);
	test_end();
}

static void test_imap_parse_literal8(void)
{
	imap_parser_t *p = imap_parser_new(NULL, IMAP_PARSE_LITERAL_PLUS);
	const imap_cmd_t *cmd = cmd_of(p);
	size_t n;

	test_begin("imap_parse: literal8 only with the option, NUL only there");
	bad(p, "a APPEND x ~{5}\r\n", "a", 0);
	bad(p, "a APPEND x ~{5+}\r\n", "a", 5);
	test_assert_int(line(p, "\r\n"), IMAP_PARSE_IGNORE);
	test_assert_int(cmd->skip, 0);
	ok(p, "b NOOP\r\n", "b NOOP");
	test_assert_int(line(p, "a X {3}\r\n"), IMAP_PARSE_LITERAL);
	test_assert_int(imap_parse_literal_keep(p, "a\0b", 3), IMAP_PARSE_ERROR);
	test_assert_str(cmd->tag, "a");
	test_assert_int(cmd->skip, 0);
	test_assert_int(line(p, " more\r\n"), IMAP_PARSE_IGNORE);
	ok(p, "b NOOP\r\n", "b NOOP");

	imap_parser_set_options(p, IMAP_PARSE_LITERAL_PLUS | IMAP_PARSE_LITERAL8);
	test_assert_int(line(p, "a APPEND x ~{3+}\r\n"), IMAP_PARSE_LITERAL);
	test_assert_int(cmd->literal8, 1);
	test_assert_int(cmd->literal_sync, 0);
	test_assert_int(imap_parse_literal_keep(p, "a\0b", 3), IMAP_PARSE_MORE);
	ok(p, "\r\n", "a APPEND x ~{3}\r\na");
	test_assert_int(cmd->args[1].literal8, 1);
	test_assert_int(cmd->args[1].len, 3);
	test_assert(imap_arg_string(&cmd->args[1], 0, NULL) == NULL);
	test_assert(imap_arg_string(&cmd->args[1], 1, &n) != NULL);
	test_assert_int(n, 3);
	test_assert(imap_arg_astring(&cmd->args[1], NULL) == NULL);
	imap_parser_free(&p);
	test_end();
}

static void test_imap_parse_nonsync_modes(void)
{
	imap_parser_t *p = imap_parser_new(NULL, 0);
	const imap_cmd_t *cmd = cmd_of(p);

	test_begin("imap_parse: {n+} without LITERAL+, with LITERAL-");
	bad(p, "a LOGIN {3+}\r\n", "a", 3);
	test_assert_int(line(p, " {2+}\r\n"), IMAP_PARSE_IGNORE);
	test_assert_int(cmd->skip, 2);
	test_assert(cmd->error == NULL);
	test_assert_int(line(p, "\r\n"), IMAP_PARSE_IGNORE);
	test_assert_int(cmd->skip, 0);
	ok(p, "b NOOP\r\n", "b NOOP");

	imap_parser_set_options(p, IMAP_PARSE_LITERAL_MINUS);
	test_assert_int(line(p, "a X {4096+}\r\n"), IMAP_PARSE_LITERAL);
	imap_parser_reset(p);
	bad(p, "a APPEND x {4097+}\r\n", "a", 4097);
	test_assert(strstr(cmd->error, "[TOOBIG]") != NULL);
	test_assert_int(line(p, "\r\n"), IMAP_PARSE_IGNORE);
	test_assert_int(line(p, "a X {4097}\r\n"), IMAP_PARSE_LITERAL);
	imap_parser_reset(p);

	/* a line that fails early still tells the literal at its end */
	imap_parser_set_options(p, IMAP_PARSE_LITERAL_PLUS);
	bad(p, "a X ) {5+}\r\n", "a", 5);
	test_assert_int(line(p, "\r\n"), IMAP_PARSE_IGNORE);
	bad(p, "a X \"unterminated {7+}\r\n", "a", 7);
	test_assert_int(line(p, "\r\n"), IMAP_PARSE_IGNORE);
	/* however the size is written (audit i14-01: leading zeros made
	 * the octets commands) */
	bad(p, "a X ) {00000000023+}\r\n", "a", 23);
	test_assert_int(line(p, "\r\n"), IMAP_PARSE_IGNORE);
	bad(p, "a X ) {5}\r\n", "a", 0);
	ok(p, "b NOOP\r\n", "b NOOP");
	imap_parser_free(&p);
	test_end();
}

static void test_imap_parse_refuse(void)
{
	imap_parse_limits_t lim = { 100, 8, 64, 16 };
	imap_parser_t *p = imap_parser_new(&lim, IMAP_PARSE_LITERAL_PLUS);
	const imap_cmd_t *cmd = cmd_of(p);

	test_begin("imap_parse: literals over the limits, refused literals");
	test_assert_int(line(p, "a X {17}\r\n"), IMAP_PARSE_LITERAL);
	test_assert_int(cmd->literal_fits, 0);
	test_assert_int(imap_parse_literal_refuse(p), IMAP_PARSE_IGNORE);
	test_assert_int(cmd->skip, 0);
	ok(p, "b NOOP\r\n", "b NOOP");
	test_assert_int(line(p, "a X {17+}\r\n"), IMAP_PARSE_LITERAL);
	test_assert_int(imap_parse_literal_refuse(p), IMAP_PARSE_IGNORE);
	test_assert_int(cmd->skip, 17);
	test_assert_int(line(p, " x\r\n"), IMAP_PARSE_IGNORE);
	test_assert_int(cmd->skip, 0);
	ok(p, "b NOOP\r\n", "b NOOP");
	test_assert_int(line(p, "a X {17}\r\n"), IMAP_PARSE_LITERAL);
	test_assert_int(imap_parse_literal_keep(p, "0123456789abcdefg", 17),
			IMAP_PARSE_ERROR);
	test_assert(strstr(cmd->error, "TOOBIG") != NULL);
	test_assert_int(line(p, "\r\n"), IMAP_PARSE_IGNORE);
	/* 64 octets of text per command */
	test_assert_int(line(p, "a X {16}\r\n"), IMAP_PARSE_LITERAL);
	test_assert_int(cmd->literal_fits, 1);
	test_assert_int(imap_parse_literal_keep(p, "0123456789abcdef", 16),
			IMAP_PARSE_MORE);
	test_assert_int(line(p, " {16}\r\n"), IMAP_PARSE_LITERAL);
	test_assert_int(imap_parse_literal_keep(p, "0123456789abcdef", 16),
			IMAP_PARSE_MORE);
	test_assert_int(line(p, " {16}\r\n"), IMAP_PARSE_LITERAL);
	test_assert_int(imap_parse_literal_keep(p, "0123456789abcdef", 16),
			IMAP_PARSE_MORE);
	test_assert_int(line(p, " {16}\r\n"), IMAP_PARSE_LITERAL);
	test_assert_int(cmd->literal_fits, 0);
	test_assert_int(imap_parse_literal_keep(p, "0123456789abcdef", 16),
			IMAP_PARSE_ERROR);
	test_assert_int(line(p, "\r\n"), IMAP_PARSE_IGNORE);
	bad(p, "a X 0123456789012345678901234567890123456789012345678901234567890123\r\n",
	    "a", 0);
	imap_parser_free(&p);
	test_end();
}

static void test_imap_parse_counts(void)
{
	imap_parse_limits_t lim = { 4, 2, 1000, 100 };
	imap_parser_t *p = imap_parser_new(&lim, 0);

	test_begin("imap_parse: argument count and depth limits");
	ok(p, "a X a b c d\r\n", "a X a b c d");
	bad(p, "a X a b c d e\r\n", "a", 0);
	ok(p, "a X ((a) b)\r\n", "a X ((a) b)");
	bad(p, "a X (((a)))\r\n", "a", 0);
	bad(p, "a X (a b c d)\r\n", "a", 0);
	bad(p, "a X a b c d {1}\r\n", "a", 0);
	imap_parser_free(&p);
	test_end();
}

static void test_imap_parse_multiappend(void)
{
	imap_parser_t *p = imap_parser_new(NULL, IMAP_PARSE_LITERAL_PLUS);
	const imap_cmd_t *cmd = cmd_of(p);

	test_begin("imap_parse: MULTIAPPEND and CATENATE literals, then the next command");
	test_assert_int(line(p, "a APPEND box {1000+}\r\n"), IMAP_PARSE_LITERAL);
	test_assert_int(cmd->literal_depth, 0);
	test_assert_int(cmd->nargs, 1);
	test_assert_int(imap_parse_literal_taken(p), IMAP_PARSE_MORE);
	test_assert_int(line(p, " (\\Seen) {2000+}\r\n"), IMAP_PARSE_LITERAL);
	test_assert_int(cmd->nargs, 3);
	test_assert_int(imap_parse_literal_taken(p), IMAP_PARSE_MORE);
	test_assert_int(line(p, " CATENATE (URL \"/x;UID=1\" TEXT {5+}\r\n"),
			IMAP_PARSE_LITERAL);
	test_assert_int(cmd->literal_depth, 1);
	test_assert_int(imap_parse_literal_keep(p, "hello", 5), IMAP_PARSE_MORE);
	ok(p, ")\r\n", "a APPEND box {1000}\r\n (\\Seen) {2000}\r\n CATENATE (URL \"/x;UID=1\" TEXT {5}\r\nhello)");
	test_assert_int(cmd->nargs, 6);
	test_assert_int(cmd->args[1].type, IMAP_ARG_LITERAL_TAKEN);
	test_assert_int(cmd->args[1].len, 1000);
	test_assert_int(cmd->args[3].len, 2000);
	ok(p, "b NOOP\r\n", "b NOOP");
	test_assert_int(cmd->nargs, 0);
	imap_parser_free(&p);
	test_end();
}

/* Every line and literal of wire, literals kept; the last result. */
static enum imap_parse_result drive(imap_parser_t *p, const char *wire,
				    size_t len)
{
	enum imap_parse_result r = IMAP_PARSE_ERROR;
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(wire + pos, '\n', len - pos);
		size_t l = nl != NULL ? (size_t) (nl - (wire + pos)) + 1 : len - pos;

		r = imap_parse_line(p, wire + pos, l);
		pos += l;
		if (r != IMAP_PARSE_LITERAL)
			continue;
		l = imap_parser_cmd(p)->literal_size;
		if (l > len - pos)
			return IMAP_PARSE_ERROR;
		r = imap_parse_literal_keep(p, wire + pos, l);
		pos += l;
	}
	return r;
}

/* imap_parser_wipe(): the command and its texts (a quoted password, a
 * literal) are gone and the next command parses.  The texts are zeroed
 * before they are freed, which only a look at the process's memory can
 * see: t_imap_login.sh scans the login processes for the password. */
static void test_imap_parse_wipe(void)
{
	imap_parser_t *p = imap_parser_new(NULL, IMAP_PARSE_LITERAL_PLUS |
					   IMAP_PARSE_SECRET);

	test_begin("imap_parse: wipe drops the command, then a new one parses");
	test_assert_int(line(p, "a LOGIN \"us\\\"r\" {6+}\r\n"), IMAP_PARSE_LITERAL);
	test_assert_int(imap_parse_literal_keep(p, "secret", 6), IMAP_PARSE_MORE);
	ok(p, "\r\n", "a LOGIN \"us\\\"r\" {6}\r\nsecret");
	imap_parser_wipe(p);
	test_assert_int(cmd_of(p)->nargs, 0);
	test_assert(cmd_of(p)->tag == NULL);
	ok(p, "b NOOP\r\n", "b NOOP");
	/* in the middle of a command too: the rest is a new command */
	test_assert_int(line(p, "c LOGIN {6+}\r\n"), IMAP_PARSE_LITERAL);
	imap_parser_wipe(p);
	ok(p, "d NOOP\r\n", "d NOOP");
	imap_parser_free(&p);
	test_end();
}

static void test_imap_parse_roundtrip(void)
{
	static const char *const lines[] = {
		"t1 APPEND \"Sent Items\" (\\Seen $Forwarded) \"17-Jul-1996 02:44:25 -0700\" {12}\r\nhello\r\nworld\r\n",
		"t2 SEARCH CHARSET UTF-8 OR (FROM \"a\\\\b\" SUBJECT {2}\r\nhi) NOT 1:3,*\r\n",
		"t3 ID (\"name\" \"x\" \"version\" NIL)\r\n",
		"t4 FETCH 1 (BODY.PEEK[HEADER.FIELDS.NOT (\"Received\" X)]<10.20>)\r\n",
		NULL,
	};
	imap_parser_t *p = imap_parser_new(NULL, IMAP_PARSE_LITERAL_PLUS);
	imap_parser_t *q = imap_parser_new(NULL, IMAP_PARSE_LITERAL_PLUS);
	buf_t out = BUF_INIT;

	test_begin("imap_parse: the wire form parses back to the same tree");
	for (size_t i = 0; lines[i] != NULL; i++) {
		const imap_cmd_t *a, *b;

		test_assert_int(drive(p, lines[i], strlen(lines[i])), IMAP_PARSE_DONE);
		a = imap_parser_cmd(p);
		buf_reset(&out);
		buf_printf(&out, "%s %s ", a->tag, a->name);
		imap_args_write(a->args, a->nargs, &out);
		buf_puts(&out, "\r\n");
		test_assert_str(buf_str(&out), lines[i]);
		test_assert_int(drive(q, out.data, out.len), IMAP_PARSE_DONE);
		b = imap_parser_cmd(q);
		test_assert(imap_args_equal(a->args, a->nargs, b->args, b->nargs));
	}
	buf_release(&out);
	imap_parser_free(&p);
	imap_parser_free(&q);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_imap_parse_simple,
		test_imap_parse_atoms,
		test_imap_parse_syntax_errors,
		test_imap_parse_options,
		test_imap_parse_literals,
		test_imap_parse_taken,
		test_imap_parse_literal8,
		test_imap_parse_nonsync_modes,
		test_imap_parse_refuse,
		test_imap_parse_counts,
		test_imap_parse_multiappend,
		test_imap_parse_roundtrip,
		test_imap_parse_wipe,
		NULL,
	};

	return test_main(tests);
}

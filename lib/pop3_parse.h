/* pop3_parse.h - POP3 command lines, without I/O.
 *
 * pop3d (both its login and its session program) reads a line and hands
 * it here: the keyword and the arguments are split out (RFC 1939 §3).
 * Being free of I/O, the parser is unit-tested (tests/unit/test_pop3_parse.c)
 * and fuzzed (tests/fuzz/fuzz_pop3_parse.c) on its own, as smtp_parse.h
 * is for SMTP.
 */
#ifndef TERN_POP3_PARSE_H
#define TERN_POP3_PARSE_H

#include "buf.h"

/* RFC 1939 §3 / RFC 2449 §4: a keyword is 3 or 4 characters, an argument
 * at most 40; POP3_ARGS_MAX arguments are kept (AUTH has two, TOP two). */
#define POP3_ARG_MAX		40
#define POP3_ARGS_MAX		4

/* A parsed command line: keyword upper-cased, arguments split on spaces
 * (RFC 1939 §3; runs of spaces are taken as one).  Points into the line
 * buffer it was parsed from.  Argument lengths are the handlers' business
 * (a password or an AUTH initial response may exceed POP3_ARG_MAX). */
typedef struct pop3_cmd {
	char *name;
	char *args[POP3_ARGS_MAX];
	int nargs;
	char *rest;			/* everything after "KEYWORD ", unsplit
					 * ("" when none): PASS takes it whole,
					 * spaces included (RFC 1939 §7) */
	int bad;			/* syntax: empty line, keyword not 3-4
					 * letters, more than POP3_ARGS_MAX
					 * arguments, a control character */
} pop3_cmd_t;

/* Parse line (CRLF removed in place) into cmd; 0, or -1 with cmd->bad.
 * cmd points into line, which also holds a split copy of the arguments
 * behind the command text: use cmd, not line, afterwards. */
int pop3_parse(buf_t *line, pop3_cmd_t *cmd);

#endif

/* test_pop3_parse.c - unit tests for lib/pop3_parse.c: POP3 command lines
 * split into an upper-cased keyword, the arguments and the unsplit rest,
 * and the lines refused as bad syntax (RFC 1939 §3).
 */
#include <string.h>

#include "../../lib/buf.h"
#include "../../lib/pop3_parse.h"
#include "test.h"

static int parse(const char *text, buf_t *line, pop3_cmd_t *cmd)
{
	buf_reset(line);
	buf_puts(line, text);
	return pop3_parse(line, cmd);
}

static void test_pop3_parse_ok(void)
{
	buf_t line = BUF_INIT;
	pop3_cmd_t cmd;

	test_begin("pop3_parse: keyword, arguments, rest");
	test_assert_int(parse("stat\r\n", &line, &cmd), 0);
	test_assert_str(cmd.name, "STAT");
	test_assert_int(cmd.nargs, 0);
	test_assert_str(cmd.rest, "");
	test_assert_int(parse("Top 1  10\r\n", &line, &cmd), 0);
	test_assert_str(cmd.name, "TOP");
	test_assert_int(cmd.nargs, 2);
	test_assert_str(cmd.args[0], "1");
	test_assert_str(cmd.args[1], "10");
	test_assert_str(cmd.rest, "1  10");
	test_assert_int(parse("PASS my secret pass\n", &line, &cmd), 0);
	test_assert_str(cmd.rest, "my secret pass");
	test_assert_int(cmd.nargs, 3);
	test_assert_str(cmd.args[2], "pass");
	test_assert_int(parse("NOOP \r\n", &line, &cmd), 0);
	test_assert_int(cmd.nargs, 0);
	buf_release(&line);
	test_end();
}

static void test_pop3_parse_bad(void)
{
	buf_t line = BUF_INIT;
	pop3_cmd_t cmd;

	test_begin("pop3_parse: bad syntax is marked, never dropped");
	test_assert_int(parse("\r\n", &line, &cmd), -1);
	test_assert_int(cmd.bad, 1);
	test_assert_str(cmd.name, "");
	test_assert_int(parse("NO\r\n", &line, &cmd), -1);
	test_assert_int(parse("RETRR 1\r\n", &line, &cmd), -1);
	test_assert_int(parse("RE1R 1\r\n", &line, &cmd), -1);
	test_assert_int(parse("USER a\tb\r\n", &line, &cmd), -1);
	test_assert_int(parse("USER a\x7f\r\n", &line, &cmd), -1);
	test_assert_int(parse("AUTH a b c d e\r\n", &line, &cmd), -1);
	test_assert_int(cmd.nargs, POP3_ARGS_MAX);
	test_assert_int(parse("AUTH a b c d\r\n", &line, &cmd), 0);
	test_assert_int(cmd.nargs, 4);
	buf_release(&line);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_pop3_parse_ok,
		test_pop3_parse_bad,
		NULL,
	};

	return test_main(tests);
}

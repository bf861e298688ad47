/* test_login_log.c - unit tests for lib/login_log.c: the one name of a
 * client and the one format of login, failure and disconnect lines for
 * every protocol. */
#include "../../lib/buf.h"
#include "../../lib/log.h"
#include "../../lib/login_log.h"
#include "../../lib/mem.h"
#include "test.h"

/* The log file's text (the first 8 KiB are plenty). */
static char *log_text(const char *path)
{
	static char text[8192];
	FILE *f = fopen(path, "r");
	size_t n = f != NULL ? fread(text, 1, sizeof(text) - 1, f) : 0;

	if (f != NULL)
		fclose(f);
	text[n] = '\0';
	return text;
}

static void test_login_log_lines(void)
{
	char *path = mem_printf("%s/log", test_tmpdir());
	char *text;

	test_begin("login_log: one format for every protocol");
	log_init("pop3d");
	log_set_dest(LOG_DEST_FILE, path);
	login_log_success("[127.0.0.1]:4000", "a@localhost", "PLAIN", 1);
	login_log_success("[::1]:25", "b@localhost", "LOGIN", 0);
	login_log_failure("[127.0.0.1]:4001", "PLAIN", "wrong password", 2, 3);
	login_log_failure("[127.0.0.1]:4002", "LOGIN", "unknown user", 0, 0);
	login_log_tempfail("[127.0.0.1]:4003", "PLAIN", "auth unavailable");
	login_log_disconnect("[127.0.0.1]:4000", NULL);
	login_log_disconnect("[127.0.0.1]:4001", "commands=3 errors=1");
	text = log_text(path);
	test_assert(strstr(text, "[127.0.0.1]:4000: login: user=<a@localhost>, method=PLAIN, TLS\n") != NULL);
	test_assert(strstr(text, "[::1]:25: login: user=<b@localhost>, method=LOGIN\n") != NULL);
	test_assert(strstr(text, "[127.0.0.1]:4001: SASL PLAIN authentication failed: wrong password, failure 2 of 3\n") != NULL);
	test_assert(strstr(text, "[127.0.0.1]:4002: SASL LOGIN authentication failed: unknown user\n") != NULL);
	test_assert(strstr(text, "warning: [127.0.0.1]:4003: SASL PLAIN authentication not possible: auth unavailable\n") != NULL);
	test_assert(strstr(text, "disconnect from [127.0.0.1]:4000\n") != NULL);
	test_assert(strstr(text, "disconnect from [127.0.0.1]:4001 commands=3 errors=1\n") != NULL);
	mem_free(path);
	test_end();
}

static void test_login_log_client(void)
{
	buf_t b = BUF_INIT;

	test_begin("login_log_client: [ADDR]:PORT for either family");
	login_log_client(&b, "192.0.2.1", 52000);
	test_assert(strcmp(buf_str(&b), "[192.0.2.1]:52000") == 0);
	/* The port never reads as the last group of the address. */
	login_log_client(&b, "2001:db8::1", 25);
	test_assert(strcmp(buf_str(&b), "[2001:db8::1]:25") == 0);
	login_log_client(&b, "::1", 65535);
	test_assert(strcmp(buf_str(&b), "[::1]:65535") == 0);
	/* A UNIX socket's client has no port. */
	login_log_client(&b, "local", 0);
	test_assert(strcmp(buf_str(&b), "local") == 0);
	buf_release(&b);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = { test_login_log_lines,
		test_login_log_client, NULL };
	return test_main(tests);
}

/* test_maildrop.c - unit tests for lib/maildrop.c: the maildrop file
 * format as terndrop writes it and pickup reads it (untrusted input), and
 * the file names.
 *
 * Golden inputs, each parsed whole and again a few octets at a time (the
 * way pickup and terndrop meet a file: MAILDROP_MORE until the envelope
 * is complete), and the refusals: every way a local user could try to
 * make pickup send something terndrop would not write.
 */
#include <string.h>

#include "../../lib/buf.h"
#include "../../lib/maildrop.h"
#include "../../lib/mem.h"
#include "test.h"

/* Parse data whole; then every prefix must be MORE (or the same verdict
 * once the envelope is complete), never a different answer. */
static int parse_all(const char *data, size_t len, maildrop_env_t *env,
		     size_t *off, const char **why)
{
	int whole = maildrop_parse(data, len, env, off, why);

	for (size_t n = 0; n < len; n++) {
		maildrop_env_t e;
		size_t o;
		const char *w;
		int r = maildrop_parse(data, n, &e, &o, &w);

		if (r == MAILDROP_OK)
			maildrop_env_clear(&e);
		if (r != MAILDROP_MORE && r != whole) {
			printf("  prefix %zu: %d, whole: %d\n", n, r, whole);
			test_case_failed = 1;
		}
	}
	return whole;
}

static void test_maildrop_roundtrip(void)
{
	char *rcpts[] = { "a@example.org", "\"j doe\"@x", "b@x" };
	maildrop_env_t env;
	buf_t b = BUF_INIT;
	const char *why = NULL;
	size_t off = 0;

	test_begin("maildrop_encode then maildrop_parse: the same envelope");
	test_assert(maildrop_encode("me@x", rcpts, 3, &b, &why) == 0);
	buf_puts(&b, "Subject: hi\n\n.body\n");
	test_assert(strncmp(b.data, MAILDROP_MAGIC, MAILDROP_MAGIC_LEN) == 0);
	test_assert_int(parse_all(b.data, b.len, &env, &off, &why), MAILDROP_OK);
	test_assert_str(env.sender, "me@x");
	test_assert_int(env.nrcpts, 3);
	if (env.nrcpts == 3) {
		test_assert_str(env.rcpts[0], "a@example.org");
		test_assert_str(env.rcpts[1], "\"j doe\"@x");
		test_assert_str(env.rcpts[2], "b@x");
	}
	test_assert_str(b.data + off, "Subject: hi\n\n.body\n");
	maildrop_env_clear(&env);
	buf_release(&b);
	test_end();
}

static void test_maildrop_golden(void)
{
	static const char file[] =
		"TERNDROP1\nsender=\nrcpt=x@y\nrcpt=z%25w@y\n\ncontent\n";
	maildrop_env_t env;
	const char *why = NULL;
	size_t off = 0;

	test_begin("a golden file: null sender, %XX in an address");
	test_assert_int(parse_all(file, sizeof(file) - 1, &env, &off, &why),
			MAILDROP_OK);
	test_assert_str(env.sender, "");
	test_assert_int(env.nrcpts, 2);
	if (env.nrcpts == 2)
		test_assert_str(env.rcpts[1], "z%w@y");
	test_assert_str(file + off, "content\n");
	maildrop_env_clear(&env);
	test_end();
}

static void test_maildrop_refused(void)
{
	static const char *const bad[] = {
		"TERNDROP2\nsender=\nrcpt=x@y\n\n",		/* version */
		"terndrop1\nsender=\nrcpt=x@y\n\n",
		"TERNDROP1\n\n",				/* empty */
		"TERNDROP1\nrcpt=x@y\n\n",			/* no sender */
		"TERNDROP1\nsender=\nsender=a@b\nrcpt=x@y\n\n",
		"TERNDROP1\nsender=\n\n",			/* no rcpt */
		"TERNDROP1\nsender=\nrcpt=\n\n",		/* empty rcpt */
		"TERNDROP1\nsender=\nrcpt=x@y\nuid=0\n\n",	/* unknown */
		"TERNDROP1\nsender=\nrcpt=x@y%0D%0ADATA\n\n",	/* CR LF */
		"TERNDROP1\nsender=\nrcpt=x@y%00z\n\n",		/* NUL */
		"TERNDROP1\nsender=\nrcpt=x@y%07\n\n",		/* control */
		"TERNDROP1\nsender=a>b@c\nrcpt=x@y\n\n",	/* > */
		"TERNDROP1\nsender=\nrcpt=<x@y>\n\n",		/* < > */
		"TERNDROP1\nsender=\nrcpt=x@y%zz\n\n",		/* bad %XX */
		"TERNDROP1\nsender=\nrcpt x@y\n\n",		/* no = */
		"TERNDROP1\nsender=\nRCPT=x@y\n\n",		/* name case */
		"TERNDROP1\nsender=\rrcpt=x@y\n\n",		/* raw CR */
		/* Paths smtpd would refuse (501), so pickup never sends them. */
		"TERNDROP1\nsender=\nrcpt=bad addr1@x\n\n",	/* space */
		"TERNDROP1\nsender=\nrcpt=bad%20addr1@x\n\n",
		"TERNDROP1\nsender=\nrcpt=a..b@x\n\n",
		"TERNDROP1\nsender=\nrcpt=joe\n\n",		/* no domain */
		"TERNDROP1\nsender=me\nrcpt=x@y\n\n",
		"TERNDROP1\nsender=\nrcpt=x@y> <z@w\n\n",	/* two paths */
		"TERNDROP1\nsender=\nrcpt=x@y> SIZE=1\n\n",
		"TERNDROP1\nsender=\nrcpt=x@[]\n\n",
		/* C1 controls and what is not UTF-8 */
		"TERNDROP1\nsender=\nrcpt=x%C2%9B2J@y\n\n",	/* U+009B, CSI */
		"TERNDROP1\nsender=\nrcpt=x%9B2J@y\n\n",	/* raw 0x9b */
		"TERNDROP1\nsender=\nrcpt=x%85@y\n\n",
		"TERNDROP1\nsender=x%C2%80@y\nrcpt=x@y\n\n",
		"TERNDROP1\nsender=\nrcpt=x%C3%28@y\n\n",	/* bad UTF-8 */
		"TERNDROP1\nsender=\nrcpt=x%C0%AF@y\n\n",	/* overlong */
		"TERNDROP1\nsender=\nrcpt=x%ED%A0%80@y\n\n",	/* surrogate */
		NULL,
	};

	test_begin("malformed envelopes are MAILDROP_BAD, never a guess");
	for (size_t i = 0; bad[i] != NULL; i++) {
		maildrop_env_t env;
		const char *why = NULL;
		size_t off;
		int r = maildrop_parse(bad[i], strlen(bad[i]), &env, &off, &why);

		if (r == MAILDROP_OK)
			maildrop_env_clear(&env);
		if (r != MAILDROP_BAD || why == NULL) {
			printf("  case %zu: %d\n", i, r);
			test_case_failed = 1;
		}
	}
	test_end();
}

static void test_maildrop_addr_ok(void)
{
	static const struct {
		const char *addr;
		int sender, ok;
	} cases[] = {
		{ "", 1, 1 },			/* the null sender */
		{ "", 0, 0 },
		{ "a@example.org", 0, 1 },
		{ "postmaster", 0, 1 },		/* RCPT TO:<postmaster> */
		{ "PostMaster", 0, 1 },
		{ "postmaster", 1, 0 },		/* but no sender without domain */
		{ "joe", 0, 0 },
		{ "\"j doe\"@x", 0, 1 },		/* quoted: a valid path */
		{ "\"a>b\"@x", 0, 1 },
		{ "@relay:a@x", 0, 1 },		/* a source route (dropped) */
		{ "a@[192.0.2.1]", 0, 1 },
		{ "\xc3\xa9@x.org", 0, 1 },	/* UTF-8 (SMTPUTF8) */
		{ "bad addr1@x", 0, 0 },
		{ "a@x>", 0, 0 },
		{ "<a@x", 0, 0 },
		{ "a@x\r\nRSET", 0, 0 },
		{ "a\xc2\x9b@x", 0, 0 },		/* C1 */
		{ "a\x9b@x", 1, 0 },
		{ "a\xff@x", 0, 0 },
	};
	const char *why;

	test_begin("maildrop_addr_ok: what smtpd takes in MAIL and RCPT");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = NULL;
		if (maildrop_addr_ok(cases[i].addr, strlen(cases[i].addr),
				     cases[i].sender, &why) != cases[i].ok ||
		    (why == NULL) != cases[i].ok) {
			printf("  case %zu (%s): wrong verdict\n", i, cases[i].addr);
			test_case_failed = 1;
		}
	}
	test_assert(!maildrop_addr_ok("a@x\0b", 5, 0, &why));
	test_end();
}

static void test_maildrop_limits(void)
{
	buf_t b = BUF_INIT, addr = BUF_INIT;
	maildrop_env_t env;
	const char *why = NULL;
	char **many;
	char *one[1];
	size_t off;

	test_begin("limits: address length, recipient count, envelope size");
	/* The longest path: a local part of 64 and a domain to fill it. */
	for (size_t i = 0; i < ADDR_MAX_LOCAL; i++)
		buf_putc(&addr, 'a');
	buf_puts(&addr, "@d");
	while (addr.len < MAILDROP_MAX_ADDR)
		buf_puts(&addr, ".d");
	test_assert_int(addr.len, MAILDROP_MAX_ADDR);
	one[0] = addr.data;
	test_assert(maildrop_encode("", one, 1, &b, &why) == 0);
	test_assert_int(maildrop_parse(b.data, b.len, &env, &off, &why), MAILDROP_OK);
	maildrop_env_clear(&env);
	buf_reset(&b);
	buf_putc(&addr, 'x');	/* one octet too many */
	one[0] = addr.data;
	test_assert(maildrop_encode("", one, 1, &b, &why) < 0);
	buf_reset(&b);
	buf_printf(&b, "TERNDROP1\nsender=\nrcpt=%s\n\n", addr.data);
	test_assert_int(maildrop_parse(b.data, b.len, &env, &off, &why), MAILDROP_BAD);

	many = mem_reallocarray(NULL, MAILDROP_MAX_RCPTS + 1, sizeof(char *));
	for (size_t i = 0; i <= MAILDROP_MAX_RCPTS; i++)
		many[i] = "r@x";
	buf_reset(&b);
	test_assert(maildrop_encode("", many, MAILDROP_MAX_RCPTS, &b, &why) == 0);
	test_assert_int(maildrop_parse(b.data, b.len, &env, &off, &why), MAILDROP_OK);
	test_assert_int(env.nrcpts, MAILDROP_MAX_RCPTS);
	maildrop_env_clear(&env);
	buf_reset(&b);
	test_assert(maildrop_encode("", many, MAILDROP_MAX_RCPTS + 1, &b, &why) < 0);
	test_assert(maildrop_encode("", many, 0, &b, &why) < 0);
	buf_reset(&b);
	buf_puts(&b, "TERNDROP1\nsender=\n");
	for (size_t i = 0; i <= MAILDROP_MAX_RCPTS; i++)
		buf_puts(&b, "rcpt=r@x\n");
	buf_puts(&b, "\n");
	test_assert_int(maildrop_parse(b.data, b.len, &env, &off, &why), MAILDROP_BAD);
	mem_free(many);

	/* No end of the envelope within MAILDROP_MAX_HEAD: BAD, not MORE. */
	buf_reset(&b);
	buf_puts(&b, "TERNDROP1\nsender=\n");
	while (b.len < MAILDROP_MAX_HEAD)
		buf_puts(&b, "rcpt=r@x\n");
	test_assert_int(maildrop_parse(b.data, b.len, &env, &off, &why), MAILDROP_BAD);
	test_assert_int(maildrop_parse(b.data, 1000, &env, &off, &why), MAILDROP_MORE);
	buf_release(&b);
	buf_release(&addr);
	test_end();
}

static void test_maildrop_names(void)
{
	char a[MAILDROP_NAME_LEN + 1], b[MAILDROP_NAME_LEN + 1];
	char *tmp;

	test_begin("file names: random, recognised, temporary, strangers");
	test_assert(maildrop_name_new(a) == 0);
	test_assert(maildrop_name_new(b) == 0);
	test_assert_int(strlen(a), MAILDROP_NAME_LEN);
	test_assert(strcmp(a, b) != 0);
	test_assert_int(maildrop_name_kind(a), MAILDROP_NAME_FINAL);
	tmp = mem_printf("%s%s", MAILDROP_TMP_PREFIX, a);
	test_assert_int(maildrop_name_kind(tmp), MAILDROP_NAME_TMP);
	mem_free(tmp);
	test_assert_int(maildrop_name_kind("0123456789abcdef0123456789ABCDEF"),
			MAILDROP_NAME_OTHER);
	test_assert_int(maildrop_name_kind("0123456789abcdef0123456789abcde"),
			MAILDROP_NAME_OTHER);
	test_assert_int(maildrop_name_kind("0123456789abcdef0123456789abcdef0"),
			MAILDROP_NAME_OTHER);
	test_assert_int(maildrop_name_kind("tmp."), MAILDROP_NAME_OTHER);
	test_assert_int(maildrop_name_kind("."), MAILDROP_NAME_OTHER);
	test_assert_int(maildrop_name_kind(""), MAILDROP_NAME_OTHER);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_maildrop_roundtrip,
		test_maildrop_golden,
		test_maildrop_refused,
		test_maildrop_addr_ok,
		test_maildrop_limits,
		test_maildrop_names,
		NULL,
	};

	return test_main(tests);
}

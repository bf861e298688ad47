/* test_config.c - unit tests for lib/config*.c and the table in lib/params.c.
 *
 * Run from the top of the source tree: one case checks that main.conf(5)
 * documents every parameter of the table, and only those.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "../../lib/buf.h"
#include "../../lib/config.h"
#include "../../lib/deliver_proto.h"
#include "../../lib/log.h"
#include "../../lib/mem.h"
#include "../../lib/params.h"
#include "../../lib/queue.h"
#include "test.h"

#define MAN_PAGE "man/man5/main.conf.5"

/* Load text, expecting success. */
static int load(const char *text)
{
	char *err = NULL;
	int ret;

	config_reset();
	ret = config_load_text(text, strlen(text), "test.conf", &err);
	if (ret < 0) {
		printf("  load failed: %s\n", err);
		mem_free(err);
	}
	return ret;
}

/* Load text, expecting failure; returns the message (caller frees). */
static char *load_error(const char *text)
{
	char *err = NULL;

	config_reset();
	if (config_load_text(text, strlen(text), "test.conf", &err) == 0)
		return mem_strdup("(no error)");
	return err;
}

static char *read_file(const char *path)
{
	buf_t b = BUF_INIT;
	char chunk[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return NULL;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_append(&b, chunk, (size_t) n);
	close(fd);
	return buf_steal(&b);
}

static void test_config_defaults(void)
{
	char *cert = mem_printf("%s/tls/cert.pem",
				config_lookup("config_directory")->def);

	test_begin("config defaults and expansion of defaults");
	config_reset();
	test_assert_str(config_str("syslog_name"), "tern");
	test_assert_str(config_str("smtpd_tls_cert_file"), cert);
	mem_free(cert);
	test_assert_int(config_size("message_size_limit"), 52428800);
	test_assert_int(config_time("maximal_queue_lifetime"), 5 * 86400);
	test_assert_int(config_bool("system_accounts"), 0);
	test_assert_int(config_int("default_process_limit"), 100);
	test_assert(!config_is_set("syslog_name"));
	test_assert_str(config_unknown_names(), "");
	test_end();
}

static void test_config_parse(void)
{
	test_begin("config parse: comments, blanks, trimming, override order");
	test_assert(load("# a comment\n"
			 "\n"
			 "syslog_name=first\n"
			 "   \t\n"
			 "  # indented comment\n"
			 "mail_owner  =   someone   \r\n"
			 "syslog_name = second\n"
			 "maillog_file =\n"
			 "recipient_delimiter = -") == 0);
	test_assert_str(config_str("syslog_name"), "second");
	test_assert_str(config_str("mail_owner"), "someone");
	test_assert_str(config_str("maillog_file"), "");
	test_assert_str(config_str("recipient_delimiter"), "-");
	test_assert(config_is_set("maillog_file"));
	test_assert(config_is_set("syslog_name"));
	test_assert(!config_is_set("auth_owner"));
	test_assert(load("") == 0);
	test_assert_str(config_str("syslog_name"), "tern");
	test_end();
}

static void test_config_continuation(void)
{
	test_begin("config continuation lines");
	test_assert(load("mydestination = a.example,\n"
			 "\tb.example,\n"
			 "    c.example\n"
			 "# comment between does not end the value\n"
			 "  d.example\n"
			 "mynetworks =\n"
			 "  10.0.0.0/8\n"
			 "syslog_name = x\n") == 0);
	test_assert_str(config_str("mydestination"),
			"a.example, b.example, c.example d.example");
	test_assert_str(config_str("mynetworks"), "10.0.0.0/8");
	test_assert_str(config_str("syslog_name"), "x");
	test_end();
}

static void test_config_syntax_errors(void)
{
	char *err;

	test_begin("config syntax errors name file and line");
	err = load_error("syslog_name = a\n\nno equals sign here\n");
	test_assert_str(err, "test.conf, line 3: expected \"name = value\", "
			"found no '='");
	mem_free(err);
	err = load_error("# first\n= value\n");
	test_assert(strncmp(err, "test.conf, line 2: ", 19) == 0);
	test_assert(strstr(err, "no parameter name") != NULL);
	mem_free(err);
	err = load_error("a\n");
	test_assert(strncmp(err, "test.conf, line 1: ", 19) == 0);
	mem_free(err);
	err = load_error("bad-name = 1\n");
	test_assert(strstr(err, "line 1: bad character") != NULL);
	test_assert(strstr(err, "bad-name") != NULL);
	mem_free(err);
	err = load_error("my name = 1\n");
	test_assert(strstr(err, "line 1: bad character") != NULL);
	mem_free(err);
	err = load_error("\n  leading continuation\n");
	test_assert(strstr(err, "line 2: continuation") != NULL);
	mem_free(err);
	test_end();
}

static void test_config_failed_load_keeps_values(void)
{
	static const char bad[] = "syslog_name = new\n?\n";
	char *err = NULL;

	test_begin("config failed load keeps the earlier values");
	test_assert(load("syslog_name = old\n") == 0);
	test_assert(config_load_text(bad, strlen(bad), "x", &err) < 0);
	test_assert_str(config_str("syslog_name"), "old");
	mem_free(err);
	test_end();
}

static void test_config_expansion(void)
{
	char *err = NULL;

	test_begin("config $name and ${name} expansion, nested, $$");
	test_assert(load("config_directory = /etc/t\n"
			 "queue_directory = ${config_directory}/q\n"
			 "mail_directory = $queue_directory/m\n"
			 "syslog_name = a$$b$${c}\n"
			 "maillog_file = $mail_directory${syslog_name}.log\n") == 0);
	test_assert_str(config_str("queue_directory"), "/etc/t/q");
	test_assert_str(config_str("mail_directory"), "/etc/t/q/m");
	test_assert_str(config_str("syslog_name"), "a$b${c}");
	test_assert_str(config_str("maillog_file"), "/etc/t/q/ma$b${c}.log");
	/* Expansion at read time follows later changes. */
	test_assert(config_set("config_directory", "/other", &err) == 0);
	test_assert_str(config_str("mail_directory"), "/other/q/m");
	test_assert_str(config_str("smtpd_tls_key_file"), "/other/tls/key.pem");
	test_end();
}

static void test_config_helper_names(void)
{
	char logf[] = "/tmp/test_config_log.XXXXXX";
	char *err = NULL, *logged;
	int fd;

	test_begin("config unknown names warned, kept for $name, not fatal");
	fd = mkstemp(logf);
	test_assert(fd >= 0);
	close(fd);
	log_set_dest(LOG_DEST_FILE, logf);
	test_assert(load("my_base = /srv\n"
			 "queue_directory = $my_base/queue\n"
			 "other_unknown = 1\n"
			 "my_base = /srv2\n") == 0);
	log_set_dest(LOG_DEST_FILE, "/dev/null");
	logged = read_file(logf);
	test_assert(logged != NULL && strstr(logged, "warning: test.conf, line 1: "
			"unknown parameter name \"my_base\"") != NULL);
	test_assert(logged != NULL && strstr(logged, "line 3: unknown parameter "
			"name \"other_unknown\"") != NULL);
	test_assert(logged != NULL && strstr(logged, "line 4:") == NULL);
	mem_free(logged);
	unlink(logf);
	test_assert_str(config_str("queue_directory"), "/srv2/queue");
	test_assert_str(config_unknown_names(), "my_base\nother_unknown\n");
	test_assert(config_is_set("my_base"));
	test_assert(config_lookup("my_base") == NULL);
	test_assert(config_lookup("myorigin") != NULL);
	test_assert(config_set("my_base", "x", &err) < 0);
	test_assert_str(err, "unknown parameter name \"my_base\"");
	mem_free(err);
	test_end();
}

static void test_config_expand_errors(void)
{
	buf_t b = BUF_INIT;
	char *err = NULL;

	test_begin("config_expand reports loops and bad references");
	test_assert(load("syslog_name = $mail_owner\n"
			 "mail_owner = x${syslog_name}\n"
			 "auth_owner = $no_such_thing\n"
			 "login_user = a $\n"
			 "vmail_owner = ${unclosed\n"
			 "maillog_file = ${}\n") == 0);
	test_assert(config_expand("syslog_name", &b, &err) < 0);
	test_assert(err != NULL && strncmp(err, "parameter syslog_name: ", 23) == 0);
	test_assert(err != NULL && strstr(err, "loop") != NULL);
	MEM_FREE(err);
	test_assert(config_expand("auth_owner", &b, &err) < 0);
	test_assert_str(err, "parameter auth_owner: undefined parameter "
			"$no_such_thing");
	MEM_FREE(err);
	test_assert(config_expand("login_user", &b, &err) < 0);
	MEM_FREE(err);
	test_assert(config_expand("vmail_owner", &b, &err) < 0);
	MEM_FREE(err);
	test_assert(config_expand("maillog_file", &b, &err) < 0);
	MEM_FREE(err);
	test_assert(config_expand("mail_directory", &b, &err) == 0);
	test_assert_str(buf_str(&b), TERN_MAILBOXDIR);
	buf_release(&b);
	test_end();
}

static void read_loop(void *ctx)
{
	(void) ctx;
	log_set_dest(LOG_DEST_FILE, "/dev/null");
	config_str("syslog_name");
}

static void test_config_loop_fatal(void)
{
	test_begin("config_str of a reference loop is fatal");
	test_assert(load("syslog_name = $syslog_name\n") == 0);
	test_assert(test_expect_fatal(read_loop, NULL));
	test_assert(load("syslog_name = ok\n") == 0);
	test_assert(!test_expect_fatal(read_loop, NULL));
	test_end();
}

static void test_config_exponential(void)
{
	buf_t b = BUF_INIT;
	char *err = NULL;

	test_begin("config expansion bounded for doubling chains");
	test_assert(load("a0 = $a1$a1$a1$a1\na1 = $a2$a2$a2$a2\n"
			 "a2 = $a3$a3$a3$a3\na3 = $a4$a4$a4$a4\n"
			 "a4 = $a5$a5$a5$a5\na5 = $a6$a6$a6$a6\n"
			 "a6 = $a7$a7$a7$a7\na7 = $a8$a8$a8$a8\n"
			 "a8 = $a9$a9$a9$a9\na9 = $a10$a10$a10$a10\n"
			 "a10 =\n"
			 "syslog_name = $a0\n") == 0);
	test_assert(config_expand("syslog_name", &b, &err) < 0);
	test_assert(err != NULL && strstr(err, "references") != NULL);
	MEM_FREE(err);
	buf_release(&b);
	test_end();
}

static void test_config_hostname(void)
{
	char host[256];

	test_begin("config myhostname and mydomain computed defaults");
	gethostname(host, sizeof(host));
	host[sizeof(host) - 1] = '\0';
	config_reset();
	test_assert_str(config_str("myhostname"), host);
	test_assert_str(config_str("myorigin"), host);
	test_assert(load("myhostname = mx1.mail.example.org\n") == 0);
	test_assert_str(config_str("mydomain"), "mail.example.org");
	test_assert_str(config_str("mydestination"), "mx1.mail.example.org, "
			"localhost.mail.example.org, localhost");
	test_assert(load("myhostname = single\n") == 0);
	test_assert_str(config_str("mydomain"), "localdomain");
	test_assert(load("myhostname = a.b\nmydomain = other.test\n") == 0);
	test_assert_str(config_str("mydomain"), "other.test");
	test_end();
}

static void test_config_typed(void)
{
	test_begin("config typed getters");
	test_assert(load("max_idle = 5m\n"
			 "ipc_timeout = 1h\n"
			 "daemon_timeout = 7\n"
			 "maximal_queue_lifetime = 1w\n"
			 "delay_warning_time = 3D\n"
			 "message_size_limit = 10k\n"
			 "system_accounts = On\n"
			 "max_use = 3\n") == 0);
	test_assert_int(config_time("max_idle"), 300);
	test_assert_int(config_time("ipc_timeout"), 3600);
	test_assert_int(config_time("daemon_timeout"), 7);
	test_assert_int(config_time("maximal_queue_lifetime"), 604800);
	test_assert_int(config_time("delay_warning_time"), 3 * 86400);
	test_assert_int(config_size("message_size_limit"), 10240);
	test_assert_int(config_bool("system_accounts"), 1);
	test_assert_int(config_int("max_use"), 3);
	test_end();
}

static void test_config_parse_helpers(void)
{
	static const char *const bad_times[] = {
		"", "s", "-1", "5x", "5ss", "1h30m", " 5", "99999999999999999999",
		"9223372036854775807w", NULL,
	};
	static const char *const bad_bools[] = { "", "y", "maybe", "2", NULL };
	long t;
	long long sz;
	int b;

	test_begin("config parse helpers: units, bounds, bad input");
	test_assert(config_parse_time("0", &t) == 0 && t == 0);
	test_assert(config_parse_time("45s", &t) == 0 && t == 45);
	test_assert(config_parse_time("2W", &t) == 0 && t == 2 * 604800);
	for (int i = 0; bad_times[i] != NULL; i++)
		test_assert(config_parse_time(bad_times[i], &t) < 0);
	test_assert(config_parse_size("1k", &sz) == 0 && sz == 1024);
	test_assert(config_parse_size("3M", &sz) == 0 && sz == 3 << 20);
	test_assert(config_parse_size("2g", &sz) == 0 && sz == 2LL << 30);
	test_assert(config_parse_size("17", &sz) == 0 && sz == 17);
	test_assert(config_parse_size("1t", &sz) < 0);
	test_assert(config_parse_size("9223372036854775807k", &sz) < 0);
	test_assert(config_parse_size("9223372036854775807", &sz) == 0);
	test_assert(config_parse_size("9223372036854775808", &sz) < 0);
	for (const char *const *y = (const char *const[]) {
		"yes", "TRUE", "on", "1", NULL }; *y; y++)
		test_assert(config_parse_bool(*y, &b) == 0 && b == 1);
	for (const char *const *n = (const char *const[]) {
		"no", "False", "OFF", "0", NULL }; *n; n++)
		test_assert(config_parse_bool(*n, &b) == 0 && b == 0);
	for (int i = 0; bad_bools[i] != NULL; i++)
		test_assert(config_parse_bool(bad_bools[i], &b) < 0);
	test_end();
}

static void read_bad_time(void *ctx)
{
	(void) ctx;
	log_set_dest(LOG_DEST_FILE, "/dev/null");
	config_time("max_idle");
}

static void read_bad_bool(void *ctx)
{
	(void) ctx;
	log_set_dest(LOG_DEST_FILE, "/dev/null");
	config_bool("system_accounts");
}

static void read_bad_int(void *ctx)
{
	(void) ctx;
	log_set_dest(LOG_DEST_FILE, "/dev/null");
	config_int("max_use");
}

static void read_bad_size(void *ctx)
{
	(void) ctx;
	log_set_dest(LOG_DEST_FILE, "/dev/null");
	config_size("message_size_limit");
}

static void test_config_bad_values_fatal(void)
{
	test_begin("config typed getters are fatal on bad values");
	test_assert(load("max_idle = soon\nsystem_accounts = perhaps\n"
			 "max_use = 12x\nmessage_size_limit = big\n") == 0);
	test_assert(test_expect_fatal(read_bad_time, NULL));
	test_assert(test_expect_fatal(read_bad_bool, NULL));
	test_assert(test_expect_fatal(read_bad_int, NULL));
	test_assert(test_expect_fatal(read_bad_size, NULL));
	test_assert(load("max_idle = 10s\n") == 0);
	test_assert(!test_expect_fatal(read_bad_time, NULL));
	test_end();
}

static void test_config_set(void)
{
	char *err = NULL;

	test_begin("config_set overrides and rejects unknown names");
	test_assert(load("syslog_name = file\n") == 0);
	test_assert(config_set("syslog_name", "  override  ", &err) == 0);
	test_assert_str(config_str("syslog_name"), "override");
	test_assert(config_set("no_such_param", "1", &err) < 0);
	test_assert_str(err, "unknown parameter name \"no_such_param\"");
	MEM_FREE(err);
	config_reset();
	test_assert_str(config_str("syslog_name"), "tern");
	test_end();
}

static void test_config_list(void)
{
	char **l;

	test_begin("config_list splits on commas and white space");
	test_assert(load("mynetworks = 10.0.0.0/8,, 192.168.0.0/16 ,\n"
			 "\t[::1]/128,\n"
			 "inet_interfaces = ,\n") == 0);
	l = config_list("mynetworks");
	test_assert_str(l[0], "10.0.0.0/8");
	test_assert_str(l[1], "192.168.0.0/16");
	test_assert_str(l[2], "[::1]/128");
	test_assert(l[3] == NULL);
	config_list_free(&l);
	test_assert(l == NULL);
	l = config_list("inet_interfaces");
	test_assert(l[0] == NULL);
	config_list_free(&l);
	test_end();
}

static void test_config_validate(void)
{
	buf_t errors = BUF_INIT;

	test_begin("config_validate lists every problem");
	config_reset();
	test_assert_int(config_validate(&errors), 0);
	test_assert_str(buf_str(&errors), "");
	test_assert(load("max_idle = 5q\nsystem_accounts = maybe\n"
			 "syslog_name = $syslog_name\nmyorigin = $$ok\n") == 0);
	test_assert_int(config_validate(&errors), 3);
	test_assert(strstr(buf_str(&errors),
			   "parameter max_idle: \"5q\" is not a valid time") != NULL);
	test_assert(strstr(buf_str(&errors), "parameter system_accounts: ") != NULL);
	test_assert(strstr(buf_str(&errors), "parameter syslog_name: ") != NULL);
	buf_release(&errors);
	test_end();
}

/* One problem line of config_validate for text, or "" (caller frees). */
static char *validate_one(const char *text)
{
	buf_t errors = BUF_INIT;

	if (load(text) < 0)
		return mem_strdup("(load failed)");
	config_validate(&errors);
	return buf_steal(&errors);
}

static void test_config_bounds(void)
{
	static const struct {
		const char *text, *problem;
	} cases[] = {
		/* The bounds themselves are allowed. */
		{ "smtpd_timeout = 1s\n", "" },
		{ "smtpd_timeout = 1d\n", "" },
		{ "smtpd_timeout = 24h\n", "" },
		{ "smtpd_recipient_limit = 10000\n", "" },
		{ "smtpd_max_line_length = 998\n", "" },
		{ "max_use = 0\n", "" },
		/* One past them is not, in any unit. */
		{ "smtpd_timeout = 0\n",
		  "parameter smtpd_timeout: \"0\" is out of range: from 1s to 1d\n" },
		{ "smtpd_timeout = 86401\n",
		  "parameter smtpd_timeout: \"86401\" is out of range: from 1s to 1d\n" },
		{ "smtpd_timeout = 2d\n",
		  "parameter smtpd_timeout: \"2d\" is out of range: from 1s to 1d\n" },
		{ "smtpd_recipient_limit = 10001\n",
		  "parameter smtpd_recipient_limit: \"10001\" is out of range: "
		  "from 1 to 10000\n" },
		{ "max_use = -1\n",
		  "parameter max_use: \"-1\" is out of range: from 0 to 1000000\n" },
		/* Relations between values that are each in range. */
		{ "auth_max_clients = 50\n",
		  "parameter auth_reserved_clients (50) must be less than "
		  "auth_max_clients (50): the reserved connections are a part "
		  "of all auth serves\n" },
		{ "auth_max_clients = 51\n", "" },
		{ "auth_failure_delay_max = 1m\nipc_timeout = 60\n",
		  "parameter auth_failure_delay_max (60) must be less than "
		  "ipc_timeout (60): a failed login's delayed reply must reach "
		  "its client before the client's deadline\n" },
		{ "smtpd_max_line_length = 997\n",
		  "parameter smtpd_max_line_length: \"997\" is out of range: "
		  "from 998 to 64m\n" },
		{ "header_size_limit = 65m\n",
		  "parameter header_size_limit: \"65m\" is out of range: "
		  "from 1k to 64m\n" },
		/* Checked after $name expansion, as programs read it. */
		{ "t = 0\nipc_timeout = $t\n",
		  "parameter ipc_timeout: \"0\" is out of range: from 1s to 1h\n" },
		/* A type error is still named as one. */
		{ "pickup_interval = soon\n",
		  "parameter pickup_interval: \"soon\" is not a valid time (a "
		  "number with an optional s, m, h, d or w)\n" },
	};

	test_begin("config bounds: in range, at the bounds, out of range");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = validate_one(cases[i].text);

		test_assert_str(got, cases[i].problem);
		mem_free(got);
	}
	test_end();
}

static void test_config_enum(void)
{
	static const char *const same[] = {
		"always", "Always", "ALWAYS", "aLwAyS", NULL,
	};
	char *got;

	test_begin("config enum: words in any case, others refused");
	config_reset();
	test_assert_int(config_enum("auth_plaintext"), AUTH_PLAINTEXT_LOOPBACK);
	for (int i = 0; same[i] != NULL; i++) {
		char *text = mem_printf("auth_plaintext = %s\n", same[i]);

		test_assert(load(text) == 0);
		test_assert_int(config_enum("auth_plaintext"),
				AUTH_PLAINTEXT_ALWAYS);
		mem_free(text);
	}
	test_assert(load("auth_plaintext = Never\n") == 0);
	test_assert_int(config_enum("auth_plaintext"), AUTH_PLAINTEXT_NEVER);
	got = validate_one("auth_plaintext = sometimes\n");
	test_assert_str(got, "parameter auth_plaintext: \"sometimes\" is not "
			"one of never, loopback, always\n");
	mem_free(got);
	got = validate_one("auth_plaintext = always \n");
	test_assert_str(got, "");
	mem_free(got);
	got = validate_one("auth_plaintext = alway\n");
	test_assert(strstr(got, "\"alway\" is not one of") != NULL);
	mem_free(got);
	got = validate_one("auth_plaintext =\n");
	test_assert(strstr(got, "\"\" is not one of") != NULL);
	mem_free(got);
	test_end();
}

static void test_config_plaintext_rule(void)
{
	test_begin("auth_plaintext_allowed: one rule for every protocol");
	/* never: TLS only; loopback: TLS or loopback; always: anything. */
	test_assert(!auth_plaintext_allowed(AUTH_PLAINTEXT_NEVER, 0, 0));
	test_assert(!auth_plaintext_allowed(AUTH_PLAINTEXT_NEVER, 0, 1));
	test_assert(auth_plaintext_allowed(AUTH_PLAINTEXT_NEVER, 1, 0));
	test_assert(!auth_plaintext_allowed(AUTH_PLAINTEXT_LOOPBACK, 0, 0));
	test_assert(auth_plaintext_allowed(AUTH_PLAINTEXT_LOOPBACK, 0, 1));
	test_assert(auth_plaintext_allowed(AUTH_PLAINTEXT_LOOPBACK, 1, 0));
	test_assert(auth_plaintext_allowed(AUTH_PLAINTEXT_ALWAYS, 0, 0));
	test_end();
}

static void read_out_of_range(void *ctx)
{
	(void) ctx;
	log_set_dest(LOG_DEST_FILE, "/dev/null");
	config_time("queue_run_delay");
}

static void read_bad_enum(void *ctx)
{
	(void) ctx;
	log_set_dest(LOG_DEST_FILE, "/dev/null");
	config_enum("auth_plaintext");
}

static void test_config_out_of_range_fatal(void)
{
	char *err = NULL;

	test_begin("config getters stop on a value out of range or not a word");
	test_assert(load("queue_run_delay = 0\nauth_plaintext = sometimes\n") == 0);
	test_assert(test_expect_fatal(read_out_of_range, NULL));
	test_assert(test_expect_fatal(read_bad_enum, NULL));
	/* -o overrides (config_set) are held to the same bounds. */
	test_assert(load("") == 0);
	test_assert(!test_expect_fatal(read_out_of_range, NULL));
	test_assert(config_set("queue_run_delay", "2d", &err) == 0);
	test_assert(test_expect_fatal(read_out_of_range, NULL));
	test_end();
}

static void test_config_load_valid(void)
{
	char dir[] = "/tmp/test_config.XXXXXX";
	char *path, *err = NULL;
	FILE *fp;

	test_begin("config_load_valid refuses bad values and keeps the old ones");
	test_assert(mkdtemp(dir) != NULL);
	path = mem_printf("%s/main.conf", dir);
	fp = fopen(path, "w");
	fputs("smtpd_timeout = 10s\nsyslog_name = good\n", fp);
	fclose(fp);
	config_reset();
	test_assert(config_load_valid(dir, &err) == 0);
	test_assert_int(config_time("smtpd_timeout"), 10);
	fp = fopen(path, "w");
	fputs("smtpd_timeout = 0\nsyslog_name = bad\n"
	      "auth_plaintext = sometimes\n", fp);
	fclose(fp);
	test_assert(config_load_valid(dir, &err) < 0);
	test_assert_str(err, "parameter smtpd_timeout: \"0\" is out of range: "
			"from 1s to 1d; parameter auth_plaintext: \"sometimes\" "
			"is not one of never, loopback, always");
	MEM_FREE(err);
	test_assert_int(config_time("smtpd_timeout"), 10);
	test_assert_str(config_str("syslog_name"), "good");
	test_assert_str(config_str("config_directory"), dir);
	unlink(path);
	rmdir(dir);
	mem_free(path);
	test_end();
}

static void test_config_table_bounds(void)
{
	buf_t problems = BUF_INIT;

	test_begin("config table: every number has bounds holding its default");
	for (const param_def_t *p = config_params; p->name != NULL; p++) {
		int number = p->type == PARAM_INT || p->type == PARAM_TIME ||
			p->type == PARAM_SIZE;
		char *err = NULL;

		if (number != (p->min != NULL && p->max != NULL)) {
			printf("  %s: bounds %s\n", p->name,
			       number ? "missing" : "on a type without them");
			test_assert(0);
		}
		if ((p->type == PARAM_ENUM) != (p->words != NULL)) {
			printf("  %s: words and type disagree\n", p->name);
			test_assert(0);
		}
		if (number && (config_check_value(p, p->min, &err) < 0 ||
			       config_check_value(p, p->max, &err) < 0)) {
			printf("  %s: bounds out of order: %s\n", p->name, err);
			MEM_FREE(err);
			test_assert(0);
		}
	}
	/* Every default (expanded) is allowed. */
	config_reset();
	test_assert_int(config_validate(&problems), 0);
	test_assert_str(buf_str(&problems), "");
	buf_release(&problems);
	/* The bounds that stand for limits of other files. */
	test_assert_int(atol(config_lookup("smtpd_recipient_limit")->max),
			QUEUE_MAX_RCPTS);
	test_assert_int(atol(config_lookup("local_destination_recipient_limit")->max),
			DELIVER_MAX_RCPTS);
	test_end();
}

static void test_config_load_file(void)
{
	char dir[] = "/tmp/test_config.XXXXXX";
	char *path, *err = NULL;
	FILE *fp;

	test_begin("config_load reads DIR/main.conf and sets config_directory");
	test_assert(mkdtemp(dir) != NULL);
	test_assert(config_load(dir, &err) < 0);
	test_assert(err != NULL && strstr(err, "/main.conf: No such file") != NULL);
	MEM_FREE(err);
	path = mem_printf("%s/main.conf", dir);
	fp = fopen(path, "w");
	fputs("config_directory = /ignored\nsyslog_name = fromfile\n"
	      "queue_directory = $config_directory/queue\nbogus\n", fp);
	fclose(fp);
	test_assert(config_load(dir, &err) < 0);
	test_assert(err != NULL && strncmp(err, path, strlen(path)) == 0);
	test_assert(err != NULL && strstr(err, ", line 4: ") != NULL);
	MEM_FREE(err);
	fp = fopen(path, "w");
	fputs("config_directory = /ignored\nsyslog_name = fromfile\n"
	      "queue_directory = $config_directory/queue\n", fp);
	fclose(fp);
	test_assert(config_load(dir, &err) == 0);
	test_assert_str(config_str("config_directory"), dir);
	test_assert(strncmp(config_str("queue_directory"), dir, strlen(dir)) == 0);
	test_assert_str(config_str("syslog_name"), "fromfile");
	unlink(path);
	rmdir(dir);
	mem_free(path);
	test_end();
}

static void test_config_table(void)
{
	buf_t seen = BUF_INIT;

	test_begin("config table: names unique and well formed");
	for (const param_def_t *p = config_params; p->name != NULL; p++) {
		char *key = mem_printf("\n%s\n", p->name);

		test_assert(p->def != NULL && p->summary != NULL &&
			    p->summary[0] != '\0');
		test_assert(strspn(p->name, "abcdefghijklmnopqrstuvwxyz"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
			    == strlen(p->name));
		if (strstr(buf_str(&seen), key) != NULL) {
			printf("  duplicate parameter %s\n", p->name);
			test_assert(0);
		}
		if (seen.len == 0)
			buf_putc(&seen, '\n');
		buf_printf(&seen, "%s\n", p->name);
		mem_free(key);
	}
	buf_release(&seen);
	test_end();
}

static void test_config_man_page(void)
{
	char *man = read_file(MAN_PAGE);
	const char *p;

	test_begin("main.conf(5) documents exactly the parameters of the table");
	test_assert(man != NULL);
	if (man == NULL) {
		printf("  cannot read %s (run from the top of the tree)\n",
		       MAN_PAGE);
		test_end();
		return;
	}
	for (const param_def_t *d = config_params; d->name != NULL; d++) {
		char *entry = mem_printf("\n.It Cm %s\n", d->name);

		if (strstr(man, entry) == NULL) {
			printf("  %s has no \".It Cm %s\" entry\n", MAN_PAGE,
			       d->name);
			test_assert(0);
		}
		mem_free(entry);
	}
	/* Each entry states the bounds of the table. */
	for (const param_def_t *d = config_params; d->name != NULL; d++) {
		char *entry, *bounds;
		const char *e, *next;

		if (d->min == NULL || d->max == NULL)
			continue;
		entry = mem_printf("\n.It Cm %s\n", d->name);
		bounds = mem_printf(" from\n.Li %s\nto\n.Li %s ,\n", d->min,
				    d->max);
		e = strstr(man, entry);
		next = e != NULL ? strstr(e + 1, "\n.It ") : NULL;
		p = e != NULL ? strstr(e, bounds) : NULL;
		if (p == NULL || (next != NULL && p > next)) {
			printf("  %s: the entry of %s does not say \"from %s "
			       "to %s\"\n", MAN_PAGE, d->name, d->min, d->max);
			test_assert(0);
		}
		mem_free(entry);
		mem_free(bounds);
	}
	for (p = strstr(man, "\n.It Cm "); p != NULL;
	     p = strstr(p + 1, "\n.It Cm ")) {
		const char *name = p + 8;
		size_t len = strcspn(name, "\n");
		char *copy = mem_strndup(name, len);

		if (config_lookup(copy) == NULL) {
			printf("  %s documents \"%s\", not in the table\n",
			       MAN_PAGE, copy);
			test_assert(0);
		}
		mem_free(copy);
	}
	mem_free(man);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_config_defaults, test_config_parse,
		test_config_continuation, test_config_syntax_errors,
		test_config_failed_load_keeps_values, test_config_expansion,
		test_config_helper_names, test_config_expand_errors,
		test_config_loop_fatal, test_config_exponential,
		test_config_hostname, test_config_typed,
		test_config_parse_helpers, test_config_bad_values_fatal,
		test_config_set, test_config_list, test_config_validate,
		test_config_bounds, test_config_enum, test_config_plaintext_rule,
		test_config_out_of_range_fatal, test_config_load_valid,
		test_config_table_bounds,
		test_config_load_file, test_config_table, test_config_man_page,
		NULL,
	};

	/* Unknown-name warnings are expected here; keep the output to results. */
	log_set_dest(LOG_DEST_FILE, "/dev/null");
	return test_main(tests);
}

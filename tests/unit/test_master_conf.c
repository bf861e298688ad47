/* test_master_conf.c - unit tests for lib/master_conf.c, the master.conf
 * parser master and `mailctl check` share: a valid table field by field,
 * /etc/services port names, continuation and comment lines, every kind of
 * error (each reported with the line its service begins on, all of them
 * in one pass), duplicates, -o validation, text that is not NUL-terminated
 * or holds a NUL, and the program check.
 */
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include "../../lib/buf.h"
#include "../../lib/config.h"
#include "../../lib/master_conf.h"
#include "../../lib/mem.h"
#include "test.h"

#define DAEMON_DIR "/usr/libexec/tern-test"

static master_conf_t conf;
static buf_t problems = BUF_INIT;

static void settings(void)
{
	static const char text[] = "default_process_limit = 50\n"
				   "process_prefork = 2\n";
	char *err = NULL;

	config_reset();
	if (config_load_text(text, strlen(text), "test", &err) < 0) {
		printf("  %s\n", err);
		mem_free(err);
	}
}

/* Parse text (with its strlen); the number of problems. */
static int parse(const char *text)
{
	master_conf_free(&conf);
	buf_reset(&problems);
	return master_conf_parse(text, strlen(text), DAEMON_DIR, &conf, &problems);
}

static const master_svc_def_t *find(const char *name)
{
	for (int i = 0; i < conf.count; i++)
		if (strcmp(conf.defs[i]->name, name) == 0)
			return conf.defs[i];
	return NULL;
}

/* Does the problem list hold a line equal to want? */
static int has_problem(const char *want)
{
	const char *p = buf_str(&problems);
	size_t n = strlen(want);

	for (; *p; p = strchr(p, '\n') + 1)
		if (strncmp(p, want, n) == 0 && p[n] == '\n')
			return 1;
	return 0;
}

static void test_valid(void)
{
	const master_svc_def_t *d;

	test_begin("master.conf: a valid table, field by field");
	settings();
	test_assert_int(parse(
		"# the services\n"
		"#service  type private unpriv chroot maxproc command\n"
		"smtp:2525 inet n       -      n      -       smtpd\n"
		"auth      unix -       -      n      1       auth -o max_use=0 -o max_idle=0\n"
		"local     unix y       n      y      0       local --verbose x\n"
		"public    unix n       y      -      7       testd -o process_prefork=9\n"),
		0);
	test_assert_str(buf_str(&problems), "");
	test_assert_int(conf.count, 4);
	d = find("smtp");
	test_assert(d != NULL);
	if (d != NULL) {
		test_assert_int(d->type, MASTER_INET);
		test_assert_int(d->port, 2525);
		test_assert_int(d->private_, 0);
		test_assert_int(d->unpriv, 1);
		test_assert_int(d->chroot, 0);
		test_assert_int(d->maxproc, 50);
		test_assert_int(d->prefork, 2);
		test_assert_str(d->command, "smtpd");
		test_assert_str(d->path, DAEMON_DIR "/smtpd");
		test_assert(d->opts[0] == NULL && d->args[0] == NULL);
		test_assert_int(d->line, 3);
		test_assert_str(d->text, "smtp:2525 inet n - n - smtpd");
	}
	d = find("auth");
	if (d != NULL) {
		test_assert_int(d->type, MASTER_UNIX);
		test_assert_int(d->private_, 1);
		test_assert_int(d->maxproc, 1);
		test_assert_int(d->prefork, 1);	/* cut to maxproc */
		test_assert_str(d->opts[0], "max_use=0");
		test_assert_str(d->opts[1], "max_idle=0");
		test_assert(d->opts[2] == NULL);
	} else {
		test_assert(d != NULL);
	}
	d = find("local");
	if (d != NULL) {
		test_assert_int(d->unpriv, 0);
		test_assert_int(d->chroot, 1);
		test_assert_int(d->maxproc, 0);
		test_assert_int(d->prefork, 2);	/* no limit: not cut */
		test_assert_str(d->args[0], "--verbose");
		test_assert_str(d->args[1], "x");
		test_assert(d->args[2] == NULL);
	} else {
		test_assert(d != NULL);
	}
	d = find("public");
	test_assert(d != NULL && d->private_ == 0 && d->prefork == 7);
	test_end();
}

static void test_services_names(void)
{
	struct servent *se = getservbyname("smtp", "tcp");
	int port = se != NULL ? ntohs((uint16_t) se->s_port) : -1;
	const master_svc_def_t *d;

	test_begin("master.conf: ports named in /etc/services");
	settings();
	test_assert_int(parse("smtp:smtp inet n - n - smtpd\n"
			      "x:no-such-service-name inet n - n - smtpd\n"), 1);
	d = find("smtp");
	if (port > 0)
		test_assert(d != NULL && d->port == port);
	else
		printf("  (no smtp in /etc/services here: only the refusal checked)\n");
	test_assert(has_problem("master.conf, line 2: service x:no-such-service-name: "
				"bad port \"no-such-service-name\" (a number or a "
				"name in /etc/services)"));
	test_end();
}

static void test_continuation(void)
{
	const master_svc_def_t *d;

	test_begin("master.conf: continuation lines, comments and blank lines inside an entry");
	settings();
	test_assert_int(parse(
		"submission:587 inet n - n - smtpd\n"
		"\t-o smtpd_require_auth=yes\n"
		"# a comment line ends nothing\n"
		"    #-o smtpd_sender_login_match=yes\n"
		"\n"
		"   \n"
		"  -o message_size_limit=10m arg\n"
		"qmgr unix - - n 1 qmgr\n"
		"\r\n"),
		0);
	test_assert_int(conf.count, 2);
	d = find("submission");
	if (d != NULL) {
		test_assert_str(d->opts[0], "smtpd_require_auth=yes");
		test_assert_str(d->opts[1], "message_size_limit=10m");
		test_assert(d->opts[2] == NULL);
		test_assert_str(d->args[0], "arg");
		test_assert_int(d->line, 1);
	} else {
		test_assert(d != NULL);
	}
	d = find("qmgr");
	test_assert(d != NULL && d->line == 8);
	test_end();
}

static void test_errors(void)
{
	test_begin("master.conf: every kind of error, each with its line, all in one pass");
	settings();
	test_assert_int(parse(
		"  -o orphan=1\n"					/* 1 */
		"short inet n\n"					/* 2 */
		"web tcp n - n - testd\n"				/* 3 */
		"web inet n - n - testd\n"				/* 4 */
		"web:0 inet n - n - testd\n"				/* 5 */
		"web:65536 inet n - n - testd\n"			/* 6 */
		"we/b unix n - n - testd\n"				/* 7 */
		".hidden unix n - n - testd\n"				/* 8 */
		"a unix x - n - testd\n"				/* 9 */
		"b unix - yes n - testd\n"				/* 10 */
		"c unix - - Y - testd\n"				/* 11 */
		"d unix - - n many testd\n"				/* 12 */
		"e unix - - n -1 testd\n"				/* 13 */
		"f unix - - n 100001 testd\n"				/* 14 */
		"g unix - - n - ../bin/sh\n"				/* 15 */
		"h unix - - n - testd -o\n"				/* 16 */
		"i unix - - n - testd -o max_use\n"			/* 17 */
		"j unix - - n - testd -o =1\n"				/* 18 */
		"k unix - - n - testd -o no_such_parameter=1\n"	/* 19 */
		"l unix - - n - testd -o max_use=-1 -o max_use=x\n"	/* 20 */
		"m unix - - n - testd -o smtpd_require_auth=perhaps\n"	/* 21 */
		"n unix - - n - testd -o max_idle=5 -o auth_plaintext=Always parsecs\n" /* 22 */
		"o unix - - n - testd -o message_size_limit=lots -o auth_plaintext=sometimes "
		"-o smtpd_timeout=0 -o smtpd_recipient_limit=10001\n"	/* 23 */
		"p unix x yes Y many testd\n"),				/* 24 */
		30);
	test_assert_int(conf.count, 1);	/* n: "parsecs" is an argument */
	test_assert(has_problem("master.conf, line 1: continuation line without a service before it"));
	test_assert(has_problem("master.conf, line 2: expected at least 7 fields "
				"(service type private unpriv chroot maxproc command), found 3"));
	test_assert(has_problem("master.conf, line 3: unknown service type \"tcp\" (inet or unix)"));
	test_assert(has_problem("master.conf, line 4: inet service \"web\": expected NAME:PORT"));
	test_assert(has_problem("master.conf, line 5: service web:0: bad port \"0\" "
				"(a number or a name in /etc/services)"));
	test_assert(has_problem("master.conf, line 6: service web:65536: bad port \"65536\" "
				"(a number or a name in /etc/services)"));
	test_assert(has_problem("master.conf, line 7: bad service name \"we/b\""));
	test_assert(has_problem("master.conf, line 8: bad service name \".hidden\""));
	test_assert(has_problem("master.conf, line 9: service a: bad private field \"x\" (y, n or -)"));
	test_assert(has_problem("master.conf, line 10: service b: bad unpriv field \"yes\" (y, n or -)"));
	test_assert(has_problem("master.conf, line 11: service c: bad chroot field \"Y\" (y, n or -)"));
	test_assert(has_problem("master.conf, line 12: service d: bad maxproc \"many\" (-, or a number up to 100000)"));
	test_assert(has_problem("master.conf, line 13: service e: bad maxproc \"-1\" (-, or a number up to 100000)"));
	test_assert(has_problem("master.conf, line 14: service f: bad maxproc \"100001\" (-, or a number up to 100000)"));
	test_assert(has_problem("master.conf, line 15: service g: bad command name \"../bin/sh\" "
				"(a program in daemon_directory)"));
	test_assert(has_problem("master.conf, line 16: service h: -o without name=value"));
	test_assert(has_problem("master.conf, line 17: service i: -o max_use: expected name=value"));
	test_assert(has_problem("master.conf, line 18: service j: -o =1: expected name=value"));
	test_assert(has_problem("master.conf, line 19: service k: -o no_such_parameter: unknown parameter"));
	test_assert(has_problem("master.conf, line 20: service l: -o max_use: \"-1\" is out of range: "
				"from 0 to 1000000"));
	test_assert(has_problem("master.conf, line 20: service l: -o max_use: \"x\" is not a valid integer"));
	test_assert(has_problem("master.conf, line 21: service m: -o smtpd_require_auth: \"perhaps\" is "
				"not a valid boolean (yes or no)"));
	test_assert(has_problem("master.conf, line 23: service o: -o message_size_limit: \"lots\" is not "
				"a valid size (a number with an optional k, m or g)"));
	/* Bounds and enumerations, as in main.conf; an enumeration's words
	 * match in any case (line 22 has no problem). */
	test_assert(has_problem("master.conf, line 23: service o: -o auth_plaintext: \"sometimes\" is not "
				"one of never, loopback, always"));
	test_assert(has_problem("master.conf, line 23: service o: -o smtpd_timeout: \"0\" is out of range: "
				"from 1s to 1d"));
	test_assert(has_problem("master.conf, line 23: service o: -o smtpd_recipient_limit: \"10001\" is out "
				"of range: from 1 to 10000"));
	/* One line, four bad fields: four problems. */
	test_assert(has_problem("master.conf, line 24: service p: bad private field \"x\" (y, n or -)"));
	test_assert(has_problem("master.conf, line 24: service p: bad unpriv field \"yes\" (y, n or -)"));
	test_assert(has_problem("master.conf, line 24: service p: bad chroot field \"Y\" (y, n or -)"));
	test_assert(has_problem("master.conf, line 24: service p: bad maxproc \"many\" (-, or a number up to 100000)"));
	test_end();
}

static void test_duplicates(void)
{
	test_begin("master.conf: a service name appears once, whatever its type");
	settings();
	test_assert_int(parse("smtp:25 inet n - n - smtpd\n"
			      "qmgr unix - - n 1 qmgr\n"
			      "\t-o max_use=0\n"
			      "smtp:2525 inet n - n - smtpd\n"
			      "qmgr unix - - n 1 qmgr\n"
			      "smtp unix - - n 1 smtpd\n"), 3);
	test_assert_int(conf.count, 2);
	test_assert(has_problem("master.conf, line 4: duplicate service smtp (first on line 1)"));
	test_assert(has_problem("master.conf, line 5: duplicate service qmgr (first on line 2)"));
	test_assert(has_problem("master.conf, line 6: duplicate service smtp (first on line 1)"));
	test_end();
}

static void test_overrides(void)
{
	const master_svc_def_t *d;

	test_begin("master.conf: -o values checked against each parameter's type");
	settings();
	test_assert_int(parse("a unix - - n - testd -o max_use=7 -o smtpd_require_auth=yes "
			      "-o max_idle=5m -o message_size_limit=10m "
			      "-o smtpd_banner=$myhostname -o process_prefork=0\n"), 0);
	d = find("a");
	test_assert(d != NULL && d->prefork == 0);
	test_assert(d != NULL && d->opts[5] != NULL &&
		    strcmp(d->opts[5], "process_prefork=0") == 0);
	test_assert_int(parse("b unix - - n - testd -o smtpd_require_auth=1\n"), 0);
	test_end();
}

static void test_raw_text(void)
{
	static const char text[] = "a unix - - n - testd\nb unix - - n - testdXXXX";
	static const char nul[] = "a unix - - n - testd\nb unix\0 - - n - testd\n"
				  "\t-o max_use=1\nc unix - - n - testd\n";

	test_begin("master.conf: text need not end in NUL; a NUL byte is a problem");
	settings();
	master_conf_free(&conf);
	buf_reset(&problems);
	/* The last line ends where len says, without a newline. */
	test_assert_int(master_conf_parse(text, sizeof(text) - 1 - 4, DAEMON_DIR,
					  &conf, &problems), 0);
	test_assert_int(conf.count, 2);
	test_assert(find("b") != NULL && strcmp(find("b")->command, "testd") == 0);
	master_conf_free(&conf);
	buf_reset(&problems);
	test_assert_int(master_conf_parse(nul, sizeof(nul) - 1, DAEMON_DIR, &conf,
					  &problems), 1);
	test_assert(has_problem("master.conf, line 2: NUL byte in line"));
	test_assert_int(conf.count, 2);
	test_assert(find("a") != NULL && find("b") == NULL && find("c") != NULL);
	test_end();
}

static void test_programs(void)
{
	char dir[] = "/tmp/tern-test-master-conf.XXXXXX";
	char *path, *text, *want;
	int fd;

	test_begin("master.conf: each service's program must be executable");
	settings();
	test_assert(mkdtemp(dir) != NULL);
	path = mem_printf("%s/runs", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0755);
	close(fd);
	mem_free(path);
	path = mem_printf("%s/plain", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	close(fd);
	text = mem_printf("a unix - - n - runs\nb unix - - n - plain\n"
			  "c unix - - n - absent\n");
	master_conf_free(&conf);
	buf_reset(&problems);
	test_assert_int(master_conf_parse(text, strlen(text), dir, &conf, &problems), 0);
	/* Even root may not run a file without any x bit. */
	test_assert_int(master_conf_check_programs(&conf, &problems), 2);
	want = mem_printf("master.conf, line 3: service c: missing program %s/absent: "
			  "No such file or directory", dir);
	test_assert(has_problem(want));
	mem_free(want);
	want = mem_printf("master.conf, line 2: service b: missing program "
			  "%s/plain: Permission denied", dir);
	test_assert(has_problem(want));
	mem_free(want);
	unlink(path);
	mem_free(path);
	path = mem_printf("%s/runs", dir);
	unlink(path);
	mem_free(path);
	rmdir(dir);
	mem_free(text);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_valid, test_services_names, test_continuation, test_errors,
		test_duplicates, test_overrides, test_raw_text, test_programs,
		NULL,
	};
	int r = test_main(tests);

	master_conf_free(&conf);
	buf_release(&problems);
	config_reset();
	return r;
}

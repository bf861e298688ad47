/* test_qmgr_alias.c - unit tests for qmgr/qmgr_alias.c: one-to-many and
 * nested aliases, duplicates, loops and self-references, extensions,
 * local and remote keys, lookup errors, and that the records written to
 * the queue file read back as the same expansion, so a second run after a
 * crash adds nothing; an expansion up to the recipients a queue file holds,
 * and one past it failing (5.2.4) rather than cut short. */
#include <fcntl.h>
#include <sys/stat.h>

#include "../../lib/log.h"
#include "../../lib/mem.h"
#include "../../lib/queue.h"
#include "../../qmgr/qmgr_alias.h"
#include "test.h"

static const char *qdir;

static const char *const table[][2] = {
	{ "all@localhost", "team, dave@localhost,bob" },
	{ "team", "bob carol" },
	{ "loop1", "loop2" },
	{ "loop2", "<loop1>" },
	{ "carol", "carol, archive@example.org" },
	{ "list@example.org", "x@example.org y" },
	{ "broken", "@@@ ,," },
	{ NULL, NULL },
};
static int lookups_fail;

/* "bigN": an alias of N targets m0..m(N-1). */
static int lookup_big(const char *key, buf_t *value_r)
{
	long n;
	char *end;

	if (strncmp(key, "big", 3) != 0)
		return 0;
	n = strtol(key + 3, &end, 10);
	if (*end != '\0')
		return 0;
	buf_reset(value_r);
	for (long i = 0; i < n; i++)
		buf_printf(value_r, "m%ld, ", i);
	return 1;
}

static int lookup(const char *key, buf_t *value_r, void *ctx)
{
	(void) ctx;
	if (lookups_fail)
		return -1;
	if (lookup_big(key, value_r))
		return 1;
	for (size_t i = 0; table[i][0]; i++) {
		if (strcmp(table[i][0], key) == 0) {
			buf_set(value_r, table[i][1]);
			return 1;
		}
	}
	return 0;
}

static char *const local_domains[] = { "localhost", NULL };
static const alias_conf_t conf = {
	local_domains, "+", "localhost", lookup, NULL,
};

/* A committed queue file for the recipients; its descriptor (O_RDWR). */
static int make_msg(const char *const *rcpts, queue_msg_t *m)
{
	queue_writer_t *w = queue_writer_open(qdir);
	const char *err;
	char *path;
	int fd;

	attr_add(queue_writer_envelope(w), "sender", "a@example.org");
	for (size_t i = 0; rcpts[i]; i++) {
		attr_add(queue_writer_envelope(w), "rcpt", rcpts[i]);
		attr_add(queue_writer_envelope(w), "rcpt_orcpt", i == 0 ? "rfc822;O@x" : "");
		attr_add(queue_writer_envelope(w), "rcpt_notify", "");
	}
	queue_writer_content(w, "Subject: t\n\nbody\n", 17);
	test_assert(queue_writer_commit(w) == 0);
	path = mem_printf("%s/incoming/%s", qdir, queue_writer_id(w));
	fd = open(path, O_RDWR | O_APPEND);
	mem_free(path);
	queue_writer_free(&w);
	test_assert(fd >= 0 && queue_msg_read(fd, m, &err) == 0);
	return fd;
}

/* The deliverable recipients, space-separated, in order. */
static void final_list(const queue_msg_t *m, buf_t *out)
{
	buf_reset(out);
	for (size_t i = 0; i < m->nrcpts; i++)
		if (m->rcpts[i].state != QUEUE_RCPT_EXPANDED)
			buf_printf(out, "%s%s", out->len ? " " : "", m->rcpts[i].addr);
}

/* Expand, then check the file reads back the same and that a second
 * expansion of the re-read message (a crash before "resolved") adds
 * nothing. */
static void expand_expect(const char *const *rcpts, const char *want)
{
	queue_msg_t m, again;
	buf_t got = BUF_INIT, back = BUF_INIT;
	const char *err = NULL;
	size_t n;
	int fd = make_msg(rcpts, &m);

	test_assert(qmgr_alias_expand(&m, fd, &conf, &err) == 0);
	final_list(&m, &got);
	test_assert_str(buf_str(&got), want);
	test_assert(queue_msg_read(fd, &again, &err) == 0);
	final_list(&again, &back);
	test_assert_str(buf_str(&back), want);
	n = again.nrcpts;
	test_assert(qmgr_alias_expand(&again, fd, &conf, &err) == 0);
	test_assert_int(again.nrcpts, n);
	queue_msg_clear(&again);
	queue_msg_clear(&m);
	buf_release(&got);
	buf_release(&back);
	close(fd);
}

static void test_alias_limit(void)
{
	char fits[32], over[32];
	const char *r1[] = { fits, NULL }, *r2[] = { over, NULL };
	const char *err = NULL;
	queue_msg_t m, again;
	int fd;

	test_begin("alias: expansion up to QUEUE_MAX_TOTAL_RCPTS; past it, a failure");
	snprintf(fits, sizeof(fits), "big%d", QUEUE_MAX_TOTAL_RCPTS - 1);
	snprintf(over, sizeof(over), "big%d", QUEUE_MAX_TOTAL_RCPTS);
	fd = make_msg(r1, &m);
	test_assert(qmgr_alias_expand(&m, fd, &conf, &err) == 0);
	test_assert_int(m.nrcpts, QUEUE_MAX_TOTAL_RCPTS);
	test_assert_int(m.rcpts[0].state, QUEUE_RCPT_EXPANDED);
	test_assert(queue_msg_read(fd, &again, &err) == 0);
	test_assert_int(again.nrcpts, QUEUE_MAX_TOTAL_RCPTS);
	test_assert_str(again.rcpts[QUEUE_MAX_TOTAL_RCPTS - 1].addr, "m19998@localhost");
	queue_msg_clear(&again);
	queue_msg_clear(&m);
	close(fd);

	fd = make_msg(r2, &m);
	test_assert(qmgr_alias_expand(&m, fd, &conf, &err) == 0);
	test_assert_int(m.nrcpts, 1);
	test_assert_int(m.rcpts[0].state, QUEUE_RCPT_FAILED);
	test_assert_str(m.rcpts[0].dsn, "5.2.4");
	test_assert(queue_msg_read(fd, &again, &err) == 0);
	test_assert_int(again.nrcpts, 1);
	test_assert_int(again.rcpts[0].state, QUEUE_RCPT_FAILED);
	test_assert_str(again.rcpts[0].dsn, "5.2.4");
	test_assert(strstr(again.rcpts[0].text, "exceed") != NULL);
	queue_msg_clear(&again);
	queue_msg_clear(&m);
	close(fd);
	test_end();
}

static void test_alias_nested(void)
{
	static const char *const r[] = { "all@localhost", NULL };

	test_begin("alias: one-to-many and nested, each address once");
	expand_expect(r, "dave@localhost bob@localhost carol@localhost archive@example.org");
	test_end();
}

static void test_alias_loop(void)
{
	static const char *const r[] = { "loop1@localhost", NULL };

	test_begin("alias: a loop ends at the address that started it");
	expand_expect(r, "loop1@localhost");
	test_end();
}

static void test_alias_self(void)
{
	static const char *const r[] = { "Carol@LocalHost", NULL };

	test_begin("alias: a self-reference delivers to the user");
	expand_expect(r, "carol@localhost archive@example.org");
	test_end();
}

static void test_alias_extension(void)
{
	static const char *const r[] = { "Team+News@localhost", "bob@localhost", NULL };

	test_begin("alias: user+tag and mixed case find the alias; duplicates dropped");
	expand_expect(r, "bob@localhost carol@localhost archive@example.org");
	test_end();
}

static void test_alias_remote(void)
{
	static const char *const r[] = { "team@example.org", "list@example.org", NULL };

	test_begin("alias: full keys for any domain, bare keys only for local ones");
	expand_expect(r, "team@example.org x@example.org y@example.org");
	test_end();
}

static void test_alias_bad_targets(void)
{
	static const char *const r[] = { "broken@localhost", NULL };

	test_begin("alias: an alias without a usable target is not expanded");
	expand_expect(r, "broken@localhost");
	test_end();
}

static void test_alias_records(void)
{
	static const char *const r[] = { "team@localhost", NULL };
	queue_msg_t m;
	const char *err = NULL;
	int fd = make_msg(r, &m);

	test_begin("alias: children inherit ORCPT and name their parent");
	test_assert(qmgr_alias_expand(&m, fd, &conf, &err) == 0);
	test_assert_int(m.nrcpts, 5);
	test_assert_int(m.rcpts[4].parent, 2);
	test_assert_int(m.rcpts[0].state, QUEUE_RCPT_EXPANDED);
	test_assert_int(m.rcpts[1].parent, 0);
	test_assert_str(m.rcpts[1].addr, "bob@localhost");
	test_assert_str(m.rcpts[2].orcpt, "rfc822;O@x");
	queue_msg_clear(&m);
	close(fd);
	test_end();
}

static void test_alias_lookup_error(void)
{
	static const char *const r[] = { "team@localhost", NULL };
	queue_msg_t m;
	const char *err = NULL;
	int fd = make_msg(r, &m);

	test_begin("alias: a failed lookup is a temporary error");
	lookups_fail = 1;
	test_assert(qmgr_alias_expand(&m, fd, &conf, &err) == -1);
	test_assert(err != NULL);
	test_assert_int(m.rcpts[0].state, QUEUE_RCPT_PENDING);
	lookups_fail = 0;
	queue_msg_clear(&m);
	close(fd);
	test_end();
}

static void test_alias_canon(void)
{
	buf_t b = BUF_INIT;

	test_begin("alias: canonical form is lower case with a domain");
	alias_canon("Bob", "LocalHost", &b);
	test_assert_str(buf_str(&b), "bob@localhost");
	alias_canon("X@Y.org", "localhost", &b);
	test_assert_str(buf_str(&b), "x@y.org");
	buf_release(&b);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_alias_nested, test_alias_loop, test_alias_self,
		test_alias_extension, test_alias_remote, test_alias_bad_targets,
		test_alias_records, test_alias_lookup_error, test_alias_canon,
		test_alias_limit, NULL,
	};
	char *p;

	log_init("test_qmgr_alias");
	log_set_dest(LOG_DEST_STDERR, NULL);
	qdir = test_tmpdir();
	p = mem_printf("%s/tmp", qdir);
	mkdir(p, 0700);
	mem_free(p);
	p = mem_printf("%s/incoming", qdir);
	mkdir(p, 0700);
	mem_free(p);
	return test_main(tests);
}

/* test_queue.c - unit tests for lib/queue.c: commit order, reading back,
 * result records and torn records, the limits of the format (everything
 * at a limit is written and read back, one past it is refused by the
 * writer), and salvaging damaged files. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "../../lib/mem.h"
#include "../../lib/queue.h"
#include "test.h"

static const char *qdir;

static void mkdirs(void)
{
	char *p;

	qdir = test_tmpdir();
	p = mem_printf("%s/tmp", qdir);
	mkdir(p, 0700);
	mem_free(p);
	p = mem_printf("%s/incoming", qdir);
	mkdir(p, 0700);
	mem_free(p);
}

static int open_incoming(const char *id, int flags)
{
	char *p = mem_printf("%s/incoming/%s", qdir, id);
	int fd = open(p, flags);

	mem_free(p);
	return fd;
}

static void test_queue_ids(void)
{
	char a[QUEUE_ID_LEN + 1], b[QUEUE_ID_LEN + 1];

	test_begin("queue: ids are valid, unique and sort by time");
	queue_id_new(a);
	usleep(2000);
	queue_id_new(b);
	test_assert(queue_id_valid(a) && queue_id_valid(b));
	test_assert(strcmp(a, b) < 0);
	test_assert(!queue_id_valid("12345"));
	test_assert(!queue_id_valid("../../etc/passwdxxxxx"));
	test_end();
}

static void test_queue_roundtrip(void)
{
	queue_writer_t *w = queue_writer_open(qdir);
	queue_msg_t m;
	const char *err = NULL;
	char id[QUEUE_ID_LEN + 1];
	char content[100];
	int fd;

	test_begin("queue: write, commit, read back");
	test_assert(w != NULL);
	attr_add(queue_writer_envelope(w), "sender", "a@x.org");
	attr_add(queue_writer_envelope(w), "rcpt", "b@y.org");
	attr_add(queue_writer_envelope(w), "rcpt_orcpt", "rfc822;B@y.org");
	attr_add(queue_writer_envelope(w), "rcpt_notify", "");
	attr_add(queue_writer_envelope(w), "rcpt", "c@y.org");
	attr_add(queue_writer_envelope(w), "rcpt_orcpt", "");
	attr_add(queue_writer_envelope(w), "rcpt_notify", "NEVER");
	for (int i = 0; i < 20000; i++)
		test_assert(queue_writer_content(w, "line of text\n", 13) == 0);
	test_assert_int(queue_writer_content_len(w), 260000);
	memcpy(id, queue_writer_id(w), sizeof(id));
	test_assert(queue_writer_commit(w) == 0);
	queue_writer_free(&w);
	{
		char *tmp = mem_printf("%s/tmp/%s", qdir, id);

		test_assert(access(tmp, F_OK) < 0);	/* temp name is gone */
		mem_free(tmp);
	}
	fd = open_incoming(id, O_RDWR | O_APPEND);
	test_assert(fd >= 0);
	test_assert(queue_msg_read(fd, &m, &err) == 0);
	test_assert_str(m.id, id);
	test_assert_str(attr_get(m.env, "sender"), "a@x.org");
	test_assert_int(m.nrcpts, 2);
	test_assert_str(m.rcpts[0].orcpt, "rfc822;B@y.org");
	test_assert(m.rcpts[0].notify == NULL);
	test_assert_str(m.rcpts[1].notify, "NEVER");
	test_assert_int(m.content_len, 260000);
	test_assert(pread(fd, content, 13, m.content_off) == 13);
	test_assert(memcmp(content, "line of text\n", 13) == 0);
	test_assert(!queue_msg_finished(&m));
	queue_msg_clear(&m);

	/* results, alias expansion, and a torn record */
	test_assert(queue_append(fd, 1, "add", "parent", "1", "addr", "d@z.org", NULL) == 0);
	test_assert(queue_append(fd, 0, "expand", "rcpt", "1", NULL) == 0);
	test_assert(queue_append(fd, 0, "defer", "rcpt", "0", "dsn", "4.2.0",
				 "text", "mailbox busy; try 100% later", "next", "12345", NULL) == 0);
	test_assert(write(fd, "done rcpt=0 ds", 14) == 14);	/* a crash mid-append */
	test_assert(queue_msg_read(fd, &m, &err) == 0);
	test_assert(m.torn);
	test_assert_int(m.nrcpts, 3);
	test_assert_int(m.rcpts[0].state, QUEUE_RCPT_DEFERRED);
	test_assert_str(m.rcpts[0].text, "mailbox busy; try 100% later");
	test_assert_int(m.rcpts[0].next_try, 12345);
	test_assert_int(m.rcpts[1].state, QUEUE_RCPT_EXPANDED);
	test_assert_str(m.rcpts[2].addr, "d@z.org");
	test_assert_int(m.rcpts[2].parent, 1);
	queue_msg_clear(&m);
	test_assert(queue_append(fd, 0, "done", "rcpt", "0", "dsn", "2.0.0", NULL) == 0);
	test_assert(queue_append(fd, 0, "fail", "rcpt", "2", "dsn", "5.1.1", "text", "no", NULL) == 0);
	test_assert(queue_msg_read(fd, &m, &err) == 0);
	test_assert_int(m.rcpts[0].state, QUEUE_RCPT_DONE);
	test_assert_int(m.rcpts[2].state, QUEUE_RCPT_FAILED);
	test_assert(!queue_msg_finished(&m));
	queue_msg_clear(&m);
	test_assert(queue_append(fd, 0, "notified", "rcpt", "2", NULL) == 0);
	test_assert(queue_msg_read(fd, &m, &err) == 0);
	test_assert(queue_msg_finished(&m));
	test_assert(!m.resolved);
	queue_msg_clear(&m);
	test_assert(queue_append(fd, 1, "resolved", NULL) == 0);
	test_assert(queue_msg_read(fd, &m, &err) == 0);
	test_assert(m.resolved);
	queue_msg_clear(&m);
	close(fd);
	test_end();
}

/* "prepend" records: written after the content before the commit, read
 * back where the reader said they are, refused anywhere else. */
static void test_queue_prepend(void)
{
	queue_writer_t *w = queue_writer_open(qdir);
	const char *sig1 = "DKIM-Signature: v=1; a=rsa-sha256;\n\tb=abc%20 def\n";
	const char *sig2 = "DKIM-Signature: v=1; a=ed25519-sha256; b=x\n";
	char id[QUEUE_ID_LEN + 1];
	const char *err = NULL;
	queue_msg_t m;
	buf_t out = BUF_INIT, big = BUF_INIT;
	int fd;

	test_begin("queue: prepend records before the commit");
	attr_add(queue_writer_envelope(w), "sender", "a@x.org");
	attr_add(queue_writer_envelope(w), "rcpt", "b@y.org");
	test_assert(queue_writer_content(w, "Subject: x\n\nbody\n", 18) == 0);
	test_assert(queue_writer_prepend(w, sig1) == 0);
	test_assert(queue_writer_prepend(w, sig2) == 0);
	test_assert(queue_writer_prepend(w, "no line end") < 0 && errno == EINVAL);
	for (int i = 0; i < QUEUE_MAX_RECORD_LINE; i++)
		buf_putc(&big, 'x');
	buf_putc(&big, '\n');
	test_assert(queue_writer_prepend(w, buf_str(&big)) < 0 && errno == EMSGSIZE);
	/* the content has ended */
	test_assert(queue_writer_content(w, "more\n", 5) < 0 && errno == EINVAL);
	memcpy(id, queue_writer_id(w), sizeof(id));
	test_assert(queue_writer_commit(w) == 0);
	queue_writer_free(&w);
	fd = open_incoming(id, O_RDWR | O_APPEND);
	test_assert(queue_msg_read(fd, &m, &err) == 0);
	test_assert_int(m.content_len, 18);
	test_assert_int(m.nprepend, 2);
	test_assert(m.prepend_off == m.content_off + 18);
	test_assert(queue_prepend_read(fd, m.prepend_off, m.prepend_len, &out) == 0);
	test_assert(strncmp(buf_str(&out), sig1, strlen(sig1)) == 0);
	test_assert_str(buf_str(&out) + strlen(sig1), sig2);
	/* not where the reader said */
	test_assert(queue_prepend_read(fd, m.prepend_off + 1, m.prepend_len - 1, &out) < 0);
	test_assert(queue_prepend_read(fd, m.content_off, 18, &out) < 0);
	test_assert(queue_prepend_read(fd, m.prepend_off, 0, &out) < 0);
	queue_msg_clear(&m);
	/* results after them read as ever; a prepend after a result is bad */
	test_assert(queue_append(fd, 0, "done", "rcpt", "0", "dsn", "2.0.0", NULL) == 0);
	test_assert(queue_msg_read(fd, &m, &err) == 0);
	test_assert_int(m.rcpts[0].state, QUEUE_RCPT_DONE);
	test_assert_int(m.nprepend, 2);
	queue_msg_clear(&m);
	test_assert(queue_append(fd, 0, "prepend", "field", "X: y\n", NULL) == 0);
	test_assert(queue_msg_read(fd, &m, &err) < 0);
	close(fd);
	buf_release(&out);
	buf_release(&big);
	test_end();
}

static void test_queue_move(void)
{
	char *a, *b, *d;
	char id[QUEUE_ID_LEN + 1];
	queue_writer_t *w = queue_writer_open(qdir);
	int fd;

	test_begin("queue: moves never overwrite and finish an interrupted move");
	memcpy(id, queue_writer_id(w), sizeof(id));
	attr_add(queue_writer_envelope(w), "rcpt", "b@y.org");
	queue_writer_content(w, "x\n", 2);
	test_assert(queue_writer_commit(w) == 0);
	queue_writer_free(&w);
	d = mem_printf("%s/active", qdir);
	mkdir(d, 0700);
	a = mem_printf("%s/incoming/%s", qdir, id);
	b = mem_printf("%s/active/%s", qdir, id);
	test_assert(queue_file_move(qdir, id, "incoming", "active") == 0);
	test_assert(access(a, F_OK) < 0 && access(b, F_OK) == 0);
	test_assert(queue_file_move(qdir, id, "incoming", "active") < 0 && errno == ENOENT);
	test_assert(link(b, a) == 0);	/* a move cut short by a crash */
	test_assert(queue_file_move(qdir, id, "incoming", "active") == 0);
	test_assert(access(a, F_OK) < 0 && access(b, F_OK) == 0);
	fd = open(a, O_WRONLY | O_CREAT | O_EXCL, 0600);	/* another file */
	test_assert(fd >= 0);
	close(fd);
	test_assert(queue_file_move(qdir, id, "incoming", "active") < 0 && errno == EEXIST);
	test_assert(access(a, F_OK) == 0 && access(b, F_OK) == 0);
	unlink(a);
	unlink(b);
	mem_free(a);
	mem_free(b);
	mem_free(d);
	test_end();
}

static void test_queue_abort_and_corrupt(void)
{
	queue_writer_t *w = queue_writer_open(qdir);
	char id[QUEUE_ID_LEN + 1];
	queue_msg_t m;
	const char *err = NULL;
	char *path;
	int fd;

	test_begin("queue: uncommitted files vanish, corrupt files are refused");
	memcpy(id, queue_writer_id(w), sizeof(id));
	queue_writer_content(w, "x\n", 2);
	queue_writer_free(&w);
	path = mem_printf("%s/tmp/%s", qdir, id);
	test_assert(access(path, F_OK) < 0);
	mem_free(path);
	test_assert(open_incoming(id, O_RDONLY) < 0);

	path = mem_printf("%s/incoming/bad", qdir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	test_assert(write(fd, "TERNQ1 000000000099 000000000001\nid=x\n\n", 39) == 39);
	test_assert(queue_msg_read(fd, &m, &err) == -1);
	test_assert(err != NULL);
	close(fd);
	unlink(path);
	mem_free(path);
	test_end();
}

/* ---- limits ---- */

/* n copies of c, then tail; mem-allocated. */
static char *filled(size_t n, char c, const char *tail)
{
	size_t t = strlen(tail);
	char *s = mem_alloc(n + t + 1);

	memset(s, c, n);
	memcpy(s + n, tail, t + 1);
	return s;
}

/* Commit a message with a copy of env as its envelope: 0 and the id, or
 * -1 with errno (and nothing left in tmp/ or incoming/). */
static int commit_env(const attr_t *env, char id_r[QUEUE_ID_LEN + 1])
{
	queue_writer_t *w = queue_writer_open(qdir);
	attr_t *e = queue_writer_envelope(w);
	int r, err;

	for (size_t i = 0; i < env->count; i++)
		attr_add_n(e, env->names[i], env->values[i], env->values_len[i]);
	memcpy(id_r, queue_writer_id(w), QUEUE_ID_LEN + 1);
	r = queue_writer_content(w, "Subject: x\n\nbody\n", 17);
	if (r == 0)
		r = queue_writer_commit(w);
	err = errno;
	queue_writer_free(&w);
	errno = err;
	return r;
}

static int read_id(const char *id, queue_msg_t *m, const char **err_r)
{
	int fd = open_incoming(id, O_RDONLY);
	int r = fd < 0 ? -1 : queue_msg_read(fd, m, err_r);

	if (fd >= 0)
		close(fd);
	return r;
}

static void remove_id(const char *id)
{
	char *p = mem_printf("%s/incoming/%s", qdir, id);

	unlink(p);
	mem_free(p);
}

/* Files in qdir/sub: a refused message must leave none behind. */
static int count_files(const char *sub)
{
	char *cmd = mem_printf("ls -A %s/%s | wc -l", qdir, sub);
	FILE *f = popen(cmd, "r");
	int n = -1;

	if (f != NULL) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		pclose(f);
	}
	mem_free(cmd);
	return n;
}

static void add_rcpt(attr_t *env, const char *addr, const char *orcpt,
		     const char *notify)
{
	attr_add(env, "rcpt", addr);
	attr_add(env, "rcpt_orcpt", orcpt);
	attr_add(env, "rcpt_notify", notify);
}

/* Commit must fail with EMSGSIZE and leave no file. */
static void expect_refused(const attr_t *env)
{
	char id[QUEUE_ID_LEN + 1];
	int in = count_files("incoming");

	errno = 0;
	test_assert(commit_env(env, id) < 0);
	test_assert_int(errno, EMSGSIZE);
	test_assert_int(count_files("incoming"), in);
	test_assert_int(count_files("tmp"), 0);
}

static void test_queue_limit_count(void)
{
	attr_t *env = attr_new();
	char id[QUEUE_ID_LEN + 1], addr[64];
	const char *err = NULL;
	queue_msg_t m;

	test_begin("queue: QUEUE_MAX_RCPTS recipients read back, one more refused");
	attr_add(env, "sender", "s@x.org");
	for (int i = 0; i < QUEUE_MAX_RCPTS; i++) {
		snprintf(addr, sizeof(addr), "user+%d@example.org", i);
		add_rcpt(env, addr, i % 2 ? "rfc822;O@x.org" : "", i % 3 ? "" : "NEVER");
	}
	test_assert(commit_env(env, id) == 0);
	test_assert(read_id(id, &m, &err) == 0);
	test_assert_int(m.nrcpts, QUEUE_MAX_RCPTS);
	if (m.nrcpts == QUEUE_MAX_RCPTS) {
		snprintf(addr, sizeof(addr), "user+%d@example.org", QUEUE_MAX_RCPTS - 1);
		test_assert_str(m.rcpts[QUEUE_MAX_RCPTS - 1].addr, addr);
		test_assert_str(m.rcpts[QUEUE_MAX_RCPTS - 1].orcpt, "rfc822;O@x.org");
		test_assert(m.rcpts[QUEUE_MAX_RCPTS - 2].orcpt == NULL);
		test_assert_str(m.rcpts[QUEUE_MAX_RCPTS - 1].notify, "NEVER");
	}
	queue_msg_clear(&m);
	remove_id(id);
	add_rcpt(env, "one@too.many", "", "");
	expect_refused(env);

	/* Other attributes: QUEUE_MAX_ENV_OTHER with the writer's id. */
	attr_clear(env);
	add_rcpt(env, "a@x.org", "", "");
	for (int i = 1; i < QUEUE_MAX_ENV_OTHER; i++)
		attr_add_long(env, "x_other", i);
	test_assert(commit_env(env, id) == 0);
	test_assert(read_id(id, &m, &err) == 0);
	test_assert_int(attr_count_of(m.env, "x_other"), QUEUE_MAX_ENV_OTHER - 1);
	queue_msg_clear(&m);
	remove_id(id);
	attr_add(env, "x_other", "one too many");
	expect_refused(env);

	/* No recipient at all is no message. */
	attr_clear(env);
	attr_add(env, "sender", "s@x.org");
	expect_refused(env);
	attr_free(&env);
	test_end();
}

static void test_queue_limit_fields(void)
{
	/* Every octet a '%', so each field takes three times its length. */
	char *addr = filled(QUEUE_MAX_ADDR - 6, '%', "@x.org");
	char *orcpt = filled(QUEUE_MAX_ORCPT - 7, '%', "");
	char *notify = filled(QUEUE_MAX_NOTIFY, 'N', "");
	char *full_orcpt = mem_printf("rfc822;%s", orcpt);
	char *longer = filled(QUEUE_MAX_ADDR - 5, '%', "@x.org");
	char *longer_orcpt = mem_printf("rfc822;%s%%", orcpt);
	char *longer_notify = filled(QUEUE_MAX_NOTIFY + 1, 'N', "");
	attr_t *env = attr_new();
	char id[QUEUE_ID_LEN + 1];
	const char *err = NULL;
	queue_msg_t m;

	test_begin("queue: recipient fields at their limits read back, longer refused");
	test_assert_int(strlen(addr), QUEUE_MAX_ADDR);
	test_assert_int(strlen(full_orcpt), QUEUE_MAX_ORCPT);
	test_assert_int(queue_rcpt_size(addr, full_orcpt, notify),
			5 + 3 * (QUEUE_MAX_ADDR - 6) + 6 + 1 + 11 + 7 +
			3 * (QUEUE_MAX_ORCPT - 7) + 1 + 12 + QUEUE_MAX_NOTIFY + 1);
	test_assert(queue_rcpt_size(longer, "", "") == 0);
	test_assert(queue_rcpt_size("a@x", longer_orcpt, "") == 0);
	test_assert(queue_rcpt_size("a@x", "", longer_notify) == 0);
	test_assert(queue_rcpt_size("a@x", NULL, NULL) ==
		    queue_rcpt_size("a@x", "", ""));

	attr_add(env, "sender", addr);
	add_rcpt(env, addr, full_orcpt, notify);
	add_rcpt(env, "b@x.org", "", "");
	test_assert(commit_env(env, id) == 0);
	test_assert(read_id(id, &m, &err) == 0);
	test_assert_int(m.nrcpts, 2);
	if (m.nrcpts == 2) {
		test_assert_str(m.rcpts[0].addr, addr);
		test_assert_str(m.rcpts[0].orcpt, full_orcpt);
		test_assert_str(m.rcpts[0].notify, notify);
	}
	test_assert_str(attr_get(m.env, "sender"), addr);
	queue_msg_clear(&m);
	remove_id(id);

	attr_clear(env);
	add_rcpt(env, longer, "", "");
	expect_refused(env);
	attr_clear(env);
	add_rcpt(env, "a@x.org", longer_orcpt, "");
	expect_refused(env);
	attr_clear(env);
	add_rcpt(env, "a@x.org", "", longer_notify);
	expect_refused(env);
	attr_clear(env);
	attr_add(env, "sender", longer);
	add_rcpt(env, "a@x.org", "", "");
	expect_refused(env);
	attr_clear(env);
	attr_add_n(env, "rcpt", "a\0b@x.org", 9);	/* a NUL cannot be read back */
	expect_refused(env);

	attr_free(&env);
	mem_free(addr);
	mem_free(orcpt);
	mem_free(notify);
	mem_free(full_orcpt);
	mem_free(longer);
	mem_free(longer_orcpt);
	mem_free(longer_notify);
	test_end();
}

/* Encoded size of env as the writer writes it (its id line first). */
static size_t env_size(const attr_t *env)
{
	size_t n = attr_encoded_size("id", "000000000000000000000", QUEUE_ID_LEN) + 1;

	for (size_t i = 0; i < env->count; i++)
		n += attr_encoded_size(env->names[i], env->values[i], env->values_len[i]);
	return n;
}

static void test_queue_limit_bytes(void)
{
	char *addr = filled(QUEUE_MAX_ADDR - 6, '%', "@x.org");
	char *orcpt = filled(QUEUE_MAX_ORCPT, '%', "");
	char *helo = filled(255, '%', "");
	char *envid = filled(100, '%', "");
	attr_t *env = attr_new();
	char id[QUEUE_ID_LEN + 1];
	const char *err = NULL;
	queue_msg_t m;
	size_t bytes = 0, n = 0, size, pad;
	char *padv;

	test_begin("queue: the envelope byte budget: smtpd's share and the whole");
	/* As smtpd does: the worst recipients while they fit its share, and
	 * the other attributes at the largest smtpd writes. */
	size = queue_rcpt_size(addr, orcpt, "SUCCESS,FAILURE,DELAY");
	test_assert(size > 0);
	while (bytes + size <= QUEUE_MAX_RCPT_BYTES) {
		add_rcpt(env, addr, orcpt, "SUCCESS,FAILURE,DELAY");
		bytes += size;
		n++;
	}
	test_assert(n < QUEUE_MAX_RCPTS);	/* bytes, not the count, ran out */
	attr_add(env, "sender", addr);
	attr_add(env, "envid", envid);
	attr_add(env, "helo", helo);
	attr_add(env, "auth_user", addr);
	attr_add(env, "tls", "TLSv1.3/TLS_AES_256_GCM_SHA384");
	attr_add(env, "client_addr", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	attr_add(env, "client_name", "localhost");
	attr_add(env, "proto", "UTF8SMTPSA");
	attr_add(env, "service", "submission");
	attr_add(env, "ret", "HDRS");
	attr_add(env, "body", "8BITMIME");
	attr_add(env, "smtputf8", "yes");
	attr_add(env, "submit_uid", "4294967295");
	attr_add(env, "arrival", "99999999999");
	test_assert(env_size(env) <= QUEUE_MAX_ENVELOPE);
	test_assert(commit_env(env, id) == 0);
	test_assert(read_id(id, &m, &err) == 0);
	test_assert_int(m.nrcpts, n);
	queue_msg_clear(&m);
	remove_id(id);

	/* The writer's own limit: exactly QUEUE_MAX_ENVELOPE bytes. */
	pad = QUEUE_MAX_ENVELOPE - env_size(env) - attr_encoded_size("x_pad", "", 0);
	test_assert(pad < ATTR_MAX_LINE - 16);
	padv = filled(pad, 'p', "");
	attr_add(env, "x_pad", padv);
	test_assert_int(env_size(env), QUEUE_MAX_ENVELOPE);
	test_assert(commit_env(env, id) == 0);
	test_assert(read_id(id, &m, &err) == 0);
	test_assert_int(attr_get(m.env, "x_pad") ? strlen(attr_get(m.env, "x_pad")) : 0, pad);
	queue_msg_clear(&m);
	remove_id(id);
	attr_add(env, "x_pad2", "");	/* 7 bytes more */
	expect_refused(env);

	attr_free(&env);
	mem_free(addr);
	mem_free(orcpt);
	mem_free(helo);
	mem_free(envid);
	mem_free(padv);
	test_end();
}

/* A committed two-recipient message, open O_RDWR | O_APPEND. */
static int small_msg(char id_r[QUEUE_ID_LEN + 1])
{
	attr_t *env = attr_new();
	int fd = -1;

	attr_add(env, "sender", "s@x.org");
	add_rcpt(env, "a@x.org", "", "");
	add_rcpt(env, "b@x.org", "", "");
	if (commit_env(env, id_r) == 0)
		fd = open_incoming(id_r, O_RDWR | O_APPEND);
	attr_free(&env);
	return fd;
}

static void test_queue_limit_records(void)
{
	char id[QUEUE_ID_LEN + 1];
	char *addr = filled(QUEUE_MAX_ADDR, '%', "");
	char *orcpt = filled(QUEUE_MAX_ORCPT, ' ', "");
	char *notify = filled(QUEUE_MAX_NOTIFY, '\n', "");
	char *text = filled(3 * QUEUE_MAX_TEXT, '%', "");
	char *longer = filled(QUEUE_MAX_RECORD_LINE / 3 + 1, '%', "");
	const char *err = NULL;
	buf_t b = BUF_INIT, utf8 = BUF_INIT;
	struct stat st1, st2;
	queue_msg_t m;
	off_t size;
	int fd = small_msg(id);

	test_begin("queue: record lines at their limits read back, longer refused");
	test_assert(fd >= 0);
	/* The longest records the writers make, every octet escaped. */
	test_assert(queue_append(fd, 0, "add", "parent", "0", "addr", addr,
				 "orcpt", orcpt, "notify", notify, NULL) == 0);
	test_assert(queue_append(fd, 0, "defer", "rcpt", "2", "dsn", "4.999.999",
				 "text", text, "next", "99999999999", NULL) == 0);
	/* A text is cut at QUEUE_MAX_TEXT, never inside a UTF-8 sequence. */
	buf_putc(&utf8, 'a');
	for (int i = 0; i < QUEUE_MAX_TEXT; i++)
		buf_puts(&utf8, "\xc3\xa9");
	test_assert(queue_append(fd, 0, "defer", "rcpt", "1", "dsn", "4.0.0",
				 "text", buf_str(&utf8), NULL) == 0);
	test_assert(queue_msg_read(fd, &m, &err) == 0);
	test_assert_int(m.nrcpts, 3);
	if (m.nrcpts == 3) {
		test_assert_str(m.rcpts[2].addr, addr);
		test_assert_str(m.rcpts[2].orcpt, orcpt);
		test_assert_str(m.rcpts[2].notify, notify);
		test_assert_int(strlen(m.rcpts[2].text), QUEUE_MAX_TEXT);
		test_assert_int(strlen(m.rcpts[1].text), QUEUE_MAX_TEXT - 1);
		test_assert(memcmp(m.rcpts[1].text, buf_str(&utf8), QUEUE_MAX_TEXT - 1) == 0);
	}
	queue_msg_clear(&m);

	/* Over the line limit: not written at all. */
	test_assert(fstat(fd, &st1) == 0);
	errno = 0;
	test_assert(queue_append(fd, 0, "add", "parent", "0", "addr", longer, NULL) < 0);
	test_assert_int(errno, EMSGSIZE);
	test_assert(fstat(fd, &st2) == 0 && st1.st_size == st2.st_size);

	/* A line the writer never makes: refused by the reader, skipped by
	 * salvage. */
	buf_puts(&b, "defer rcpt=0 dsn=4.0.0 text=");
	while (b.len <= QUEUE_MAX_RECORD_LINE)
		buf_putc(&b, 'x');
	buf_puts(&b, " .\n");
	test_assert(write(fd, b.data, b.len) == (ssize_t) b.len);
	test_assert(queue_msg_read(fd, &m, &err) < 0);
	test_assert_str(err, "queue file record too long");
	test_assert(queue_msg_salvage(fd, &m) == 0);
	test_assert_int(m.nrcpts, 3);
	test_assert_int(m.rcpts[0].state, QUEUE_RCPT_PENDING);
	queue_msg_clear(&m);
	close(fd);
	remove_id(id);

	/* Retries: result records of any total size are read, a chunk at a
	 * time (65 MiB here, past the total limit an earlier reader had). */
	fd = small_msg(id);
	test_assert(fd >= 0);
	buf_reset(&b);
	{
		const char *rec = "defer rcpt=1 dsn=4.4.1 text=no%20route next=1 .\n";
		size_t per = strlen(rec), want = 65 * 1024 * 1024;

		while (b.len < 1024 * 1024)
			buf_puts(&b, rec);
		for (size = 0; (size_t) size < want; size += (off_t) b.len)
			test_assert(write(fd, b.data, b.len) == (ssize_t) b.len);
		test_assert(queue_msg_read(fd, &m, &err) == 0);
		test_assert_int(m.rcpts[1].tries, (size_t) size / per);
		test_assert_str(m.rcpts[1].text, "no route");
		test_assert(!m.torn);
		queue_msg_clear(&m);
	}
	close(fd);
	remove_id(id);

	buf_release(&b);
	buf_release(&utf8);
	mem_free(addr);
	mem_free(orcpt);
	mem_free(notify);
	mem_free(text);
	mem_free(longer);
	test_end();
}

static void test_queue_limit_total(void)
{
	attr_t *env = attr_new();
	char id[QUEUE_ID_LEN + 1], addr[64];
	const char *err = NULL;
	buf_t b = BUF_INIT;
	queue_msg_t m;
	int fd;

	test_begin("queue: alias expansion up to QUEUE_MAX_TOTAL_RCPTS reads back");
	for (int i = 0; i < QUEUE_MAX_RCPTS; i++) {
		snprintf(addr, sizeof(addr), "list%d@example.org", i);
		add_rcpt(env, addr, "", "");
	}
	test_assert(commit_env(env, id) == 0);
	fd = open_incoming(id, O_RDWR | O_APPEND);
	test_assert(fd >= 0);
	for (int i = 0; i < QUEUE_MAX_TOTAL_RCPTS - QUEUE_MAX_RCPTS; i++)
		buf_printf(&b, "add parent=%d addr=member%d@example.org .\n",
			   i % QUEUE_MAX_RCPTS, i);
	test_assert(write(fd, b.data, b.len) == (ssize_t) b.len);
	test_assert(queue_msg_read(fd, &m, &err) == 0);
	test_assert_int(m.nrcpts, QUEUE_MAX_TOTAL_RCPTS);
	if (m.nrcpts == QUEUE_MAX_TOTAL_RCPTS) {
		test_assert_str(m.rcpts[QUEUE_MAX_TOTAL_RCPTS - 1].addr,
				"member9999@example.org");
		test_assert_int(m.rcpts[QUEUE_MAX_TOTAL_RCPTS - 1].parent, 9999);
	}
	queue_msg_clear(&m);
	test_assert(queue_append(fd, 0, "add", "parent", "0", "addr", "x@y", NULL) == 0);
	test_assert(queue_msg_read(fd, &m, &err) < 0);
	test_assert_str(err, "bad queue file record");
	test_assert(queue_msg_salvage(fd, &m) == 0);
	test_assert_int(m.nrcpts, QUEUE_MAX_TOTAL_RCPTS);
	queue_msg_clear(&m);
	close(fd);
	remove_id(id);
	buf_release(&b);
	attr_free(&env);
	test_end();
}

/* Write data as incoming/name; open O_RDWR. */
static int raw_file(const char *name, const char *data, size_t len)
{
	char *p = mem_printf("%s/incoming/%s", qdir, name);
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);

	mem_free(p);
	if (fd >= 0 && write(fd, data, len) != (ssize_t) len) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void test_queue_salvage(void)
{
	static const char env[] =
		"id=0000000000001000000C1\nsender=s@x.org\nrcpt=a@x.org\n"
		"rcpt_orcpt=\nrcpt_notify=\nrcpt=b@x.org\nrcpt_orcpt=rfc822;B@x\n"
		"rcpt_notify=NEVER\nBAD LINE\narrival=12345\n\n";
	static const char content[] = "Subject: s\n\nbody\n";
	buf_t b = BUF_INIT;
	const char *err = NULL;
	queue_msg_t m;
	int fd;

	test_begin("queue: salvage reads what it can of a damaged file");
	/* A bad envelope line and a bad record: the rest is still there. */
	buf_printf(&b, "TERNQ1 %012zu %012zu\n", 33 + sizeof(env) - 1,
		   sizeof(content) - 1);
	buf_puts(&b, env);
	buf_puts(&b, content);
	buf_puts(&b, "done rcpt=0 dsn=2.0.0 text=ok .\nfail rcpt=7 dsn=5.0.0 .\n");
	fd = raw_file("damaged", b.data, b.len);
	test_assert(fd >= 0);
	test_assert(queue_msg_read(fd, &m, &err) < 0);
	test_assert_str(err, "bad queue file envelope");
	test_assert(queue_msg_salvage(fd, &m) == 0);
	test_assert_str(m.id, "0000000000001000000C1");
	test_assert_str(attr_get(m.env, "sender"), "s@x.org");
	test_assert_str(attr_get(m.env, "arrival"), "12345");
	test_assert_int(m.nrcpts, 2);
	test_assert_int(m.content_len, sizeof(content) - 1);
	if (m.nrcpts == 2) {
		test_assert_int(m.rcpts[0].state, QUEUE_RCPT_DONE);
		test_assert_int(m.rcpts[1].state, QUEUE_RCPT_PENDING);
		test_assert_str(m.rcpts[1].orcpt, "rfc822;B@x");
		test_assert_str(m.rcpts[1].notify, "NEVER");
	}
	queue_msg_clear(&m);
	close(fd);

	/* A header whose sizes are wrong: the envelope, no content. */
	memcpy(b.data + 7, "999999999999", 12);
	fd = raw_file("damaged", b.data, b.len);
	test_assert(queue_msg_read(fd, &m, &err) < 0);
	test_assert_str(err, "bad queue file header");
	test_assert(queue_msg_salvage(fd, &m) == 0);
	test_assert_str(attr_get(m.env, "sender"), "s@x.org");
	test_assert_int(m.nrcpts, 2);
	test_assert_int(m.content_len, 0);
	queue_msg_clear(&m);
	close(fd);

	/* Not a queue file: nothing. */
	fd = raw_file("damaged", "sender=s@x.org\nrcpt=a@x.org\n\n"
		      "padding past the header length\n", 60);
	test_assert(queue_msg_salvage(fd, &m) < 0);
	test_assert(m.env == NULL && m.nrcpts == 0);
	close(fd);
	{
		char *p = mem_printf("%s/incoming/damaged", qdir);

		unlink(p);
		mem_free(p);
	}
	buf_release(&b);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_queue_ids, test_queue_roundtrip, test_queue_prepend,
		test_queue_abort_and_corrupt,
		test_queue_move, test_queue_limit_count, test_queue_limit_fields,
		test_queue_limit_bytes, test_queue_limit_records,
		test_queue_limit_total, test_queue_salvage, NULL,
	};

	mkdirs();
	return test_main(tests);
}

/* test_queue.c - unit tests for lib/queue.c: commit order, reading back,
 * result records and torn records. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "../../lib/mem.h"
#include "../../lib/queue.h"
#include "test.h"

static char qdir[] = "/tmp/tern-test-queue.XXXXXX";

static void mkdirs(void)
{
	char *p;

	test_assert(mkdtemp(qdir) != NULL);
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

int main(void)
{
	static void (*const tests[])(void) = {
		test_queue_ids, test_queue_roundtrip, test_queue_abort_and_corrupt,
		test_queue_move, NULL,
	};
	int r;

	mkdirs();
	r = test_main(tests);
	{
		char *cmd = mem_printf("rm -rf %s", qdir);

		if (system(cmd) != 0)
			r = 1;
		mem_free(cmd);
	}
	return r;
}

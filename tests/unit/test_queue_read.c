/* test_queue_read.c - unit tests for the queue file reader of lib/queue_read.c
 * on bytes in memory (queue_msg_read_bytes, queue_msg_salvage_bytes): the
 * header, the envelope, the result records and a torn last record, the
 * refusals, and the same answers from a file through queue_msg_read().
 */
#include <unistd.h>

#include "../../lib/buf.h"
#include "../../lib/queue.h"
#include "test.h"

static const char qr_env[] =
	"id=0000000000001000000C1\nsender=s@x.org\nrcpt=a@x.org\n"
	"rcpt_orcpt=\nrcpt_notify=\nrcpt=b@x.org\nrcpt_orcpt=rfc822;B@x\n"
	"rcpt_notify=NEVER\narrival=12345\n\n";
static const char qr_content[] = "Subject: s\n\nbody\n";

/* A queue file: header, env, content, then records. */
static void qr_file(buf_t *b, const char *env, const char *records)
{
	buf_reset(b);
	buf_printf(b, "TERNQ1 %012zu %012zu\n", 33 + strlen(env),
		   sizeof(qr_content) - 1);
	buf_puts(b, env);
	buf_puts(b, qr_content);
	buf_puts(b, records);
}

/* queue_msg_read() on the same bytes in a file: its verdict (and error). */
static int qr_read_file(const buf_t *b, const char **err_r, queue_msg_t *m)
{
	char path[] = "/tmp/tern-test-queue-read.XXXXXX";
	int fd = mkstemp(path), r = -1;

	memset(m, 0, sizeof(*m));
	if (fd < 0)
		return -2;
	unlink(path);
	if (write(fd, b->data, b->len) == (ssize_t) b->len)
		r = queue_msg_read(fd, m, err_r);
	close(fd);
	return r;
}

static void test_queue_read_bytes(void)
{
	buf_t b = BUF_INIT;
	const char *err = NULL, *ferr = NULL;
	queue_msg_t m, f;

	test_begin("queue reader on bytes: envelope, records, torn record");
	qr_file(&b, qr_env, "done rcpt=0 dsn=2.0.0 text=all%20ok .\n"
		"defer rcpt=1 dsn=4.0.0 next=99 .\nfail rcpt=1 ds");
	test_assert_int(queue_msg_read_bytes(b.data, b.len, &m, &err), 0);
	test_assert_str(m.id, "0000000000001000000C1");
	test_assert_str(attr_get(m.env, "sender"), "s@x.org");
	test_assert_int(m.content_off, 33 + sizeof(qr_env) - 1);
	test_assert_int(m.content_len, sizeof(qr_content) - 1);
	test_assert_int(m.torn, 1);
	test_assert_int(m.nrcpts, 2);
	if (m.nrcpts == 2) {
		test_assert_int(m.rcpts[0].state, QUEUE_RCPT_DONE);
		test_assert_str(m.rcpts[0].text, "all ok");
		test_assert(m.rcpts[0].orcpt == NULL);
		test_assert_int(m.rcpts[1].state, QUEUE_RCPT_DEFERRED);
		test_assert_int(m.rcpts[1].next_try, 99);
		test_assert_int(m.rcpts[1].tries, 1);
		test_assert_str(m.rcpts[1].orcpt, "rfc822;B@x");
		test_assert_str(m.rcpts[1].notify, "NEVER");
	}
	/* The file gives the same. */
	test_assert_int(qr_read_file(&b, &ferr, &f), 0);
	test_assert_int(f.nrcpts, m.nrcpts);
	test_assert_int(f.torn, m.torn);
	test_assert_int(f.content_off, m.content_off);
	if (f.nrcpts == 2 && m.nrcpts == 2)
		test_assert_int(f.rcpts[1].state, m.rcpts[1].state);
	queue_msg_clear(&f);
	queue_msg_clear(&m);
	buf_release(&b);
	test_end();
}

static void test_queue_read_bytes_refused(void)
{
	static const struct {
		const char *env, *records, *err;
	} bad[] = {
		{ qr_env, "fail rcpt=7 dsn=5.0.0 .\n", "bad queue file record" },
		{ qr_env, "done rcpt=0 text=%zz .\n", "bad queue file record" },
		{ "id=0000000000001000000C1\nsender=s@x.org\n\n", "",
		  "queue file has no recipients" },
		{ "sender=s@x.org\nrcpt=a@x.org\n\n", "",
		  "queue file envelope has no valid id" },
		{ "id=0000000000001000000C1\nBAD LINE\nrcpt=a@x.org\n\n", "",
		  "bad queue file envelope" },
	};
	buf_t b = BUF_INIT;
	const char *err, *ferr;
	queue_msg_t m, f;

	test_begin("queue reader on bytes: refusals, as from a file");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		qr_file(&b, bad[i].env, bad[i].records);
		err = ferr = NULL;
		test_assert_int(queue_msg_read_bytes(b.data, b.len, &m, &err), -1);
		test_assert_str(err, bad[i].err);
		test_assert_int(qr_read_file(&b, &ferr, &f), -1);
		test_assert_str(ferr, bad[i].err);
	}
	qr_file(&b, qr_env, "");
	err = NULL;
	test_assert_int(queue_msg_read_bytes(b.data, 20, &m, &err), -1);
	test_assert_str(err, "cannot read the queue file header");
	b.data[0] = 'X';
	test_assert_int(queue_msg_read_bytes(b.data, b.len, &m, &err), -1);
	test_assert_str(err, "bad queue file header");
	test_assert_int(queue_msg_salvage_bytes(b.data, b.len, &m), -1);
	b.data[0] = 'T';
	memcpy(b.data + 7, "999999999999", 12);	/* sizes past the end */
	test_assert_int(queue_msg_read_bytes(b.data, b.len, &m, &err), -1);
	test_assert_str(err, "bad queue file header");
	test_assert_int(queue_msg_salvage_bytes(b.data, b.len, &m), 0);
	test_assert_int(m.nrcpts, 2);
	test_assert_int(m.content_len, 0);
	queue_msg_clear(&m);
	buf_release(&b);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_queue_read_bytes,
		test_queue_read_bytes_refused,
		NULL,
	};

	return test_main(tests);
}

/* test_secret.c - unit tests for lib/secret.c: one call wipes the
 * consumed input of a stream, an attr record and buffers. */
#include <sys/socket.h>
#include <unistd.h>

#include "../../lib/secret.h"
#include "test.h"

static void test_secret_wipe(void)
{
	buf_t a = BUF_INIT, b = BUF_INIT, line = BUF_INIT;
	attr_t *rec = attr_new();
	stream_t *s;
	int sv[2];
	char *old;

	test_begin("secret: buffers, a record and a stream's consumed input");
	test_assert_int(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	s = stream_open(sv[0]);
	stream_set_secret(s);
	test_assert_int((int) write(sv[1], "PASS hunter2\r\nQUIT\r\n", 20), 20);
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "PASS hunter2\r\n");
	buf_set(&a, "hunter2");
	buf_set(&b, "aHVudGVyMg==");
	attr_add(rec, "password", "hunter2");
	old = a.data;
	secret_wipe(s, rec, &a, &b, &line, NULL);
	test_assert_int(a.len, 0);
	test_assert_int(b.len, 0);
	test_assert(old[0] == '\0' && old[6] == '\0');
	test_assert(attr_get(rec, "password")[0] == '\0');
	/* What is still to be read survives; what was read is gone. */
	test_assert_int(stream_pending(s), 6);
	test_assert(memcmp(stream_pending_data(s), "QUIT\r\n", 6) == 0);
	test_assert(memchr(stream_pending_data(s) - 14, 'h', 14) == NULL);
	secret_wipe(NULL, NULL, NULL);
	stream_close(&s);
	close(sv[1]);
	attr_free(&rec);
	buf_release(&a);
	buf_release(&b);
	buf_release(&line);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = { test_secret_wipe, NULL };
	return test_main(tests);
}

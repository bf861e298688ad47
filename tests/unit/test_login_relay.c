/* test_login_relay.c - unit tests for lib/login_relay.c: data both ways
 * intact, back-pressure (a client that does not read holds the session's
 * output in its socket, not in the relay), the client's end of input
 * reaching the session, the session's end closing the client, and the
 * write timeout.  The relay runs on a plain stream here (the relay does
 * not care; TLS through it is covered by t_pop3_login and t_pop3_multi);
 * both sides are socketpairs the test holds the other ends of.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <time.h>

#include "../../lib/event.h"
#include "../../lib/log.h"
#include "../../lib/login_relay.h"
#include "../../lib/mem.h"
#include "../../lib/stream.h"
#include "test.h"

struct pair {
	int client;		/* the test's end of the client's connection */
	int sess;		/* the test's end of the session's socket */
	login_relay_t *relay;
	int done;
};

static void on_done(void *ctx)
{
	struct pair *p = ctx;

	p->done++;
	p->relay = NULL;
}

static void relay_open(struct pair *p, int timeout)
{
	int c[2], s[2];

	memset(p, 0, sizeof(*p));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, c) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, s) < 0)
		log_fatal("socketpair: %s", strerror(errno));
	p->client = c[0];
	p->sess = s[0];
	fcntl(p->client, F_SETFL, O_NONBLOCK);
	fcntl(p->sess, F_SETFL, O_NONBLOCK);
	p->relay = login_relay_start(stream_open(c[1]), s[1], timeout, on_done, p);
}

static void spin(int ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		event_run_once(20);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

/* Read what fd has, running the loop meanwhile, until want bytes or ms. */
static size_t drain(int fd, buf_t *out, size_t want, int ms)
{
	char chunk[65536];

	for (int i = 0; i < ms / 20 && out->len < want; i++) {
		ssize_t n;

		event_run_once(20);
		while ((n = read(fd, chunk, sizeof(chunk))) > 0)
			buf_append(out, chunk, (size_t) n);
		if (n == 0)
			break;
	}
	return out->len;
}

static void test_relay_both_ways(void)
{
	struct pair p;
	buf_t got = BUF_INIT;

	test_begin("relay: data both ways, client EOF reaches the session");
	relay_open(&p, 5);
	test_assert_int((int) write(p.client, "USER a\r\n", 8), 8);
	drain(p.sess, &got, 8, 2000);
	test_assert_str(buf_str(&got), "USER a\r\n");
	buf_reset(&got);
	test_assert_int((int) write(p.sess, "+OK\r\n", 5), 5);
	drain(p.client, &got, 5, 2000);
	test_assert_str(buf_str(&got), "+OK\r\n");
	shutdown(p.client, SHUT_WR);
	spin(200);
	buf_reset(&got);
	test_assert_int((int) read(p.sess, (char[8]) { 0 }, 8), 0);	/* EOF */
	test_assert_int(p.done, 0);	/* the session may still answer */
	test_assert_int((int) write(p.sess, "bye\r\n", 5), 5);
	close(p.sess);
	drain(p.client, &got, 100, 2000);
	test_assert_str(buf_str(&got), "bye\r\n");
	test_assert_int(p.done, 1);
	close(p.client);
	buf_release(&got);
	test_end();
}

static void test_relay_backpressure(void)
{
	struct pair p;
	buf_t sent = BUF_INIT, got = BUF_INIT;
	size_t total = 0;
	char block[4096];
	int blocked = 0;

	test_begin("relay: a client that does not read holds the session back");
	relay_open(&p, 30);
	for (size_t i = 0; i < sizeof(block); i++)
		block[i] = (char) ('a' + (i * 7 + total) % 26);
	/* Write until the session's socket is full: the relay must have
	 * stopped reading it, since the client reads nothing. */
	for (int i = 0; i < 4000 && !blocked; i++) {
		ssize_t n = write(p.sess, block, sizeof(block));

		if (n > 0) {
			buf_append(&sent, block, (size_t) n);
			total += (size_t) n;
			block[i % sizeof(block)] ^= 1;
		} else if (errno == EAGAIN) {
			spin(50);
			n = write(p.sess, block, sizeof(block));
			if (n > 0) {
				buf_append(&sent, block, (size_t) n);
				total += (size_t) n;
			} else {
				blocked = 1;
			}
		}
		event_run_once(0);
	}
	test_assert_int(blocked, 1);
	test_assert(total < 16 * 1024 * 1024);
	test_assert_int(p.done, 0);
	/* Now the client reads it all, intact and in order. */
	close(p.sess);
	drain(p.client, &got, total, 10000);
	test_assert_int((int) got.len, (int) total);
	test_assert(got.len == sent.len && memcmp(got.data, sent.data, got.len) == 0);
	spin(100);
	test_assert_int(p.done, 1);
	close(p.client);
	buf_release(&sent);
	buf_release(&got);
	test_end();
}

static void test_relay_timeout_and_stop(void)
{
	struct pair p;
	char block[65536];

	test_begin("relay: no write progress for the timeout ends it; stop ends it");
	memset(block, 'x', sizeof(block));
	relay_open(&p, 1);
	while (write(p.sess, block, sizeof(block)) > 0)
		event_run_once(0);
	spin(2500);
	test_assert_int(p.done, 1);
	close(p.client);
	close(p.sess);

	relay_open(&p, 5);
	spin(50);
	login_relay_stop(p.relay);
	test_assert_int(p.done, 1);
	test_assert_int((int) read(p.sess, block, 1), 0);	/* the session sees EOF */
	close(p.client);
	close(p.sess);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_relay_both_ways, test_relay_backpressure,
		test_relay_timeout_and_stop, NULL,
	};

	log_init("test_login_relay");
	log_set_dest(LOG_DEST_STDERR, NULL);
	signal(SIGPIPE, SIG_IGN);
	event_init();
	return test_main(tests);
}

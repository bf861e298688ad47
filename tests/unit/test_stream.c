/* test_stream.c - unit tests for lib/stream.c and lib/stream_read.c over
 * socketpairs and pipes.
 *
 * Writers that must be slow or large run in a forked child, so the stream
 * under test really waits in poll(2) and sees input arrive in pieces.  TLS
 * is tested in test_tls.c.
 */
#define _GNU_SOURCE	/* memmem */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>

#include "../../lib/buf.h"
#include "../../lib/mem.h"
#include "../../lib/stream.h"
#include "../../lib/stream_impl.h"
#include "test.h"

/* The input buffer as it is in memory, consumed part included. */
static const char *stream_impl_in(const stream_t *s)
{
	return s->in.data;
}

static size_t stream_impl_in_size(const stream_t *s)
{
	return s->in.size;
}

/* A stream on one end of a socketpair; the other end goes to *peer_r. */
static stream_t *pair_stream(int *peer_r)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("socketpair");
		exit(2);
	}
	*peer_r = sv[1];
	return stream_open(sv[0]);
}

static void write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(3);
		p += n;
		len -= (size_t) n;
	}
}

static void trickle_write(const char *p, size_t n, void *ctx)
{
	write_all(*(int *) ctx, p, n);
	usleep(500);
}

/* Fork a child that writes str to fd one byte at a time, then closes it. */
static pid_t trickle(int fd, const char *str)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		test_feed(str, strlen(str), 1, trickle_write, &fd);
		_exit(0);
	}
	return pid;
}

static int child_ok(pid_t pid)
{
	int status;

	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		WEXITSTATUS(status) == 0;
}

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_lines(void)
{
	buf_t line = BUF_INIT;
	int peer;
	stream_t *s = pair_stream(&peer);

	test_begin("stream lines: CRLF, LF, empty, final unterminated, EOF");
	write_all(peer, "one\r\ntwo\n\r\n\nlast", 17);
	shutdown(peer, SHUT_WR);
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "one\r\n");
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "two\n");
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "\r\n");
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "\n");
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "last");
	test_assert_int(stream_read_line(s, &line), STREAM_EOF);
	test_assert_int(line.len, 0);
	test_assert_int(stream_read_line(s, &line), STREAM_EOF);
	test_assert_int(stream_status(s), STREAM_OK);
	stream_close(&s);
	test_assert(s == NULL);
	close(peer);
	buf_release(&line);
	test_end();
}

static void test_trickle(void)
{
	const char *input = "EHLO client.example\r\nMAIL FROM:<a@b.example>\r\n"
		"this line is longer than twenty-four\r\nQUIT\r\n";
	buf_t line = BUF_INIT;
	int peer;
	stream_t *s = pair_stream(&peer);
	pid_t pid;

	test_begin("stream lines fed a byte at a time, with a long one");
	stream_set_timeout(s, 10);
	stream_set_line_limit(s, 24);
	pid = trickle(peer, input);
	close(peer);
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "EHLO client.example\r\n");
	test_assert_int(stream_read_line(s, &line), STREAM_TOOLONG);
	test_assert_str(buf_str(&line), "MAIL FROM:<a@b.example>\r");
	test_assert_int(stream_read_line(s, &line), STREAM_TOOLONG);
	test_assert_str(buf_str(&line), "this line is longer than");
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "QUIT\r\n");
	test_assert_int(stream_read_line(s, &line), STREAM_EOF);
	test_assert(child_ok(pid));
	stream_close(&s);
	buf_release(&line);
	test_end();
}

static void test_limit(void)
{
	buf_t line = BUF_INIT;
	int peer;
	stream_t *s = pair_stream(&peer);

	test_begin("stream line limit: exact fits, one over is TOOLONG, not sticky");
	stream_set_line_limit(s, 10);
	write_all(peer, "12345678\r\n", 10);		/* exactly the limit */
	write_all(peer, "123456789\r\n", 11);		/* one over */
	write_all(peer, "ok\n", 3);
	write_all(peer, "abcdefghij\n", 11);		/* LF is the 11th byte */
	write_all(peer, "next\n", 5);
	write_all(peer, "0123456789", 10);		/* final, exactly the limit */
	shutdown(peer, SHUT_WR);
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "12345678\r\n");
	test_assert_int(stream_read_line(s, &line), STREAM_TOOLONG);
	test_assert_str(buf_str(&line), "123456789\r");
	test_assert_int(stream_status(s), STREAM_OK);
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "ok\n");
	test_assert_int(stream_read_line(s, &line), STREAM_TOOLONG);
	test_assert_str(buf_str(&line), "abcdefghij");
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "next\n");
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "0123456789");
	test_assert_int(stream_read_line(s, &line), STREAM_EOF);
	stream_close(&s);
	close(peer);
	buf_release(&line);
	test_end();
}

static void test_limit_at_eof(void)
{
	buf_t line = BUF_INIT;
	int peer;
	stream_t *s = pair_stream(&peer);

	test_begin("stream final unterminated line one over the limit is TOOLONG");
	stream_set_line_limit(s, 4);
	write_all(peer, "abcde", 5);
	shutdown(peer, SHUT_WR);
	test_assert_int(stream_read_line(s, &line), STREAM_TOOLONG);
	test_assert_str(buf_str(&line), "abcd");
	test_assert_int(stream_read_line(s, &line), STREAM_EOF);
	stream_close(&s);
	close(peer);
	buf_release(&line);
	test_end();
}

static void test_toolong_eof(void)
{
	buf_t line = BUF_INIT;
	char big[100000];
	int peer;
	stream_t *s = pair_stream(&peer);
	pid_t pid;

	test_begin("stream long line skipped across reads, ending at EOF");
	stream_set_line_limit(s, 1000);
	stream_set_timeout(s, 10);
	memset(big, 'x', sizeof(big));
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		write_all(peer, "short\n", 6);
		write_all(peer, big, sizeof(big));
		_exit(0);
	}
	close(peer);
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "short\n");
	test_assert_int(stream_read_line(s, &line), STREAM_TOOLONG);
	test_assert_int(line.len, 1000);
	test_assert_int(stream_read_line(s, &line), STREAM_EOF);
	test_assert(child_ok(pid));
	stream_close(&s);
	buf_release(&line);
	test_end();
}

static void test_timeout(void)
{
	buf_t line = BUF_INIT;
	int peer;
	stream_t *s = pair_stream(&peer);
	double start, took;

	test_begin("stream timeout after 1 second, and it is sticky");
	stream_set_timeout(s, 1);
	write_all(peer, "partial", 7);
	start = now_sec();
	test_assert_int(stream_read_line(s, &line), STREAM_TIMEOUT);
	took = now_sec() - start;
	test_assert(took >= 0.9 && took < 3.0);
	test_assert_int(stream_status(s), STREAM_TIMEOUT);
	test_assert(strstr(stream_strerror(s), "timeout") != NULL);
	/* Even with a whole line now available, the stream stays failed. */
	write_all(peer, "\n", 1);
	start = now_sec();
	test_assert_int(stream_read_line(s, &line), STREAM_TIMEOUT);
	test_assert(now_sec() - start < 0.5);
	test_assert_int(stream_puts(s, "x"), STREAM_TIMEOUT);
	test_assert_int(stream_flush(s), STREAM_TIMEOUT);
	stream_close(&s);
	close(peer);
	buf_release(&line);
	test_end();
}

static void test_read_exact_big(void)
{
	const size_t size = 5 * 1024 * 1024;
	buf_t line = BUF_INIT, body = BUF_INIT;
	int peer, same = 1;
	stream_t *s = pair_stream(&peer);
	pid_t pid;

	test_begin("stream 5 MB read_exact between two lines");
	stream_set_timeout(s, 20);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char *data = malloc(size);

		for (size_t i = 0; i < size; i++)
			data[i] = (char) (i * 7 + i / 4096);
		write_all(peer, "{5242880}\r\n", 11);
		write_all(peer, data, size);
		write_all(peer, "tail\r\n", 6);
		_exit(0);
	}
	close(peer);
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "{5242880}\r\n");
	buf_puts(&body, "pre:");
	test_assert_int(stream_read_exact(s, &body, size), STREAM_OK);
	test_assert_int(body.len, size + 4);
	for (size_t i = 0; i < size && same; i++)
		same = body.data[4 + i] == (char) (i * 7 + i / 4096);
	test_assert(same);
	test_assert(memcmp(body.data, "pre:", 4) == 0);
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "tail\r\n");
	test_assert_int(stream_read_exact(s, &body, 1), STREAM_EOF);
	test_assert(child_ok(pid));
	stream_close(&s);
	buf_release(&line);
	buf_release(&body);
	test_end();
}

static void test_read(void)
{
	char data[16];
	buf_t out = BUF_INIT;
	int peer;
	stream_t *s = pair_stream(&peer);

	test_begin("stream read: partial counts, then short read_exact is EOF");
	write_all(peer, "abcdefgh", 8);
	test_assert_int(stream_read(s, data, 3), 3);
	test_assert(memcmp(data, "abc", 3) == 0);
	test_assert_int(stream_pending(s), 5);
	test_assert_int(stream_read(s, data, sizeof(data)), 5);
	test_assert(memcmp(data, "defgh", 5) == 0);
	write_all(peer, "xyz", 3);
	shutdown(peer, SHUT_WR);
	test_assert_int(stream_read_exact(s, &out, 5), STREAM_EOF);
	test_assert_str(buf_str(&out), "xyz");
	test_assert_int(stream_read(s, data, sizeof(data)), STREAM_EOF);
	stream_close(&s);
	close(peer);
	buf_release(&out);
	test_end();
}

static void test_unread(void)
{
	buf_t line = BUF_INIT;
	int peer;
	stream_t *s = pair_stream(&peer);

	test_begin("stream unread, pending, discard");
	stream_unread(s, "hello ", 6);
	test_assert_int(stream_pending(s), 6);
	write_all(peer, "world\nsecond\nthird\n", 19);
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "hello world\n");
	/* Both lines are buffered now; put one back in front of the rest. */
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "second\n");
	test_assert_int(stream_pending(s), 6);
	test_assert(memcmp(stream_pending_data(s), "third\n", 6) == 0);
	stream_unread(s, line.data, line.len);
	stream_unread(s, "a much longer prefix than the consumed part: ", 45);
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "a much longer prefix than the consumed part: second\n");
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "third\n");
	write_all(peer, "junk\nmore junk\n", 15);
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "junk\n");
	stream_discard_input(s);
	test_assert_int(stream_pending(s), 0);
	test_assert_str(stream_pending_data(s), "");
	shutdown(peer, SHUT_WR);
	test_assert_int(stream_read_line(s, &line), STREAM_EOF);
	stream_close(&s);
	close(peer);
	buf_release(&line);
	test_end();
}

static void test_try_line(void)
{
	buf_t line = BUF_INIT;
	int peer;
	stream_t *s = pair_stream(&peer);

	test_begin("stream try_line and fill never block and never stick");
	stream_set_line_limit(s, 8);
	test_assert_int(stream_fill(s), 0);
	test_assert_int(stream_try_line(s, &line), STREAM_TIMEOUT);
	write_all(peer, "abc", 3);
	test_assert_int(stream_fill(s), 3);
	test_assert_int(stream_try_line(s, &line), STREAM_TIMEOUT);
	test_assert_int(stream_status(s), STREAM_OK);
	write_all(peer, "\r\ndef\n0123456789\nlast", 21);
	test_assert_int(stream_fill(s), 21);
	test_assert_int(stream_try_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "abc\r\n");
	test_assert_int(stream_try_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "def\n");
	test_assert_int(stream_try_line(s, &line), STREAM_TOOLONG);
	test_assert_str(buf_str(&line), "01234567");
	test_assert_int(stream_try_line(s, &line), STREAM_TIMEOUT);
	test_assert_int(line.len, 0);
	shutdown(peer, SHUT_WR);
	test_assert_int(stream_fill(s), STREAM_EOF);
	test_assert_int(stream_try_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "last");
	test_assert_int(stream_try_line(s, &line), STREAM_EOF);
	test_assert_int(stream_status(s), STREAM_OK);
	stream_close(&s);
	close(peer);
	buf_release(&line);
	test_end();
}

static void test_write(void)
{
	char data[64];
	int peer;
	stream_t *s = pair_stream(&peer);
	ssize_t n;

	test_begin("stream output is buffered until flush");
	test_assert_int(stream_puts(s, "250-first\r\n"), STREAM_OK);
	test_assert_int(stream_printf(s, "250 %s %d\r\n", "second", 2), STREAM_OK);
	test_assert(recv(peer, data, sizeof(data), MSG_DONTWAIT) < 0 && errno == EAGAIN);
	test_assert_int(stream_flush(s), STREAM_OK);
	n = read(peer, data, sizeof(data) - 1);
	test_assert_int(n, 25);
	data[n > 0 ? n : 0] = '\0';
	test_assert_str(data, "250-first\r\n250 second 2\r\n");
	stream_close(&s);
	close(peer);
	test_end();
}

static void test_write_big(void)
{
	const size_t size = 3 * 1024 * 1024;
	char *data = mem_alloc(size);
	buf_t got = BUF_INIT;
	int peer;
	stream_t *s = pair_stream(&peer);
	pid_t pid;

	test_begin("stream 3 MB write to a slow reader");
	stream_set_timeout(s, 20);
	for (size_t i = 0; i < size; i++)
		data[i] = (char) (i % 251);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		stream_t *r;

		stream_close(&s);
		r = stream_open(peer);
		usleep(200000);
		if (stream_read_exact(r, &got, size) != STREAM_OK)
			_exit(1);
		for (size_t i = 0; i < size; i++)
			if (got.data[i] != (char) (i % 251))
				_exit(2);
		_exit(0);
	}
	close(peer);
	test_assert_int(stream_write(s, data, size), STREAM_OK);
	test_assert_int(stream_flush(s), STREAM_OK);
	test_assert(child_ok(pid));
	stream_close(&s);
	mem_free(data);
	test_end();
}

static void test_write_closed(void)
{
	char block[65536];
	int peer, i, status = STREAM_OK;
	stream_t *s = pair_stream(&peer);

	test_begin("stream write to a closed peer is an error, not SIGPIPE");
	close(peer);
	memset(block, 'a', sizeof(block));
	for (i = 0; i < 4 && status == STREAM_OK; i++)
		status = stream_write(s, block, sizeof(block));
	if (status == STREAM_OK)
		status = stream_flush(s);
	test_assert_int(status, STREAM_ERROR);
	test_assert_int(stream_status(s), STREAM_ERROR);
	test_assert(strstr(stream_strerror(s), "pipe") != NULL);
	stream_close(&s);
	test_end();
}

static void test_pipe(void)
{
	buf_t line = BUF_INIT;
	int p[2], q[2];
	stream_t *w, *r;

	test_begin("stream over pipes (write() fallback) and release_fd");
	if (pipe(p) < 0 || pipe(q) < 0)
		exit(2);
	w = stream_open(p[1]);
	r = stream_open(p[0]);
	test_assert_int(stream_puts(w, "through a pipe\n"), STREAM_OK);
	test_assert_int(stream_flush(w), STREAM_OK);
	test_assert_int(stream_read_line(r, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "through a pipe\n");
	stream_close(&w);
	test_assert_int(stream_read_line(r, &line), STREAM_EOF);
	stream_close(&r);

	r = stream_open(q[0]);
	test_assert(fcntl(q[0], F_GETFL) & O_NONBLOCK);
	test_assert_int(stream_release_fd(&r), q[0]);
	test_assert(r == NULL);
	test_assert(!(fcntl(q[0], F_GETFL) & O_NONBLOCK));
	test_assert(write(q[1], "x", 1) == 1);
	test_assert(read(q[0], line.data, 1) == 1);
	close(q[0]);
	close(q[1]);
	buf_release(&line);
	test_end();
}

static void test_flush_before_wait(void)
{
	buf_t line = BUF_INIT;
	int peer;
	stream_t *s = pair_stream(&peer);
	pid_t pid;

	test_begin("stream output is flushed before a read waits");
	stream_set_timeout(s, 10);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char req[16];

		stream_close(&s);
		/* Answer only after the request has arrived. */
		if (read(peer, req, sizeof(req)) != 6 || memcmp(req, "PING\r\n", 6) != 0)
			_exit(1);
		write_all(peer, "PONG\r\n", 6);
		_exit(0);
	}
	close(peer);
	test_assert_int(stream_puts(s, "PING\r\n"), STREAM_OK);
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "PONG\r\n");
	test_assert(child_ok(pid));
	stream_close(&s);
	buf_release(&line);
	test_end();
}

/* A line that carried a password leaves nothing in the input buffer once
 * consumed: stream_wipe_consumed() on a plain stream, and every consume on
 * a secret one. */
static void test_wipe(void)
{
	const char *needle = "hunter2-password";
	buf_t line = BUF_INIT;
	int peer;
	stream_t *s = pair_stream(&peer);
	stream_t *t;

	test_begin("stream: consumed input wiped (stream_wipe_consumed, secret streams)");
	write_all(peer, "PASS hunter2-password\r\nNOOP\r\n", 29);
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert(memmem(stream_impl_in(s), stream_impl_in_size(s), needle,
			   strlen(needle)) != NULL);
	stream_wipe_consumed(s);
	test_assert(memmem(stream_impl_in(s), stream_impl_in_size(s), needle,
			   strlen(needle)) == NULL);
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "NOOP\r\n");
	stream_close(&s);
	close(peer);

	t = pair_stream(&peer);
	stream_set_secret(t);
	write_all(peer, "PASS hunter2-password\r\nNOOP\r\n", 29);
	test_assert_int(stream_read_line(t, &line), STREAM_OK);
	test_assert(memmem(stream_impl_in(t), stream_impl_in_size(t), needle,
			   strlen(needle)) == NULL);
	stream_close(&t);
	close(peer);
	buf_release(&line);
	test_end();
}

/* For event-driven writers and readers: try_flush never waits, a
 * read chunk bounds the input buffer, trim frees idle buffers, consume
 * drops what a relay passed on. */
static void test_nonblocking(void)
{
	char *big = mem_alloc(1 << 20), got[16];
	stream_t *s;
	short wait = 0;
	int sv[2], st;
	size_t left;

	test_begin("stream: try_flush, read chunk, trim, consume");
	test_assert_int(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	s = stream_open(sv[0]);
	memset(big, 'z', 1 << 20);
	buf_append(&s->out, big, 1 << 20);	/* past the auto-flush, unsent */
	st = stream_try_flush(s, &wait);
	test_assert_int(st, 1);			/* the socket is full: no wait */
	test_assert(wait == POLLOUT);
	left = stream_out_pending(s);
	test_assert(left > 0 && left < (1 << 20));
	buf_reset(&s->out);
	test_assert_int(stream_try_flush(s, &wait), STREAM_OK);

	stream_set_read_chunk(s, 4096);
	test_assert_int((int) write(sv[1], "abcdef\n", 7), 7);
	while (stream_fill(s) == 0)
		;
	test_assert(s->in.size <= 4096);
	test_assert_int(stream_pending(s), 7);
	stream_consume(s, 3);
	test_assert_int(stream_pending(s), 4);
	test_assert(memcmp(stream_pending_data(s), "def\n", 4) == 0);
	stream_trim(s);				/* not empty: kept */
	test_assert(s->in.data != NULL);
	stream_consume(s, 100);
	test_assert_int(stream_pending(s), 0);
	stream_set_secret(s);
	stream_trim(s);
	test_assert(s->in.data == NULL && s->out.data == NULL);
	test_assert_int(s->in.secret, 1);	/* still secret when it grows */
	stream_close(&s);
	while (read(sv[1], got, sizeof(got)) > 0)
		;
	close(sv[1]);
	mem_free(big);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_nonblocking,
		test_lines, test_trickle, test_limit, test_limit_at_eof, test_toolong_eof,
		test_timeout, test_read_exact_big, test_read, test_unread,
		test_try_line, test_write, test_write_big, test_write_closed,
		test_pipe, test_flush_before_wait, test_wipe, NULL,
	};

	signal(SIGPIPE, SIG_DFL);	/* a SIGPIPE must kill us, loudly */
	alarm(120);
	return test_main(tests);
}

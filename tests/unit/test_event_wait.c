/* test_event_wait.c - unit tests for lib/event_wait.c: what wakes a wait.
 *
 * Every wake-up is checked for what it reports and for when it came: a
 * stop request must end a long wait at once (not at the next poll slice,
 * as the one-second loops it replaced did), a timeout neither early nor
 * much late, and a signal that is no stop must not end the wait at all.
 */
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <poll.h>

#include "../../lib/event.h"
#include "../../lib/event_wait.h"
#include "test.h"

/* The skeleton's stop descriptor, as daemon.c makes it. */
static int stop_fd = -1;

static void on_stop_signal(int signo)
{
	uint64_t one = 1;

	(void) signo;
	(void) !write(stop_fd, &one, sizeof(one));
}

static void on_other_signal(int signo)
{
	(void) signo;
}

static void install(int signo, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = SA_RESTART;	/* as the skeleton's: poll() still stops */
	sigemptyset(&sa.sa_mask);
	test_assert(sigaction(signo, &sa, NULL) == 0);
}

/* A child that sends signo to us after ms milliseconds, or writes one
 * byte into fd when fd >= 0. */
static pid_t later(int ms, int signo, int fd)
{
	pid_t parent = getpid(), pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		usleep((useconds_t) ms * 1000);
		if (fd >= 0)
			(void) !write(fd, "x", 1);
		else
			kill(parent, signo);
		_exit(0);
	}
	test_assert(pid > 0);
	return pid;
}

static void reap(pid_t pid)
{
	int status;

	test_assert(waitpid(pid, &status, 0) == pid);
}

static void test_wait_input_fd(void)
{
	event_wait_t w = EVENT_WAIT_INIT;
	int p[2];
	int64_t t0, took;
	pid_t pid;

	test_begin("input on a descriptor wakes the wait when it comes");
	test_assert(pipe(p) == 0);
	w.fd = p[0];
	w.stop_fd = stop_fd;
	w.timeout_ms = 5000;
	pid = later(150, 0, p[1]);
	t0 = event_now_ms();
	test_assert_int(event_wait(&w), EVENT_WAKE_INPUT);
	took = event_now_ms() - t0;
	test_assert(took >= 100 && took < 2000);
	reap(pid);
	/* Still unread: the next wait returns at once. */
	t0 = event_now_ms();
	test_assert_int(event_wait(&w), EVENT_WAKE_INPUT);
	test_assert(event_now_ms() - t0 < 100);
	/* The peer gone counts as input: the read meets end of file. */
	close(p[1]);
	test_assert(read(p[0], &(char){ 0 }, 1) == 1);
	test_assert_int(event_wait(&w), EVENT_WAKE_INPUT);
	close(p[0]);
	test_end();
}

static void test_wait_timeout(void)
{
	event_wait_t w = EVENT_WAIT_INIT;
	int p[2];
	int64_t t0, took;

	test_begin("nothing happens: the timeout expires, not earlier");
	test_assert(pipe(p) == 0);
	w.fd = p[0];
	w.stop_fd = stop_fd;
	w.timeout_ms = 300;
	t0 = event_now_ms();
	test_assert_int(event_wait(&w), EVENT_WAKE_TIMEOUT);
	took = event_now_ms() - t0;
	test_assert(took >= 300 && took < 1500);
	/* A timeout of 0 only looks. */
	w.timeout_ms = 0;
	test_assert_int(event_wait(&w), EVENT_WAKE_TIMEOUT);
	close(p[0]);
	close(p[1]);
	test_end();
}

static void test_wait_stop(void)
{
	event_wait_t w = EVENT_WAIT_INIT;
	int p[2];
	int64_t t0, took;
	pid_t pid;

	test_begin("a stop request wakes a long wait at once");
	test_assert(pipe(p) == 0);
	install(SIGUSR1, on_stop_signal);
	w.fd = p[0];
	w.stop_fd = stop_fd;
	w.timeout_ms = 30000;
	pid = later(100, SIGUSR1, -1);
	t0 = event_now_ms();
	test_assert_int(event_wait(&w), EVENT_WAKE_STOP);
	took = event_now_ms() - t0;
	/* The old loops looked once a second; this must not. */
	test_assert(took >= 50 && took < 500);
	reap(pid);
	/* A stop stays requested: every later wait ends at once, and it
	 * comes before input that is also there. */
	test_assert(write(p[1], "x", 1) == 1);
	test_assert_int(event_wait(&w), EVENT_WAKE_STOP);
	/* A wait that ignores stops (a read inside a request) sees input. */
	w.stop_fd = -1;
	test_assert_int(event_wait(&w), EVENT_WAKE_INPUT);
	/* Withdrawn (no daemon does this) for the cases after this one. */
	test_assert(read(stop_fd, &(uint64_t){ 0 }, sizeof(uint64_t)) == 8);
	close(p[0]);
	close(p[1]);
	test_end();
}

static void test_wait_other_signal(void)
{
	event_wait_t w = EVENT_WAIT_INIT;
	int p[2];
	int64_t t0, took;
	pid_t pid;

	test_begin("a signal that is no stop does not end the wait");
	test_assert(pipe(p) == 0);
	install(SIGUSR2, on_other_signal);
	w.fd = p[0];
	w.timeout_ms = 400;
	pid = later(100, SIGUSR2, -1);
	t0 = event_now_ms();
	test_assert_int(event_wait(&w), EVENT_WAKE_TIMEOUT);
	took = event_now_ms() - t0;
	test_assert(took >= 400 && took < 1500);
	reap(pid);
	close(p[0]);
	close(p[1]);
	test_end();
}

static void test_wait_stream(void)
{
	event_wait_t w = EVENT_WAIT_INIT;
	struct pollfd pfd;
	buf_t line = BUF_INIT;
	stream_t *s;
	char got[16];
	int sv[2];
	int64_t t0;

	test_begin("a stream: buffered input needs no wait, output is flushed");
	test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	s = stream_open(sv[0]);
	/* Two pipelined lines arrive in one read: after the first is taken,
	 * the second waits in the stream, and the socket has nothing. */
	test_assert(write(sv[1], "one\r\ntwo\r\n", 10) == 10);
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "one\r\n");
	pfd = (struct pollfd) { .fd = sv[0], .events = POLLIN };
	test_assert_int(poll(&pfd, 1, 0), 0);
	w.stream = s;
	w.stop_fd = stop_fd;
	w.timeout_ms = 5000;
	t0 = event_now_ms();
	test_assert_int(event_wait(&w), EVENT_WAKE_INPUT);
	test_assert(event_now_ms() - t0 < 100);
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "two\r\n");
	/* Replies still buffered go out before the wait. */
	stream_puts(s, "250 ok\r\n");
	w.timeout_ms = 100;
	test_assert_int(event_wait(&w), EVENT_WAKE_TIMEOUT);
	test_assert_int(read(sv[1], got, sizeof(got)), 8);
	test_assert(memcmp(got, "250 ok\r\n", 8) == 0);
	/* End of input: the wait reports input, the read says EOF. */
	close(sv[1]);
	w.timeout_ms = 5000;
	test_assert_int(event_wait(&w), EVENT_WAKE_INPUT);
	test_assert_int(stream_read_line(s, &line), STREAM_EOF);
	test_assert_int(event_wait(&w), EVENT_WAKE_INPUT);
	buf_release(&line);
	stream_close(&s);
	test_end();
}

static void test_wait_change(void)
{
	event_wait_t w = EVENT_WAIT_INIT;
	int p[2], c[2];

	test_begin("the change descriptor wakes a wait, after input");
	test_assert(pipe(p) == 0);
	test_assert(pipe(c) == 0);
	w.fd = p[0];
	w.change_fd = c[0];
	w.timeout_ms = 5000;
	test_assert(write(c[1], "x", 1) == 1);
	test_assert_int(event_wait(&w), EVENT_WAKE_CHANGE);
	test_assert(write(p[1], "x", 1) == 1);
	test_assert_int(event_wait(&w), EVENT_WAKE_INPUT);
	close(p[0]);
	close(p[1]);
	close(c[0]);
	close(c[1]);
	test_end();
}

static void test_wait_line(void)
{
	event_wait_t w = EVENT_WAIT_INIT;
	buf_t line = BUF_INIT;
	char got[16];
	stream_t *s;
	int sv[2], status = -99;
	int64_t t0, took;
	pid_t pid;

	test_begin("a line: half of one buffered still lets a stop or the "
		   "deadline end the wait");
	test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	s = stream_open(sv[0]);
	stream_set_line_limit(s, 64);
	w.stream = s;
	w.stop_fd = stop_fd;
	w.timeout_ms = 5000;
	/* Half a command, then nothing: the whole line's deadline; the
	 * reply still buffered went out meanwhile. */
	test_assert(write(sv[1], "NO", 2) == 2);
	stream_puts(s, "+OK\r\n");
	w.timeout_ms = 300;
	t0 = event_now_ms();
	test_assert_int(event_wait_line(&w, event_wait, &line, &status),
			EVENT_WAKE_TIMEOUT);
	took = event_now_ms() - t0;
	test_assert(took >= 300 && took < 1500);
	test_assert_int(recv(sv[1], got, sizeof(got), MSG_DONTWAIT), 5);
	/* Its rest, and the next half: one whole line. */
	test_assert(write(sv[1], "OP\r\nNOO", 7) == 7);
	test_assert_int(event_wait_line(&w, event_wait, &line, &status),
			EVENT_WAKE_INPUT);
	test_assert_int(status, STREAM_OK);
	test_assert_str(buf_str(&line), "NOOP\r\n");
	/* Half a command, then a stop: at once. */
	install(SIGUSR1, on_stop_signal);
	w.timeout_ms = 30000;
	pid = later(100, SIGUSR1, -1);
	t0 = event_now_ms();
	test_assert_int(event_wait_line(&w, event_wait, &line, &status),
			EVENT_WAKE_STOP);
	test_assert(event_now_ms() - t0 < 1000);
	reap(pid);
	test_assert(read(stop_fd, &(uint64_t){ 0 }, sizeof(uint64_t)) == 8);
	/* The end of input ends the half line. */
	close(sv[1]);
	test_assert_int(event_wait_line(&w, event_wait, &line, &status),
			EVENT_WAKE_INPUT);
	test_assert_str(buf_str(&line), "NOO");
	buf_release(&line);
	stream_close(&s);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_wait_input_fd, test_wait_timeout, test_wait_stop,
		test_wait_other_signal, test_wait_stream, test_wait_change,
		test_wait_line,
		NULL,
	};

	stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (stop_fd < 0) {
		printf("FAIL eventfd: %s\n", strerror(errno));
		return 1;
	}
	return test_main(tests);
}

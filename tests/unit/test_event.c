/* test_event.c - unit tests for lib/event.c: descriptors, timers, signals. */
#include <dirent.h>
#include <signal.h>
#include <sys/socket.h>

#include "../../lib/event.h"
#include "test.h"

/* Run the loop until *flag is set or 2 s pass, whichever comes first. */
static void run_until(const int *flag)
{
	int64_t end = event_now_ms() + 2000;

	while (!*flag && event_now_ms() < end)
		event_run_once(50);
}

struct fd_seen {
	int calls;
	int fd;
	int events;
};

static void on_fd(int fd, int events, void *ctx)
{
	struct fd_seen *seen = ctx;
	char c;

	seen->calls++;
	seen->fd = fd;
	seen->events = events;
	if (events & EVENT_READ)
		test_assert_int(read(fd, &c, 1), 1);
}

static void test_event_fd(void)
{
	struct fd_seen seen = { 0, -1, 0 };
	int p[2], sv[2];

	test_begin("event fd readiness: read, write, replace, delete");
	test_assert(pipe(p) == 0);
	event_add_fd(p[0], EVENT_READ, on_fd, &seen);
	event_run_once(0);
	test_assert_int(seen.calls, 0);
	test_assert_int(write(p[1], "x", 1), 1);
	event_run_once(1000);
	test_assert_int(seen.calls, 1);
	test_assert_int(seen.fd, p[0]);
	test_assert_int(seen.events, EVENT_READ);
	/* Consumed by the callback: level-triggered, so nothing more. */
	event_run_once(0);
	test_assert_int(seen.calls, 1);
	event_del_fd(p[0]);
	test_assert_int(write(p[1], "y", 1), 1);
	event_run_once(0);
	test_assert_int(seen.calls, 1);
	close(p[0]);
	close(p[1]);

	test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	seen.calls = 0;
	event_add_fd(sv[0], EVENT_READ, on_fd, &seen);
	event_run_once(0);
	test_assert_int(seen.calls, 0);
	/* Replacing the watch: now writable at once. */
	event_add_fd(sv[0], EVENT_WRITE, on_fd, &seen);
	event_run_once(1000);
	test_assert_int(seen.calls, 1);
	test_assert_int(seen.events, EVENT_WRITE);
	event_del_fd(sv[0]);
	/* Deleting twice, or an fd never added, is harmless. */
	event_del_fd(sv[0]);
	event_del_fd(sv[1]);
	close(sv[0]);
	close(sv[1]);
	test_end();
}

static void on_hangup(int fd, int events, void *ctx)
{
	struct fd_seen *seen = ctx;
	char c;

	seen->calls++;
	seen->events = events;
	test_assert_int(read(fd, &c, 1), 0);
	event_del_fd(fd);
}

static void test_event_hangup(void)
{
	struct fd_seen seen = { 0, -1, 0 };
	int p[2];

	test_begin("event hang-up is reported as readable");
	test_assert(pipe(p) == 0);
	event_add_fd(p[0], EVENT_READ, on_hangup, &seen);
	close(p[1]);
	event_run_once(1000);
	test_assert_int(seen.calls, 1);
	test_assert_int(seen.events, EVENT_READ);
	close(p[0]);
	test_end();
}

static int order[8], norder;

static void on_order(void *ctx)
{
	order[norder++] = (int) (long) ctx;
}

static void test_event_timer_order(void)
{
	int64_t start = event_now_ms();
	int64_t end = start + 2000;

	test_begin("event timers run in deadline order, ties first-added first");
	norder = 0;
	event_add_timer(60, on_order, (void *) 4L);
	event_add_timer(20, on_order, (void *) 1L);
	event_add_timer(40, on_order, (void *) 3L);
	event_add_timer(20, on_order, (void *) 2L);
	event_add_timer(-5, on_order, (void *) 0L);
	while (norder < 5 && event_now_ms() < end)
		event_run_once(-1);
	test_assert_int(norder, 5);
	for (int i = 0; i < 5; i++)
		test_assert_int(order[i], i);
	test_assert(event_now_ms() - start >= 60);
	test_end();
}

static void test_event_timer_cancel(void)
{
	event_timer_id a, b, c;
	int64_t end = event_now_ms() + 2000;

	test_begin("event timer cancel");
	norder = 0;
	a = event_add_timer(10, on_order, (void *) 1L);
	b = event_add_timer(20, on_order, (void *) 2L);
	c = event_add_timer(30, on_order, (void *) 3L);
	test_assert(a != 0 && b != 0 && c != 0);
	test_assert(a != b && b != c && a != c);
	event_cancel_timer(b);
	event_cancel_timer(b);
	event_cancel_timer(0);
	while (norder < 2 && event_now_ms() < end)
		event_run_once(-1);
	event_run_once(30);
	test_assert_int(norder, 2);
	test_assert_int(order[0], 1);
	test_assert_int(order[1], 3);
	/* A fired timer's id is stale, even once its slot is reused. */
	b = event_add_timer(1000, on_order, (void *) 9L);
	event_cancel_timer(a);
	event_cancel_timer(c);
	event_cancel_timer(b);
	event_run_once(0);
	test_assert_int(norder, 2);
	test_end();
}

static int rearms;

static void on_rearm(void *ctx)
{
	rearms++;
	*(event_timer_id *) ctx = event_add_timer(0, on_rearm, ctx);
}

static event_timer_id victim;

static void on_cancel_other(void *ctx)
{
	on_order(ctx);
	event_cancel_timer(victim);
}

static void test_event_timer_in_callback(void)
{
	event_timer_id self;

	test_begin("event timers added or cancelled by a timer callback");
	rearms = 0;
	self = event_add_timer(0, on_rearm, &self);
	event_run_once(0);
	/* The re-armed timer waits for the next round: no starvation. */
	test_assert_int(rearms, 1);
	event_run_once(0);
	test_assert_int(rearms, 2);
	event_cancel_timer(self);
	event_run_once(0);
	test_assert_int(rearms, 2);

	norder = 0;
	event_add_timer(0, on_cancel_other, (void *) 1L);
	victim = event_add_timer(0, on_order, (void *) 2L);
	event_run_once(0);
	event_run_once(0);
	test_assert_int(norder, 1);
	test_assert_int(order[0], 1);
	test_end();
}

/* Two readable pipes; whichever callback runs first removes both watches
 * and closes the other's pipe, so the other must not run, although its
 * event is already in the same epoll batch.  It also opens a new pipe that
 * can take the closed descriptor's number and watches it, which the stale
 * event must not reach either. */
static int rm_fds[2][2];
static int rm_calls, rm_fresh_calls, rm_fresh[2], rm_first;

static void on_fresh(int fd, int events, void *ctx)
{
	(void) fd;
	(void) events;
	(void) ctx;
	rm_fresh_calls++;
}

static void on_remove_both(int fd, int events, void *ctx)
{
	int me = (int) (long) ctx, other = !me;

	(void) events;
	rm_calls++;
	rm_first = me;
	test_assert_int(fd, rm_fds[me][0]);
	event_del_fd(fd);
	event_del_fd(rm_fds[other][0]);
	close(rm_fds[other][0]);
	close(rm_fds[other][1]);
	test_assert(pipe(rm_fresh) == 0);
	event_add_fd(rm_fresh[0], EVENT_READ, on_fresh, NULL);
}

static void test_event_remove_in_callback(void)
{
	test_begin("event callback removes itself and another ready fd");
	rm_calls = rm_fresh_calls = 0;
	for (int i = 0; i < 2; i++) {
		test_assert(pipe(rm_fds[i]) == 0);
		test_assert_int(write(rm_fds[i][1], "x", 1), 1);
	}
	for (int i = 0; i < 2; i++)
		event_add_fd(rm_fds[i][0], EVENT_READ, on_remove_both, (void *) (long) i);
	event_run_once(1000);
	event_run_once(0);
	test_assert_int(rm_calls, 1);
	test_assert_int(rm_fresh_calls, 0);
	event_del_fd(rm_fresh[0]);
	close(rm_fresh[0]);
	close(rm_fresh[1]);
	close(rm_fds[rm_first][0]);
	close(rm_fds[rm_first][1]);
	test_end();
}

static int sig_seen[NSIG];
static void *sig_ctx;

static void on_signal(int signo, void *ctx)
{
	sig_seen[signo]++;
	sig_ctx = ctx;
}

static void test_event_signal(void)
{
	int ctx;

	test_begin("event signal delivered through the loop");
	event_add_signal(SIGUSR1, on_signal, &ctx);
	event_add_signal(SIGUSR2, on_signal, &ctx);
	event_run_once(0);
	test_assert_int(sig_seen[SIGUSR1], 0);
	test_assert(kill(getpid(), SIGUSR1) == 0);
	run_until(&sig_seen[SIGUSR1]);
	test_assert_int(sig_seen[SIGUSR1], 1);
	test_assert_int(sig_seen[SIGUSR2], 0);
	test_assert(sig_ctx == &ctx);
	test_assert(kill(getpid(), SIGUSR2) == 0);
	run_until(&sig_seen[SIGUSR2]);
	test_assert_int(sig_seen[SIGUSR2], 1);
	test_assert_int(sig_seen[SIGUSR1], 1);
	test_end();
}

static void on_stop(void *ctx)
{
	(*(int *) ctx)++;
	event_stop();
}

static void test_event_loop_stop(void)
{
	int stops = 0;

	test_begin("event loop runs until event_stop");
	event_add_timer(10, on_stop, &stops);
	event_loop();
	test_assert_int(stops, 1);
	test_end();
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void test_event_fork_child(void)
{
	pid_t pid;
	int status;

	test_begin("event fork child closes the loop's descriptors");
	fflush(stdout);
	pid = fork();
	test_assert(pid >= 0);
	if (pid == 0) {
		struct sigaction sa;
		int before = count_fds();

		event_fork_child();
		/* epoll descriptor plus both ends of the signal pipe. */
		if (count_fds() != before - 3)
			_exit(2);
		if (sigaction(SIGUSR1, NULL, &sa) < 0 || sa.sa_handler != SIG_DFL)
			_exit(3);
		_exit(0);
	}
	test_assert(waitpid(pid, &status, 0) == pid);
	test_assert(WIFEXITED(status));
	test_assert_int(WEXITSTATUS(status), 0);
	/* The parent's loop is untouched. */
	sig_seen[SIGUSR1] = 0;
	test_assert(kill(getpid(), SIGUSR1) == 0);
	run_until(&sig_seen[SIGUSR1]);
	test_assert_int(sig_seen[SIGUSR1], 1);
	test_end();
}

/* The sleep hooks: "sleeping" before the wait, "awake" after it and
 * before any callback, once per round. */
static char hook_trace[16];

static void hook_note(char c)
{
	size_t n = strlen(hook_trace);

	if (n + 1 < sizeof(hook_trace))
		hook_trace[n] = c;
}

static void hook_sleeping(void) { hook_note('s'); }
static void hook_awake(void) { hook_note('a'); }

static void hook_on_fd(int fd, int events, void *ctx)
{
	char c;

	(void) events;
	(void) ctx;
	test_assert_int(read(fd, &c, 1), 1);
	hook_note('c');
}

static void test_event_sleep_hooks(void)
{
	int p[2];
	int64_t t0;

	test_begin("sleep hooks around the wait, before the callbacks");
	test_assert(pipe(p) == 0);
	event_add_fd(p[0], EVENT_READ, hook_on_fd, NULL);
	event_set_sleep_hooks(hook_sleeping, hook_awake);
	test_assert_int(write(p[1], "x", 1), 1);
	event_run_once(1000);
	test_assert_str(hook_trace, "sac");
	/* A round that only times out still wakes through the hook. */
	memset(hook_trace, 0, sizeof(hook_trace));
	t0 = event_now_ms();
	event_run_once(100);
	test_assert(event_now_ms() - t0 >= 100);
	test_assert_str(hook_trace, "sa");
	event_set_sleep_hooks(NULL, NULL);
	memset(hook_trace, 0, sizeof(hook_trace));
	event_run_once(0);
	test_assert_str(hook_trace, "");
	event_del_fd(p[0]);
	close(p[0]);
	close(p[1]);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_event_fd, test_event_hangup, test_event_timer_order,
		test_event_timer_cancel, test_event_timer_in_callback,
		test_event_remove_in_callback, test_event_signal,
		test_event_loop_stop, test_event_fork_child,
		test_event_sleep_hooks, NULL,
	};

	event_init();
	return test_main(tests);
}

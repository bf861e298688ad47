/* test_daemon_watchdog.c - unit tests for lib/daemon_watchdog.c: a request
 * longer than the timeout is killed by SIGALRM, short requests one after
 * another for longer than the timeout are not, and a process that waits
 * is woken at most once (the alarm of its last request lapsing), never
 * periodically.  Each case runs in a child of its own (the watchdog is
 * per process) with a timeout of 1 s; the children all start at once, so
 * the cases take seconds together rather than one after another.
 */
#include <poll.h>
#include <signal.h>
#include <time.h>

#include "../../lib/daemon_watchdog.h"
#include "../../lib/event.h"
#include "test.h"

/* Sleep ms in full, across the signals that cut nanosleep short. */
static void busy_for(long ms)
{
	long end = event_now_ms() + ms;
	long left;

	while ((left = end - event_now_ms()) > 0) {
		struct timespec ts = { left / 1000, (left % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	}
}

/* Wait ms in poll() as an idle process does; the number of times a
 * signal woke it. */
static int idle_for(long ms)
{
	long end = event_now_ms() + ms;
	long left;
	int wakes = 0;

	while ((left = end - event_now_ms()) > 0)
		if (poll(NULL, 0, (int) left) < 0 && errno == EINTR)
			wakes++;
	return wakes;
}

enum { CHILD_STUCK, CHILD_SHORT, CHILD_IDLE, CHILD_DETACHED, CHILD_COUNT };

static struct {
	pid_t pid;
	long t0, ms;
	int status;
} children[CHILD_COUNT];

static void start_child(int which, int (*fn)(void))
{
	children[which].t0 = event_now_ms();
	children[which].pid = fork();
	if (children[which].pid == 0)
		_exit(fn());
}

/* The child's wait status, and the time it ran in *ms: all children are
 * reaped as they end, on the first call, so each time is its own. */
static int reap_child(int which, long *ms)
{
	static int reaped;
	int status;
	pid_t pid;

	for (; reaped < CHILD_COUNT; reaped++) {
		if ((pid = wait(&status)) < 0)
			break;
		for (int i = 0; i < CHILD_COUNT; i++)
			if (children[i].pid == pid) {
				children[i].status = status;
				children[i].ms = event_now_ms() - children[i].t0;
			}
	}
	*ms = children[which].ms;
	return children[which].status;
}

static int child_stuck(void)
{
	daemon_watchdog_init(1);
	daemon_watchdog_busy();
	busy_for(4000);
	return 0;
}

static void test_watchdog_kills_stuck_request(void)
{
	long ms;
	int status;

	test_begin("watchdog_kills_stuck_request");
	status = reap_child(CHILD_STUCK, &ms);
	test_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM);
	/* longer than the timeout, and at most two seconds past it */
	test_assert(ms > 1000);
	test_assert(ms < 3500);
	test_end();
}

static int child_short_requests(void)
{
	long end;

	daemon_watchdog_init(1);
	end = event_now_ms() + 3000;
	while (event_now_ms() < end) {
		daemon_watchdog_busy();
		busy_for(300);
		daemon_watchdog_idle();
		(void) idle_for(100);
	}
	return 7;
}

static void test_watchdog_spares_short_requests(void)
{
	long ms;
	int status;

	test_begin("watchdog_spares_short_requests");
	status = reap_child(CHILD_SHORT, &ms);
	test_assert(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	test_end();
}

/* One request, then a wait three times the timeout: at most one wake
 * (the lapse), then none; then a long request after the wait is still
 * watched. */
static int child_idle(void)
{
	int first, second;

	daemon_watchdog_init(1);
	daemon_watchdog_busy();
	daemon_watchdog_idle();
	first = idle_for(2500);
	second = idle_for(2000);
	if (first > 1 || second != 0)
		return 10 + first * 3 + second;
	daemon_watchdog_busy();
	busy_for(4000);
	return 9;
}

static void test_watchdog_idle_wakes_once(void)
{
	long ms;
	int status;

	test_begin("watchdog_idle_wakes_once");
	status = reap_child(CHILD_IDLE, &ms);
	if (WIFEXITED(status))
		printf("# idle child exit %d\n", WEXITSTATUS(status));
	test_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM);
	test_assert(ms > 4500 + 1000);
	test_end();
}

/* After detach: a plain alarm per request, cancelled by idle. */
static int child_detached(void)
{
	daemon_watchdog_init(1);
	daemon_watchdog_busy();
	daemon_watchdog_detach();
	if (idle_for(2500) != 0)
		return 11;
	daemon_watchdog_busy();
	daemon_watchdog_idle();
	if (idle_for(1500) != 0)
		return 12;
	daemon_watchdog_busy();
	busy_for(3000);
	return 9;
}

static void test_watchdog_detached(void)
{
	long ms;
	int status;

	test_begin("watchdog_detached");
	status = reap_child(CHILD_DETACHED, &ms);
	if (WIFEXITED(status))
		printf("# detached child exit %d\n", WEXITSTATUS(status));
	test_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM);
	test_assert(ms > 4000 + 900);
	test_assert(ms < 4000 + 2000);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_watchdog_kills_stuck_request,
		test_watchdog_spares_short_requests,
		test_watchdog_idle_wakes_once,
		test_watchdog_detached,
		NULL,
	};

	start_child(CHILD_STUCK, child_stuck);
	start_child(CHILD_SHORT, child_short_requests);
	start_child(CHILD_IDLE, child_idle);
	start_child(CHILD_DETACHED, child_detached);
	return test_main(tests);
}

/* event.c - the per-process event loop: epoll, a timer heap, a self-pipe.
 *
 * Descriptors are watched level-triggered.  Every watch carries a
 * generation number in its epoll data, bumped whenever the watch is added,
 * replaced or removed, so an event already collected in the current batch
 * is dropped once a callback earlier in the batch has changed that watch
 * (by then the descriptor may even have been closed and its number reused).
 *
 * Timers sit in a binary min-heap ordered by deadline and then by creation,
 * so timers due in the same millisecond run in the order they were added.
 * A timer id holds its slot number, which makes cancelling O(log n).
 *
 * Signal handlers only set a flag and write a byte to a non-blocking pipe;
 * the loop reads the pipe and runs the callbacks, so callbacks may do
 * anything a normal callback may.
 */
#define _GNU_SOURCE	/* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "mem.h"

#define EVENT_BATCH 64
#define EVENT_NO_SLOT UINT32_MAX

struct event_watch {
	event_fd_cb cb;		/* NULL: fd not watched */
	void *ctx;
	int events;
	uint32_t gen;
};

struct event_timer {
	int64_t when;
	uint64_t order;		/* creation order, breaks ties in `when` */
	event_timer_id id;	/* 0: slot free */
	event_timer_cb cb;
	void *ctx;
	uint32_t pos;		/* index in ev_heap; next free slot when free */
};

static int ev_epfd = -1;
/* Bumped by event_fork_child(), so a dispatch in progress notices that the
 * loop it was running is gone. */
static unsigned ev_epoch;
static int ev_stopped;
static int ev_dispatching;

static struct event_watch *ev_watches;	/* indexed by descriptor */
static size_t ev_nwatches;

static struct event_timer *ev_slots;
static uint32_t *ev_heap;		/* slot numbers, same capacity */
static uint32_t ev_nslots, ev_heap_len;
static uint32_t ev_free_slot = EVENT_NO_SLOT;
static uint64_t ev_order;
static uint32_t ev_seq;

static void (*ev_sleeping)(void), (*ev_awake)(void);

static int ev_sig_rfd = -1;
static volatile sig_atomic_t ev_sig_wfd = -1;
static volatile sig_atomic_t ev_sig_pending[NSIG];
static struct {
	event_signal_cb cb;
	void *ctx;
} ev_sigs[NSIG];

static void event_check_init(void)
{
	if (ev_epfd < 0)
		log_panic("event loop used before event_init()");
}

void event_init(void)
{
	if (ev_epfd >= 0)
		return;
	ev_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ev_epfd < 0)
		log_fatal("epoll_create1: %s", strerror(errno));
}

int64_t event_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void event_grow_watches(size_t fd)
{
	size_t n = ev_nwatches ? ev_nwatches : 64;

	while (n <= fd)
		n *= 2;
	ev_watches = mem_reallocarray(ev_watches, n, sizeof(*ev_watches));
	memset(ev_watches + ev_nwatches, 0,
	       (n - ev_nwatches) * sizeof(*ev_watches));
	ev_nwatches = n;
}

void event_add_fd(int fd, int events, event_fd_cb cb, void *ctx)
{
	struct epoll_event ev;
	struct event_watch *w;
	int op;

	event_check_init();
	if (fd < 0 || cb == NULL || events == 0 ||
	    (events & ~(EVENT_READ | EVENT_WRITE)) != 0)
		log_panic("event_add_fd: bad watch (fd %d, events %d)", fd, events);
	if ((size_t) fd >= ev_nwatches)
		event_grow_watches((size_t) fd);
	w = &ev_watches[fd];
	op = w->cb ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	w->gen++;
	memset(&ev, 0, sizeof(ev));
	ev.events = (events & EVENT_READ ? EPOLLIN : 0) |
		(events & EVENT_WRITE ? EPOLLOUT : 0);
	ev.data.u64 = (uint64_t) w->gen << 32 | (uint32_t) fd;
	if (epoll_ctl(ev_epfd, op, fd, &ev) < 0) {
		/* The caller closed fd without event_del_fd() and got the number
		 * back from a new open, or the other way round: the registration
		 * is not what the table says, so try the other operation. */
		if (errno == ENOENT && op == EPOLL_CTL_MOD)
			op = EPOLL_CTL_ADD;
		else if (errno == EEXIST && op == EPOLL_CTL_ADD)
			op = EPOLL_CTL_MOD;
		else
			log_fatal("epoll_ctl fd %d: %s", fd, strerror(errno));
		if (epoll_ctl(ev_epfd, op, fd, &ev) < 0)
			log_fatal("epoll_ctl fd %d: %s", fd, strerror(errno));
	}
	w->cb = cb;
	w->ctx = ctx;
	w->events = events;
}

void event_del_fd(int fd)
{
	struct event_watch *w;

	if (fd < 0 || (size_t) fd >= ev_nwatches || ev_watches[fd].cb == NULL)
		return;
	w = &ev_watches[fd];
	w->cb = NULL;
	w->ctx = NULL;
	w->gen++;
	/* A descriptor closed before this call has already left the epoll
	 * set (ENOENT, EBADF); only a failure on a live one is a bug. */
	if (epoll_ctl(ev_epfd, EPOLL_CTL_DEL, fd, NULL) < 0 &&
	    errno != ENOENT && errno != EBADF)
		log_panic("epoll_ctl del fd %d: %s", fd, strerror(errno));
}

static int event_timer_before(uint32_t a, uint32_t b)
{
	const struct event_timer *ta = &ev_slots[a], *tb = &ev_slots[b];

	return ta->when < tb->when ||
		(ta->when == tb->when && ta->order < tb->order);
}

static void event_heap_set(uint32_t pos, uint32_t slot)
{
	ev_heap[pos] = slot;
	ev_slots[slot].pos = pos;
}

/* Returns whether the entry moved, so removal knows to try sifting down. */
static int event_heap_up(uint32_t pos)
{
	uint32_t slot = ev_heap[pos], start = pos;

	while (pos > 0) {
		uint32_t parent = (pos - 1) / 2;

		if (!event_timer_before(slot, ev_heap[parent]))
			break;
		event_heap_set(pos, ev_heap[parent]);
		pos = parent;
	}
	event_heap_set(pos, slot);
	return pos != start;
}

static void event_heap_down(uint32_t pos)
{
	uint32_t slot = ev_heap[pos];

	for (;;) {
		uint32_t child = 2 * pos + 1;

		if (child >= ev_heap_len)
			break;
		if (child + 1 < ev_heap_len &&
		    event_timer_before(ev_heap[child + 1], ev_heap[child]))
			child++;
		if (!event_timer_before(ev_heap[child], slot))
			break;
		event_heap_set(pos, ev_heap[child]);
		pos = child;
	}
	event_heap_set(pos, slot);
}

/* Take the timer out of the heap and put its slot on the free list. */
static void event_timer_release(uint32_t slot)
{
	uint32_t pos = ev_slots[slot].pos;

	ev_heap_len--;
	if (pos < ev_heap_len) {
		event_heap_set(pos, ev_heap[ev_heap_len]);
		if (!event_heap_up(pos))
			event_heap_down(pos);
	}
	ev_slots[slot].id = 0;
	ev_slots[slot].cb = NULL;
	ev_slots[slot].ctx = NULL;
	ev_slots[slot].pos = ev_free_slot;
	ev_free_slot = slot;
}

static void event_grow_timers(void)
{
	uint32_t n = ev_nslots ? ev_nslots * 2 : 16;

	if (n <= ev_nslots)
		log_fatal("too many timers");
	ev_slots = mem_reallocarray(ev_slots, n, sizeof(*ev_slots));
	ev_heap = mem_reallocarray(ev_heap, n, sizeof(*ev_heap));
	for (uint32_t i = n; i-- > ev_nslots;) {
		ev_slots[i].id = 0;
		ev_slots[i].pos = ev_free_slot;
		ev_free_slot = i;
	}
	ev_nslots = n;
}

event_timer_id event_add_timer(long ms, event_timer_cb cb, void *ctx)
{
	int64_t now = event_now_ms();
	struct event_timer *t;
	uint32_t slot;

	if (ev_free_slot == EVENT_NO_SLOT)
		event_grow_timers();
	slot = ev_free_slot;
	t = &ev_slots[slot];
	ev_free_slot = t->pos;
	if (++ev_seq == 0)
		ev_seq = 1;
	if (ms < 0)
		ms = 0;
	t->when = ms > INT64_MAX - now ? INT64_MAX : now + ms;
	t->order = ev_order++;
	t->id = (uint64_t) ev_seq << 32 | slot;
	t->cb = cb;
	t->ctx = ctx;
	ev_heap[ev_heap_len] = slot;
	event_heap_up(ev_heap_len++);
	return t->id;
}

void event_cancel_timer(event_timer_id id)
{
	uint32_t slot = (uint32_t) id;

	if (id != 0 && slot < ev_nslots && ev_slots[slot].id == id)
		event_timer_release(slot);
}

static void event_on_signal(int signo)
{
	int saved = errno;

	ev_sig_pending[signo] = 1;
	if (ev_sig_wfd >= 0 && write(ev_sig_wfd, "", 1) < 0) {
		/* The pipe is full, so a wake-up is already pending. */
	}
	errno = saved;
}

static void event_read_signals(int fd, int events, void *ctx)
{
	unsigned epoch = ev_epoch;
	char drain[64];

	(void) events;
	(void) ctx;
	/* Drain first: a signal arriving after this writes a new byte and is
	 * seen by the next round even if its flag was already cleared here. */
	while (read(fd, drain, sizeof(drain)) > 0)
		continue;
	for (int signo = 1; signo < NSIG && ev_epoch == epoch; signo++) {
		if (!ev_sig_pending[signo])
			continue;
		ev_sig_pending[signo] = 0;
		if (ev_sigs[signo].cb)
			ev_sigs[signo].cb(signo, ev_sigs[signo].ctx);
	}
}

void event_add_signal(int signo, event_signal_cb cb, void *ctx)
{
	struct sigaction sa;

	event_check_init();
	if (signo <= 0 || signo >= NSIG || cb == NULL)
		log_panic("event_add_signal: bad signal %d", signo);
	if (ev_sig_rfd < 0) {
		int p[2];

		if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0)
			log_fatal("pipe2: %s", strerror(errno));
		ev_sig_rfd = p[0];
		ev_sig_wfd = p[1];
		event_add_fd(ev_sig_rfd, EVENT_READ, event_read_signals, NULL);
	}
	ev_sigs[signo].cb = cb;
	ev_sigs[signo].ctx = ctx;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = event_on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(signo, &sa, NULL) < 0)
		log_fatal("sigaction %d: %s", signo, strerror(errno));
}

static void event_dispatch_fd(const struct epoll_event *ev)
{
	int fd = (int) (uint32_t) ev->data.u64;
	uint32_t gen = (uint32_t) (ev->data.u64 >> 32);
	const struct event_watch *w;
	int ready = 0;

	if ((size_t) fd >= ev_nwatches)
		return;
	w = &ev_watches[fd];
	if (w->cb == NULL || w->gen != gen)
		return;
	/* Hang-up and error are reported as whatever the watch waits for,
	 * so the callback meets them in its own read() or write(). */
	if ((w->events & EVENT_READ) &&
	    (ev->events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		ready |= EVENT_READ;
	if ((w->events & EVENT_WRITE) &&
	    (ev->events & (EPOLLOUT | EPOLLHUP | EPOLLERR)))
		ready |= EVENT_WRITE;
	if (ready)
		w->cb(fd, ready, w->ctx);
}

/* Run the timers due now.  Timers added by these callbacks wait for the
 * next round even when already due, so a timer re-arming itself with 0 ms
 * cannot keep the loop from ever polling descriptors again. */
static void event_run_timers(unsigned epoch)
{
	int64_t now = event_now_ms();
	uint64_t limit = ev_order;

	while (ev_epoch == epoch && ev_heap_len > 0) {
		uint32_t slot = ev_heap[0];
		event_timer_cb cb = ev_slots[slot].cb;
		void *ctx = ev_slots[slot].ctx;

		if (ev_slots[slot].when > now || ev_slots[slot].order >= limit)
			break;
		event_timer_release(slot);
		cb(ctx);
	}
}

static int event_wait_ms(long max_ms)
{
	long wait = max_ms < 0 ? -1 : max_ms;

	if (ev_heap_len > 0) {
		int64_t due = ev_slots[ev_heap[0]].when - event_now_ms();

		if (due < 0)
			due = 0;
		if (wait < 0 || due < wait)
			wait = (long) due;
	}
	return wait > INT_MAX ? INT_MAX : (int) wait;
}

void event_set_sleep_hooks(void (*sleeping)(void), void (*awake)(void))
{
	ev_sleeping = sleeping;
	ev_awake = awake;
}

void event_run_once(long max_ms)
{
	struct epoll_event batch[EVENT_BATCH];
	unsigned epoch = ev_epoch;
	int n;

	event_check_init();
	if (ev_dispatching)
		log_panic("event_run_once called from an event callback");
	if (ev_sleeping != NULL)
		ev_sleeping();
	n = epoll_wait(ev_epfd, batch, EVENT_BATCH, event_wait_ms(max_ms));
	if (n < 0) {
		/* A signal: its byte is in the pipe for the next round.  No
		 * work was done, so no awake hook: a watchdog alarm that lapses
		 * while the loop sleeps must not count as a round and re-arm
		 * itself (daemon_watchdog.h). */
		if (errno != EINTR)
			log_fatal("epoll_wait: %s", strerror(errno));
		return;
	}
	if (ev_awake != NULL)
		ev_awake();
	ev_dispatching = 1;
	for (int i = 0; i < n && ev_epoch == epoch; i++)
		event_dispatch_fd(&batch[i]);
	event_run_timers(epoch);
	ev_dispatching = 0;
}

void event_loop(void)
{
	ev_stopped = 0;
	while (!ev_stopped)
		event_run_once(-1);
}

void event_stop(void)
{
	ev_stopped = 1;
}

void event_fork_child(void)
{
	/* Default dispositions again: a child that does not exec must still
	 * die on SIGTERM, not write into a pipe nobody reads. */
	for (int signo = 1; signo < NSIG; signo++) {
		if (ev_sigs[signo].cb)
			signal(signo, SIG_DFL);
		ev_sigs[signo].cb = NULL;
		ev_sig_pending[signo] = 0;
	}
	if (ev_sig_rfd >= 0) {
		int wfd = ev_sig_wfd;

		ev_sig_wfd = -1;
		close(wfd);
		close(ev_sig_rfd);
		ev_sig_rfd = -1;
	}
	if (ev_epfd >= 0) {
		close(ev_epfd);
		ev_epfd = -1;
	}
	MEM_FREE(ev_watches);
	ev_nwatches = 0;
	MEM_FREE(ev_slots);
	MEM_FREE(ev_heap);
	ev_nslots = ev_heap_len = 0;
	ev_free_slot = EVENT_NO_SLOT;
	ev_dispatching = 0;
	ev_stopped = 0;
	ev_sleeping = ev_awake = NULL;
	ev_epoch++;
}

/* event.h - the event loop: epoll for descriptors, a heap of timers.
 *
 * One loop per process (multi-client daemons such as auth and qmgr, and
 * master itself).  Callbacks run from event_run_once(); a callback may add
 * or remove any descriptor or timer, including its own.  Signals are turned
 * into events with event_add_signal() (a self-pipe), so handlers never run
 * code that is not async-signal-safe.
 */
#ifndef TERN_EVENT_H
#define TERN_EVENT_H

#include <stdint.h>

#define EVENT_READ  1
#define EVENT_WRITE 2

typedef void (*event_fd_cb)(int fd, int events, void *ctx);
typedef void (*event_timer_cb)(void *ctx);
typedef void (*event_signal_cb)(int signo, void *ctx);
typedef uint64_t event_timer_id;

void event_init(void);
/* Watch fd for the given EVENT_* mask; replaces an earlier watch of fd. */
void event_add_fd(int fd, int events, event_fd_cb cb, void *ctx);
void event_del_fd(int fd);
/* One-shot timer after ms milliseconds; ids are never 0. */
event_timer_id event_add_timer(long ms, event_timer_cb cb, void *ctx);
void event_cancel_timer(event_timer_id id);
/* Deliver signo through the loop (installs a handler with SA_RESTART). */
void event_add_signal(int signo, event_signal_cb cb, void *ctx);

/* Wait at most max_ms (-1: until something happens), run what is ready. */
void event_run_once(long max_ms);
/* Called right before the loop sleeps in epoll_wait() and right after it
 * wakes with work, before any callback runs (not when a signal cut the
 * sleep short; NULL: nothing): the daemon skeleton
 * keeps its watchdog off while the process waits and on while it works. */
void event_set_sleep_hooks(void (*sleeping)(void), void (*awake)(void));
/* Run until event_stop() is called. */
void event_loop(void);
void event_stop(void);
/* Milliseconds on the monotonic clock. */
int64_t event_now_ms(void);
/* After fork in a child that will not use the loop: close its descriptors. */
void event_fork_child(void);

#endif

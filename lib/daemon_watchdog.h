/* daemon_watchdog.h - the daemon skeleton's watchdog (architecture §1):
 * a process busy with one request for longer than its timeout is killed
 * by SIGALRM; time spent waiting for work never counts.
 *
 * The skeleton marks each request's start (daemon_watchdog_busy) and each
 * wait for the next one (daemon_watchdog_idle): every command of every
 * session, every round of an event loop.  So marking costs no system call:
 * the start is read from the clock (vDSO) and the alarm, once armed, stays
 * armed across requests.  When it fires, the handler looks at what the
 * process is doing:
 *   - waiting: the alarm lapses; the next request arms it again, so an
 *     idle process is woken at most once (within the timeout of its last
 *     request), then sleeps undisturbed for as long as it waits;
 *   - busy with a request that started less than the timeout ago: it
 *     re-arms for the rest of that request's time;
 *   - busy for longer: SIGALRM's default action ends the process.
 * A request is killed once it has run longer than the timeout, and at most
 * two seconds later (the clock is read in whole seconds).
 */
#ifndef TERN_DAEMON_WATCHDOG_H
#define TERN_DAEMON_WATCHDOG_H

/* Install the handler; timeout in seconds, > 0. */
void daemon_watchdog_init(long timeout);
void daemon_watchdog_busy(void);
void daemon_watchdog_idle(void);
/* For a child that leaves the skeleton (daemon_detach): cancel the alarm
 * and restore SIGALRM's default action.  daemon_watchdog_busy() in it then
 * arms a plain alarm(timeout) per request, which kills when it fires. */
void daemon_watchdog_detach(void);

#endif

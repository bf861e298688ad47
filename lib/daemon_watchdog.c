/* daemon_watchdog.c - the skeleton's watchdog: a request that runs longer
 * than daemon_timeout kills its process, with no system call per request
 * (see daemon_watchdog.h for the states the SIGALRM handler tells apart).
 *
 * Why not alarm(timeout) at each request's start and alarm(0) before each
 * wait: a POP3 RETR or an SMTP command is a handful of system calls, and
 * the two alarm() calls (hrtimer reprogramming, ~3 us on a VM) were a
 * measurable share of them (bench/RESULTS-i12.md).
 *
 * Everything the handler reads is a sig_atomic_t: whether a request runs,
 * and since when, in whole seconds of CLOCK_MONOTONIC (clock_gettime is
 * async-signal-safe, POSIX.1-2008 §2.4.3).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon_watchdog.h"
#include "log.h"

static volatile sig_atomic_t wd_busy;
static volatile sig_atomic_t wd_since;
static volatile sig_atomic_t wd_armed;
static sig_atomic_t wd_timeout;
static int wd_installed;

static sig_atomic_t daemon_watchdog_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (sig_atomic_t) ts.tv_sec;
}

static void daemon_watchdog_on_alarm(int signo)
{
	struct sigaction sa;
	sig_atomic_t elapsed;
	int saved = errno;

	(void) signo;
	wd_armed = 0;
	if (wd_busy) {
		/* Whole seconds: more than the timeout counted means more
		 * than the timeout passed, never less. */
		elapsed = daemon_watchdog_now() - wd_since;
		if (elapsed > wd_timeout) {
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = SIG_DFL;
			sigemptyset(&sa.sa_mask);
			sigaction(SIGALRM, &sa, NULL);
			/* Pending until this handler returns, then fatal. */
			raise(SIGALRM);
		} else {
			wd_armed = 1;
			alarm((unsigned) (wd_timeout + 1 - elapsed));
		}
	}
	errno = saved;
}

void daemon_watchdog_init(long timeout)
{
	struct sigaction sa;

	if (timeout <= 0 || timeout > 100L * 24 * 3600)
		log_panic("daemon_watchdog_init: timeout %ld", timeout);
	wd_timeout = (sig_atomic_t) timeout;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = daemon_watchdog_on_alarm;
	sigfillset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		log_fatal("sigaction SIGALRM: %s", strerror(errno));
	wd_installed = 1;
}

void daemon_watchdog_busy(void)
{
	if (!wd_installed) {
		if (wd_timeout > 0)
			alarm((unsigned) wd_timeout);
		return;
	}
	wd_since = daemon_watchdog_now();
	wd_busy = 1;
	if (!wd_armed) {
		wd_armed = 1;
		alarm((unsigned) wd_timeout + 1);
	}
}

void daemon_watchdog_idle(void)
{
	if (wd_installed)
		wd_busy = 0;
	else
		alarm(0);
}

void daemon_watchdog_detach(void)
{
	struct sigaction sa;

	alarm(0);
	wd_busy = 0;
	wd_armed = 0;
	wd_installed = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
}

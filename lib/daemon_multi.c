/* daemon_multi.c - the DAEMON_MULTI serving loop of the skeleton: many
 * clients per process through the event loop (auth, qmgr, anvil, pickup,
 * the POP3 login role).
 *
 * The skeleton accepts on the event loop and hands each client to the
 * program's accept_client(); the program tells it when one leaves
 * (daemon_client_done).  From the count it reports busy or idle to master,
 * stops watching the listeners at the program's client cap, and exits
 * when idle for max_idle or when the last client of a process that
 * accepts no more is gone.  The watchdog runs only while the callbacks of
 * one loop round run.  The common parts (state, status, accept) are
 * daemon.c's; architecture §1.
 */
#include <signal.h>
#include <unistd.h>

#include "buf.h"
#include "daemon.h"
#include "daemon_impl.h"
#include "daemon_watchdog.h"
#include "event.h"
#include "log.h"
#include "master_proto.h"

static void daemon_multi_accept(int lfd, int events, void *ctx);

#define DAEMON_ACCEPT_BATCH	64	/* clients taken per wake-up at most */
#define DAEMON_ACCEPT_BATCH_MS	5	/* and for no longer than this */

static void daemon_multi_stop_accepting(void)
{
	for (int i = 0; i < daemon_proc.nfds; i++) {
		if (daemon_proc.listen_fds[i] >= 0) {
			event_del_fd(daemon_proc.listen_fds[i]);
			close(daemon_proc.listen_fds[i]);
			daemon_proc.listen_fds[i] = -1;
		}
	}
}

/* Busy - not available to master for new clients - at the cap (without
 * one, with any client); draining once it accepts no more (max_use, a
 * stop, daemon_accept_no_more): a process that finishes long relays must
 * neither be counted as free nor hold one of the service's slots. */
static void daemon_multi_status(void)
{
	int accepting = 0, busy;

	for (int i = 0; i < daemon_proc.nfds; i++)
		accepting |= daemon_proc.listen_fds[i] >= 0;
	if (!accepting) {
		/* Listeners closed for good: out of master's count, so the
		 * clients that keep this process alive do not hold a slot of
		 * the service (master_proto.h). */
		if (!daemon_proc.draining_reported)
			daemon_report(MASTER_STAT_DRAINING);
		daemon_proc.draining_reported = 1;
		return;
	}
	busy = daemon_proc.clients >= (daemon_proc.client_limit > 0 ?
				       (int) daemon_proc.client_limit : 1);
	if (busy != daemon_proc.busy_reported) {
		daemon_report(busy ? MASTER_STAT_BUSY : MASTER_STAT_IDLE);
		daemon_proc.busy_reported = busy;
	}
}

/* At the cap, stop watching the listeners (siblings take the clients);
 * below it, watch them again. */
static void daemon_multi_watch_listeners(int on)
{
	if (on == !daemon_proc.paused)
		return;
	daemon_proc.paused = !on;
	for (int i = 0; i < daemon_proc.nfds; i++) {
		if (daemon_proc.listen_fds[i] < 0)
			continue;
		if (on)
			event_add_fd(daemon_proc.listen_fds[i], EVENT_READ,
				     daemon_multi_accept, (void *) (long) i);
		else
			event_del_fd(daemon_proc.listen_fds[i]);
	}
}

static void daemon_multi_on_signal(int signo, void *ctx)
{
	(void) ctx;
	if (signo == SIGHUP && daemon_proc.spec->on_reload != NULL)
		daemon_proc.spec->on_reload();
	daemon_proc.stopping = 1;
	daemon_wake(1);
	daemon_multi_stop_accepting();
	if (signo == SIGTERM && daemon_proc.spec->on_stop != NULL)
		daemon_proc.spec->on_stop();
}

void daemon_multi_signals(void)
{
	event_init();
	event_add_signal(SIGTERM, daemon_multi_on_signal, NULL);
	event_add_signal(SIGHUP, daemon_multi_on_signal, NULL);
}

/* Take one waiting client: 0, or -1 when none was there. */
static int daemon_multi_accept_one(int lfd, int index)
{
	daemon_client_t client;
	buf_t addr = BUF_INIT;
	int fd;

	fd = daemon_accept(lfd);
	if (fd < 0)
		return -1;
	daemon_proc.clients++;
	if (daemon_proc.client_limit > 0 &&
	    daemon_proc.clients >= daemon_proc.client_limit)
		daemon_multi_watch_listeners(0);
	daemon_proc.served++;
	if (daemon_proc.max_use > 0 &&
	    daemon_proc.served >= daemon_proc.max_use)
		daemon_multi_stop_accepting();
	daemon_multi_status();
	daemon_fill_client(&client, fd, index, &addr);
	daemon_proc.spec->accept_client(&client);
	buf_release(&addr);
	return 0;
}

/* Every client waiting (up to a batch), not one per round: a process
 * whose rounds can be long (auth checking a password) would otherwise
 * take its clients at that pace, in arrival order, and whatever it does
 * to be fair among them (auth_queue.h) would see only one at a time.
 * The batch ends after a few milliseconds, so that a program whose
 * accept_client may wait (a login process asking anvil) still waits at
 * most once per round for its other clients (audit i12-20). */
static void daemon_multi_accept(int lfd, int events, void *ctx)
{
	int index = (int) (long) ctx;
	int64_t t0 = event_now_ms();

	(void) events;
	for (int n = 0; n < DAEMON_ACCEPT_BATCH &&
		     event_now_ms() - t0 < DAEMON_ACCEPT_BATCH_MS; n++) {
		if (daemon_proc.paused || daemon_proc.listen_fds[index] != lfd)
			break;
		if (daemon_multi_accept_one(lfd, index) < 0)
			break;
	}
}

void daemon_multi_accept_no_more(void)
{
	daemon_multi_stop_accepting();
	daemon_multi_status();
}

void daemon_client_done(void)
{
	if (daemon_proc.clients <= 0)
		log_panic("daemon_client_done without a client");
	daemon_proc.clients--;
	if (daemon_proc.client_limit > 0 &&
	    daemon_proc.clients < daemon_proc.client_limit)
		daemon_multi_watch_listeners(1);
	daemon_multi_status();
	if (daemon_proc.clients == 0)
		daemon_proc.idle_since_ms = event_now_ms();
}

void daemon_multi_loop(void)
{
	/* The watchdog of DAEMON_MULTI: busy while the callbacks of one round
	 * run, idle while the loop sleeps, so that a process idle for longer
	 * than daemon_timeout (auth, anvil, qmgr with nothing to do) is not
	 * killed. */
	event_set_sleep_hooks(daemon_watchdog_idle, daemon_watchdog_busy);
	for (int i = 0; i < daemon_proc.nfds; i++)
		event_add_fd(daemon_proc.listen_fds[i], EVENT_READ,
			     daemon_multi_accept, (void *) (long) i);
	daemon_proc.idle_since_ms = event_now_ms();
	for (;;) {
		long wait = -1;
		int accepting = 0;

		for (int i = 0; i < daemon_proc.nfds; i++)
			accepting |= daemon_proc.listen_fds[i] >= 0;
		if (daemon_proc.clients == 0 &&
		    (daemon_proc.stopping || !accepting))
			break;
		if (daemon_proc.clients == 0 && daemon_proc.max_idle > 0) {
			wait = (long) (daemon_proc.idle_since_ms +
				       daemon_proc.max_idle * 1000 -
				       event_now_ms());
			if (wait <= 0)
				break;
		}
		event_run_once(wait);
	}
}

/* daemon_single.c - the DAEMON_SINGLE serving loop of the skeleton: one
 * client at a time (smtpd, both pop3d roles, local).
 *
 * A process waits for a client, reports busy, calls the program's serve()
 * with the watchdog running (daemon.h: the program turns it off between
 * requests through daemon_wait()), takes the next client that already
 * waits straight away, and reports idle (after on_idle) only when none
 * does.  SIGTERM and SIGHUP close the listeners in the signal handler
 * itself, so a retired port refuses new clients even while one is served;
 * that client is served to the end.  The common parts (state, status,
 * accept) are daemon.c's; architecture §1.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "buf.h"
#include "daemon.h"
#include "daemon_impl.h"
#include "daemon_watchdog.h"
#include "log.h"
#include "master_proto.h"

/* Async-signal-safe: close the listeners right here, so a retired port
 * refuses new clients even while serve() is busy with one. */
static void daemon_single_on_signal(int signo)
{
	int saved = errno;

	daemon_proc.stop_signal = signo;
	daemon_close_listeners_raw();
	daemon_wake(signo != SIGHUP);
	errno = saved;
}

void daemon_single_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = daemon_single_on_signal;
	sigfillset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGHUP, &sa, NULL) < 0)
		log_fatal("sigaction: %s", strerror(errno));
}

static void daemon_single_serve(int fd, int index)
{
	daemon_client_t client;
	buf_t addr = BUF_INIT;

	daemon_fill_client(&client, fd, index, &addr);
	/* Until serve() waits in daemon_wait(), the client so far is one
	 * request. */
	daemon_request_begin();
	daemon_proc.spec->serve(&client);
	daemon_watchdog_idle();
	if (client.fd >= 0)
		close(client.fd);
	buf_release(&addr);
	daemon_proc.served++;
}

/* A client that already waits on one of the listeners, or -1. */
static int daemon_single_next(int *index_r)
{
	for (int i = 0; i < daemon_proc.nfds; i++) {
		int fd;

		if (daemon_proc.listen_fds[i] >= 0 &&
		    (fd = daemon_accept(daemon_proc.listen_fds[i])) >= 0) {
			*index_r = i;
			return fd;
		}
	}
	return -1;
}

/* The idle processes of a service wait on the same listeners.  Each
 * waits through its own epoll set with EPOLLEXCLUSIVE, so a new client
 * wakes one idle process instead of all of them (poll() woke every one,
 * and all but the winner found nothing to accept).  A process that is
 * serving sleeps in no epoll_wait, so the kernel passes the wake-up on
 * to one that does; the accept() stays non-blocking all the same. */
static int daemon_single_epoll(void)
{
	struct epoll_event ev;
	int epfd = epoll_create1(EPOLL_CLOEXEC);

	if (epfd < 0)
		log_fatal("epoll_create1: %s", strerror(errno));
	for (int i = 0; i < daemon_proc.nfds; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | EPOLLEXCLUSIVE;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, daemon_proc.listen_fds[i],
			      &ev) < 0)
			log_fatal("epoll_ctl: %s", strerror(errno));
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, daemon_proc.retire_fd, &ev) < 0)
		log_fatal("epoll_ctl: %s", strerror(errno));
	return epfd;
}

/* Clients that arrive while one is served are taken back to back: a busy
 * process neither sleeps nor tells master anything between them, so a
 * loaded service costs master no wake-up per client.  Idle is reported
 * (and on_idle called) only when nobody waits. */
void daemon_single_loop(void)
{
	struct epoll_event ev[DAEMON_MAX_LISTEN + 1];
	int busy = 0;

	daemon_proc.single_epfd = daemon_single_epoll();
	for (;;) {
		int open = 0, fd, index, r;

		if (daemon_proc.stop_signal || daemon_proc.stopping)
			break;
		if (daemon_proc.max_use > 0 &&
		    daemon_proc.served >= daemon_proc.max_use)
			break;
		/* The signal handler closes the listeners. */
		for (int i = 0; i < daemon_proc.nfds; i++)
			open += daemon_proc.listen_fds[i] >= 0;
		if (open == 0)
			break;
		if ((fd = daemon_single_next(&index)) >= 0) {
			if (!busy)
				daemon_report(MASTER_STAT_BUSY);
			busy = 1;
			daemon_single_serve(fd, index);
			continue;
		}
		if (busy) {
			if (daemon_proc.spec->on_idle != NULL)
				daemon_proc.spec->on_idle();
			daemon_report(MASTER_STAT_IDLE);
			busy = 0;
		}
		r = epoll_wait(daemon_proc.single_epfd, ev, daemon_proc.nfds + 1,
			       daemon_proc.max_idle > 0 ?
			       (int) (daemon_proc.max_idle * 1000) : -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			log_fatal("epoll_wait: %s", strerror(errno));
		if (r == 0)
			break;		/* idle for max_idle */
	}
	close(daemon_proc.single_epfd);
	daemon_proc.single_epfd = -1;
}

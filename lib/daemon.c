/* daemon.c - the server skeleton: its state, daemon_main(), and what every
 * server uses whatever its shape.
 *
 * Every tern server's main() is one call to daemon_main().  The skeleton
 * owns what must be the same everywhere: the argument contract with master
 * (master_proto.h), configuration and logging, the sanitizer report file,
 * the order pre-drop hook -> priv_drop() -> post-drop hook, the status
 * reports that drive master's process pool, and the stop rules described
 * in daemon.h.  This file keeps the process's one skeleton state and the
 * parts both shapes share: status reports, the stop and retire eventfds,
 * the watchdog of a request, and accept with its peer check.  Start-up up
 * to the drop is daemon_start.c; the serving loops are daemon_single.c
 * and daemon_multi.c (daemon_impl.h is what they share).
 *
 * SECURITY: starts as whatever master runs as (root in production) and
 * trusts only its arguments, main.conf and the descriptors master passed.
 * Client data is only ever touched by the program's serve()/accept_client()
 * callbacks, after the drop.
 */
#define _GNU_SOURCE	/* accept4 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "daemon.h"
#include "daemon_impl.h"
#include "daemon_watchdog.h"
#include "log.h"
#include "master_proto.h"
#include "sock.h"

struct daemon_state daemon_proc = {
	.status_fd = -1, .stop_fd = -1, .retire_fd = -1, .single_epfd = -1
};

const char *daemon_service(void)
{
	return daemon_proc.service;
}

int daemon_stopping(void)
{
	/* SIGHUP retires a one-client process: its client goes on undisturbed
	 * (a reload never cuts an established connection); SIGTERM and a lost
	 * master are a stop, and idle clients are let go. */
	return daemon_proc.stopping ||
		(daemon_proc.stop_signal && daemon_proc.stop_signal != SIGHUP);
}

/* Async-signal-safe: wake every wait that watches the descriptors (they
 * are never read, so they stay readable). */
void daemon_wake(int stop)
{
	uint64_t one = 1;
	int saved = errno;

	if (daemon_proc.retire_fd >= 0)
		(void) !write(daemon_proc.retire_fd, &one, sizeof(one));
	if (stop && daemon_proc.stop_fd >= 0)
		(void) !write(daemon_proc.stop_fd, &one, sizeof(one));
	errno = saved;
}

int daemon_stop_fd(void)
{
	return daemon_proc.stop_fd;
}

int daemon_retire_fd(void)
{
	return daemon_proc.retire_fd;
}

void daemon_request_begin(void)
{
	if (daemon_proc.spec->mode == DAEMON_SINGLE)
		daemon_watchdog_busy();
}

event_wake_t daemon_wait(const event_wait_t *w)
{
	event_wake_t wake;

	if (w->stream != NULL && stream_input_ready(w->stream))
		return EVENT_WAKE_INPUT;
	if (daemon_proc.spec->mode == DAEMON_SINGLE)
		daemon_watchdog_idle();
	wake = event_wait(w);
	daemon_request_begin();
	return wake;
}

int daemon_chrooted(void)
{
	return daemon_proc.chrooted;
}

char **daemon_args(int *argc_r)
{
	*argc_r = daemon_proc.nargs;
	return daemon_proc.args;
}

void daemon_detach(void)
{
	struct sigaction sa;

	daemon_watchdog_detach();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	daemon_close_listeners_raw();
	if (daemon_proc.status_fd >= 0) {
		close(daemon_proc.status_fd);
		daemon_proc.status_fd = -1;
	}
	if (daemon_proc.stop_fd >= 0) {
		close(daemon_proc.stop_fd);
		daemon_proc.stop_fd = -1;
	}
	if (daemon_proc.retire_fd >= 0) {
		close(daemon_proc.retire_fd);
		daemon_proc.retire_fd = -1;
	}
	if (daemon_proc.single_epfd >= 0) {
		close(daemon_proc.single_epfd);
		daemon_proc.single_epfd = -1;
	}
	daemon_proc.stop_signal = 0;
	daemon_proc.stopping = 0;
}

void daemon_report(int kind)
{
	struct master_status st;

	if (daemon_proc.status_fd < 0)
		return;
	memset(&st, 0, sizeof(st));
	st.pid = getpid();
	st.kind = kind;
	st.gen = daemon_proc.gen;
	/* One write below PIPE_BUF: whole or nothing.  EPIPE means master is
	 * gone, and a process without master stops taking work. */
	if (write(daemon_proc.status_fd, &st, sizeof(st)) !=
	    (ssize_t) sizeof(st)) {
		daemon_proc.stopping = 1;
		daemon_wake(1);
	}
}

/* A fatal error before READY tells master so, which throttles the service
 * instead of respawning it in a loop. */
static void daemon_fatal_hook(void)
{
	if (!daemon_proc.ready)
		daemon_report(MASTER_STAT_FAILED);
}

void daemon_accept_no_more(const char *why)
{
	int accepting = 0;

	for (int i = 0; i < daemon_proc.nfds; i++)
		accepting |= daemon_proc.listen_fds[i] >= 0;
	if (!accepting)
		return;
	log_warn("accepting no more clients: %s", why);
	if (daemon_proc.spec->mode == DAEMON_MULTI)
		daemon_multi_accept_no_more();
	else
		daemon_close_listeners_raw();	/* the loop ends after this client */
}

void daemon_close_listeners_raw(void)
{
	for (int i = 0; i < daemon_proc.nfds; i++) {
		if (daemon_proc.listen_fds[i] >= 0) {
			close(daemon_proc.listen_fds[i]);
			daemon_proc.listen_fds[i] = -1;
		}
	}
}

void daemon_fill_client(daemon_client_t *c, int fd, int index, buf_t *addr)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->service = daemon_proc.service;
	c->listener_index = index;
	sock_peer_addr(fd, addr, &c->port);
	c->addr = buf_str(addr);
}

/* SO_PEERCRED check of spec->peer_users on UNIX sockets. */
static int daemon_peer_allowed(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	uid_t uid;

	if (daemon_proc.spec->peer_users == NULL)
		return 1;
	if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0 ||
	    ss.ss_family != AF_UNIX)
		return 1;
	if (sock_peer_cred(fd, NULL, &uid, NULL) < 0) {
		log_warn("service %s: cannot get peer credentials: %s",
			 daemon_proc.service, strerror(errno));
		return 0;
	}
	if (uid == 0 || uid == geteuid())
		return 1;
	for (int i = 0; i < daemon_proc.npeer_uids; i++)
		if (daemon_proc.peer_uids[i] == uid)
			return 1;
	log_warn("service %s: refusing a connection from uid %ld",
		 daemon_proc.service, (long) uid);
	return 0;
}

/* accept() on a shared non-blocking listener: -1 when a sibling won or the
 * peer may not use this service. */
int daemon_accept(int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd >= 0 && !daemon_peer_allowed(fd)) {
		close(fd);
		errno = EAGAIN;
		return -1;
	}

	if (fd < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR && errno != ECONNABORTED && errno != EBADF) {
		log_warn("accept: %s", strerror(errno));
		/* Out of descriptors or memory: do not spin on it. */
		if (errno == EMFILE || errno == ENFILE || errno == ENOMEM ||
		    errno == ENOBUFS)
			sleep(1);
	}
	return fd;
}

void daemon_main(int argc, char **argv, const daemon_spec_t *spec)
{
	sigset_t unblock;

	daemon_proc.spec = spec;
	for (int i = 0; i < DAEMON_MAX_LISTEN; i++)
		daemon_proc.listen_fds[i] = -1;
	log_init(spec->program);
	log_set_fatal_hook(daemon_fatal_hook);
	signal(SIGPIPE, SIG_IGN);
	daemon_proc.stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	daemon_proc.retire_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (daemon_proc.stop_fd < 0 || daemon_proc.retire_fd < 0)
		log_fatal("eventfd: %s", strerror(errno));
	/* master starts us with SIGTERM and SIGHUP blocked, so a stop that
	 * arrives during start-up waits for these handlers. */
	if (spec->mode == DAEMON_MULTI)
		daemon_multi_signals();
	else
		daemon_single_signals();
	sigemptyset(&unblock);
	sigaddset(&unblock, SIGTERM);
	sigaddset(&unblock, SIGHUP);
	sigprocmask(SIG_UNBLOCK, &unblock, NULL);

	daemon_parse_args(argc, argv);
	/* stderr is master's relay (master_proto.h): it keeps our warnings
	 * and worse to say why we failed, and under master -f (-v) shows
	 * every line.  Standalone (-L), stderr is the person who started us. */
	log_also_stderr(daemon_proc.verbose || daemon_proc.listen_spec != NULL ?
			LOG_SEV_INFO : LOG_SEV_WARN);
	if ((spec->mode == DAEMON_SINGLE && spec->serve == NULL) ||
	    (spec->mode == DAEMON_MULTI && spec->accept_client == NULL))
		log_panic("%s: no serve/accept_client callback", spec->program);
	daemon_load_config();
	daemon_sanitizer_log();
	daemon_setup_listeners();

	daemon_resolve_peers();
	/* master exec'd us without changing ids: the uid we start with is
	 * master's, the one every genuine internal socket answers as. */
	sock_trust_server_uid(geteuid());
	if (spec->pre_drop != NULL)
		spec->pre_drop();
	daemon_drop();
	if (spec->post_drop != NULL)
		spec->post_drop();

	daemon_report(MASTER_STAT_READY);
	daemon_proc.ready = 1;
	if (spec->mode == DAEMON_MULTI)
		daemon_multi_loop();
	else
		daemon_single_loop();
	exit(0);
}

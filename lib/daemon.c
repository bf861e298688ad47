/* daemon.c - the server skeleton: arguments, setup, privilege drop, serving.
 *
 * Every tern server's main() is one call to daemon_main().  The skeleton
 * owns what must be the same everywhere: the argument contract with master
 * (master_proto.h), configuration and logging, the sanitizer report file,
 * the order pre-drop hook -> priv_drop() -> post-drop hook, the status
 * reports that drive master's process pool, and the stop rules described
 * in daemon.h.
 *
 * SECURITY: starts as whatever master runs as (root in production) and
 * trusts only its arguments, main.conf and the descriptors master passed.
 * Client data is only ever touched by the program's serve()/accept_client()
 * callbacks, after the drop.
 */
#define _GNU_SOURCE	/* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

#include "buf.h"
#include "config.h"
#include "daemon.h"
#include "daemon_watchdog.h"
#include "event.h"
#include "log.h"
#include "maillog.h"
#include "master_proto.h"
#include "mem.h"
#include "priv.h"
#include "sock.h"

/* Most listeners one service may pass; far above any sane master.conf. */
#define DAEMON_MAX_LISTEN	64
#define DAEMON_BACKLOG		128

static struct {
	const daemon_spec_t *spec;
	const char *config_dir;
	const char *service;
	const char *type;
	const char *listen_spec;	/* -L, standalone only */
	int nlisten;
	unsigned gen;
	int chroot;
	int chrooted;			/* chroot applied by the drop */
	int unpriv;
	int verbose;			/* -v: every log line to stderr too */
	const char **overrides;
	int noverrides;
	char **args;
	int nargs;

	int status_fd;			/* -1 standalone */
	int ready;
	volatile int listen_fds[DAEMON_MAX_LISTEN];
	int nfds;
	/* eventfds made readable, for good, by a stop (SIGTERM, master
	 * gone) and by any retirement (SIGHUP too): what waits watch. */
	int stop_fd;
	int retire_fd;
	int single_epfd;		/* DAEMON_SINGLE: waits for a client */
	pid_t master_pid;

	long max_idle;			/* seconds, 0 = never */
	long max_use;			/* clients, 0 = no limit */
	long served;
	int clients;			/* DAEMON_MULTI: current clients */
	long client_limit;		/* DAEMON_MULTI: spec's cap, 0: none */
	int paused;			/* at the cap: listeners not watched */
	int busy_reported;		/* DAEMON_MULTI: last report was busy */
	int64_t idle_since_ms;
	volatile sig_atomic_t stop_signal;
	int stopping;
	uid_t *peer_uids;		/* resolved spec->peer_users */
	int npeer_uids;
} d = { .status_fd = -1, .stop_fd = -1, .retire_fd = -1, .single_epfd = -1 };

static void daemon_close_listeners_raw(void);

const char *daemon_service(void)
{
	return d.service;
}

int daemon_stopping(void)
{
	/* SIGHUP retires a one-client process: its client goes on undisturbed
	 * (a reload never cuts an established connection); SIGTERM and a lost
	 * master are a stop, and idle clients are let go. */
	return d.stopping || (d.stop_signal && d.stop_signal != SIGHUP);
}

/* Async-signal-safe: wake every wait that watches the descriptors (they
 * are never read, so they stay readable). */
static void daemon_wake(int stop)
{
	uint64_t one = 1;
	int saved = errno;

	if (d.retire_fd >= 0)
		(void) !write(d.retire_fd, &one, sizeof(one));
	if (stop && d.stop_fd >= 0)
		(void) !write(d.stop_fd, &one, sizeof(one));
	errno = saved;
}

int daemon_stop_fd(void)
{
	return d.stop_fd;
}

int daemon_retire_fd(void)
{
	return d.retire_fd;
}

void daemon_request_begin(void)
{
	if (d.spec->mode == DAEMON_SINGLE)
		daemon_watchdog_busy();
}

event_wake_t daemon_wait(const event_wait_t *w)
{
	event_wake_t wake;

	if (w->stream != NULL && stream_input_ready(w->stream))
		return EVENT_WAKE_INPUT;
	if (d.spec->mode == DAEMON_SINGLE)
		daemon_watchdog_idle();
	wake = event_wait(w);
	daemon_request_begin();
	return wake;
}

int daemon_chrooted(void)
{
	return d.chrooted;
}

char **daemon_args(int *argc_r)
{
	*argc_r = d.nargs;
	return d.args;
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
	if (d.status_fd >= 0) {
		close(d.status_fd);
		d.status_fd = -1;
	}
	if (d.stop_fd >= 0) {
		close(d.stop_fd);
		d.stop_fd = -1;
	}
	if (d.retire_fd >= 0) {
		close(d.retire_fd);
		d.retire_fd = -1;
	}
	if (d.single_epfd >= 0) {
		close(d.single_epfd);
		d.single_epfd = -1;
	}
	d.stop_signal = 0;
	d.stopping = 0;
}

static void daemon_report(int kind)
{
	struct master_status st;

	if (d.status_fd < 0)
		return;
	memset(&st, 0, sizeof(st));
	st.pid = getpid();
	st.kind = kind;
	st.gen = d.gen;
	/* One write below PIPE_BUF: whole or nothing.  EPIPE means master is
	 * gone, and a process without master stops taking work. */
	if (write(d.status_fd, &st, sizeof(st)) != (ssize_t) sizeof(st)) {
		d.stopping = 1;
		daemon_wake(1);
	}
}

/* A fatal error before READY tells master so, which throttles the service
 * instead of respawning it in a loop. */
static void daemon_fatal_hook(void)
{
	if (!d.ready)
		daemon_report(MASTER_STAT_FAILED);
}

static void daemon_usage(const char *why)
{
	log_fatal("%s; usage: %s -c CONFIG_DIR -n SERVICE -t inet|unix "
		  "[-l NLISTEN] [-g GEN] [-S] [-u] [-v] [-o name=value]... "
		  "[-L listen] [--] [args...]", why, d.spec->program);
}

static long daemon_number(const char *opt, const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < 0 || v > max)
		daemon_usage(mem_printf("bad %s value \"%s\"", opt, s));
	return v;
}

static void daemon_parse_args(int argc, char **argv)
{
	int i;

	d.overrides = mem_reallocarray(NULL, (size_t) argc, sizeof(char *));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		if (a[2] != '\0')
			daemon_usage(mem_printf("unknown option %s", a));
		if (strchr("cntlgoL", a[1]) != NULL) {
			if (i + 1 >= argc)
				daemon_usage(mem_printf("option %s needs a value", a));
			val = argv[++i];
		}
		switch (a[1]) {
		case 'c': d.config_dir = val; break;
		case 'n': d.service = val; break;
		case 't':
			if (strcmp(val, "inet") != 0 && strcmp(val, "unix") != 0)
				daemon_usage(mem_printf("bad -t type \"%s\"", val));
			d.type = val;
			break;
		case 'l':
			d.nlisten = (int) daemon_number("-l", val, DAEMON_MAX_LISTEN);
			break;
		case 'g': d.gen = (unsigned) daemon_number("-g", val, 0x7fffffff); break;
		case 'o': d.overrides[d.noverrides++] = val; break;
		case 'L': d.listen_spec = val; break;
		case 'S': d.chroot = 1; break;
		case 'u': d.unpriv = 1; break;
		case 'v': d.verbose = 1; break;
		default:
			daemon_usage(mem_printf("unknown option %s", a));
		}
	}
	d.args = argv + i;
	d.nargs = argc - i;
	if (d.config_dir == NULL)
		d.config_dir = TERN_SYSCONFDIR;
	if (d.service == NULL)
		d.service = d.spec->program;
}

static void daemon_load_config(void)
{
	char *err = NULL;

	if (config_load(d.config_dir, &err) < 0)
		log_fatal("%s", err);
	if (d.spec->resident &&
	    (config_set("max_idle", "0", &err) < 0 ||
	     config_set("max_use", "0", &err) < 0))
		log_panic("resident: %s", err);
	for (int i = 0; i < d.noverrides; i++) {
		const char *eq = strchr(d.overrides[i], '=');
		char *name;

		if (eq == NULL)
			daemon_usage(mem_printf("-o %s: expected name=value",
						d.overrides[i]));
		name = mem_strndup(d.overrides[i], (size_t) (eq - d.overrides[i]));
		if (config_set(name, eq + 1, &err) < 0)
			log_fatal("service %s: -o %s: %s", d.service, name, err);
		mem_free(name);
	}
	maillog_setup(0);
	d.max_idle = config_time("max_idle");
	d.max_use = config_int("max_use");
	daemon_watchdog_init(config_time("daemon_timeout"));
	if (d.spec->client_limit_param != NULL)
		d.client_limit = config_int(d.spec->client_limit_param);
}

/* Sanitizer reports must land outside any chroot, where the harness looks
 * (architecture §9): open the file while the path is still reachable. */
static void daemon_sanitizer_log(void)
{
#if defined(__SANITIZE_ADDRESS__)
	const char *dir = getenv("TERN_SAN_LOG_DIR");
	char *path;
	int fd;

	if (dir == NULL || *dir == '\0')
		return;
	path = mem_printf("%s/%s.%ld", dir, d.spec->program, (long) getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (fd < 0)
		log_warn("open %s: %s", path, strerror(errno));
	else
		__sanitizer_set_report_fd((void *) (long) fd);
	mem_free(path);
#endif
}

/* Standalone: make our own listener from -L. */
static void daemon_listen_standalone(void)
{
	char *err = NULL;
	int fd;

	if (strncmp(d.listen_spec, "unix:", 5) == 0) {
		fd = sock_listen_unix(d.listen_spec + 5, 0666, DAEMON_BACKLOG, &err);
		if (d.type == NULL)
			d.type = "unix";
	} else {
		const char *colon = strrchr(d.listen_spec, ':');
		char *host;
		long port;

		if (colon == NULL || colon == d.listen_spec)
			daemon_usage(mem_printf("bad -L \"%s\"", d.listen_spec));
		port = daemon_number("-L port", colon + 1, 65535);
		host = mem_strndup(d.listen_spec, (size_t) (colon - d.listen_spec));
		fd = sock_listen_inet(host, (int) port, DAEMON_BACKLOG, &err);
		mem_free(host);
		if (d.type == NULL)
			d.type = "inet";
	}
	if (fd < 0)
		log_fatal("listen %s: %s", d.listen_spec, err);
	d.listen_fds[0] = fd;
	d.nfds = 1;
}

static void daemon_setup_listeners(void)
{
	struct stat st;

	/* -L means standalone, whatever fd 3 happens to be in the caller. */
	if (d.listen_spec != NULL) {
		daemon_listen_standalone();
	} else if (fstat(MASTER_STATUS_FD, &st) == 0 && S_ISFIFO(st.st_mode)) {
		d.status_fd = MASTER_STATUS_FD;
		sock_set_cloexec(d.status_fd, 1);
		d.master_pid = getppid();
		for (int i = 0; i < d.nlisten; i++) {
			int fd = MASTER_LISTEN_FD + i;

			if (fcntl(fd, F_GETFD) < 0)
				log_fatal("listener %d of %d (fd %d) is not open",
					  i + 1, d.nlisten, fd);
			d.listen_fds[i] = fd;
		}
		d.nfds = d.nlisten;
	} else {
		log_fatal("no status pipe on fd %d: not started by master, "
			  "and no -L listener given", MASTER_STATUS_FD);
	}
	/* Siblings share these; whoever loses the accept race must not block. */
	for (int i = 0; i < d.nfds; i++) {
		sock_set_nonblock(d.listen_fds[i], 1);
		sock_set_cloexec(d.listen_fds[i], 1);
	}
}

static void daemon_drop(void)
{
	const daemon_spec_t *spec = d.spec;
	priv_spec_t ps = { NULL, NULL, spec->caps, spec->ncaps };
	char *user = NULL, *dir = NULL;

	if (priv_is_root()) {
		if (spec->user_param == NULL && d.unpriv)
			log_fatal("service %s is marked unprivileged in "
				  "master.conf, but %s runs as root: set the "
				  "unpriv column to n", d.service, spec->program);
		if (spec->user_param != NULL)
			user = mem_strdup(config_str(spec->user_param));
		if (d.chroot)
			dir = mem_strdup(config_str(spec->chroot_param ?
					 spec->chroot_param : "queue_directory"));
	}
	ps.user = user;
	ps.chroot_dir = dir;
	priv_drop(&ps);
	d.chrooted = dir != NULL;
	mem_free(user);
	mem_free(dir);
	/* Credentials changed, so the parent-death signal is set only now:
	 * children of a master that died must not keep its ports. */
	if (d.status_fd >= 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) < 0)
			log_fatal("prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
		if (getppid() != d.master_pid)
			log_fatal("master exited during start-up");
	}
}

static void daemon_close_listeners_raw(void)
{
	for (int i = 0; i < d.nfds; i++) {
		if (d.listen_fds[i] >= 0) {
			close(d.listen_fds[i]);
			d.listen_fds[i] = -1;
		}
	}
}

static void daemon_fill_client(daemon_client_t *c, int fd, int index, buf_t *addr)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->service = d.service;
	c->listener_index = index;
	sock_peer_addr(fd, addr, &c->port);
	c->addr = buf_str(addr);
}

/* Resolved before the drop: user names cannot be looked up in a chroot. */
static void daemon_resolve_peers(void)
{
	const char *const *p = d.spec->peer_users;

	if (p == NULL)
		return;
	for (; *p; p++) {
		uid_t uid;
		gid_t gid;
		const char *user = config_str(*p);

		if (priv_user_ids(user, &uid, &gid) < 0) {
			if (priv_is_root())
				log_fatal("%s %s: no such user", *p, user);
			continue;
		}
		d.peer_uids = mem_reallocarray(d.peer_uids, (size_t) d.npeer_uids + 1,
					       sizeof(uid_t));
		d.peer_uids[d.npeer_uids++] = uid;
	}
}

/* SO_PEERCRED check of spec->peer_users on UNIX sockets. */
static int daemon_peer_allowed(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	uid_t uid;

	if (d.spec->peer_users == NULL)
		return 1;
	if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0 || ss.ss_family != AF_UNIX)
		return 1;
	if (sock_peer_cred(fd, NULL, &uid, NULL) < 0) {
		log_warn("service %s: cannot get peer credentials: %s", d.service,
			 strerror(errno));
		return 0;
	}
	if (uid == 0 || uid == geteuid())
		return 1;
	for (int i = 0; i < d.npeer_uids; i++)
		if (d.peer_uids[i] == uid)
			return 1;
	log_warn("service %s: refusing a connection from uid %ld", d.service, (long) uid);
	return 0;
}

/* accept() on a shared non-blocking listener: -1 when a sibling won or the
 * peer may not use this service. */
static int daemon_accept(int lfd)
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

/* ---- DAEMON_SINGLE ------------------------------------------------------ */

/* Async-signal-safe: close the listeners right here, so a retired port
 * refuses new clients even while serve() is busy with one. */
static void daemon_single_on_signal(int signo)
{
	int saved = errno;

	d.stop_signal = signo;
	daemon_close_listeners_raw();
	daemon_wake(signo != SIGHUP);
	errno = saved;
}

static void daemon_single_signals(void)
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
	d.spec->serve(&client);
	daemon_watchdog_idle();
	if (client.fd >= 0)
		close(client.fd);
	buf_release(&addr);
	d.served++;
}

/* A client that already waits on one of the listeners, or -1. */
static int daemon_single_next(int *index_r)
{
	for (int i = 0; i < d.nfds; i++) {
		int fd;

		if (d.listen_fds[i] >= 0 && (fd = daemon_accept(d.listen_fds[i])) >= 0) {
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
	for (int i = 0; i < d.nfds; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | EPOLLEXCLUSIVE;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, d.listen_fds[i], &ev) < 0)
			log_fatal("epoll_ctl: %s", strerror(errno));
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, d.retire_fd, &ev) < 0)
		log_fatal("epoll_ctl: %s", strerror(errno));
	return epfd;
}

/* Clients that arrive while one is served are taken back to back: a busy
 * process neither sleeps nor tells master anything between them, so a
 * loaded service costs master no wake-up per client.  Idle is reported
 * (and on_idle called) only when nobody waits. */
static void daemon_single_loop(void)
{
	struct epoll_event ev[DAEMON_MAX_LISTEN + 1];
	int busy = 0;

	d.single_epfd = daemon_single_epoll();
	for (;;) {
		int open = 0, fd, index, r;

		if (d.stop_signal || d.stopping)
			break;
		if (d.max_use > 0 && d.served >= d.max_use)
			break;
		/* The signal handler closes the listeners. */
		for (int i = 0; i < d.nfds; i++)
			open += d.listen_fds[i] >= 0;
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
			if (d.spec->on_idle != NULL)
				d.spec->on_idle();
			daemon_report(MASTER_STAT_IDLE);
			busy = 0;
		}
		r = epoll_wait(d.single_epfd, ev, d.nfds + 1,
			       d.max_idle > 0 ? (int) (d.max_idle * 1000) : -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			log_fatal("epoll_wait: %s", strerror(errno));
		if (r == 0)
			break;		/* idle for max_idle */
	}
	close(d.single_epfd);
	d.single_epfd = -1;
}

/* ---- DAEMON_MULTI ------------------------------------------------------- */

static void daemon_multi_accept(int lfd, int events, void *ctx);

static void daemon_multi_stop_accepting(void)
{
	for (int i = 0; i < d.nfds; i++) {
		if (d.listen_fds[i] >= 0) {
			event_del_fd(d.listen_fds[i]);
			close(d.listen_fds[i]);
			d.listen_fds[i] = -1;
		}
	}
}

/* Busy - not available to master for new clients - at the cap (without
 * one, with any client), and once it accepts no more (max_use): a process
 * that finishes long relays must not be counted as free. */
static void daemon_multi_status(void)
{
	int accepting = 0, busy;

	for (int i = 0; i < d.nfds; i++)
		accepting |= d.listen_fds[i] >= 0;
	busy = !accepting ||
		d.clients >= (d.client_limit > 0 ? (int) d.client_limit : 1);
	if (busy != d.busy_reported) {
		daemon_report(busy ? MASTER_STAT_BUSY : MASTER_STAT_IDLE);
		d.busy_reported = busy;
	}
}

/* At the cap, stop watching the listeners (siblings take the clients);
 * below it, watch them again. */
static void daemon_multi_watch_listeners(int on)
{
	if (on == !d.paused)
		return;
	d.paused = !on;
	for (int i = 0; i < d.nfds; i++) {
		if (d.listen_fds[i] < 0)
			continue;
		if (on)
			event_add_fd(d.listen_fds[i], EVENT_READ, daemon_multi_accept,
				     (void *) (long) i);
		else
			event_del_fd(d.listen_fds[i]);
	}
}

static void daemon_multi_on_signal(int signo, void *ctx)
{
	(void) ctx;
	if (signo == SIGHUP && d.spec->on_reload != NULL)
		d.spec->on_reload();
	d.stopping = 1;
	daemon_wake(1);
	daemon_multi_stop_accepting();
	if (signo == SIGTERM && d.spec->on_stop != NULL)
		d.spec->on_stop();
}

static void daemon_multi_accept(int lfd, int events, void *ctx)
{
	daemon_client_t client;
	buf_t addr = BUF_INIT;
	int fd;

	(void) events;
	fd = daemon_accept(lfd);
	if (fd < 0)
		return;
	d.clients++;
	if (d.client_limit > 0 && d.clients >= d.client_limit)
		daemon_multi_watch_listeners(0);
	d.served++;
	if (d.max_use > 0 && d.served >= d.max_use)
		daemon_multi_stop_accepting();
	daemon_multi_status();
	daemon_fill_client(&client, fd, (int) (long) ctx, &addr);
	d.spec->accept_client(&client);
	buf_release(&addr);
}

void daemon_accept_no_more(const char *why)
{
	int accepting = 0;

	for (int i = 0; i < d.nfds; i++)
		accepting |= d.listen_fds[i] >= 0;
	if (!accepting)
		return;
	log_warn("accepting no more clients: %s", why);
	daemon_multi_stop_accepting();
	daemon_multi_status();
}

void daemon_client_done(void)
{
	if (d.clients <= 0)
		log_panic("daemon_client_done without a client");
	d.clients--;
	if (d.client_limit > 0 && d.clients < d.client_limit)
		daemon_multi_watch_listeners(1);
	daemon_multi_status();
	if (d.clients == 0)
		d.idle_since_ms = event_now_ms();
}

static void daemon_multi_loop(void)
{
	/* The watchdog of DAEMON_MULTI: busy while the callbacks of one round
	 * run, idle while the loop sleeps, so that a process idle for longer
	 * than daemon_timeout (auth, anvil, qmgr with nothing to do) is not
	 * killed. */
	event_set_sleep_hooks(daemon_watchdog_idle, daemon_watchdog_busy);
	for (int i = 0; i < d.nfds; i++)
		event_add_fd(d.listen_fds[i], EVENT_READ, daemon_multi_accept,
			     (void *) (long) i);
	d.idle_since_ms = event_now_ms();
	for (;;) {
		long wait = -1;
		int accepting = 0;

		for (int i = 0; i < d.nfds; i++)
			accepting |= d.listen_fds[i] >= 0;
		if (d.clients == 0 && (d.stopping || !accepting))
			break;
		if (d.clients == 0 && d.max_idle > 0) {
			wait = (long) (d.idle_since_ms + d.max_idle * 1000 -
				       event_now_ms());
			if (wait <= 0)
				break;
		}
		event_run_once(wait);
	}
}

/* ---- main ---------------------------------------------------------------- */

void daemon_main(int argc, char **argv, const daemon_spec_t *spec)
{
	sigset_t unblock;

	d.spec = spec;
	for (int i = 0; i < DAEMON_MAX_LISTEN; i++)
		d.listen_fds[i] = -1;
	log_init(spec->program);
	log_set_fatal_hook(daemon_fatal_hook);
	signal(SIGPIPE, SIG_IGN);
	d.stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	d.retire_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d.stop_fd < 0 || d.retire_fd < 0)
		log_fatal("eventfd: %s", strerror(errno));
	/* master starts us with SIGTERM and SIGHUP blocked, so a stop that
	 * arrives during start-up waits for these handlers. */
	if (spec->mode == DAEMON_MULTI) {
		event_init();
		event_add_signal(SIGTERM, daemon_multi_on_signal, NULL);
		event_add_signal(SIGHUP, daemon_multi_on_signal, NULL);
	} else {
		daemon_single_signals();
	}
	sigemptyset(&unblock);
	sigaddset(&unblock, SIGTERM);
	sigaddset(&unblock, SIGHUP);
	sigprocmask(SIG_UNBLOCK, &unblock, NULL);

	daemon_parse_args(argc, argv);
	/* stderr is master's relay (master_proto.h): it keeps our warnings
	 * and worse to say why we failed, and under master -f (-v) shows
	 * every line.  Standalone (-L), stderr is the person who started us. */
	log_also_stderr(d.verbose || d.listen_spec != NULL ? LOG_SEV_INFO
						       : LOG_SEV_WARN);
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
	d.ready = 1;
	if (spec->mode == DAEMON_MULTI)
		daemon_multi_loop();
	else
		daemon_single_loop();
	exit(0);
}

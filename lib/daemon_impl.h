/* daemon_impl.h - what the parts of the daemon skeleton share; nobody else.
 *
 * The skeleton (daemon.h) is four files around one state of the process,
 * and the watchdog (daemon_watchdog.c, which keeps its own): daemon.c
 * holds that state, daemon_main() and what every server uses whatever its
 * shape (status reports to master, the stop and retire eventfds, marking
 * requests for the watchdog, accept with its peer check); daemon_start.c
 * takes the process from exec to the privilege drop (arguments, main.conf
 * and -o, listeners); daemon_single.c and daemon_multi.c are the serving
 * loops of DAEMON_SINGLE and DAEMON_MULTI.  Only these files include this
 * header; programs see daemon.h alone.
 */
#ifndef TERN_DAEMON_IMPL_H
#define TERN_DAEMON_IMPL_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "daemon.h"

/* Most listeners one service may pass; far above any sane master.conf. */
#define DAEMON_MAX_LISTEN	64
#define DAEMON_BACKLOG		128

struct daemon_state {
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
	int draining_reported;		/* DAEMON_MULTI: reported DRAINING */
	int64_t idle_since_ms;
	volatile sig_atomic_t stop_signal;
	int stopping;
	uid_t *peer_uids;		/* resolved spec->peer_users */
	int npeer_uids;
};

/* The one skeleton state of this process (daemon.c). */
extern struct daemon_state daemon_proc;

/* daemon.c */
/* Async-signal-safe: make the retire eventfd readable, and with stop the
 * stop eventfd too. */
void daemon_wake(int stop);
/* Tell master (MASTER_STAT_*); a lost master makes the process stop. */
void daemon_report(int kind);
/* Async-signal-safe: close every listener still open. */
void daemon_close_listeners_raw(void);
/* accept() on a shared non-blocking listener: -1 when a sibling won or the
 * peer may not use this service. */
int daemon_accept(int lfd);
/* The client record for fd from listener index; addr holds its address. */
void daemon_fill_client(daemon_client_t *c, int fd, int index, buf_t *addr);

/* daemon_start.c, called in this order by daemon_main() */
void daemon_parse_args(int argc, char **argv);
void daemon_load_config(void);
void daemon_sanitizer_log(void);
void daemon_setup_listeners(void);
void daemon_resolve_peers(void);
void daemon_drop(void);

/* daemon_single.c, daemon_multi.c: take SIGTERM and SIGHUP as the shape
 * does (DAEMON_MULTI: through the event loop, set up here); serve until
 * the process is done. */
void daemon_single_signals(void);
void daemon_single_loop(void);
void daemon_multi_signals(void);
/* daemon_accept_no_more() of a DAEMON_MULTI process. */
void daemon_multi_accept_no_more(void);
void daemon_multi_loop(void);

#endif

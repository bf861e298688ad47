/* daemon.h - the one skeleton every tern server runs on.
 *
 * daemon_main() parses the arguments master passes (master_proto.h), reads
 * main.conf and the -o overrides, sets up logging, runs the program's
 * pre-drop hook as root (load TLS keys, open maps), drops privileges to the
 * program's user through priv_drop() (chroot when master.conf says so), then
 * serves on the inherited listeners and reports ready/busy/idle to master.
 *
 * Two shapes, as in Postfix:
 *   DAEMON_SINGLE - one client at a time: the skeleton accepts, reports busy,
 *                   calls serve() which talks to the client with blocking
 *                   streams and returns; then takes the next client that
 *                   already waits, and only when none does, calls
 *                   on_idle(), reports idle and waits.  Used by smtpd,
 *                   the POP3 session role, local.
 *   DAEMON_MULTI  - many clients through the event loop: the skeleton
 *                   accepts and calls accept_client(); the program registers
 *                   the descriptor and calls daemon_client_done() when the
 *                   client leaves.  Used by auth, qmgr, anvil, pickup and
 *                   the POP3 login role, which caps its clients
 *                   (client_limit_param).
 *
 * The process exits when idle for `max_idle` seconds (a parameter; 0 = never)
 * or after serving `max_use` clients.
 *
 * Signals, one rule: SIGTERM and SIGHUP both mean "this process is done":
 * it closes its listeners at once (so a retired port refuses new clients),
 * finishes the clients it has, and exits 0.  SIGTERM is master stopping;
 * SIGHUP is master retiring the processes of an older generation on reload
 * (a process never re-reads its configuration: a fresh process does), and
 * on_reload, when set, is called first, so a DAEMON_MULTI program can let
 * idle persistent connections go.  A wait for the next request learns of
 * either at once through daemon_stop_fd() / daemon_retire_fd() and
 * event_wait() (event_wait.h), never by looking again every so often.
 *
 * SIGALRM is the watchdog: one request (or one event-loop round) longer
 * than `daemon_timeout` kills the process; time spent waiting for work never
 * counts.  In DAEMON_MULTI it runs while the callbacks of one event-loop
 * round run, not while the loop sleeps.  In a DAEMON_SINGLE program it
 * runs from the accept on, and a protocol loop waits for each next
 * request with daemon_wait(), which turns it off while it sleeps and
 * restarts it for the new request: a client idle for hours between
 * requests (bounded only by the protocol's own idle timeout) is never
 * killed by it, while a request that hangs still is.
 * Marking requests costs no system call, and a waiting process is woken
 * at most once, by the alarm of its last request lapsing
 * (daemon_watchdog.h).
 *
 * master.conf's unpriv column cannot raise privilege: the program's spec
 * decides the user; a program that needs root (user_param NULL) refuses to
 * run as a service marked unprivileged (-u).  When started without master
 * (no status channel on fd 3), it runs with a listener given by -L addr:port,
 * -L [v6addr]:port or -L unix:path, which the tests use.
 */
#ifndef TERN_DAEMON_H
#define TERN_DAEMON_H

#include <sys/capability.h>

#include "event_wait.h"

enum daemon_mode { DAEMON_SINGLE, DAEMON_MULTI };

typedef struct daemon_client {
	int fd;
	const char *service;	/* master.conf service name */
	const char *addr;	/* peer address ("local" for UNIX sockets) */
	int port;
	int listener_index;	/* which inherited listener accepted it */
} daemon_client_t;

typedef struct daemon_spec {
	const char *program;		/* "smtpd" */
	enum daemon_mode mode;
	const char *user_param;		/* parameter naming the user when root,
					 * e.g. "mail_owner"; NULL stays root
					 * (never for network-facing code) */
	const char *chroot_param;	/* parameter naming the chroot directory
					 * used when master.conf says chroot=y;
					 * NULL: "queue_directory" */
	const cap_value_t *caps;	/* capabilities kept after the drop */
	int ncaps;
	void (*pre_drop)(void);		/* as root, before the drop; may be NULL */
	void (*post_drop)(void);	/* after the drop, before serving */
	/* DAEMON_SINGLE: serve one client; the skeleton closes fd afterwards
	 * unless the callee set client->fd to -1 (handed on). */
	void (*serve)(daemon_client_t *client);
	/* DAEMON_SINGLE: no client waits after serve(), the process is about
	 * to report idle and sleep: let go of what only a busy process may
	 * hold (smtpd: its connection to auth).  May be NULL. */
	void (*on_idle)(void);
	/* DAEMON_MULTI: take ownership of client->fd. */
	void (*accept_client)(const daemon_client_t *client);
	void (*on_reload)(void);	/* SIGHUP seen; may be NULL */
	/* DAEMON_MULTI: SIGTERM seen (or master gone): end every client now
	 * (each still calls daemon_client_done); may be NULL. */
	void (*on_stop)(void);
	/* DAEMON_MULTI: the parameter that caps the clients of one process
	 * ("login_client_limit"), NULL for none.  With a cap the process
	 * reports busy only when it holds that many clients, and stops
	 * accepting until one leaves, so master starts another process
	 * (within the service's process limit) only when every one is
	 * full.  Without one, busy means "has a client".  A process that
	 * accepts no more (max_use reached) reports busy too, however few
	 * clients it still finishes. */
	const char *client_limit_param;
	/* Who may connect over a UNIX socket: NULL-terminated parameter names
	 * of users ("mail_owner", ...).  Root and the daemon's own user are
	 * always allowed; NULL allows anyone (inet services, public/).  This,
	 * checked with SO_PEERCRED, is what keeps e.g. local users from
	 * handing `local` a message to write into any mailbox. */
	const char *const *peer_users;
	/* A resident process (qmgr, pickup): max_idle and max_use default
	 * to 0, never, whatever main.conf says for the other daemons; an
	 * explicit -o in master.conf still wins. */
	int resident;
} daemon_spec_t;

/* Does not return. */
void daemon_main(int argc, char **argv, const daemon_spec_t *spec) __attribute__((noreturn));

/* DAEMON_MULTI bookkeeping: a client finished (drives busy/idle reports and
 * the max_use/idle exit). */
void daemon_client_done(void);
/* Accept no new clients; why is logged.  DAEMON_MULTI: report draining
 * (master starts another process for new clients) and exit when the last
 * client is gone, as on SIGHUP.  DAEMON_SINGLE: serve the client of the
 * moment to its end, then exit. */
void daemon_accept_no_more(const char *why);
/* The service name from -n. */
const char *daemon_service(void);
/* Whether the process must stop now: SIGTERM (mailctl stop) or master gone.
 * Servers then end idle sessions (SMTP 421, POP3/IMAP BYE).  A SIGHUP that
 * retires a DAEMON_SINGLE process is not a stop: its client is served to
 * the end, so a reload never cuts a connection. */
int daemon_stopping(void);
/* Descriptors that become readable when daemon_stopping() becomes true,
 * resp. when the process is done, a SIGHUP retirement included (a server
 * that keeps a connection between requests, local, ends it at the next
 * request boundary, where its client simply reconnects to a fresh
 * process), and stay readable (nobody reads them): the stop_fd of an
 * event_wait().  -1 after daemon_detach(). */
int daemon_stop_fd(void);
int daemon_retire_fd(void);
/* Wait for the next request: event_wait(w), as idle time for the watchdog
 * (DAEMON_SINGLE), which is off while the wait sleeps and starts again,
 * for the request that comes, when it returns: the request then has
 * `daemon_timeout` to finish.  Input already buffered (a pipelined
 * command) returns at once and leaves the watchdog running.  The stop
 * descriptor in w is the caller's choice (daemon_stop_fd() for a session,
 * daemon_retire_fd() for a kept internal connection). */
event_wake_t daemon_wait(const event_wait_t *w);
/* Restart the watchdog for a request that begins without daemon_wait():
 * in a child after daemon_detach(), where SIGALRM's default action then
 * ends the child.  No-op in DAEMON_MULTI. */
void daemon_request_begin(void);
/* 1 when the process was chrooted (master.conf chroot=y, started as root):
 * queue_directory is then "/" (valid after the drop). */
int daemon_chrooted(void);
/* In a forked child that master must not count as a daemon process (the
 * delivery children of local): close the listeners, the
 * status channel and the stop descriptors, and restore the default action of
 * SIGTERM, SIGHUP and SIGALRM (and cancel any alarm).  The child then
 * lives on its own until its work is done. */
void daemon_detach(void);
/* The program's own arguments: the words after the options in master.conf
 * (after -- or the first word that is not an option on the command line).
 * Valid from the pre-drop hook on. */
char **daemon_args(int *argc_r);

#endif

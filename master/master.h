/* master.h - master's shared state and the interfaces between its files.
 *
 * master.c       main: options, start-up order, detaching, stop, exit
 * master_conf_load.c loading master.conf (parsed by lib/master_conf.c)
 * master_dirs.c  runtime directories and the pid-file lock
 * master_users.c the system-user checks when run as root
 * master_listen.c binding a service's listeners
 * master_spawn.c fork + exec of one child with its descriptors and env
 * master_service.c the process pool: spawn, respawn, backoff, throttle
 * master_status.c status-pipe reports from the children
 * master_output.c the children's stderr: recent lines, the -f relay
 * master_control.c the control socket (mailctl)
 * master_reload.c re-reading the configuration, keeping what is unchanged
 *
 * SECURITY: master runs as root in production and never reads network
 * input; its only peers are its own children (status channels, trusted to say
 * nothing about other services) and the control socket (mode 0600 in the
 * root-owned, unlistable private directory, mode 0711).
 */
#ifndef TERN_MASTER_H
#define TERN_MASTER_H

#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "event.h"
#include "master_conf.h"
#include "master_proto.h"

struct master_service;

typedef struct master_proc {
	pid_t pid;
	struct master_service *svc;
	int ready;		/* reported READY at least once */
	int busy;
	int draining;		/* reported DRAINING: not in nprocs/nbusy */
	int64_t started_ms;	/* when it was forked */
	struct master_proc *next;
} master_proc_t;

typedef struct master_service {
	master_svc_def_t *def;
	unsigned gen;
	int *fds;		/* listeners, owned */
	int nfds;
	char *listen_desc;	/* "127.0.0.1:25,[::1]:25" or the socket path */
	char *listen_key;	/* equal keys can hand their listeners on */
	char *unix_path;	/* removed when the service goes away */
	int status_rd, status_wr;
	int output_rd, output_wr;	/* the children's stderr */
	buf_t output_line;		/* the line being read */
	int output_cut;			/* its rest is being skipped */
	struct master_output_line {
		char *text;
		int64_t ms;		/* when master read it */
	} output[MASTER_OUTPUT_LINES];	/* a ring, oldest at output_next */
	int output_next;
	master_proc_t *procs;
	int nprocs, nbusy;
	int ndraining;		/* alive, accepting no more: not in nprocs */
	int watching;		/* master watches the listeners (on demand) */
	int throttled;
	event_timer_id throttle_timer;
	event_timer_id spawn_timer;
	int64_t next_spawn_ms;	/* backoff after a crash */
	int crashes;		/* abnormal exits in the current window */
	int64_t crash_window_ms;
	int retired;
	struct master_service *next;
} master_service_t;

struct master_state {
	char *config_dir;
	char *queue_dir;
	char *daemon_dir;
	char *main_conf_text;	/* master_settings_text(): a change renews all */
	char **env;		/* children's environment */
	master_service_t *services;
	master_service_t *retired;
	unsigned gen;
	int root;
	int foreground;		/* -f */
	int ready_fd;		/* -r, -1 once answered */
	event_timer_id start_timer;
	int stopping;
	int pid_fd;
	int control_fd;
	/* Checked directories (master_dirs.c), worked in relative to these. */
	int private_fd, public_fd, piddir_fd, login_fd;
};

extern struct master_state master;

/* master.c */
void master_start_failed(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* The same when service s failed: the report to mailctl start carries the
 * lines s wrote since since_ms. */
void master_start_failed_service(master_service_t *s, int64_t since_ms,
				 const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
void master_check_started(void);
void master_stop(void);
void master_check_stopped(void);
void master_log_setup(void);

/* master_conf_load.c: read, parse and check master.conf.  0, or -1 with every
 * problem in *err_r. */
int master_conf_load(const char *path, master_conf_t *conf, char **err_r);

/* master_dirs.c */
/* Open, check and fix the runtime directories (at start and on reload):
 * 0, or -1 with *err_r. */
int master_dirs_open(char **err_r);
void master_pid_lock(void);
void master_pid_write(void);
void master_pid_release(void);
/* A whole (small) file, NUL-terminated; its length in *len_r unless NULL.
 * NULL with errno on failure. */
char *master_read_file(const char *path, size_t *len_r);

/* master_users.c */
int master_users_check(char **err_r);

/* master_listen.c */
int master_listen_open(master_service_t *s, char **err_r);
void master_listen_close(master_service_t *s, int unlink_path);
char *master_listen_key(const master_svc_def_t *def);
/* Hard links in login_directory to the sockets named by login_sockets. */
void master_login_links(void);

/* master_spawn.c */
void master_env_build(void);
pid_t master_spawn(master_service_t *s);

/* master_service.c */
master_service_t *master_service_new(master_svc_def_t *def, unsigned gen);
void master_service_adjust(master_service_t *s);
void master_service_adjust_all(void);
void master_service_retire(master_service_t *s);
void master_service_signal_all(int signo);
int master_service_count_procs(void);
void master_listen_watch(master_service_t *s, int on);
void master_service_reap(void);
int master_service_ready(const master_service_t *s);
master_proc_t *master_proc_find(master_service_t *s, pid_t pid);

/* master_status.c */
void master_status_open(master_service_t *s);
void master_status_close(master_service_t *s);

/* master_output.c */
void master_output_open(master_service_t *s);
void master_output_close(master_service_t *s);
/* Take in what the children have written so far. */
void master_output_drain(master_service_t *s);
/* The kept lines read at since_ms or later, oldest first, into lines
 * (room for MASTER_OUTPUT_LINES); their count. */
int master_output_since(const master_service_t *s, int64_t since_ms,
			const char **lines);

/* master_control.c */
void master_control_open(void);
void master_control_close(void);

/* master_reload.c */
int master_reload(char **err_r);
/* main.conf as read, and the identity of the TLS certificate and key
 * files: what, when changed, renews every service. */
char *master_settings_text(void);

#endif

/* mailctl.h - what the files of mailctl share: the command entry points,
 * the exit statuses, and small helpers for files, system users and the
 * master control socket.
 *
 * Every command is `int mailctl_cmd_NAME(int argc, char **argv)` with
 * argv[0] the command name; it returns an exit status, or ends the program
 * through log_fatal() (status 1) when it cannot go on.
 */
#ifndef TERN_MAILCTL_H
#define TERN_MAILCTL_H

#include <sys/types.h>

#include "attr.h"
#include "buf.h"

/* Exit statuses, documented in mailctl(8). */
#define MAILCTL_OK		0
#define MAILCTL_FAIL		1
#define MAILCTL_USAGE		2
#define MAILCTL_NOT_RUNNING	3
#define MAILCTL_STATUS_UNKNOWN	4	/* status: LSB "status unknown" */
#define MAILCTL_TEMPFAIL	75	/* route: EX_TEMPFAIL, try again later */

/* mailctl.c */
const char *mailctl_dir(void);
/* Read main.conf of mailctl_dir() and log where it says; fatal on error. */
void mailctl_load_config(void);
/* Report a usage error and exit with MAILCTL_USAGE. */
void mailctl_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
/* getopt_long over a command's arguments; a bad option is a usage error.
 * Returns the option character, or -1 at the end (optind then indexes the
 * first operand). */
struct option;
int mailctl_getopt(int argc, char **argv, const char *opts,
		   const struct option *longopts);

/* The commands. */
int mailctl_cmd_init(int argc, char **argv);
int mailctl_cmd_setup(int argc, char **argv);
int mailctl_cmd_start(int argc, char **argv);
int mailctl_cmd_stop(int argc, char **argv);
int mailctl_cmd_reload(int argc, char **argv);
int mailctl_cmd_status(int argc, char **argv);
int mailctl_cmd_config(int argc, char **argv);
int mailctl_cmd_check(int argc, char **argv);
int mailctl_cmd_user(int argc, char **argv);
int mailctl_cmd_alias(int argc, char **argv);
int mailctl_cmd_newaliases(int argc, char **argv);
int mailctl_cmd_send(int argc, char **argv);
int mailctl_cmd_queue(int argc, char **argv);	/* mailctl_queue.c */
int mailctl_cmd_route(int argc, char **argv);	/* mailctl_route.c */
int mailctl_cmd_transport(int argc, char **argv); /* mailctl_transport.c */
int mailctl_cmd_tls_policy(int argc, char **argv); /* mailctl_tls_policy.c */
int mailctl_cmd_relay_auth(int argc, char **argv); /* mailctl_relay_auth.c */
int mailctl_cmd_dkim(int argc, char **argv);	/* mailctl_dkim.c */
/* mailctl_queue.c, for check: files in corrupt/ and queue limits that
 * main.conf goes past, one warning line each. */
void mailctl_queue_check(buf_t *warnings);

/* mailctl_file.c: whole-file reads and atomic replacement. */
int mailctl_file_read(const char *path, buf_t *out, char **err_r);
/* Replace path by data: write "path.tmpPID", fsync, rename, fsync the
 * directory.  An existing file keeps its mode and owner; a new one gets
 * mode, and uid/gid unless uid is (uid_t) -1. */
int mailctl_file_replace(const char *path, const char *data, size_t len,
			 mode_t mode, uid_t uid, gid_t gid, char **err_r);
/* The same, but the new file always gets mode, and uid/gid unless uid is
 * (uid_t) -1: a secret file whose mode was widened is made private again. */
int mailctl_file_replace_as(const char *path, const char *data, size_t len,
			    mode_t mode, uid_t uid, gid_t gid, char **err_r);
/* Create dir if missing, then set its owner (unless uid is -1) and mode. */
int mailctl_dir_make(const char *path, mode_t mode, uid_t uid, gid_t gid,
		     char **err_r);
/* Exclusive lock serialising edits of the files in dir; fatal on error.
 * Returns the descriptor to close when done. */
int mailctl_dir_lock(const char *dir);
/* Compile a text map into src.db (map_compile), fatal on error; returns
 * the number of entries. */
int mailctl_map_compile(const char *src, int colon);

/* mailctl_sysuser.c: the system users of architecture §2. */
extern const char *const mailctl_roles[];	/* role parameters, NULL-ended */
/* Create each missing role user with useradd, and setgid_group with
 * groupadd (as root). 0 or -1 (logged). */
int mailctl_sysuser_create(void);
/* The user named by role parameter param: 0, or -1 when unknown. */
int mailctl_sysuser_ids(const char *param, uid_t *uid_r, gid_t *gid_r);
/* Append a line to problems for each role user that is missing, is root,
 * or shares its uid with another role, and for a setgid_group that is
 * missing, has members or is a role's primary group. */
void mailctl_sysuser_check(buf_t *problems);
/* Can the role's user reach path with access want (R_OK|W_OK|X_OK)?  Every
 * directory on the way must be searchable by it.  0, or -1 with a line
 * naming the role and the first path it cannot pass appended to problems. */
int mailctl_sysuser_reach(const char *param, const char *path, int want,
			  buf_t *problems);

/* mailctl_control.c: talking to a running master. */
/* master's pid when it holds its pid-file lock, else 0. */
pid_t mailctl_master_pid(void);
/* Send request over the control socket and read the reply (status=ok).
 * 0 ok; -1 master does not answer (errno from connect); -2 it answered
 * with an error or broke the protocol (*err_r says how). */
int mailctl_control(const char *request, attr_t *reply, char **err_r);

/* mailctl_setup.c: the files and directories of an installation. */
typedef struct mailctl_ids {
	uid_t mail_uid, auth_uid, vmail_uid;
	gid_t mail_gid, auth_gid, vmail_gid;
	gid_t drop_gid;		/* setgid_group */
} mailctl_ids_t;
/* As root: create the missing system users, check them, fill ids; fatal
 * on failure.  Otherwise every id is -1 ("leave the owner alone"). */
void mailctl_setup_ids(mailctl_ids_t *ids);
/* Make what main.conf names and is missing (queue, maildrop and mail
 * directories, maillog_file, TLS pair, alias and users files and their
 * .db); never
 * replaces an existing file.  Returns how many things it made. */
int mailctl_setup_files(const mailctl_ids_t *ids);
/* mkdir -p of path's parents, mode 0755; fatal on error. */
void mailctl_setup_parents(const char *path);
/* chattr +T: spread the directories made in dir over block groups. */
void mailctl_setup_topdir(const char *dir);

/* mailctl_alias.c: point postmaster and root, where they reach no
 * mailbox, at address. */
void mailctl_alias_postmaster(const char *address);

/* mailctl_anvil.c: print anvil's counters per service and client
 * address (status -v), or why there are none. */
void mailctl_status_anvil(void);

/* mailctl_passwd.c: a new password from --password-stdin or the terminal,
 * mem-allocated (wipe and free it); fatal when none can be had. */
char *mailctl_passwd_read(const char *address, int from_stdin);

/* What `mailctl check` finds, one line each ('\n'-terminated).  An error
 * would stop the suite from starting, stop a role from doing its job or
 * give a secret away; a warning should be fixed but stops nothing. */
typedef struct mailctl_check {
	buf_t errors;
	buf_t warnings;
} mailctl_check_t;
/* mailctl_check_roles.c: as root, the system users, the ownership model
 * master enforces and what each role cannot reach. */
void mailctl_check_roles(mailctl_check_t *c);
/* mailctl_route.c: an error for each dns_nameservers entry that is no
 * address[:port] (the resolver would refuse to start). */
void mailctl_route_check(mailctl_check_t *c);
/* mailctl_check.c: a text map src and its compiled src.db, both there
 * and the db not older; a missing piece is a line in missing, an old db
 * a warning (with "run `mailctl REMEDY`"). */
void mailctl_check_map(const char *what, const char *src, const char *remedy,
		       buf_t *missing, mailctl_check_t *c);
/* mailctl_transport.c: errors for a relayhost or transport_maps entry
 * that does not parse; a warning for a map not compiled. */
void mailctl_transport_check(mailctl_check_t *c);
/* mailctl_relay_auth.c: errors for credentials files or databases that
 * others can read or mail_owner does not own, and bad entries. */
void mailctl_relay_auth_check(mailctl_check_t *c);
/* mailctl_postmaster.c: a warning when postmaster has no mailbox. */
void mailctl_check_postmaster(mailctl_check_t *c);
/* Does addr, through the aliases, end in a mailbox here?  1 or 0 (with
 * the addresses it ends at in ends, unless NULL), -1 when the databases
 * cannot be read. */
int mailctl_postmaster_reaches(const char *addr, buf_t *ends);

#endif

/* pop3d.h - what the two POP3 programs share (the .c files of pop3d/).
 *
 * Two programs, built from this folder and one subfolder each (pop3d.c
 * says why they are two):
 *
 *   pop3d          login/: the AUTHORIZATION state (RFC 1939 §4) as
 *                  login_user, chrooted to an empty directory: USER/PASS,
 *                  APOP, AUTH (RFC 5034), CAPA, STLS (RFC 2595), QUIT.  On
 *                  success it hands the client to the session service
 *                  (lib/login.h).
 *   pop3d-session  session/: TRANSACTION and UPDATE (RFC 1939 §5, §6) as
 *                  the mailbox owner, on private/pop3-session: receives the
 *                  client with login_session_accept() and serves the
 *                  mailbox through lib/mailbox.h.
 *
 * Shared here: the configuration both read, the reply helpers, CAPA (one
 * list for both states, RFC 2449 §5), and the command line reader with the
 * RFC 2449 §4 limit; the line is parsed by lib/pop3_parse.h.
 */
#ifndef TERN_POP3D_H
#define TERN_POP3D_H

#include <stddef.h>

#include "buf.h"
#include "daemon.h"
#include "login_anvil.h"
#include "pop3_parse.h"
#include "stream.h"

/* RFC 2449 §4: a command line is at most 255 octets including CRLF.  A
 * longer line is answered with -ERR and the connection goes on. */
#define POP3D_LINE_MAX		255

/* Bad commands (unknown, wrong state, bad syntax, too long) after which
 * either program closes the connection: a client that only sends garbage,
 * or is stuck in a loop, goes instead of holding a process for ever. */
#define POP3D_BAD_COMMANDS_MAX	20

/* RFC 2449 §8 / RFC 3206 response codes for pop3d_err(). */
#define POP3D_RC_IN_USE		"IN-USE"
#define POP3D_RC_LOGIN_DELAY	"LOGIN-DELAY"
#define POP3D_RC_SYS_TEMP	"SYS/TEMP"
#define POP3D_RC_SYS_PERM	"SYS/PERM"
#define POP3D_RC_AUTH		"AUTH"

enum pop3d_role { POP3D_ROLE_LOGIN, POP3D_ROLE_SESSION };

/* What both programs read from main.conf and the -o overrides, once, in
 * pop3d_post_drop() (paths are as seen after the drop); each role reads
 * the rest of its own in its post_drop step, and no request reads the
 * configuration. */
typedef struct pop3d_conf {
	enum pop3d_role role;
	int idle_timeout;		/* pop3d_idle_timeout, seconds */
	int ipc_timeout;		/* ipc_timeout, seconds */
	int auth_timeout;		/* for auth requests: > failure delay */
	char *auth_socket;		/* private/auth as reachable after the drop */
	char *myhostname;
	long junk_limit;		/* pop3d_junk_command_limit, 0: none */
	char *mail_directory;		/* session role only */
} pop3d_conf_t;

extern pop3d_conf_t pop3d_conf;

/* pop3d_reply.c: "+OK text" / "-ERR [CODE] text", buffered (the reader
 * flushes before it waits, so pipelined replies go out together).  code is
 * one of POP3D_RC_* or NULL. */
void pop3d_ok(stream_t *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pop3d_err(stream_t *s, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* pop3d_capa.c: the multi-line CAPA answer ("+OK" ... "."), RFC 2449 §5.
 * The list is the same before and after login, apart from STLS, which is
 * offered only before login and only when stls_offered (TLS available and
 * not yet on).  USER and SASL are listed in both states (RFC 2449 §6.3 and
 * RFC 5034 §6 allow it; clients read the list once, and a list that only
 * grows or shrinks by STLS is what the issue asks for), but only when
 * plaintext_ok: where auth_plaintext refuses plaintext passwords on this
 * connection they are left out, so no client is invited to send one.
 * transaction: 1 after login (TRANSACTION state), 0 before. */
void pop3d_capa(stream_t *s, int transaction, int stls_offered, int plaintext_ok);

/* pop3d_read.c: flush pending replies, wait up to pop3d_idle_timeout for a
 * command line, read it with the POP3D_LINE_MAX limit, and parse it.
 * Returns STREAM_OK with cmd filled, STREAM_TOOLONG after answering -ERR
 * itself (the rest of the line was skipped; the caller reads the next),
 * or STREAM_TIMEOUT / STREAM_EOF / STREAM_ERROR (the caller ends the
 * session; on timeout it may say "-ERR" first), or POP3D_SHUTDOWN when the
 * daemon was asked to stop while the client was idle. */
#define POP3D_SHUTDOWN (-100)
int pop3d_read_command(stream_t *s, buf_t *line, pop3_cmd_t *cmd);

/* pop3d.c: the path of a socket in private/ as this process reaches it
 * (mem-allocated): "/NAME" inside the login chroot, else
 * "<queue_directory>/private/NAME".  pop3d_conf.auth_socket is
 * pop3d_socket_path("auth"). */
char *pop3d_socket_path(const char *name);
/* pop3d.c: the daemon skeleton's pre_drop/post_drop steps both programs
 * share; role is set in pop3d_conf before daemon_main(). */
void pop3d_pre_drop(void);
void pop3d_post_drop(void);

/* Commands that do nothing (CAPA, NOOP, RSET) count against
 * pop3d_junk_command_limit in both roles: past it the client gets
 * "-ERR Too many junk commands" and the connection ends.  The session
 * starts the count again after each RETR, TOP and DELE that succeeded. */

#endif

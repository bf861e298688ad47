/* pop3d_session.h - the session role's own declarations: the session, its
 * message list, and the TRANSACTION command handlers.
 *
 * pop3d_session.c receives the client from the login role, opens, locks
 * and lists the mailbox, and runs the command loop from its table; the
 * handlers live in pop3d_cmd_list.c (STAT LIST UIDL), pop3d_cmd_retr.c
 * (RETR TOP), pop3d_cmd_misc.c (DELE NOOP RSET CAPA QUIT and the
 * AUTHORIZATION commands that no longer apply); pop3d_dot.c turns a
 * stored message into CRLF dot-stuffed lines; pop3d_uidl.c makes the
 * unique-id of a message; pop3d_update.c is the UPDATE state.
 */
#ifndef TERN_POP3D_SESSION_H
#define TERN_POP3D_SESSION_H

#include <stddef.h>

#include "buf.h"
#include "login.h"
#include "mailbox.h"
#include "../pop3d.h"
#include "stream.h"

/* Per-message marks of this session. */
#define POP3D_MSG_DELETED	1	/* DELE: removed in UPDATE */
#define POP3D_MSG_RETRIEVED	2	/* RETR: flagged Seen in UPDATE */

/* RFC 1939 states after the login role handed over. */
enum pop3d_state {
	POP3D_TRANSACTION,
	POP3D_UPDATE,		/* QUIT seen: the session ends after it */
	POP3D_CLOSED,		/* ended without UPDATE (drop, timeout, stop) */
};

typedef struct pop3d_session {
	stream_t *s;
	login_info_t info;
	buf_t client;			/* its name in the log (login_log_client) */
	enum pop3d_state state;
	mailbox_t *mb;
	mailbox_msg_t *msgs;		/* the snapshot taken at login */
	size_t nmsgs;
	unsigned char *marks;		/* POP3D_MSG_*, one per message */
	size_t ndeleted;
	long long deleted_octets;
	long long total_octets;
	buf_t line;
	pop3_cmd_t cmd;
	buf_t out;			/* a listing being built (released after) */
	/* The message after the last one sent, opened and its reading
	 * started while the client takes the current one: clients RETR in
	 * order, and on a cold cache this hides the disk behind the network
	 * (pop3d_cmd_retr.c). */
	int ahead_fd;			/* -1: none */
	size_t ahead_index;
	/* counters for the log line */
	long nretr, ntop, ndele, nerrors;
	long nbad;			/* of nerrors: bad commands (pop3d.h) */
	long junk;			/* CAPA NOOP RSET since RETR TOP DELE */
	int anvil_held;			/* counted by anvil (lib/login_anvil.h) */
	long long sent_octets;
} pop3d_session_t;

/* pop3d_session.c: serve one hand-off (DAEMON_SINGLE
 * on private/pop3-session): login_session_accept() on client->fd, then
 * TRANSACTION and UPDATE.
 *
 * Contract with the login program: pop3d sends NOTHING to the
 * client after a successful PASS / APOP / AUTH; the session answers that
 * command itself, once it has the mailbox: "+OK Logged in." (RFC 1939
 * §4: +OK means the maildrop is locked and ready), or "-ERR [IN-USE] ..."
 * / "-ERR [SYS/TEMP] ..." and closes the connection (there is no way back
 * to pop3d).  The pending input put back on the stream by
 * login_session_accept() is what the client pipelined behind the
 * authentication command. */
void pop3d_session_serve(daemon_client_t *client);


/* pop3d_session.c: may plaintext passwords be used on this connection
 * (auth_plaintext, architecture §7)?  Decides what CAPA lists. */
int pop3d_session_plaintext_ok(const pop3d_session_t *sess);

/*
 * The message an argument names, for commands that take one: NULL after
 * answering -ERR (not a number, no such message, or - unless deleted_ok -
 * a message marked deleted).  *index_r gets its 0-based index.
 */
mailbox_msg_t *pop3d_session_msg(pop3d_session_t *sess, const char *arg,
				 int deleted_ok, size_t *index_r);
/* A decimal number of at most 9 digits, nothing else: 0, or -1. */
int pop3d_session_number(const char *arg, long *out);

/* pop3d_uidl.c: the RFC 1939 §7 unique-id of a message base name, into
 * out: the base name itself when it is 1..70 characters of 0x21..0x7E,
 * otherwise a stable 70-character form (see the file). */
#define POP3D_UIDL_MAX 70
void pop3d_uidl(const char *base, buf_t *out);

/* pop3d_cmd_retr.c: forget the message read ahead, if any. */
void pop3d_read_ahead_drop(pop3d_session_t *sess);

/* pop3d_dot.c: a stored message (LF line ends) as a multi-line response:
 * CRLF lines, dot-stuffed, "." at the end; fed in chunks of any size.
 * top_lines < 0: the whole message (RETR); otherwise the header, the blank
 * line and that many body lines (TOP), after which done is set. */
typedef struct pop3d_dot {
	stream_t *s;
	int bol;		/* at the start of a line */
	int in_body;		/* past the header (from the start for RETR) */
	long lines_left;	/* TOP: body lines still to send; -1: all */
	int done;		/* TOP: nothing more will be sent */
	long long octets;	/* message octets sent (CRLF, no stuffing,
				 * not the CRLF added at the end) */
} pop3d_dot_t;

void pop3d_dot_init(pop3d_dot_t *d, stream_t *s, long top_lines);
void pop3d_dot_write(pop3d_dot_t *d, const char *p, size_t n);
void pop3d_dot_end(pop3d_dot_t *d);

/* pop3d_update.c: the UPDATE state (RFC 1939 §6): remove the messages
 * marked deleted, flag the retrieved ones Seen, answer QUIT. */
void pop3d_update(pop3d_session_t *sess);

/* Command handlers. */
void pop3d_cmd_stat(pop3d_session_t *sess);
void pop3d_cmd_list(pop3d_session_t *sess);
void pop3d_cmd_uidl(pop3d_session_t *sess);
void pop3d_cmd_retr(pop3d_session_t *sess);
void pop3d_cmd_top(pop3d_session_t *sess);
void pop3d_cmd_dele(pop3d_session_t *sess);
void pop3d_cmd_noop(pop3d_session_t *sess);
void pop3d_cmd_rset(pop3d_session_t *sess);
void pop3d_cmd_capa(pop3d_session_t *sess);
void pop3d_cmd_quit(pop3d_session_t *sess);
void pop3d_cmd_authorization(pop3d_session_t *sess);

#endif

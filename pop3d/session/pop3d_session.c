/* pop3d_session.c - the session role: a mailbox served over POP3.
 *
 * A login process hands over an authenticated client on
 * private/pop3-session (lib/login.h).  login_session_accept() redeems the
 * token with auth, so the user comes from auth, never from the login
 * process.  Then, before anything else is said to the client (the login
 * role answers nothing to the successful PASS/APOP/AUTH, pop3d.h), the
 * session opens the user's Maildir, takes the POP3 lock (held by another
 * session: "-ERR [IN-USE]"), lists the messages - the snapshot the whole
 * session works on (RFC 1939 §4, architecture §7) - and only then answers
 * "+OK": RFC 1939 says +OK to PASS means the maildrop is locked and ready.
 *
 * The TRANSACTION state reads commands with pop3d_read_command() (the
 * 255-octet limit and the idle timeout) and dispatches them from the table
 * below, one handler per command.  QUIT enters UPDATE (pop3d_update.c);
 * a dropped connection, an idle timeout or a daemon stop ends the session
 * without UPDATE, so nothing is deleted and no flag changes; so does a
 * session of commands that do nothing (CAPA NOOP RSET, marked JUNK):
 * past pop3d_junk_command_limit of them since the last RETR, TOP or DELE
 * that succeeded.
 * When the login process counted the client with anvil, the session
 * counts it on until the client leaves (lib/login_anvil.h).
 *
 * SECURITY: runs as the mailbox owner (vmail_owner for virtual users),
 * never as root, with no capability; it trusts auth for the user name and
 * nothing the client or the login process says.  It reaches the Maildir
 * only through lib/mailbox.h (no symlinks followed) and never logs message
 * content.
 */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "login_log.h"
#include "mem.h"
#include "pop3d_session.h"

typedef struct pop3d_command {
	const char *name;
	void (*handler)(pop3d_session_t *sess);
	int min_args, max_args;		/* -1: not checked */
	int flags;
} pop3d_command_t;

#define JUNK 1	/* counts against pop3d_junk_command_limit */
#define WORK 2	/* done without error, starts that count again */

static const pop3d_command_t pop3d_commands[] = {
	{ "STAT", pop3d_cmd_stat, 0, 0, 0 },
	{ "LIST", pop3d_cmd_list, 0, 1, 0 },
	{ "RETR", pop3d_cmd_retr, 1, 1, WORK },
	{ "DELE", pop3d_cmd_dele, 1, 1, WORK },
	{ "NOOP", pop3d_cmd_noop, 0, 0, JUNK },
	{ "RSET", pop3d_cmd_rset, 0, 0, JUNK },
	{ "TOP", pop3d_cmd_top, 2, 2, WORK },
	{ "UIDL", pop3d_cmd_uidl, 0, 1, 0 },
	{ "CAPA", pop3d_cmd_capa, 0, 0, JUNK },
	{ "QUIT", pop3d_cmd_quit, 0, 0, 0 },
	/* AUTHORIZATION only (RFC 1939 §4, RFC 2595, RFC 5034) */
	{ "USER", pop3d_cmd_authorization, -1, -1, 0 },
	{ "PASS", pop3d_cmd_authorization, -1, -1, 0 },
	{ "APOP", pop3d_cmd_authorization, -1, -1, 0 },
	{ "AUTH", pop3d_cmd_authorization, -1, -1, 0 },
	{ "STLS", pop3d_cmd_authorization, -1, -1, 0 },
	{ NULL, NULL, 0, 0, 0 },
};

int pop3d_session_plaintext_ok(const pop3d_session_t *sess)
{
	/* The login process applied auth_plaintext, as its service has it
	 * (lib/login.h: secured). */
	return sess->info.secured;
}

int pop3d_session_number(const char *arg, long *out)
{
	long v = 0;
	size_t n = 0;

	for (; arg[n] != '\0'; n++) {
		if (arg[n] < '0' || arg[n] > '9' || n >= 9)
			return -1;
		v = v * 10 + (arg[n] - '0');
	}
	if (n == 0)
		return -1;
	*out = v;
	return 0;
}

mailbox_msg_t *pop3d_session_msg(pop3d_session_t *sess, const char *arg,
				 int deleted_ok, size_t *index_r)
{
	long n;

	if (pop3d_session_number(arg, &n) < 0) {
		pop3d_err(sess->s, NULL, "Invalid message number");
		return NULL;
	}
	if (n < 1 || (size_t) n > sess->nmsgs) {
		pop3d_err(sess->s, NULL, "No such message");
		return NULL;
	}
	if (!deleted_ok && (sess->marks[n - 1] & POP3D_MSG_DELETED)) {
		pop3d_err(sess->s, NULL, "Message %ld already deleted", n);
		return NULL;
	}
	*index_r = (size_t) n - 1;
	return &sess->msgs[n - 1];
}

/* Open, lock and list the user's mailbox; answer the login command.
 * 0 when the session may go on. */
static int pop3d_session_open(pop3d_session_t *sess)
{
	buf_t path = BUF_INIT;
	char *err = NULL;
	int r = -1;

	mailbox_path_virtual(pop3d_conf.mail_directory, sess->info.user, &path);
	if (path.len == 0) {
		log_warn("user=<%s>, client=%s: the user cannot name a mailbox",
			 sess->info.user, buf_str(&sess->client));
		pop3d_err(sess->s, POP3D_RC_SYS_PERM, "No mailbox for this user");
		goto out;
	}
	sess->mb = mailbox_open(buf_str(&path), &err);
	if (sess->mb == NULL) {
		log_error("user=<%s>, client=%s: %s", sess->info.user,
			  buf_str(&sess->client), err);
		pop3d_err(sess->s, POP3D_RC_SYS_TEMP, "Cannot open the mailbox");
		goto out;
	}
	if (mailbox_lock(sess->mb) < 0) {
		if (errno == EWOULDBLOCK) {
			log_info("user=<%s>, client=%s: mailbox in use",
				 sess->info.user, buf_str(&sess->client));
			pop3d_err(sess->s, POP3D_RC_IN_USE,
				  "Mailbox is locked by another POP3 session");
		} else {
			log_error("user=<%s>, client=%s: lock %s: %m",
				  sess->info.user, buf_str(&sess->client),
				  buf_str(&path));
			pop3d_err(sess->s, POP3D_RC_SYS_TEMP, "Cannot lock the mailbox");
		}
		goto out;
	}
	if (mailbox_list(sess->mb, &sess->msgs, &sess->nmsgs) < 0) {
		log_error("user=<%s>, client=%s: list %s: %m",
			  sess->info.user, buf_str(&sess->client), buf_str(&path));
		pop3d_err(sess->s, POP3D_RC_SYS_TEMP, "Cannot read the mailbox");
		goto out;
	}
	sess->marks = mem_zalloc(sess->nmsgs ? sess->nmsgs : 1);
	for (size_t i = 0; i < sess->nmsgs; i++)
		sess->total_octets += sess->msgs[i].wsize;
	log_info("user=<%s>, client=%s, service=%s, messages=%zu, octets=%lld%s",
		 sess->info.user, buf_str(&sess->client), sess->info.service,
		 sess->nmsgs, sess->total_octets,
		 sess->info.tls_version ? ", tls" : "");
	pop3d_ok(sess->s, "Logged in, %zu message%s (%lld octets)", sess->nmsgs,
		 sess->nmsgs == 1 ? "" : "s", sess->total_octets);
	r = 0;
out:
	mem_free(err);
	buf_release(&path);
	return r;
}

static void pop3d_session_dispatch(pop3d_session_t *sess)
{
	const pop3d_command_t *c;
	long errors;

	for (c = pop3d_commands; c->name != NULL; c++)
		if (strcmp(c->name, sess->cmd.name) == 0)
			break;
	if (c->name == NULL) {
		sess->nerrors++;
		sess->nbad++;
		pop3d_err(sess->s, NULL, "Unknown command");
		return;
	}
	if (c->min_args >= 0 && (sess->cmd.bad || sess->cmd.nargs < c->min_args ||
				 sess->cmd.nargs > c->max_args)) {
		sess->nerrors++;
		sess->nbad++;
		pop3d_err(sess->s, NULL, "Syntax error: %s takes %s", c->name,
			  c->max_args == 0 ? "no argument" :
			  c->min_args == 2 ? "two arguments" :
			  c->min_args == 1 ? "one argument" : "at most one argument");
		return;
	}
	if ((c->flags & JUNK) && pop3d_conf.junk_limit > 0 &&
	    ++sess->junk > pop3d_conf.junk_limit) {
		log_info("user=<%s>, client=%s: too many junk commands after %s",
			 sess->info.user, buf_str(&sess->client), c->name);
		pop3d_err(sess->s, NULL, "Too many junk commands, disconnecting; "
			  "nothing was deleted");
		stream_flush(sess->s);
		sess->state = POP3D_CLOSED;
		return;
	}
	errors = sess->nerrors;
	c->handler(sess);
	/* Only work done starts the count again, not "DELE 999". */
	if ((c->flags & WORK) && sess->nerrors == errors)
		sess->junk = 0;
}

static void pop3d_session_loop(pop3d_session_t *sess)
{
	while (sess->state == POP3D_TRANSACTION) {
		int status = pop3d_read_command(sess->s, &sess->line, &sess->cmd);

		switch (status) {
		case STREAM_OK:
			if (sess->cmd.bad && (sess->cmd.name == NULL ||
					      strlen(sess->cmd.name) < 3 ||
					      strlen(sess->cmd.name) > 4)) {
				sess->nerrors++;
				sess->nbad++;
				pop3d_err(sess->s, NULL, "Syntax error");
				break;
			}
			pop3d_session_dispatch(sess);
			break;
		case STREAM_TOOLONG:
			sess->nerrors++;	/* answered by the reader */
			sess->nbad++;
			break;
		case STREAM_TIMEOUT:
			/* RFC 1939 §3: the autologout timer closes the session
			 * without entering UPDATE. */
			pop3d_err(sess->s, NULL, "Autologout: idle for too long");
			stream_flush(sess->s);
			log_info("user=<%s>, client=%s: idle timeout",
				 sess->info.user, buf_str(&sess->client));
			sess->state = POP3D_CLOSED;
			break;
		case POP3D_SHUTDOWN:
			pop3d_err(sess->s, POP3D_RC_SYS_TEMP,
				  "Server shutting down, nothing was deleted");
			stream_flush(sess->s);
			sess->state = POP3D_CLOSED;
			break;
		default:
			log_info("user=<%s>, client=%s: connection lost: %s",
				 sess->info.user, buf_str(&sess->client),
				 status == STREAM_EOF ? "end of input" :
				 stream_strerror(sess->s));
			sess->state = POP3D_CLOSED;
			break;
		}
		if (sess->state == POP3D_TRANSACTION &&
		    sess->nbad >= POP3D_BAD_COMMANDS_MAX) {
			log_info("user=<%s>, client=%s: too many bad commands",
				 sess->info.user, buf_str(&sess->client));
			pop3d_err(sess->s, NULL,
				  "Too many bad commands, disconnecting; nothing was deleted");
			stream_flush(sess->s);
			sess->state = POP3D_CLOSED;
		}
	}
}

void pop3d_session_serve(daemon_client_t *client)
{
	pop3d_session_t sess;
	const char *err = NULL;

	memset(&sess, 0, sizeof(sess));
	sess.state = POP3D_TRANSACTION;
	sess.ahead_fd = -1;
	if (login_session_accept(client->fd, pop3d_conf.auth_socket,
				 pop3d_conf.ipc_timeout, &sess.s, &sess.info,
				 &err) < 0) {
		log_warn("session hand-off refused: %s", err ? err : "unknown error");
		login_info_clear(&sess.info);
		return;
	}
	login_log_client(&sess.client, sess.info.client, sess.info.port);
	stream_set_timeout(sess.s, pop3d_conf.idle_timeout);
	/* The login process counted the client until now. */
	if (sess.info.anvil)
		sess.anvil_held = login_anvil_hold(sess.info.service,
						   sess.info.client);
	if (pop3d_session_open(&sess) == 0) {
		pop3d_session_loop(&sess);
		buf_t details = BUF_INIT;

		buf_printf(&details, "user=<%s>, retr=%ld, top=%ld, dele=%ld, "
			   "deleted=%zu, sent=%lld, errors=%ld, %s",
			   sess.info.user, sess.nretr, sess.ntop, sess.ndele,
			   sess.state == POP3D_UPDATE ? sess.ndeleted : 0,
			   sess.sent_octets, sess.nerrors,
			   sess.state == POP3D_UPDATE ? "quit" : "no update");
		login_log_disconnect(buf_str(&sess.client), buf_str(&details));
		buf_release(&details);
	}
	stream_flush(sess.s);
	stream_close(&sess.s);
	if (sess.anvil_held)
		login_anvil_release(sess.info.service, sess.info.client);
	pop3d_read_ahead_drop(&sess);
	mailbox_close(&sess.mb);	/* releases the lock */
	mem_free(sess.marks);
	buf_release(&sess.line);
	buf_release(&sess.out);
	buf_release(&sess.client);
	login_info_clear(&sess.info);
}

/* imapd_session.c - the session role: a user's folders served over IMAP.
 *
 * A login process hands over an authenticated client on
 * private/imap-session (lib/login.h).  login_session_accept() redeems the
 * token with auth, so the user comes from auth, never from the login
 * process.  The session opens the user's Maildir and only then answers
 * the login command's tag (the login role answered nothing to it) with
 * the post-login capabilities (RFC 3501 §6.2.3, §7.1 CAPABILITY code).
 *
 * The loop feeds lines to lib/imap_parse.h and answers what it says:
 * literals are read here (a "+" continuation first for a synchronizing
 * one), except the message of an APPEND, which imapd_cmd_append.c streams
 * to disk.  A whole command goes to imapd_dispatch(): the command table
 * says in which states it is valid, whether "UID" may precede it, and
 * whether expunges may be reported after it (RFC 3501 §7.4.1: never
 * during FETCH, STORE or SEARCH; the UID forms may).
 *
 * Limits: a line of at most imapd_max_line_length octets (literals
 * apart), the parser's limits on arguments, depth and kept literals,
 * IMAPD_BAD_COMMANDS_MAX bad commands in a row, imapd_junk_command_limit
 * do-nothing commands in a row, and the idle timeout: past any of them
 * the client gets BYE or BAD, never a crash or unbounded memory.
 *
 * SECURITY: runs as the mailbox owner with no capability; trusts auth for
 * the user and nothing the client or the login process says.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "login_anvil.h"
#include "login_log.h"
#include "mailbox.h"
#include "maildir.h"
#include "mem.h"
#include "imapd_folder_ops.h"
#include "imapd_session.h"

/* anvil's name for the count of a user's sessions (lib/login_anvil.h). */
#define IMAPD_USER_COUNT	"imap-user"

/* States a command is valid in, and how it is served. */
#define ST_AUTH		0x01	/* authenticated (not selected) */
#define ST_SEL		0x02	/* selected */
#define ST_ANY		(ST_AUTH | ST_SEL)
#define UID_OK		0x04	/* may follow "UID" */
#define NO_EXPUNGE	0x08	/* no EXPUNGE after it (its UID form may) */
#define JUNK		0x10	/* does nothing: counts as junk */
#define NO_SYNC		0x20	/* reports nothing (LOGOUT, IDLE reports itself) */

typedef struct imapd_command {
	const char *name;
	imapd_handler_t *handler;
	int flags;
} imapd_command_t;

static const imapd_command_t imapd_commands[] = {
	{ "CAPABILITY", imapd_cmd_capability, ST_ANY | JUNK },
	{ "NOOP", imapd_cmd_noop, ST_ANY | JUNK },
	{ "LOGOUT", imapd_cmd_logout, ST_ANY | NO_SYNC },
	{ "ID", imapd_cmd_id, ST_ANY },
	{ "ENABLE", imapd_cmd_enable, ST_AUTH },
	{ "IDLE", imapd_cmd_idle, ST_ANY | NO_SYNC },
	{ "SELECT", imapd_cmd_select, ST_ANY | NO_SYNC },
	{ "EXAMINE", imapd_cmd_examine, ST_ANY | NO_SYNC },
	{ "CLOSE", imapd_cmd_close, ST_SEL | NO_SYNC },
	{ "UNSELECT", imapd_cmd_unselect, ST_SEL | NO_SYNC },
	{ "EXPUNGE", imapd_cmd_expunge, ST_SEL | UID_OK },
	{ "CHECK", imapd_cmd_check, ST_SEL | JUNK },
	{ "FETCH", imapd_cmd_fetch, ST_SEL | UID_OK | NO_EXPUNGE },
	{ "STORE", imapd_cmd_store, ST_SEL | UID_OK | NO_EXPUNGE },
	{ "APPEND", imapd_cmd_append, ST_ANY },
	{ "COPY", imapd_cmd_copy, ST_SEL | UID_OK },
	{ "MOVE", imapd_cmd_move, ST_SEL | UID_OK },
	{ "CREATE", imapd_cmd_create, ST_ANY },
	{ "DELETE", imapd_cmd_delete, ST_ANY },
	{ "RENAME", imapd_cmd_rename, ST_ANY },
	{ "SUBSCRIBE", imapd_cmd_subscribe, ST_ANY },
	{ "UNSUBSCRIBE", imapd_cmd_unsubscribe, ST_ANY },
	{ "LIST", imapd_cmd_list, ST_ANY },
	{ "LSUB", imapd_cmd_lsub, ST_ANY },
	{ "NAMESPACE", imapd_cmd_namespace, ST_ANY },
	{ "STATUS", imapd_cmd_status, ST_ANY },
	{ "SEARCH", imapd_cmd_search, ST_SEL | UID_OK | NO_EXPUNGE },
	/* valid only before login (RFC 3501 §6.2) */
	{ "LOGIN", imapd_cmd_not_now, 0 },
	{ "AUTHENTICATE", imapd_cmd_not_now, 0 },
	{ "STARTTLS", imapd_cmd_not_now, 0 },
	{ NULL, NULL, 0 },
};

/* The tagged result (imapd_session.h). */
static void imapd_result_set(imapd_session_t *sess, const char *status,
			     const char *code, const char *fmt, va_list ap)
{
	sess->result.status = status;
	buf_set(&sess->result.code, code != NULL ? code : "");
	buf_reset(&sess->result.text);
	buf_vprintf(&sess->result.text, fmt, ap);
}

void imapd_ok(imapd_session_t *sess, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	imapd_result_set(sess, "OK", code, fmt, ap);
	va_end(ap);
}

void imapd_no(imapd_session_t *sess, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	imapd_result_set(sess, "NO", code, fmt, ap);
	va_end(ap);
}

void imapd_bad(imapd_session_t *sess, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	imapd_result_set(sess, "BAD", code, fmt, ap);
	va_end(ap);
}

void imapd_untagged(imapd_session_t *sess, const char *fmt, ...)
{
	buf_t line = BUF_INIT;
	va_list ap;

	buf_puts(&line, "* ");
	va_start(ap, fmt);
	buf_vprintf(&line, fmt, ap);
	va_end(ap);
	buf_puts(&line, "\r\n");
	stream_write(sess->s, line.data, line.len);
	buf_release(&line);
}

/* Write the tagged result the handler left, and clear it. */
static void imapd_result_flush(imapd_session_t *sess, const char *tag)
{
	const char *code = buf_str(&sess->result.code);

	if (sess->result.status == NULL)
		log_panic("imapd: command left no result");
	imapd_status(sess->s, tag, sess->result.status,
		     *code != '\0' ? code : NULL, "%s",
		     buf_str(&sess->result.text));
	sess->result.status = NULL;
}

static const imapd_command_t *imapd_command_find(const char *name)
{
	for (const imapd_command_t *c = imapd_commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* One whole command from the parser. */
static void imapd_dispatch(imapd_session_t *sess, const imap_cmd_t *cmd)
{
	const imapd_command_t *c;
	const imap_arg_t *args = cmd->args;
	size_t nargs = cmd->nargs;
	const char *name = cmd->name;
	int state_bit = sess->state == IMAPD_SELECTED ? ST_SEL : ST_AUTH;

	sess->cmd = cmd;
	sess->tag = cmd->tag;
	sess->uid = 0;
	sess->ncommands++;
	if (strcmp(name, "UID") == 0) {
		const char *sub = nargs > 0 ? imap_arg_atom(&args[0]) : NULL;
		buf_t upper = BUF_INIT;

		if (sub == NULL) {
			imapd_bad(sess, NULL, "UID needs a command");
			goto bad;
		}
		for (const char *p = sub; *p != '\0'; p++)
			buf_putc(&upper, *p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		c = imapd_command_find(buf_str(&upper));
		buf_release(&upper);
		if (c == NULL || !(c->flags & UID_OK)) {
			imapd_bad(sess, NULL, "Unknown UID command");
			goto bad;
		}
		sess->uid = 1;
		args++;
		nargs--;
	} else if ((c = imapd_command_find(name)) == NULL) {
		imapd_bad(sess, NULL, "Unknown command %.40s", name);
		goto bad;
	}
	if (!(c->flags & state_bit)) {
		if (c->flags & ST_ANY)
			imapd_bad(sess, NULL, "%s is not valid %s", c->name,
				  sess->state == IMAPD_SELECTED ?
				  "with a mailbox selected" :
				  "without a selected mailbox");
		else
			c->handler(sess, args, nargs);
		goto bad;
	}
	c->handler(sess, args, nargs);
	if (sess->result.status != NULL && strcmp(sess->result.status, "BAD") == 0)
		goto bad;
	sess->nbad = 0;
	if ((c->flags & JUNK) && imapd_conf.junk_limit > 0 &&
	    ++sess->junk > imapd_conf.junk_limit) {
		imapd_log_info(sess, "too many junk commands");
		imapd_untagged(sess, "BYE Too many commands that do nothing");
		sess->state = IMAPD_LOGOUT;
		sess->result.status = NULL;
		return;
	}
	if (!(c->flags & JUNK))
		sess->junk = 0;
	if (!(c->flags & NO_SYNC) && sess->state == IMAPD_SELECTED)
		(void) imapd_sync(sess, !(c->flags & NO_EXPUNGE) || sess->uid);
	if (sess->result.status != NULL)
		imapd_result_flush(sess, sess->tag);
	return;
bad:
	sess->nbad++;
	/* A refused command still may be told of new mail, but not of
	 * expunges: the client may be in the middle of something. */
	if (sess->state == IMAPD_SELECTED)
		(void) imapd_sync(sess, 0);
	if (sess->result.status != NULL)
		imapd_result_flush(sess, sess->tag);
}

/* Discard n octets the client sends anyway. */
static int imapd_skip(imapd_session_t *sess, uint32_t n)
{
	int failed;

	return n == 0 ? STREAM_OK : imapd_read_stream(sess, n, NULL, NULL, &failed);
}

/* A literal announced on the command line (imap_parse.h LITERAL). */
static enum imap_parse_result imapd_literal(imapd_session_t *sess,
					    const imap_cmd_t *cmd, buf_t *lit,
					    int *status_r)
{
	enum imap_parse_result r;

	*status_r = STREAM_OK;
	/* APPEND's message (after its mailbox, at the top level) goes to
	 * disk, whatever its size. */
	if (cmd->name != NULL && strcmp(cmd->name, "APPEND") == 0 &&
	    cmd->literal_depth == 0 && cmd->nargs > 0) {
		int taken = imapd_append_literal(sess, cmd);

		if (taken > 0)
			return imap_parse_literal_taken(sess->parser);
		if (taken == 0)
			return imap_parse_literal_refuse(sess->parser);
		*status_r = taken;
		return IMAP_PARSE_IGNORE;
	}
	if (!cmd->literal_fits) {
		imapd_bad(sess, "TOOBIG", "Literal too large");
		return imap_parse_literal_refuse(sess->parser);
	}
	if (cmd->literal_sync) {
		stream_puts(sess->s, "+ Ready for literal data\r\n");
		stream_flush(sess->s);
	}
	if ((*status_r = imapd_read_exact(sess, lit, cmd->literal_size)) != STREAM_OK)
		return IMAP_PARSE_IGNORE;
	r = imap_parse_literal_keep(sess->parser, lit->data, lit->len);
	buf_reset(lit);
	return r;
}

static void imapd_session_loop(imapd_session_t *sess)
{
	buf_t line = BUF_INIT, lit = BUF_INIT;
	enum imap_parse_result r;
	const imap_cmd_t *cmd;
	int status;

	while (sess->state != IMAPD_LOGOUT) {
		status = imapd_read_line(sess, &line, imapd_conf.max_line);
		if (status == STREAM_TOOLONG) {
			/* The rest of the line was skipped; whatever command it
			 * belonged to is gone. */
			imap_parser_reset(sess->parser);
			imapd_status(sess->s, NULL, "BAD", NULL,
				     "Line too long (at most %zu octets)",
				     imapd_conf.max_line);
			if (++sess->nbad >= IMAPD_BAD_COMMANDS_MAX)
				break;
			continue;
		}
		if (status != STREAM_OK)
			goto ended;
		r = imap_parse_line(sess->parser, line.data, line.len);
		for (;;) {
			cmd = imap_parser_cmd(sess->parser);
			if (r == IMAP_PARSE_LITERAL) {
				r = imapd_literal(sess, cmd, &lit, &status);
				if (status != STREAM_OK)
					goto ended;
				continue;
			}
			break;
		}
		switch (r) {
		case IMAP_PARSE_DONE:
			imapd_dispatch(sess, cmd);
			imapd_append_abort(sess);	/* a message left unsaved */
			break;
		case IMAP_PARSE_ERROR:
			imapd_append_abort(sess);
			sess->nbad++;
			imapd_status(sess->s, cmd->tag, "BAD", NULL, "%s", cmd->error);
			status = imapd_skip(sess, cmd->skip);
			break;
		case IMAP_PARSE_IGNORE:
			/* A refused literal: its command was answered here or
			 * by APPEND (the result), once. */
			imapd_append_abort(sess);
			if (sess->result.status != NULL) {
				if (strcmp(sess->result.status, "BAD") == 0)
					sess->nbad++;
				imapd_result_flush(sess, cmd->tag);
			}
			status = imapd_skip(sess, cmd->skip);
			break;
		default:
			break;
		}
		if (status != STREAM_OK)
			goto ended;
		if (sess->nbad >= IMAPD_BAD_COMMANDS_MAX) {
			imapd_log_info(sess, "too many bad commands");
			break;
		}
	}
	if (sess->state != IMAPD_LOGOUT)
		imapd_untagged(sess, "BYE Too many bad commands");
	goto out;
ended:
	switch (status) {
	case STREAM_TIMEOUT:
		imapd_untagged(sess, "BYE Autologout: idle for too long");
		imapd_log_info(sess, "idle timeout");
		break;
	case IMAPD_SHUTDOWN:
		imapd_untagged(sess, "BYE Server shutting down");
		break;
	default:
		imapd_log_info(sess, "connection lost: %s",
			       status == STREAM_EOF ? "end of input" :
			       stream_strerror(sess->s));
		break;
	}
out:
	buf_release(&line);
	buf_release(&lit);
}

/* Open the user's Maildir (made when missing) and answer the login
 * command.  0 when the session may go on. */
static int imapd_session_open(imapd_session_t *sess)
{
	buf_t path = BUF_INIT, capa = BUF_INIT;
	const char *tag = sess->info.greeting_tag;

	/* Sessions per user, over every address (the login role counts
	 * connections per address): RFC 5530 LIMIT. */
	if ((sess->user_held = login_anvil_user(IMAPD_USER_COUNT, sess->info.user,
						imapd_conf.user_session_limit)) < 0) {
		sess->user_held = 0;
		imapd_status(sess->s, tag, "NO", "LIMIT",
			     "Too many sessions of this user at once");
		imapd_untagged(sess, "BYE Too many sessions of this user");
		return -1;
	}
	mailbox_path_virtual(imapd_conf.mail_directory, sess->info.user, &path);
	if (path.len == 0) {
		imapd_log_error(sess, "the user cannot name a mailbox");
		imapd_status(sess->s, tag, "NO", "UNAVAILABLE", "No mailbox for this user");
		buf_release(&path);
		return -1;
	}
	if (maildir_create(buf_str(&path)) < 0 ||
	    (sess->root_fd = open(buf_str(&path), O_RDONLY | O_DIRECTORY |
				  O_NOFOLLOW | O_CLOEXEC)) < 0) {
		imapd_log_error(sess, "open %s: %m", buf_str(&path));
		imapd_status(sess->s, tag, "NO", "UNAVAILABLE", "Cannot open the mailbox");
		buf_release(&path);
		return -1;
	}
	sess->root = buf_steal(&path);
	imapd_folder_defaults(sess);
	log_info("user=<%s>, client=%s, service=%s: logged in%s",
		 sess->info.user, buf_str(&sess->client), sess->info.service,
		 sess->info.tls_version ? ", tls" : "");
	imapd_capabilities(&capa, 1, 0, 0);
	if (tag != NULL)
		imapd_status(sess->s, tag, "OK", NULL, "[CAPABILITY %s] Logged in",
			     buf_str(&capa));
	buf_release(&capa);
	return 0;
}

void imapd_session_serve(daemon_client_t *client)
{
	imapd_session_t sess;
	const char *err = NULL;

	memset(&sess, 0, sizeof(sess));
	sess.root_fd = -1;
	sess.watch_fd = -1;
	sess.state = IMAPD_AUTHENTICATED;
	if (login_session_accept(client->fd, imapd_conf.auth_socket,
				 imapd_conf.ipc_timeout, &sess.s, &sess.info,
				 &err) < 0) {
		log_warn("session hand-off refused: %s", err ? err : "unknown error");
		login_info_clear(&sess.info);
		return;
	}
	login_log_client(&sess.client, sess.info.client, sess.info.port);
	stream_set_timeout(sess.s, imapd_conf.idle_timeout);
	/* The login process counted the client until now: the count goes
	 * on here until the client leaves (lib/login_anvil.h). */
	if (sess.info.anvil)
		sess.anvil_held = login_anvil_hold(sess.info.service,
						   sess.info.client);
	sess.parser = imap_parser_new(NULL, imapd_parse_options());
	if (imapd_session_open(&sess) == 0) {
		buf_t details = BUF_INIT;

		imapd_session_loop(&sess);
		buf_printf(&details, "user=<%s>, commands=%ld, %s",
			   sess.info.user, sess.ncommands,
			   sess.state == IMAPD_LOGOUT ? "logout" : "no logout");
		login_log_disconnect(buf_str(&sess.client), buf_str(&details));
		buf_release(&details);
	}
	stream_flush(sess.s);
	stream_close(&sess.s);
	if (sess.anvil_held)
		login_anvil_release(sess.info.service, sess.info.client);
	if (sess.user_held)
		login_anvil_release(IMAPD_USER_COUNT, sess.info.user);
	imapd_append_abort(&sess);
	imapd_select_close(&sess);
	imap_parser_free(&sess.parser);
	if (sess.root_fd >= 0)
		close(sess.root_fd);
	mem_free(sess.root);
	buf_release(&sess.result.code);
	buf_release(&sess.result.text);
	buf_release(&sess.client);
	login_info_clear(&sess.info);
}

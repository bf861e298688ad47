/* imapd_cmd_append.c - APPEND (RFC 3501 §6.3.11, RFC 4315 APPENDUID,
 * RFC 7889 APPENDLIMIT).
 *
 * APPEND mailbox [flag-list] [date-time] literal.  The message can be as
 * large as message_size_limit, so it never enters the parser's tree: the
 * reader hands its literal to imapd_append_literal() first, which checks
 * the folder and the size (refusing before the client sends a byte of a
 * synchronizing literal), then streams the octets through lib/mail_save.h
 * into the target's tmp/.  When the command's line is complete,
 * imapd_cmd_append() puts the file in place under the target's lock
 * (imapd_target.c) with its flags and date and answers the UID it got.
 * A session killed in between leaves at most a file in tmp/, which no
 * listing shows (architecture §3) and a later APPEND removes.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "imap_date.h"
#include "imapd_session.h"
#include "log.h"
#include "mail_save.h"
#include "mem.h"

/* sess->append: the message being taken. */
typedef struct imapd_append {
	imapd_target_t target;
	mail_save_t *save;
	int nul;		/* a NUL octet came (RFC 3501 §9 CHAR8) */
	int error;		/* errno of a failed write */
} imapd_append_t;

/* The arguments before the message: mailbox [flag-list] [date-time].
 * Only their syntax is checked here (the folder by imapd_target_open):
 * the flag list's keywords are added to the folder at the end, and the
 * date is read into *date_r when wanted.  0, or -1 after imapd_bad(). */
static int imapd_append_args(imapd_session_t *sess, const imap_arg_t *args,
			     size_t n, const imap_arg_t **flags_r,
			     time_t *date_r)
{
	const char *text;
	size_t i = 1, len;
	mail_flags_t f;
	time_t date;

	*flags_r = NULL;
	*date_r = 0;
	if (n == 0) {
		imapd_bad(sess, NULL, "APPEND needs a mailbox and a message");
		return -1;
	}
	if (i < n && args[i].type == IMAP_ARG_LIST) {
		if (imapd_flags_parse_kw(sess, &args[i], &f, NULL) < 0)
			return -1;
		*flags_r = &args[i++];
	}
	if (i < n) {
		/* RFC 3501 §9: date-time is a quoted string. */
		text = args[i].type == IMAP_ARG_STRING ? args[i].text : NULL;
		len = args[i].len;
		if (text == NULL || imap_date_time_parse(text, len, &date, NULL) < 0) {
			imapd_bad(sess, NULL, "Invalid date-time");
			return -1;
		}
		*date_r = date;
		i++;
	}
	if (i != n) {
		imapd_bad(sess, NULL, "Invalid APPEND arguments");
		return -1;
	}
	return 0;
}

static int imapd_append_write(const char *p, size_t n, void *ctx)
{
	imapd_append_t *a = ctx;

	if (memchr(p, '\0', n) != NULL) {
		a->nul = 1;
		return -1;
	}
	if (mail_save_write(a->save, p, n) < 0) {
		a->error = errno;
		return -1;
	}
	return 0;
}

void imapd_append_abort(imapd_session_t *sess)
{
	imapd_append_t *a = sess->append;

	if (a == NULL)
		return;
	mail_save_abort(&a->save);
	imapd_target_close(&a->target);
	mem_free(a);
	sess->append = NULL;
}

int imapd_append_literal(imapd_session_t *sess, const imap_cmd_t *cmd)
{
	imapd_append_t *a;
	const imap_arg_t *flags;
	time_t date;
	int r, removed, failed = 0;

	/* One message per APPEND: MULTIAPPEND (RFC 3502) is not offered. */
	if (sess->append != NULL) {
		imapd_append_abort(sess);
		imapd_bad(sess, NULL, "One message per APPEND");
		return 0;
	}
	if (cmd->literal8) {
		imapd_bad(sess, NULL, "literal8 needs BINARY, which is not offered");
		return 0;
	}
	if (imapd_append_args(sess, cmd->args, cmd->nargs, &flags, &date) < 0)
		return 0;
	a = MEM_NEW(imapd_append_t);
	sess->append = a;
	if (imapd_target_open(sess, &cmd->args[0], &a->target) < 0) {
		imapd_append_abort(sess);
		return 0;
	}
	if (cmd->literal_size == 0) {
		imapd_append_abort(sess);
		imapd_no(sess, NULL, "An empty message is no message");
		return 0;
	}
	/* RFC 7889 §4: larger than APPENDLIMIT is NO [TOOBIG]. */
	if (imapd_conf.message_size_limit != 0 &&
	    cmd->literal_size > imapd_conf.message_size_limit) {
		imapd_append_abort(sess);
		imapd_no(sess, "TOOBIG", "Message larger than %llu octets",
			 imapd_conf.message_size_limit);
		return 0;
	}
	/* A session killed mid-APPEND left its file in tmp/: saves clean up
	 * after the dead, as Maildir readers do. */
	if ((removed = mail_save_clean_tmp(a->target.fd, time(NULL))) > 0)
		imapd_log_info(sess, "%s: %d stale files removed from tmp/",
			       buf_str(&a->target.name), removed);
	a->save = mail_save_begin(a->target.fd);
	if (a->save == NULL) {
		imapd_log_error(sess, "%s: cannot start a message: %s",
				buf_str(&a->target.name), strerror(errno));
		imapd_append_abort(sess);
		imapd_no(sess, "SERVERBUG", "Cannot save the message");
		return 0;
	}
	if (cmd->literal_sync) {
		stream_puts(sess->s, "+ Ready for literal data\r\n");
		stream_flush(sess->s);
	}
	r = imapd_read_stream(sess, cmd->literal_size, imapd_append_write, a,
			      &failed);
	if (r != STREAM_OK) {
		imapd_append_abort(sess);
		return r;
	}
	/* What went wrong is answered when the command is complete. */
	if (failed)
		mail_save_abort(&a->save);
	return 1;
}

/* Put the message in place under the target's lock; its UID into *uid_r. */
static int imapd_append_save(imapd_session_t *sess, imapd_append_t *a,
			     const imap_arg_t *flags, time_t date,
			     uint32_t *uid_r)
{
	imapd_target_t *t = &a->target;
	mail_flags_t f = { 0, 0 };
	buf_t name = BUF_INIT;
	const char *names[1];
	int r = -1;

	if (imapd_target_lock(sess, t) < 0)
		return -1;
	if ((flags == NULL || imapd_flags_parse_kw(sess, flags, &f, &t->keywords) == 0) &&
	    imapd_target_save_keywords(sess, t) == 0) {
		if (mail_save_finish(&a->save, &f, date, &name) < 0) {
			imapd_log_error(sess, "%s: cannot save a message: %s",
					buf_str(&t->name), strerror(errno));
			if (errno == ENOENT)
				imapd_no(sess, "TRYCREATE", "No such mailbox");
			else if (errno == EDQUOT || errno == ENOSPC)
				imapd_no(sess, "OVERQUOTA", "Not enough space");
			else
				imapd_no(sess, "SERVERBUG", "Cannot save the message");
		} else {
			names[0] = buf_str(&name);
			r = imapd_target_assign(sess, t, names, 1, uid_r);
		}
	}
	imapd_target_done(sess, t, r == 0);
	buf_release(&name);
	return r;
}

void imapd_cmd_append(imapd_session_t *sess, const imap_arg_t *args,
		      size_t nargs)
{
	imapd_append_t *a = sess->append;
	const imap_arg_t *flags;
	buf_t code = BUF_INIT;
	time_t date;
	uint32_t uid = 0;

	if (a == NULL || nargs == 0 || args[nargs - 1].type != IMAP_ARG_LITERAL_TAKEN) {
		imapd_append_abort(sess);
		imapd_bad(sess, NULL, "APPEND needs a message literal");
		return;
	}
	if (imapd_append_args(sess, args, nargs - 1, &flags, &date) < 0) {
		imapd_append_abort(sess);
		return;
	}
	if (a->nul) {
		imapd_bad(sess, NULL, "A NUL octet in the message");
	} else if (a->error != 0) {
		imapd_log_error(sess, "%s: cannot write a message: %s",
				buf_str(&a->target.name), strerror(a->error));
		if (a->error == EDQUOT || a->error == ENOSPC)
			imapd_no(sess, "OVERQUOTA", "Not enough space");
		else
			imapd_no(sess, "SERVERBUG", "Cannot save the message");
	} else if (imapd_append_save(sess, a, flags, date, &uid) == 0) {
		/* RFC 4315 §3 */
		buf_printf(&code, "APPENDUID %u %u",
			   imapd_target_validity(&a->target), uid);
		imapd_ok(sess, buf_str(&code), "APPEND completed");
	}
	buf_release(&code);
	imapd_append_abort(sess);
}

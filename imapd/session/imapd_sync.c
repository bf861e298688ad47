/* imapd_sync.c - telling the client what changed in the selected folder
 * (RFC 3501 §5.2, §7.3.1, §7.4.1).
 *
 * lib/mail_view.h compares the disk with the session's view; this file
 * turns the differences into untagged responses at the moments the
 * dispatcher allows: EXPUNGE only when the command permits it (never
 * during FETCH, STORE or SEARCH, so that sequence numbers the client just
 * used stay valid), flag changes made by others as FETCH (UID n FLAGS
 * (...)), new messages as EXISTS and RECENT.  EXPUNGE responses go out in
 * descending sequence order, each number valid at its moment (§7.4.1).
 * sess->exists is what the client was last told: sequence sets are
 * resolved against it, never against messages it has not heard of.
 */
#include <errno.h>

#include "imapd_session.h"
#include "log.h"

static void imapd_sync_expunge(uint32_t seq, void *ctx)
{
	imapd_session_t *sess = ctx;

	imapd_untagged(sess, "%u EXPUNGE", seq);
	sess->exists--;
}

static void imapd_sync_flags(uint32_t seq, void *ctx)
{
	imapd_session_t *sess = ctx;
	mail_view_msg_t *m = &sess->view->msgs[seq - 1];
	buf_t flags = BUF_INIT;

	if (seq > sess->exists)
		return;		/* new: its EXISTS comes below */
	imapd_flags_write(sess, &m->flags, m->recent, &flags);
	imapd_untagged(sess, "%u FETCH (UID %u FLAGS %s)", seq, m->uid,
		       buf_str(&flags));
	buf_release(&flags);
}

static int imapd_keyword_count(const mail_keywords_t *kw)
{
	int n = 0;

	for (int i = 0; i < MAIL_KEYWORDS_MAX; i++)
		if (kw->names[i] != NULL)
			n++;
	return n;
}

void imapd_sync_flags_announce(imapd_session_t *sess)
{
	buf_t flags = BUF_INIT;
	const mail_keywords_t *kw = &sess->view->keywords;

	buf_puts(&flags, "\\Answered \\Flagged \\Deleted \\Seen \\Draft");
	for (int i = 0; i < MAIL_KEYWORDS_MAX; i++)
		if (kw->names[i] != NULL)
			buf_printf(&flags, " %s", kw->names[i]);
	imapd_untagged(sess, "FLAGS (%s)", buf_str(&flags));
	if (sess->readonly)
		imapd_untagged(sess, "OK [PERMANENTFLAGS ()] Read-only mailbox");
	else
		/* \* : new keywords may be made while the list has room. */
		imapd_untagged(sess, "OK [PERMANENTFLAGS (%s%s)] Flags permitted",
			       buf_str(&flags),
			       imapd_keyword_count(kw) < MAIL_KEYWORDS_MAX ?
			       " \\*" : "");
	sess->keywords_announced = imapd_keyword_count(kw);
	buf_release(&flags);
}

int imapd_sync(imapd_session_t *sess, int expunges)
{
	mail_view_t *v = sess->view;

	if (v == NULL)
		return 0;
	if (mail_view_sync(v) < 0) {
		if (errno == ENOENT || errno == ESTALE) {
			/* The folder was deleted or renamed under us, or its
			 * UIDs were reset: nothing we told the client holds. */
			imapd_log_info(sess, "folder %s is gone", sess->sel_name);
			imapd_untagged(sess, "BYE Selected mailbox was removed");
			sess->state = IMAPD_LOGOUT;
			return -1;
		}
		imapd_log_error(sess, "sync %s: %m", sess->sel_name);
		return 0;
	}
	if (imapd_keyword_count(&v->keywords) != sess->keywords_announced)
		imapd_sync_flags_announce(sess);
	if (expunges && v->expunges > 0)
		mail_view_take_expunges(v, imapd_sync_expunge, sess);
	mail_view_take_flag_changes(v, imapd_sync_flags, sess);
	if (v->n != sess->exists) {
		sess->exists = (uint32_t) v->n;
		imapd_untagged(sess, "%u EXISTS", sess->exists);
	}
	if (v->recent != sess->recent) {
		sess->recent = v->recent;
		imapd_untagged(sess, "%zu RECENT", sess->recent);
	}
	return 0;
}

/* imapd_cmd_select.c - choosing a folder and leaving it (RFC 3501 §6.3.1,
 * §6.3.2, §6.4.1-§6.4.3; RFC 3691 UNSELECT; RFC 4315 §2.1 UID EXPUNGE).
 *
 * SELECT opens a view of the folder (lib/mail_view.h: its first look
 * assigns UIDs to new arrivals, which are \Recent for this session), the
 * folder's cache (lib/mail_index.h) and an inotify watch for IDLE, then
 * says FLAGS, EXISTS, RECENT, the first unseen message, UIDVALIDITY,
 * UIDNEXT and PERMANENTFLAGS before the tagged OK [READ-WRITE] or
 * [READ-ONLY].  A SELECT while a folder is selected leaves it first,
 * without expunging (§6.3.1), and a failed SELECT leaves the session in
 * the authenticated state.
 */
#include <errno.h>
#include <unistd.h>

#include "log.h"
#include "maildir_watch.h"
#include "mailbox.h"
#include "mem.h"
#include "imapd_session.h"

void imapd_select_close(imapd_session_t *sess)
{
	if (sess->watch_fd >= 0)
		close(sess->watch_fd);
	sess->watch_fd = -1;
	mail_index_close(&sess->index);
	mail_view_close(&sess->view);
	mem_free(sess->sel_name);
	mem_free(sess->sel_dir);
	sess->sel_name = sess->sel_dir = NULL;
	sess->exists = 0;
	sess->recent = 0;
	if (sess->state == IMAPD_SELECTED)
		sess->state = IMAPD_AUTHENTICATED;
}

static void imapd_select(imapd_session_t *sess, const imap_arg_t *args,
			 size_t nargs, int readonly)
{
	buf_t name = BUF_INIT, dir = BUF_INIT;
	mail_view_t *v;
	char *path = NULL, *err = NULL;
	uint32_t unseen = 0;

	if (nargs != 1) {
		imapd_bad(sess, NULL, "%s takes one mailbox name",
			  readonly ? "EXAMINE" : "SELECT");
		goto out;
	}
	imapd_select_close(sess);
	if (imapd_folder_arg(sess, &args[0], &name, &dir) < 0)
		goto out;
	if (!imapd_folder_exists(sess, buf_str(&dir))) {
		imapd_no(sess, "NONEXISTENT", "No such mailbox");
		goto out;
	}
	path = imapd_folder_path(sess, buf_str(&dir));
	if ((v = mail_view_open(path, readonly, &err)) == NULL) {
		imapd_log_error(sess, "select %s: %s", buf_str(&name), err);
		imapd_no(sess, "SERVERBUG", "Cannot open the mailbox");
		goto out;
	}
	sess->view = v;
	sess->readonly = readonly;
	sess->sel_name = buf_steal(&name);
	sess->sel_dir = buf_steal(&dir);
	sess->index = mail_index_open(path, mailbox_dir_fd(v->mb), v->validity);
	sess->watch_fd = maildir_watch_open(path);
	sess->state = IMAPD_SELECTED;
	/* What is already gone is not news to this client. */
	mail_view_take_expunges(v, NULL, NULL);
	mail_view_take_flag_changes(v, NULL, NULL);
	sess->exists = (uint32_t) v->n;
	sess->recent = v->recent;
	imapd_sync_flags_announce(sess);
	imapd_untagged(sess, "%u EXISTS", sess->exists);
	imapd_untagged(sess, "%zu RECENT", sess->recent);
	for (size_t i = 0; i < v->n; i++)
		if (!(v->msgs[i].flags.upper & (1u << ('S' - 'A')))) {
			unseen = (uint32_t) i + 1;
			break;
		}
	if (unseen != 0)
		imapd_untagged(sess, "OK [UNSEEN %u] First unseen", unseen);
	imapd_untagged(sess, "OK [UIDVALIDITY %u] UIDs valid", v->validity);
	imapd_untagged(sess, "OK [UIDNEXT %u] Predicted next UID", v->next_uid);
	imapd_ok(sess, readonly ? "READ-ONLY" : "READ-WRITE", "%s completed",
		 readonly ? "EXAMINE" : "SELECT");
out:
	mem_free(path);
	mem_free(err);
	buf_release(&name);
	buf_release(&dir);
}

void imapd_cmd_select(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	imapd_select(sess, args, nargs, 0);
}

void imapd_cmd_examine(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	imapd_select(sess, args, nargs, 1);
}

/* Remove the messages marked \Deleted (and, with seqs, inside that
 * set).  Returns how many could not be removed. */
static size_t imapd_expunge_deleted(imapd_session_t *sess, const imap_seqset_t *seqs)
{
	mail_view_t *v = sess->view;
	size_t failed = 0;

	mail_index_begin(sess->index, 1);
	for (size_t i = 0; i < v->n; i++) {
		mail_view_msg_t *m = &v->msgs[i];

		if (m->expunged || !(m->flags.upper & (1u << ('T' - 'A'))))
			continue;
		if (seqs != NULL && !imap_seqset_contains(seqs, (uint32_t) i + 1))
			continue;
		if (mail_view_remove(v, m) < 0 && errno != ENOENT) {
			imapd_log_error(sess, "expunge %s uid %u: %m",
					sess->sel_name, m->uid);
			failed++;
			continue;
		}
		(void) mail_index_forget(sess->index, m->uid);
	}
	mail_index_end(sess->index);
	return failed;
}

void imapd_cmd_expunge(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	imap_seqset_t seqs;

	if (nargs != (sess->uid ? 1u : 0u)) {
		imapd_bad(sess, NULL, sess->uid ? "UID EXPUNGE takes a UID set" :
			  "EXPUNGE takes no arguments");
		return;
	}
	if (sess->uid && imapd_msgset(sess, &args[0], 1, &seqs) < 0)
		return;
	if (sess->readonly)
		imapd_no(sess, "READ-ONLY", "Mailbox is read-only");
	/* The EXPUNGE responses come from the dispatcher's sync. */
	else if (imapd_expunge_deleted(sess, sess->uid ? &seqs : NULL) > 0)
		imapd_no(sess, "SERVERBUG", "Some messages could not be expunged");
	else
		imapd_ok(sess, NULL, "Expunge completed");
	if (sess->uid)
		imap_seqset_release(&seqs);
}

void imapd_cmd_close(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	(void) args;
	if (nargs != 0) {
		imapd_bad(sess, NULL, "CLOSE takes no arguments");
		return;
	}
	/* §6.4.2: expunge silently, no EXPUNGE responses. */
	if (!sess->readonly)
		(void) imapd_expunge_deleted(sess, NULL);
	imapd_select_close(sess);
	imapd_ok(sess, NULL, "Close completed");
}

void imapd_cmd_unselect(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	(void) args;
	if (nargs != 0) {
		imapd_bad(sess, NULL, "UNSELECT takes no arguments");
		return;
	}
	imapd_select_close(sess);
	imapd_ok(sess, NULL, "Unselect completed");
}

void imapd_cmd_check(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	(void) args;
	if (nargs != 0) {
		imapd_bad(sess, NULL, "CHECK takes no arguments");
		return;
	}
	/* Every change is on disk when its command ends: nothing to do but
	 * the report that follows every command. */
	imapd_ok(sess, NULL, "Check completed");
}

/* imapd_target.c - the folder that APPEND, COPY and MOVE put messages
 * into: found by the client's name, locked, its keyword list extended and
 * the new files given their UIDs.
 *
 * The target may be any folder, the selected one included, so it is
 * reached the way every writer reaches a folder (architecture §3): the
 * folder's lock (MAIL_VIEW_LOCK_FILE, the one mail_view takes) held while
 * the keyword list is extended, the files linked into cur/ and their
 * UIDs appended to the UID list, so that the UIDs follow the order the
 * command gives (RFC 4315 §3: COPYUID pairs them in source order) and no
 * other writer can slip in between.  The selected view does not hold the
 * lock between its own calls, so taking it here through a descriptor of
 * our own cannot deadlock against it (it is let go before the view is
 * synced).  The new messages are \Recent (RFC 3501 §6.3.11, §6.4.7) for
 * the first session that sees them (lib/mail_view.h): when the target is
 * the selected folder, that is this one, as its view is synced at once
 * (the dispatcher then reports EXISTS and RECENT).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_util.h"
#include "imapd_session.h"
#include "log.h"
#include "maildir.h"
#include "mem.h"

int imapd_target_open(imapd_session_t *sess, const imap_arg_t *arg,
		      imapd_target_t *t)
{
	memset(t, 0, sizeof(*t));
	t->fd = t->lock_fd = -1;
	mail_uidlist_init(&t->uidlist, "");
	if (imapd_folder_arg(sess, arg, &t->name, &t->dir) < 0)
		return -1;
	/* RFC 3501 §6.3.11, §6.4.7: a missing target is NO [TRYCREATE]. */
	if (!imapd_folder_exists(sess, buf_str(&t->dir))) {
		imapd_no(sess, "TRYCREATE", "No such mailbox");
		return -1;
	}
	t->fd = openat(sess->root_fd, t->dir.len ? buf_str(&t->dir) : ".",
		       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (t->fd < 0) {
		if (errno == ENOENT)
			imapd_no(sess, "TRYCREATE", "No such mailbox");
		else
			imapd_no(sess, "SERVERBUG", "Cannot open the mailbox");
		return -1;
	}
	t->uidlist.label = buf_str(&t->name);
	t->selected = sess->view != NULL && sess->sel_dir != NULL &&
		strcmp(sess->sel_dir, buf_str(&t->dir)) == 0;
	return 0;
}

/* Is the folder's name still the directory opened?  A DELETE or RENAME
 * in between (another session; APPEND's literal takes time) moves the
 * directory away, and the descriptor with it. */
static int imapd_target_same(imapd_session_t *sess, imapd_target_t *t)
{
	struct stat opened, named;

	return fstat(t->fd, &opened) == 0 &&
		fstatat(sess->root_fd, t->dir.len ? buf_str(&t->dir) : ".",
			&named, AT_SYMLINK_NOFOLLOW) == 0 &&
		opened.st_dev == named.st_dev && opened.st_ino == named.st_ino;
}

int imapd_target_lock(imapd_session_t *sess, imapd_target_t *t)
{
	if (t->lock_fd >= 0)
		return 0;
	t->lock_fd = file_lock_at(t->fd, MAIL_VIEW_LOCK_FILE, 1);
	if (t->lock_fd < 0) {
		imapd_log_error(sess, "%s: cannot lock: %s", buf_str(&t->name),
				strerror(errno));
		imapd_no(sess, "SERVERBUG", "Cannot lock the mailbox");
		return -1;
	}
	if (!imapd_target_same(sess, t)) {
		imapd_no(sess, "TRYCREATE", "The mailbox is gone");
		imapd_target_unlock(t);
		return -1;
	}
	/* Only the lock's holder writes these: read them afresh now. */
	mail_keywords_free(&t->keywords);
	if (mail_keywords_load(t->fd, &t->keywords) < 0 ||
	    mail_uidlist_refresh(t->fd, &t->uidlist) < 0) {
		imapd_log_error(sess, "%s: cannot read its lists: %s",
				buf_str(&t->name), strerror(errno));
		imapd_no(sess, "SERVERBUG", "Cannot read the mailbox");
		imapd_target_unlock(t);
		return -1;
	}
	return 0;
}

void imapd_target_unlock(imapd_target_t *t)
{
	if (t->lock_fd >= 0) {
		close(t->lock_fd);
		t->lock_fd = -1;
	}
}

int imapd_target_save_keywords(imapd_session_t *sess, imapd_target_t *t)
{
	if (!t->keywords.changed)
		return 0;
	/* Before any file names the new letters: a reader must find them. */
	if (mail_keywords_save(t->fd, &t->keywords) < 0) {
		imapd_log_error(sess, "%s: cannot write its keywords: %s",
				buf_str(&t->name), strerror(errno));
		imapd_no(sess, "SERVERBUG", "Cannot write the keyword list");
		return -1;
	}
	t->keywords.changed = 0;
	return 0;
}

int imapd_target_assign(imapd_session_t *sess, imapd_target_t *t,
			const char *const *names, size_t n, uint32_t *uids_r)
{
	char **bases = mem_reallocarray(NULL, n ? n : 1, sizeof(*bases));
	int r = 0;

	for (size_t i = 0; i < n; i++)
		bases[i] = mem_strndup(names[i], maildir_name_base_len(names[i]));
	if (n > 0 && mail_uidlist_append(t->fd, &t->uidlist,
					   (const char *const *) bases, n, 0) < 0) {
		imapd_log_error(sess, "%s: cannot give UIDs: %s",
				buf_str(&t->name), strerror(errno));
		imapd_no(sess, "SERVERBUG", "Cannot give the messages UIDs");
		r = -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (r == 0 && (uids_r[i] = mail_uidlist_find(&t->uidlist, bases[i])) == 0) {
			imapd_log_error(sess, "%s: %s has no UID after the append",
					buf_str(&t->name), bases[i]);
			imapd_no(sess, "SERVERBUG", "Cannot give the messages UIDs");
			r = -1;
		}
		mem_free(bases[i]);
	}
	mem_free(bases);
	return r;
}

void imapd_target_done(imapd_session_t *sess, imapd_target_t *t, size_t n)
{
	imapd_target_unlock(t);
	/* The view claims the new messages as \Recent (lib/mail_view.h). */
	if (t->selected && n > 0 && mail_view_sync(sess->view) < 0)
		imapd_log_error(sess, "%s: cannot sync the view: %s",
				buf_str(&t->name), strerror(errno));
}

void imapd_target_close(imapd_target_t *t)
{
	imapd_target_unlock(t);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	mail_keywords_free(&t->keywords);
	mail_uidlist_free(&t->uidlist);
	buf_release(&t->name);
	buf_release(&t->dir);
}

uint32_t imapd_target_validity(const imapd_target_t *t)
{
	return t->uidlist.validity;
}

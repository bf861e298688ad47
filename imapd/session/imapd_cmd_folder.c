/* imapd_cmd_folder.c - CREATE, DELETE, RENAME, SUBSCRIBE and UNSUBSCRIBE
 * (RFC 3501 §6.3.3-§6.3.7, RFC 6154 §3 CREATE-SPECIAL-USE), and the
 * special-use folders a new user starts with.
 *
 * Folders are Maildir++ directories (lib/mail_folder.h), reached by the
 * name imapd_folder_arg() checked; every change to the tree is made under
 * IMAPD_FOLDERS_LOCK (imapd_folder_ops.h).  What this file decides:
 *
 *   - CREATE "a/b" makes ".a.b" alone: Maildir++ needs no parent, and LIST
 *     shows "a" as a name with children that is no folder (\Noselect, or
 *     \NonExistent with LIST-EXTENDED).  One trailing '/' is dropped
 *     (RFC 3501 §6.3.3).  A new folder's UID list is written at once with
 *     a UIDVALIDITY from imapd_validity.c, so its value is fixed before
 *     any client sees the folder.
 *   - DELETE of a folder with children removes the folder's directory
 *     and messages and keeps the children, whose directories are their
 *     own: the name then exists only as their parent, which is the
 *     \Noselect state RFC 3501 §6.3.4 gives it.  Deleting such a name
 *     again (or any name that has no directory) is NO [NONEXISTENT].
 *     INBOX cannot be deleted.  Subscriptions stay (§6.3.6: the server
 *     never removes a name from them by itself).
 *   - RENAME moves the folder and every folder below it (§6.3.5); the
 *     subscriptions of those names move along, as a client that renamed
 *     a folder it sees expects to still see it.  RENAME INBOX makes the
 *     new folder and moves INBOX's messages (and its keyword names, which
 *     their file names refer to) into it; INBOX stays, empty, with its
 *     own folders below it untouched.  The moved messages get new UIDs in
 *     the new folder, under its new UIDVALIDITY.  A name that is only the
 *     parent of folders (no directory of its own) cannot be renamed: NO
 *     [NONEXISTENT], as for DELETE.
 *   - DELETE of the selected folder, or RENAME of it or of a folder
 *     above it, closes it first, as UNSELECT would: the session is then
 *     in the authenticated state.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_util.h"
#include "imapd_folder_ops.h"
#include "imapd_session.h"
#include "log.h"
#include "mail_flags.h"
#include "mail_folder.h"
#include "mail_subscribe.h"
#include "mail_uidlist.h"
#include "mail_view.h"
#include "mem.h"

/* The folders a new user gets, with their special uses. */
static const struct {
	const char *name;
	unsigned use;
} imapd_default_folders[] = {
	{ "Drafts", IMAPD_USE_DRAFTS },
	{ "Sent", IMAPD_USE_SENT },
	{ "Trash", IMAPD_USE_TRASH },
	{ "Junk", IMAPD_USE_JUNK },
	{ "Archive", IMAPD_USE_ARCHIVE },
};

static int imapd_folder_tree_lock(imapd_session_t *sess)
{
	int fd = file_lock_at(sess->root_fd, IMAPD_FOLDERS_LOCK, 1);

	if (fd < 0)
		imapd_log_error(sess, "lock %s: %s", IMAPD_FOLDERS_LOCK, strerror(errno));
	return fd;
}

/* Is there a directory dir in the Maildir at all (a folder, or the
 * remains of one without cur/)? */
static int imapd_folder_dir_present(imapd_session_t *sess, const char *dir)
{
	struct stat st;

	return fstatat(sess->root_fd, dir, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		S_ISDIR(st.st_mode);
}

/* The UIDVALIDITY of the folder dir, 0 when it has no UID list. */
static uint32_t imapd_folder_validity(imapd_session_t *sess, const char *dir)
{
	int dfd = openat(sess->root_fd, *dir ? dir : ".", O_RDONLY | O_DIRECTORY |
			 O_NOFOLLOW | O_CLOEXEC);
	mail_uidlist_t ul;
	uint32_t v = 0;

	if (dfd < 0)
		return 0;
	mail_uidlist_init(&ul, dir);
	if (mail_uidlist_refresh(dfd, &ul) == 0)
		v = ul.validity;
	mail_uidlist_free(&ul);
	close(dfd);
	return v;
}

/* Make the folder dir (the tree lock held): its directory, its UID list
 * with a fresh UIDVALIDITY and its special uses.  0, or -1 with errno
 * (EEXIST: there is one); nothing is left behind on failure. */
static int imapd_folder_make(imapd_session_t *sess, const char *dir, unsigned uses)
{
	mail_uidlist_t ul;
	int dfd, lock = -1, r = -1, err;

	if (mail_folder_create(sess->root_fd, dir) < 0)
		return -1;
	dfd = openat(sess->root_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	mail_uidlist_init(&ul, dir);
	if (dfd >= 0 && (lock = file_lock_at(dfd, MAIL_VIEW_LOCK_FILE, 1)) >= 0 &&
	    mail_uidlist_refresh(dfd, &ul) == 0 &&
	    (ul.validity != 0 || imapd_validity_new(sess->root_fd, dfd, &ul) == 0) &&
	    (uses == 0 || imapd_special_use_set(sess->root_fd, dir, uses) == 0))
		r = 0;
	err = errno;
	mail_uidlist_free(&ul);
	if (lock >= 0)
		close(lock);
	if (dfd >= 0)
		close(dfd);
	if (r < 0) {
		imapd_log_error(sess, "create folder %s: %s", dir, strerror(err));
		(void) mail_folder_delete(sess->root_fd, dir);
		errno = err;
	}
	return r;
}

/* Close the selected folder when it is dir, or lies below it and
 * children is set (a RENAME moves them; a DELETE leaves them). */
static void imapd_folder_leave(imapd_session_t *sess, const char *dir, int children)
{
	size_t len = strlen(dir);

	if (sess->state != IMAPD_SELECTED || sess->sel_dir == NULL)
		return;
	if (strncmp(sess->sel_dir, dir, len) == 0 &&
	    (sess->sel_dir[len] == '\0' || (children && sess->sel_dir[len] == '.')))
		imapd_select_close(sess);
}

/* CREATE-SPECIAL-USE parameters (RFC 6154 §3): "(USE (\Drafts ...))".
 * The uses into *uses_r: 0, or -1 after imapd_bad()/imapd_no(). */
static int imapd_create_params(imapd_session_t *sess, const imap_arg_t *arg,
			       unsigned *uses_r)
{
	const imap_arg_t *p, *u;
	size_t np, nu;

	*uses_r = 0;
	if ((p = imap_arg_list(arg, &np)) == NULL || np == 0) {
		imapd_bad(sess, NULL, "Invalid CREATE parameters");
		return -1;
	}
	for (size_t i = 0; i < np; i++) {
		if (!imap_arg_atom_is(&p[i], "USE") || i + 1 == np ||
		    (u = imap_arg_list(&p[i + 1], &nu)) == NULL) {
			imapd_bad(sess, NULL, "Unknown CREATE parameter");
			return -1;
		}
		for (size_t j = 0; j < nu; j++) {
			const char *attr = imap_arg_atom(&u[j]);
			unsigned bit = attr ? imapd_special_use_bit(attr) : 0;

			if (attr == NULL || attr[0] != '\\') {
				imapd_bad(sess, NULL, "Invalid special-use attribute");
				return -1;
			}
			if (bit == 0) {
				imapd_no(sess, "USEATTR", "Unsupported special-use attribute %s", attr);
				return -1;
			}
			*uses_r |= bit;
		}
		i++;
	}
	return 0;
}

void imapd_cmd_create(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	buf_t name = BUF_INIT, dir = BUF_INIT;
	imap_arg_t arg;
	unsigned uses = 0;
	int lock;

	if (nargs < 1 || nargs > 2) {
		imapd_bad(sess, NULL, "CREATE needs a mailbox name");
		return;
	}
	if (nargs == 2 && imapd_create_params(sess, &args[1], &uses) < 0)
		return;
	/* RFC 3501 §6.3.3: a trailing delimiter only says the client means
	 * to create names below it; the name is made without it. */
	arg = args[0];
	if (arg.text != NULL && arg.len > 1 && arg.text[arg.len - 1] == '/') {
		arg.text = mem_strndup(arg.text, arg.len - 1);
		arg.len--;
	}
	if (imapd_folder_arg(sess, &arg, &name, &dir) < 0)
		goto out;
	if (dir.len == 0) {
		imapd_no(sess, "ALREADYEXISTS", "INBOX always exists");
		goto out;
	}
	if ((lock = imapd_folder_tree_lock(sess)) < 0) {
		imapd_no(sess, "SERVERBUG", "Cannot create the mailbox now");
		goto out;
	}
	if (imapd_folder_dir_present(sess, buf_str(&dir)))
		imapd_no(sess, "ALREADYEXISTS", "Mailbox already exists");
	else if (imapd_folder_make(sess, buf_str(&dir), uses) < 0)
		imapd_no(sess, errno == EEXIST ? "ALREADYEXISTS" : "SERVERBUG",
			 errno == EEXIST ? "Mailbox already exists" : "Cannot create the mailbox");
	else
		imapd_ok(sess, NULL, "Create completed");
	close(lock);
out:
	if (arg.text != args[0].text)
		mem_free(arg.text);
	buf_release(&name);
	buf_release(&dir);
}

void imapd_cmd_delete(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	buf_t name = BUF_INIT, dir = BUF_INIT;
	int lock;

	if (nargs != 1) {
		imapd_bad(sess, NULL, "DELETE needs a mailbox name");
		return;
	}
	if (imapd_folder_arg(sess, &args[0], &name, &dir) < 0)
		goto out;
	if (dir.len == 0) {
		imapd_no(sess, NULL, "INBOX cannot be deleted");
		goto out;
	}
	if ((lock = imapd_folder_tree_lock(sess)) < 0) {
		imapd_no(sess, "SERVERBUG", "Cannot delete the mailbox now");
		goto out;
	}
	if (!imapd_folder_dir_present(sess, buf_str(&dir))) {
		imapd_no(sess, "NONEXISTENT", "Mailbox does not exist");
	} else if (imapd_validity_retire(sess->root_fd,
					 imapd_folder_validity(sess, buf_str(&dir))) < 0) {
		imapd_log_error(sess, "save %s: %s", IMAPD_VALIDITY_FILE, strerror(errno));
		imapd_no(sess, "SERVERBUG", "Cannot delete the mailbox");
	} else {
		imapd_folder_leave(sess, buf_str(&dir), 0);
		if (mail_folder_delete(sess->root_fd, buf_str(&dir)) == 0) {
			imapd_ok(sess, NULL, "Delete completed");
		} else if (errno == ENOENT) {
			imapd_no(sess, "NONEXISTENT", "Mailbox does not exist");
		} else {
			imapd_log_error(sess, "delete folder %s: %s", buf_str(&dir), strerror(errno));
			imapd_no(sess, "SERVERBUG", "Cannot delete the mailbox");
		}
	}
	close(lock);
out:
	buf_release(&name);
	buf_release(&dir);
}

/* Move the messages of one of INBOX's new/ and cur/ into the folder's. */
static int imapd_inbox_move_dir(imapd_session_t *sess, const char *to_dir,
				const char *sub)
{
	char *to = mem_printf("%s/%s", to_dir, sub);
	int from_fd = openat(sess->root_fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int to_fd = openat(sess->root_fd, to, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int scan_fd = from_fd >= 0 ? dup(from_fd) : -1, r = 0, err = 0;
	DIR *d = scan_fd >= 0 ? fdopendir(scan_fd) : NULL;
	struct dirent *e;

	mem_free(to);
	if (d == NULL || to_fd < 0) {
		err = errno;
		r = -1;
	}
	while (r == 0 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || (e->d_type != DT_REG && e->d_type != DT_UNKNOWN))
			continue;
		/* A message that another program removed meanwhile is gone
		 * either way. */
		if (renameat(from_fd, e->d_name, to_fd, e->d_name) < 0 && errno != ENOENT) {
			err = errno;
			r = -1;
		}
	}
	if (r == 0 && (fsync(to_fd) < 0 || fsync(from_fd) < 0)) {
		err = errno;
		r = -1;
	}
	if (d != NULL)
		closedir(d);
	else if (scan_fd >= 0)
		close(scan_fd);
	if (from_fd >= 0)
		close(from_fd);
	if (to_fd >= 0)
		close(to_fd);
	errno = err;
	return r;
}

static int imapd_keywords_any(const mail_keywords_t *kw)
{
	for (size_t i = 0; i < MAIL_KEYWORDS_MAX; i++)
		if (kw->names[i] != NULL)
			return 1;
	return 0;
}

/* RENAME INBOX new (RFC 3501 §6.3.5), the tree lock held. */
static void imapd_rename_inbox(imapd_session_t *sess, const char *to_dir)
{
	mail_keywords_t kw;
	int lock, dfd, r = -1;

	memset(&kw, 0, sizeof(kw));
	if (imapd_folder_dir_present(sess, to_dir)) {
		imapd_no(sess, "ALREADYEXISTS", "Mailbox already exists");
		return;
	}
	if (imapd_folder_make(sess, to_dir, 0) < 0) {
		imapd_no(sess, "SERVERBUG", "Cannot create the mailbox");
		return;
	}
	/* INBOX's lock keeps its keyword list and UID assignments still
	 * while its messages leave. */
	if ((lock = file_lock_at(sess->root_fd, MAIL_VIEW_LOCK_FILE, 1)) < 0) {
		imapd_log_error(sess, "lock INBOX: %s", strerror(errno));
		imapd_no(sess, "SERVERBUG", "Cannot rename INBOX now");
		(void) mail_folder_delete(sess->root_fd, to_dir);
		return;
	}
	dfd = openat(sess->root_fd, to_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd >= 0 && mail_keywords_load(sess->root_fd, &kw) == 0 &&
	    (!imapd_keywords_any(&kw) || mail_keywords_save(dfd, &kw) == 0) &&
	    imapd_inbox_move_dir(sess, to_dir, "new") == 0 &&
	    imapd_inbox_move_dir(sess, to_dir, "cur") == 0)
		r = 0;
	if (r < 0)
		imapd_log_error(sess, "rename INBOX to %s: %s", to_dir, strerror(errno));
	mail_keywords_free(&kw);
	if (dfd >= 0)
		close(dfd);
	close(lock);
	if (r < 0)
		imapd_no(sess, "SERVERBUG", "Cannot move all of INBOX's messages");
	else
		imapd_ok(sess, NULL, "Rename completed");
}

/* The subscriptions of from and the names below it become to's. */
static void imapd_rename_subscriptions(imapd_session_t *sess, const char *from,
				       const char *to)
{
	mail_subscriptions_t subs;
	size_t len = strlen(from);
	char **moved;
	size_t n = 0;

	if (mail_subscribe_load(sess->root_fd, &subs) < 0) {
		imapd_log_error(sess, "load subscriptions: %s", strerror(errno));
		return;
	}
	moved = mem_reallocarray(NULL, subs.n + 1, sizeof(*moved));
	for (size_t i = 0; i < subs.n; i++) {
		const char *s = subs.names[i];

		if (strncmp(s, from, len) == 0 && (s[len] == '\0' || s[len] == '/'))
			moved[n++] = mem_strdup(s);
	}
	for (size_t i = 0; i < n; i++) {
		char *new_name = mem_printf("%s%s", to, moved[i] + len);

		if (mail_subscribe_set(sess->root_fd, &subs, moved[i], 0) < 0 ||
		    mail_subscribe_set(sess->root_fd, &subs, new_name, 1) < 0)
			imapd_log_error(sess, "save subscriptions: %s", strerror(errno));
		mem_free(new_name);
		mem_free(moved[i]);
	}
	mem_free(moved);
	mail_subscribe_free(&subs);
}

void imapd_cmd_rename(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	buf_t from = BUF_INIT, from_dir = BUF_INIT, to = BUF_INIT, to_dir = BUF_INIT;
	int lock;

	if (nargs != 2) {
		imapd_bad(sess, NULL, "RENAME needs two mailbox names");
		return;
	}
	if (imapd_folder_arg(sess, &args[0], &from, &from_dir) < 0 ||
	    imapd_folder_arg(sess, &args[1], &to, &to_dir) < 0)
		goto out;
	if (to_dir.len == 0) {
		imapd_no(sess, "ALREADYEXISTS", "INBOX always exists");
		goto out;
	}
	if ((lock = imapd_folder_tree_lock(sess)) < 0) {
		imapd_no(sess, "SERVERBUG", "Cannot rename the mailbox now");
		goto out;
	}
	if (from_dir.len == 0) {
		imapd_rename_inbox(sess, buf_str(&to_dir));
	} else if (!imapd_folder_dir_present(sess, buf_str(&from_dir))) {
		imapd_no(sess, "NONEXISTENT", "Mailbox does not exist");
	} else if (imapd_folder_dir_present(sess, buf_str(&to_dir))) {
		imapd_no(sess, "ALREADYEXISTS", "Mailbox already exists");
	} else if (imapd_validity_retire(sess->root_fd,
					 imapd_folder_validity(sess, buf_str(&from_dir))) < 0) {
		imapd_log_error(sess, "save %s: %s", IMAPD_VALIDITY_FILE, strerror(errno));
		imapd_no(sess, "SERVERBUG", "Cannot rename the mailbox");
	} else {
		imapd_folder_leave(sess, buf_str(&from_dir), 1);
		if (mail_folder_rename(sess->root_fd, buf_str(&from_dir), buf_str(&to_dir)) == 0) {
			imapd_rename_subscriptions(sess, buf_str(&from), buf_str(&to));
			imapd_ok(sess, NULL, "Rename completed");
		} else if (errno == ENOENT) {
			imapd_no(sess, "NONEXISTENT", "Mailbox does not exist");
		} else if (errno == EEXIST) {
			imapd_no(sess, "ALREADYEXISTS", "A mailbox of the new names exists");
		} else if (errno == EINVAL) {
			imapd_no(sess, "CANNOT", "Cannot rename a mailbox below itself");
		} else if (errno == ENAMETOOLONG) {
			imapd_no(sess, "CANNOT", "The new names would be too long");
		} else {
			imapd_log_error(sess, "rename folder %s to %s: %s",
					buf_str(&from_dir), buf_str(&to_dir), strerror(errno));
			imapd_no(sess, "SERVERBUG", "Cannot rename the mailbox");
		}
	}
	close(lock);
out:
	buf_release(&from);
	buf_release(&from_dir);
	buf_release(&to);
	buf_release(&to_dir);
}

static void imapd_subscribe(imapd_session_t *sess, const imap_arg_t *args,
			    size_t nargs, int on)
{
	buf_t name = BUF_INIT, dir = BUF_INIT;
	mail_subscriptions_t subs;

	if (nargs != 1) {
		imapd_bad(sess, NULL, "A mailbox name is needed");
		return;
	}
	if (imapd_folder_arg(sess, &args[0], &name, &dir) < 0)
		goto out;
	if (mail_subscribe_load(sess->root_fd, &subs) < 0) {
		imapd_log_error(sess, "load subscriptions: %s", strerror(errno));
		imapd_no(sess, "SERVERBUG", "Cannot read the subscriptions");
		goto out;
	}
	if (mail_subscribe_set(sess->root_fd, &subs, buf_str(&name), on) == 0)
		imapd_ok(sess, NULL, "%s completed", on ? "Subscribe" : "Unsubscribe");
	else if (errno == ENOSPC)
		imapd_no(sess, "LIMIT", "Too many subscriptions");
	else {
		imapd_log_error(sess, "save subscriptions: %s", strerror(errno));
		imapd_no(sess, "SERVERBUG", "Cannot save the subscriptions");
	}
	mail_subscribe_free(&subs);
out:
	buf_release(&name);
	buf_release(&dir);
}

void imapd_cmd_subscribe(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	imapd_subscribe(sess, args, nargs, 1);
}

void imapd_cmd_unsubscribe(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	imapd_subscribe(sess, args, nargs, 0);
}

void imapd_folder_defaults(imapd_session_t *sess)
{
	mail_folder_list_t list;
	mail_subscriptions_t subs;
	buf_t name = BUF_INIT, dir = BUF_INIT;
	const char *why;
	int lock;

	if (imapd_validity_known(sess->root_fd))
		return;
	if ((lock = imapd_folder_tree_lock(sess)) < 0)
		return;
	if (imapd_validity_known(sess->root_fd) ||
	    mail_folder_list(sess->root_fd, &list) < 0) {
		close(lock);
		return;
	}
	/* A user who has folders (a tree another server made) keeps them as
	 * they are. */
	if (list.n == 1 && mail_subscribe_load(sess->root_fd, &subs) == 0) {
		for (size_t i = 0; i < sizeof(imapd_default_folders) /
			     sizeof(imapd_default_folders[0]); i++) {
			if (mail_folder_dir(imapd_default_folders[i].name, &name, &dir, &why) < 0 ||
			    imapd_folder_make(sess, buf_str(&dir), imapd_default_folders[i].use) < 0)
				continue;
			if (mail_subscribe_set(sess->root_fd, &subs, buf_str(&name), 1) < 0)
				imapd_log_error(sess, "save subscriptions: %s", strerror(errno));
		}
		mail_subscribe_free(&subs);
		imapd_log_info(sess, "made the special-use folders");
	}
	mail_folder_list_free(&list);
	/* The counter's file marks the defaults done. */
	if (imapd_validity_retire(sess->root_fd, 0) < 0)
		imapd_log_error(sess, "save %s: %s", IMAPD_VALIDITY_FILE, strerror(errno));
	close(lock);
	buf_release(&name);
	buf_release(&dir);
}

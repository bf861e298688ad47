/* imapd_folder.c - a folder a client names: its checked name and its
 * directory inside the user's Maildir (lib/mail_folder.h).
 *
 * Every command that takes a mailbox name comes through here, so no
 * name reaches the file system before mail_folder_dir() refused what
 * could leave the user's directory ("..", control characters, empty
 * components, over-long names).  RFC 3501 §5.1: a name the server will
 * not use is a NO, not a BAD; a missing argument or one that is no
 * astring is BAD.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imap_utf7.h"
#include "mem.h"
#include "imapd_session.h"

int imapd_folder_arg(imapd_session_t *sess, const imap_arg_t *arg,
		     buf_t *name_r, buf_t *dir_r)
{
	size_t len;
	const char *name = imap_arg_astring(arg, &len);
	const char *why = NULL;
	buf_t utf8 = BUF_INIT;
	int valid;

	if (name == NULL) {
		imapd_bad(sess, NULL, "Invalid mailbox name argument");
		return -1;
	}
	buf_reset(name_r);
	buf_reset(dir_r);
	if (mail_folder_dir(name, name_r, dir_r, &why) < 0) {
		imapd_no(sess, "CANNOT", "Invalid mailbox name: %s", why);
		return -1;
	}
	/* RFC 3501 §5.1.3: the name is modified UTF-7, in its one canonical
	 * spelling, so two wire names never reach one folder. */
	valid = imap_utf7_to_utf8(name, len, &utf8) == 0;
	buf_release(&utf8);
	if (!valid) {
		imapd_no(sess, "CANNOT", "Invalid mailbox name: not modified UTF-7");
		return -1;
	}
	return 0;
}

int imapd_folder_exists(imapd_session_t *sess, const char *dir)
{
	struct stat st;
	char *cur = mem_printf("%s%scur", dir, *dir != '\0' ? "/" : "");
	int r;

	/* The folder's own directory is never a symbolic link: fstatat
	 * without following, then cur/ inside it. */
	if (*dir != '\0' && (fstatat(sess->root_fd, dir, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			     !S_ISDIR(st.st_mode)))
		r = 0;
	else
		r = fstatat(sess->root_fd, cur, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			S_ISDIR(st.st_mode);
	mem_free(cur);
	return r;
}

char *imapd_folder_path(imapd_session_t *sess, const char *dir)
{
	return *dir != '\0' ? mem_printf("%s/%s", sess->root, dir) :
		mem_strdup(sess->root);
}

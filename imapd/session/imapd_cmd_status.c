/* imapd_cmd_status.c - STATUS (RFC 3501 §6.3.10, RFC 8438 SIZE, RFC 7889
 * APPENDLIMIT), and the same answer for LIST's RETURN (STATUS (...))
 * (RFC 5819).
 *
 * Cheap by design: one listing of the folder's new/ and cur/ through
 * lib/mailbox.h (names carry flags and ,W= sizes, so no message file is
 * opened) and its UID list; no view is built and no UID is given, so a
 * STATUS never takes \Recent away from the session that selects the
 * folder next.  Hence:
 *   MESSAGES     the files listed;
 *   RECENT       the files that have no UID yet, and those whose UIDs
 *                no session has claimed (at or above the folder's
 *                tern-recent mark, lib/mail_view.h: APPEND and COPY give
 *                UIDs outside a view): the next session to look at the
 *                folder sees them \Recent (for the folder this session
 *                has selected, its own \Recent messages are added);
 *   UIDNEXT      the UID list's next UID plus those files, the UIDs they
 *                are about to get (RFC 3501 §2.3.1.1: UIDNEXT changes
 *                whenever messages arrive);
 *   UIDVALIDITY  the UID list's; a folder that has none yet (delivered
 *                to, never selected) gets its list now, with a value from
 *                imapd_validity.c, so the value shown is the one kept;
 *   UNSEEN       the files without the S flag;
 *   SIZE         the sum of the messages' RFC822.SIZE (CRLF octets);
 *   APPENDLIMIT  message_size_limit, the same for every folder (NIL when
 *                there is none).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "file_util.h"
#include "imap_quote.h"
#include "imapd_folder_ops.h"
#include "imapd_session.h"
#include "log.h"
#include "mail_uidlist.h"
#include "mail_view.h"
#include "mailbox.h"
#include "mem.h"

static const struct {
	const char *word;
	unsigned bit;
} imapd_status_words[] = {
	{ "MESSAGES", IMAPD_STATUS_MESSAGES },
	{ "RECENT", IMAPD_STATUS_RECENT },
	{ "UIDNEXT", IMAPD_STATUS_UIDNEXT },
	{ "UIDVALIDITY", IMAPD_STATUS_UIDVALIDITY },
	{ "UNSEEN", IMAPD_STATUS_UNSEEN },
	{ "SIZE", IMAPD_STATUS_SIZE },
	{ "APPENDLIMIT", IMAPD_STATUS_APPENDLIMIT },
};

#define IMAPD_STATUS_WORDS	(sizeof(imapd_status_words) / sizeof(imapd_status_words[0]))

int imapd_status_items(imapd_session_t *sess, const imap_arg_t *arg,
		       unsigned *items_r)
{
	const imap_arg_t *v;
	size_t n;

	*items_r = 0;
	if ((v = imap_arg_list(arg, &n)) == NULL || n == 0) {
		imapd_bad(sess, NULL, "STATUS items must be a list");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		size_t w;

		for (w = 0; w < IMAPD_STATUS_WORDS; w++)
			if (imap_arg_atom_is(&v[i], imapd_status_words[w].word))
				break;
		if (w == IMAPD_STATUS_WORDS) {
			imapd_bad(sess, NULL, "Unknown STATUS item");
			return -1;
		}
		*items_r |= imapd_status_words[w].bit;
	}
	return 0;
}

/* Give the folder a UID list when it has none (see the top). */
static int imapd_status_validity(imapd_session_t *sess, int dirfd,
				 mail_uidlist_t *ul)
{
	int tree, lock, r = -1;

	/* The lock order of imapd_folder_ops.h: the tree's, then the
	 * folder's. */
	if ((tree = file_lock_at(sess->root_fd, IMAPD_FOLDERS_LOCK, 1)) < 0)
		return -1;
	if ((lock = file_lock_at(dirfd, MAIL_VIEW_LOCK_FILE, 1)) >= 0) {
		if (mail_uidlist_refresh(dirfd, ul) == 0)
			r = ul->validity != 0 ? 0 : imapd_validity_new(sess->root_fd, dirfd, ul);
		close(lock);
	}
	close(tree);
	return r;
}

int imapd_status_send(imapd_session_t *sess, const char *name, const char *dir,
		      unsigned items)
{
	char *path = imapd_folder_path(sess, dir), *err = NULL;
	mailbox_t *mb = mailbox_open(path, &err);
	mailbox_msg_t *msgs;
	mail_uidlist_t ul;
	size_t n = 0, unseen = 0, fresh = 0, unclaimed = 0, recent;
	uint32_t first_recent;
	unsigned long long size = 0;
	buf_t line = BUF_INIT;
	const char *sep = "";
	uint32_t next;
	int r = -1;

	mem_free(path);
	if (mb == NULL) {
		mem_free(err);
		errno = ENOENT;
		return -1;
	}
	mail_uidlist_init(&ul, dir);
	if (mail_uidlist_refresh(mailbox_dir_fd(mb), &ul) < 0 ||
	    (ul.validity == 0 && (items & IMAPD_STATUS_UIDVALIDITY) &&
	     imapd_status_validity(sess, mailbox_dir_fd(mb), &ul) < 0) ||
	    mailbox_list(mb, &msgs, &n) < 0)
		goto out;
	first_recent = mail_view_first_recent(mailbox_dir_fd(mb));
	for (size_t i = 0; i < n; i++) {
		uint32_t uid = mail_uidlist_find(&ul, msgs[i].base);

		if (strchr(mailbox_msg_flags(&msgs[i]), 'S') == NULL)
			unseen++;
		if (uid == 0)
			fresh++;
		else if (uid >= first_recent)
			unclaimed++;
		size += (unsigned long long) msgs[i].wsize;
	}
	recent = fresh + unclaimed;
	if (sess->state == IMAPD_SELECTED && sess->view != NULL &&
	    sess->sel_dir != NULL && strcmp(sess->sel_dir, dir) == 0)
		recent += sess->view->recent;
	next = (ul.next ? ul.next : 1) + (uint32_t) fresh;
	buf_puts(&line, "* STATUS ");
	imap_quote_string(&line, name, strlen(name), 0);
	buf_puts(&line, " (");
	for (size_t w = 0; w < IMAPD_STATUS_WORDS; w++) {
		unsigned bit = imapd_status_words[w].bit;
		unsigned long long v = bit == IMAPD_STATUS_MESSAGES ? n :
			bit == IMAPD_STATUS_RECENT ? recent :
			bit == IMAPD_STATUS_UIDNEXT ? next :
			bit == IMAPD_STATUS_UIDVALIDITY ? ul.validity :
			bit == IMAPD_STATUS_UNSEEN ? unseen : size;

		if (!(items & bit))
			continue;
		if (bit == IMAPD_STATUS_APPENDLIMIT)
			v = imapd_conf.message_size_limit;
		if (bit == IMAPD_STATUS_APPENDLIMIT && v == 0)
			buf_printf(&line, "%sAPPENDLIMIT NIL", sep);
		else
			buf_printf(&line, "%s%s %llu", sep, imapd_status_words[w].word, v);
		sep = " ";
	}
	buf_puts(&line, ")\r\n");
	stream_write(sess->s, line.data, line.len);
	r = 0;
out:
	if (r < 0)
		imapd_log_error(sess, "status of %s: %s", *dir ? dir : "INBOX", strerror(errno));
	buf_release(&line);
	mail_uidlist_free(&ul);
	mailbox_close(&mb);
	return r;
}

void imapd_cmd_status(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	buf_t name = BUF_INIT, dir = BUF_INIT;
	unsigned items;

	if (nargs != 2) {
		imapd_bad(sess, NULL, "STATUS needs a mailbox and a list of items");
		return;
	}
	if (imapd_status_items(sess, &args[1], &items) < 0 ||
	    imapd_folder_arg(sess, &args[0], &name, &dir) < 0)
		goto out;
	if (!imapd_folder_exists(sess, buf_str(&dir)))
		imapd_no(sess, "NONEXISTENT", "Mailbox does not exist");
	else if (imapd_status_send(sess, buf_str(&name), buf_str(&dir), items) < 0)
		imapd_no(sess, "SERVERBUG", "Cannot read the mailbox status");
	else
		imapd_ok(sess, NULL, "Status completed");
out:
	buf_release(&name);
	buf_release(&dir);
}

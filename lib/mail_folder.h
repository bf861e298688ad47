/* mail_folder.h - a user's folders: IMAP mailbox names and the Maildir++
 * directories that hold them (architecture §3).
 *
 * The user's Maildir is INBOX; every other folder is a directory in it
 * named "." + the name with the hierarchy delimiter '/' made '.':
 * "Lists/tern" is ".Lists.tern", "INBOX/old" is ".INBOX.old".  Names are
 * kept on disk as the client spells them on the wire, in modified UTF-7
 * (RFC 3501 §5.1.3), so a tree that Dovecot served with `separator = /`
 * and LAYOUT=maildir++ has every folder in place.  Since '.' is the
 * delimiter on disk, a name may not hold one; nor '%' or '*' (LIST
 * wildcards), control characters, 8-bit octets, an empty component ("a//b",
 * "/a", "a/"), "~" at the start, or more than MAIL_FOLDER_NAME_MAX octets:
 * such names are refused with a reason, so no name can reach outside the
 * user's directory.  Maildir++ needs no parent for a child: ".a.b" may
 * exist without ".a", which LIST then shows as \NonExistent.
 *
 * A folder directory holds tmp/ new/ cur/ and an empty "maildirfolder"
 * file (the Maildir++ mark that delivery agents look for).
 */
#ifndef TERN_MAIL_FOLDER_H
#define TERN_MAIL_FOLDER_H

#include <stddef.h>

#include "buf.h"

#define MAIL_FOLDER_NAME_MAX	200	/* octets of a name (".a.b" <= 255) */
#define MAIL_FOLDER_MAX		10000	/* folders listed per user */

/* The directory (relative to the user's Maildir, "" for INBOX) of the
 * wire name into dir_r, with the name made canonical into name_r
 * ("inbox" -> "INBOX", "Inbox/x" -> "INBOX/x").  0, or -1 with a static
 * reason in *why_r (for the protocol's NO). */
int mail_folder_dir(const char *name, buf_t *name_r, buf_t *dir_r,
		    const char **why_r);

/* The name of a directory entry of the user's Maildir, into name_r:
 * 1 when entry is a folder directory name (".a.b"), 0 when not ours
 * ("cur", "..", ".a..b", a name that would be refused). */
int mail_folder_name_of(const char *entry, buf_t *name_r);

/* One folder as listed. */
typedef struct mail_folder_info {
	char *name;		/* wire name */
	unsigned exists:1;	/* has its directory (else only children) */
	unsigned children:1;	/* some folder is below it */
} mail_folder_info_t;

typedef struct mail_folder_list {
	mail_folder_info_t *v;	/* sorted by name, INBOX first */
	size_t n;
} mail_folder_list_t;

/* Every folder of the Maildir root_fd (INBOX included), with the parents
 * that only children imply.  0, or -1 with errno. */
int mail_folder_list(int root_fd, mail_folder_list_t *list);
void mail_folder_list_free(mail_folder_list_t *list);

/* Does name match the LIST pattern (RFC 3501 §6.3.8: '*' anything, '%'
 * anything but the delimiter '/'; INBOX case-insensitively)? */
int mail_folder_match(const char *pattern, const char *name);

/* Create the folder of the canonical name whose directory is dir (from
 * mail_folder_dir): 0, or -1 with errno (EEXIST when it exists). */
int mail_folder_create(int root_fd, const char *dir);

/* Delete the folder's directory and its messages (not its children:
 * they live in directories of their own).  It is renamed out of sight
 * first, so a crash never leaves a half-deleted folder visible.  0, or -1
 * with errno (ENOENT when there is none). */
int mail_folder_delete(int root_fd, const char *dir);

/* Rename the folder dir to new_dir and every folder below it likewise
 * (RFC 3501 §6.3.5).  0, or -1 with errno: ENOENT (no such folder),
 * EEXIST (the new name or one of the new children's names is taken).
 * Not for INBOX, whose rename moves messages instead (imapd does that). */
int mail_folder_rename(int root_fd, const char *dir, const char *new_dir);

#endif

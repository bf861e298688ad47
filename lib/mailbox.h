/* mailbox.h - the one API through which protocol code reaches a Maildir.
 *
 * POP3 now and IMAP later never build mailbox paths themselves.  A mailbox
 * is a Maildir (tmp/ new/ cur/) as `local` fills it (lib/maildir.h names:
 * "<unique>,S=<size>,W=<wsize>[:2,<flags>]").  A message's identity is its
 * unique base name (before ',' or ':'): it survives flag changes and the
 * move from new/ to cur/, so it is the POP3 UIDL and the IMAP index key.
 * Sizes come from the name (,S= and ,W=); a name without them is measured
 * once by reading the file.  Flags live in the name (":2,FRS", sorted,
 * RFC-less Maildir convention: D draft, F flagged, P passed, R replied,
 * S seen, T trashed), and changing them is a rename within the Maildir.
 *
 * Every function that touches a message finds it by its base name: when the
 * file was renamed by another process (flags changed, moved to cur/), it
 * rescans once; when it is gone, the call fails with errno ENOENT so the
 * protocol can answer its "message vanished" error and go on.
 */
#ifndef TERN_MAILBOX_H
#define TERN_MAILBOX_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"

typedef struct mailbox mailbox_t;

typedef struct mailbox_msg {
	char *base;		/* unique base name: the identity */
	char *name;		/* current file name, without directory */
	int in_new;		/* 1: in new/, 0: in cur/ */
	long long size;		/* octets on disk (LF line ends) */
	long long wsize;	/* octets with CRLF line ends */
	time_t mtime;		/* delivery time */
} mailbox_msg_t;

/* The mailbox of a virtual user: mail_directory/<domain>/<localpart>,
 * lower-case, into out. */
void mailbox_path_virtual(const char *mail_directory, const char *user, buf_t *out);

/* Open (creating tmp/ new/ cur/ when missing).  NULL with *err_r. */
mailbox_t *mailbox_open(const char *dir, char **err_r);
void mailbox_close(mailbox_t **mbp);
const char *mailbox_dir(const mailbox_t *mb);
/* The descriptor of the Maildir's directory (the mailbox keeps it). */
int mailbox_dir_fd(const mailbox_t *mb);

/* An exclusive, non-blocking lock for a POP3 session (flock on a lock file
 * in the Maildir; released when the process dies).  0, or -1 with errno
 * EWOULDBLOCK when another session holds it. */
int mailbox_lock(mailbox_t *mb);
void mailbox_unlock(mailbox_t *mb);

/* List the messages in new/ and cur/, oldest delivery first (by mtime,
 * then base name).  The array and the messages belong to the mailbox and
 * stay valid until the next mailbox_list() or mailbox_close(). */
int mailbox_list(mailbox_t *mb, mailbox_msg_t **msgs_r, size_t *n_r);

/* Open a message for reading (O_RDONLY, no symlinks, regular files only),
 * its size in *size_r unless NULL.  -1 with errno ENOENT when it no longer
 * exists.  Maildir files never change once delivered, so reading size_r
 * octets reads it all. */
int mailbox_msg_open(mailbox_t *mb, mailbox_msg_t *msg, off_t *size_r);
/* The two halves of it, for opening a message early (read-ahead) and
 * checking it only when it is wanted: the open alone; and the check of an
 * open message - a regular file, still in the mailbox (-1 with ENOENT once
 * another program has removed it), its size in *size_r unless NULL. */
int mailbox_msg_open_unverified(mailbox_t *mb, mailbox_msg_t *msg);
int mailbox_msg_verify(int fd, off_t *size_r);
/* The flags of the message's current name, e.g. "FS" ("" for none). */
const char *mailbox_msg_flags(const mailbox_msg_t *msg);
/* Set the flags (sorted, deduplicated), moving the file to cur/. */
int mailbox_msg_set_flags(mailbox_t *mb, mailbox_msg_t *msg, const char *flags);
/* Remove the message.  0, or -1 (ENOENT when it was already gone). */
int mailbox_msg_delete(mailbox_t *mb, mailbox_msg_t *msg);
/* Make the renames and removals done so far durable: fsync new/ and cur/
 * where something changed.  0, or -1 with errno.  Until then a crash may
 * bring a removed message back (never lose one). */
int mailbox_sync(mailbox_t *mb);

#endif

/* imapd_folder_ops.h - what the folder commands share among their files
 * (imapd_cmd_folder.c, imapd_cmd_list.c, imapd_cmd_status.c,
 * imapd_special_use.c, imapd_validity.c) and what the session's start
 * calls (imapd_folder_defaults).
 *
 * Changes to a user's folder tree (CREATE, DELETE, RENAME, the default
 * folders) happen under one flock per user, IMAPD_FOLDERS_LOCK in the
 * Maildir, so that two sessions never interleave them; the same lock
 * guards the UIDVALIDITY counter (imapd_validity.c).  Lock order: that
 * lock first, then a folder's own (lib/mail_view.h MAIL_VIEW_LOCK_FILE).
 */
#ifndef TERN_IMAPD_FOLDER_OPS_H
#define TERN_IMAPD_FOLDER_OPS_H

#include <stdint.h>

#include "buf.h"
#include "imap_arg.h"
#include "imapd_session.h"
#include "mail_uidlist.h"

#define IMAPD_FOLDERS_LOCK	"tern-folders.lock"

/* imapd_cmd_folder.c: give a user whose Maildir has no folder yet the
 * special-use folders Drafts, Sent, Trash, Junk and Archive (RFC 6154),
 * subscribed.  Done once per user: the UIDVALIDITY counter's file marks
 * it done, so a user who deletes them does not get them back.  Called at
 * the session's start, with sess->root_fd open; failures are logged. */
void imapd_folder_defaults(imapd_session_t *sess);

/* imapd_validity.c: UIDVALIDITY values that never repeat for a name
 * (RFC 3501 §2.3.1.1) across DELETE, CREATE and RENAME.  The file
 * IMAPD_VALIDITY_FILE in the Maildir holds the highest value given or
 * retired; both calls need IMAPD_FOLDERS_LOCK held. */
#define IMAPD_VALIDITY_FILE	"tern-uidvalidity"
/* Make the UID list of the folder dirfd (ul refreshed, validity 0, the
 * folder's lock held) with a UIDVALIDITY above every one given so far.
 * 0, or -1 with errno. */
int imapd_validity_new(int root_fd, int dirfd, mail_uidlist_t *ul);
/* A folder of UIDVALIDITY validity (0: unknown) loses its name: no later
 * folder may get it or less.  0, or -1 with errno. */
int imapd_validity_retire(int root_fd, uint32_t validity);
/* Does the counter's file exist? */
int imapd_validity_known(int root_fd);

/* imapd_special_use.c: the special uses of a folder (RFC 6154 §2), kept
 * in the file IMAPD_SPECIAL_USE_FILE in the folder's own directory (so a
 * RENAME takes them along and a DELETE drops them), one attribute a line. */
#define IMAPD_SPECIAL_USE_FILE	"tern-special-use"
#define IMAPD_USE_DRAFTS	0x01
#define IMAPD_USE_SENT		0x02
#define IMAPD_USE_TRASH		0x04
#define IMAPD_USE_JUNK		0x08
#define IMAPD_USE_ARCHIVE	0x10
/* The bit of an attribute ("\Sent", any case), or 0 when tern offers no
 * such use (\All and \Flagged are virtual folders it has not). */
unsigned imapd_special_use_bit(const char *attr);
/* The uses of the folder dir ("" for INBOX): a bit set, 0 for none. */
unsigned imapd_special_use_get(int root_fd, const char *dir);
/* Write the uses of the folder dir.  0, or -1 with errno. */
int imapd_special_use_set(int root_fd, const char *dir, unsigned uses);
/* Append " \Drafts \Sent ..." for the bits of uses to out. */
void imapd_special_use_write(unsigned uses, buf_t *out);

/* imapd_cmd_status.c: the STATUS items (RFC 3501 §6.3.10, RFC 8438
 * SIZE, RFC 7889 APPENDLIMIT), for STATUS and LIST's RETURN (STATUS
 * (...)) (RFC 5819). */
#define IMAPD_STATUS_MESSAGES	0x01
#define IMAPD_STATUS_RECENT	0x02
#define IMAPD_STATUS_UIDNEXT	0x04
#define IMAPD_STATUS_UIDVALIDITY 0x08
#define IMAPD_STATUS_UNSEEN	0x10
#define IMAPD_STATUS_SIZE	0x20
#define IMAPD_STATUS_APPENDLIMIT 0x40
/* The items of the list arg into *items_r: 0, or -1 after imapd_bad(). */
int imapd_status_items(imapd_session_t *sess, const imap_arg_t *arg,
		       unsigned *items_r);
/* Write "* STATUS name (...)" for the existing folder dir.  0, or -1
 * with errno (nothing written). */
int imapd_status_send(imapd_session_t *sess, const char *name,
		      const char *dir, unsigned items);

#endif

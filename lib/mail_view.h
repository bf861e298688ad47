/* mail_view.h - one session's view of a folder: messages by sequence
 * number and UID, their flags, and what changed on disk since the last
 * look (architecture §3; RFC 3501 §2.3.1, §5.2, §7.4.1).
 *
 * The view is built on lib/mailbox.h (the Maildir's files) and
 * lib/mail_uidlist.h (base name -> UID).  mail_view_sync() lists the
 * Maildir and compares it with the view:
 *   - a file whose base has no UID yet gets one: under the folder's lock
 *     (mail_view_lock), the UID list is read again and the new bases are
 *     appended in arrival order; unless the view is read-only, those
 *     files are moved from new/ to cur/;
 *   - new messages no session was told of yet are \Recent in this view
 *     only (RFC 3501 §2.3.2): the folder's MAIL_VIEW_RECENT_FILE holds
 *     the lowest UID not yet claimed, and a view claims the messages at
 *     or above it by moving it past them under the lock (a read-only
 *     view only those it gave UIDs itself, §6.3.2), so UIDs that APPEND
 *     or COPY gave from another session are recent for the first session
 *     that sees them;
 *   - messages with UIDs above the view's highest are added at the end,
 *     in UID order, so that sequence numbers stay in UID order; a UID in
 *     the list whose file the listing did not show (another session gave
 *     it after our listing) makes one more listing, and a file still not
 *     there is taken as expunged already;
 *   - a message whose file is gone is marked expunged, and a message
 *     whose flags differ from the view's is marked changed; both stay in
 *     the view until the caller takes them (mail_view_take_expunges,
 *     mail_view_take_flag_changes) at a moment when the protocol may say
 *     so.  Until then an expunged message keeps its sequence number.
 */
#ifndef TERN_MAIL_VIEW_H
#define TERN_MAIL_VIEW_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "mail_flags.h"
#include "mail_uidlist.h"
#include "mailbox.h"

#define MAIL_VIEW_LOCK_FILE	"tern-uidlist.lock"
#define MAIL_VIEW_RECENT_FILE	"tern-recent"

typedef struct mail_view_msg {
	uint32_t uid;
	char *name;		/* current file name */
	unsigned in_new:1;
	unsigned recent:1;	/* \Recent in this view */
	unsigned expunged:1;	/* gone from disk, not yet reported */
	unsigned flags_changed:1;	/* flags differ from the last report */
	mail_flags_t flags;
	long long size, wsize;	/* stored and CRLF octets */
	time_t mtime;		/* arrival time (from the name, or stat) */
} mail_view_msg_t;

typedef struct mail_view {
	mailbox_t *mb;
	char *dir;
	mail_uidlist_t uidlist;
	mail_keywords_t keywords;
	mail_view_msg_t *msgs;	/* msgs[seq - 1], ascending UIDs */
	size_t n, cap;
	int readonly;
	int lock_fd;
	uint32_t validity;
	uint32_t next_uid;	/* UIDNEXT as this view knows it */
	size_t recent;		/* messages with \Recent */
	size_t expunges;	/* messages marked expunged */
} mail_view_t;

/* Open the Maildir dir (created when missing) and take a first look.
 * NULL with *err_r (mem-allocated) on failure. */
mail_view_t *mail_view_open(const char *dir, int readonly, char **err_r);
void mail_view_close(mail_view_t **vp);

/* Look at the disk again (above).  0, or -1 with errno (the view is then
 * as it was). */
int mail_view_sync(mail_view_t *v);

/* Report and remove the messages marked expunged, each by its sequence
 * number at the time (so in descending order, as EXPUNGE responses must
 * be numbered, RFC 3501 §7.4.1), through cb. */
void mail_view_take_expunges(mail_view_t *v,
			     void (*cb)(uint32_t seq, void *ctx), void *ctx);
/* Report the messages whose flags changed, by sequence number, and clear
 * the marks. */
void mail_view_take_flag_changes(mail_view_t *v,
				 void (*cb)(uint32_t seq, void *ctx), void *ctx);

/* The message with uid, or NULL; its sequence number in *seq_r. */
mail_view_msg_t *mail_view_find_uid(mail_view_t *v, uint32_t uid,
				    uint32_t *seq_r);

/* Set a message's flags (renaming its file; into cur/).  0, or -1 with
 * errno (ENOENT: the file is gone; it is then marked expunged). */
int mail_view_set_flags(mail_view_t *v, mail_view_msg_t *m,
			const mail_flags_t *f);
/* Remove a message's file and mark it expunged.  0, or -1 with errno. */
int mail_view_remove(mail_view_t *v, mail_view_msg_t *m);
/* Open a message for reading: fd, its stored size in *size_r. */
int mail_view_msg_open(mail_view_t *v, mail_view_msg_t *m, off_t *size_r);

/* The lowest UID of the folder dirfd that no session has been told of
 * as \Recent (0 before any): STATUS RECENT counts the messages at or
 * above it. */
uint32_t mail_view_first_recent(int dirfd);

/* The folder's lock (flock on MAIL_VIEW_LOCK_FILE): only its holder
 * assigns UIDs and writes the keyword list.  0 or -1 with errno. */
int mail_view_lock(mail_view_t *v);
void mail_view_unlock(mail_view_t *v);

#endif

/* mail_index.h - a folder's cache of what is dear to compute per message
 * (architecture §3): ENVELOPE, BODYSTRUCTURE, the internal date, sort
 * keys; whatever imapd stores under a field letter of its own.
 *
 * One Berkeley DB file per folder, "tern-index.db", opened without an
 * environment.  Berkeley DB without an environment does no locking of
 * its own, so every use happens between mail_index_begin() and
 * mail_index_end(): a shared flock on MAIL_INDEX_LOCK_FILE for reading,
 * an exclusive one for writing, the database opened afresh inside (no
 * stale pages from an earlier look), and closed at the end.
 *
 * It is a cache: the file names and tern-uidlist are the truth, so losing
 * it costs time, never a UID or a flag.  A writer marks the database
 * dirty (synced) before its first change and clears the mark after
 * syncing the last; a process that takes the lock and finds the mark
 * finds the remains of a writer that died mid-write (kill -9), and the
 * file is thrown away and begun anew.  A cache made under another
 * UIDVALIDITY is thrown away the same way.  When the file cannot be used
 * at all, every lookup misses and writes are dropped: the caller computes
 * what it needs, as with an empty cache.
 */
#ifndef TERN_MAIL_INDEX_H
#define TERN_MAIL_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define MAIL_INDEX_FILE		"tern-index.db"
#define MAIL_INDEX_RECORD_MAX	(1024 * 1024)	/* octets per message */

typedef struct mail_index mail_index_t;

#define MAIL_INDEX_LOCK_FILE	"tern-index.lock"

/* The cache of the folder in dir (its directory descriptor dir_fd, kept
 * by the caller) for UIDVALIDITY validity.  Never NULL.  Its lock is not
 * the UID list's (mail_view.h), so holding one never waits for the
 * other. */
mail_index_t *mail_index_open(const char *dir, int dir_fd, uint32_t validity);
void mail_index_close(mail_index_t **ixp);

/* Take the lock (shared, or exclusive when write is set) and open the
 * database.  0, or -1 (logged; lookups then miss). */
int mail_index_begin(mail_index_t *ix, int write);
/* Sync what was written, close, unlock. */
void mail_index_end(mail_index_t *ix);

/* The field (a letter) of uid into out: 1, or 0 when not cached. */
int mail_index_get(mail_index_t *ix, uint32_t uid, char field, buf_t *out);
/* Store the field of uid (inside a write begin/end).  0, or -1. */
int mail_index_put(mail_index_t *ix, uint32_t uid, char field,
		   const void *data, size_t len);
/* Forget uid's fields (an expunged message).  0, or -1. */
int mail_index_forget(mail_index_t *ix, uint32_t uid);

#endif

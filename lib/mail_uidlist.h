/* mail_uidlist.h - the UID list of a folder: the truth for base name ->
 * UID (architecture §3).
 *
 * A plain file "tern-uidlist" in the folder's directory:
 *
 *     T1 V<uidvalidity> N<uidnext>
 *     <uid> <base name>
 *     ...
 *
 * with UIDs ascending.  New messages get their UIDs by an append (one
 * write, then fsync) made only by the holder of the folder's lock
 * (mail_lock.h), so UIDs are assigned in arrival order by one process at
 * a time and only ever grow (RFC 3501 §2.3.1.1).  The header's N is the
 * next UID as of the last rewrite; the real next UID is the larger of N
 * and the last line's UID + 1, so an append never touches the header.
 * Lines of messages that are gone are dropped by a rewrite (temporary
 * file, fsync, rename), which keeps N, so a UID is never given twice
 * under one UIDVALIDITY.  The index (mail_index.h) is a cache rebuilt
 * from this file; losing the index never changes a UID.
 *
 * Readers need no lock: an append is one write(2) of whole lines, a line
 * without its newline (an append in progress) is not read, and a rewrite
 * replaces the file, which mail_uidlist_refresh() notices by its inode.
 */
#ifndef TERN_MAIL_UIDLIST_H
#define TERN_MAIL_UIDLIST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MAIL_UIDLIST_FILE	"tern-uidlist"
#define MAIL_UIDLIST_BASE_MAX	255	/* octets of a base name */

typedef struct mail_uidlist_entry {
	uint32_t uid;
	char *base;
} mail_uidlist_entry_t;

typedef struct mail_uidlist {
	const char *label;	/* the folder, for log lines */
	uint32_t validity;	/* 0: no file yet (or one to be replaced) */
	uint32_t next;		/* the next UID to assign */
	mail_uidlist_entry_t *v;	/* ascending UIDs */
	size_t n, cap;
	size_t *hash;		/* open addressing: index into v + 1, 0 empty */
	size_t hcap;
	/* what was read: to take only what was appended since */
	dev_t dev;
	ino_t ino;
	off_t size;
	int header_read;
} mail_uidlist_t;

/* label names the folder in log lines; the caller keeps it. */
void mail_uidlist_init(mail_uidlist_t *ul, const char *label);
void mail_uidlist_free(mail_uidlist_t *ul);

/* Bring ul up to date with the file in the folder dirfd: only the lines
 * appended since the last call when the file is the same, all of it when
 * it was replaced.  A missing file leaves an empty list with validity 0,
 * and so does a file whose header is not ours (logged): the next append
 * replaces it, with a new UIDVALIDITY.  Malformed lines (not "<uid>
 * <base>" with a UID above the one before) are skipped and logged.  0, or -1 with errno on a read error. */
int mail_uidlist_refresh(int dirfd, mail_uidlist_t *ul);

/* The UID of base, or 0 when the list does not hold it. */
uint32_t mail_uidlist_find(const mail_uidlist_t *ul, const char *base);

/* With the folder's lock held, after mail_uidlist_refresh(): give the n
 * bases the next UIDs, in the order given, by one append and fsync.
 * Without a file yet, it is made, with the time as UIDVALIDITY, or
 * min_validity when that is larger (a folder whose old validity the
 * caller knows must get a larger one, RFC 3501 §2.3.1.1).  0, or -1 with
 * errno (the list then holds nothing new). */
int mail_uidlist_append(int dirfd, mail_uidlist_t *ul, const char *const *bases,
			size_t n, uint32_t min_validity);

/* With the lock held: rewrite the file with only the entries for which
 * keep(base, ctx) says 1, keeping V and N.  0, or -1 with errno. */
int mail_uidlist_rewrite(int dirfd, mail_uidlist_t *ul,
			 int (*keep)(const char *base, void *ctx), void *ctx);

#endif

/* maildir.h - delivery into a Maildir (architecture §3) and its file names.
 *
 * A message is created in tmp/ (O_EXCL, symlinks never followed), written,
 * fsynced, linked into new/ and new/ is fsynced: only then is delivery
 * reported done.  The unique base name is the message's permanent identity
 * (the POP3 UIDL, the IMAP index key); the name carries the size on disk
 * (,S=) and the size with CRLF line ends (,W=) so servers never read a file
 * to count its octets.  Messages are stored with LF line ends.
 */
#ifndef TERN_MAILDIR_H
#define TERN_MAILDIR_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

/* Create dir and its tmp/ new/ cur/ (mode 0700) where missing, parents
 * included.  0 or -1 with errno. */
int maildir_create(const char *dir);

/*
 * Deliver prefix (added header lines, may be empty) followed by len bytes of
 * src_fd from offset off, making the Maildir (maildir_create) when tmp/ or
 * new/ is missing.  On success 0 with the new file's base name (no
 * directory, no ":2," part) in name_r.  On failure -1 with *err_r describing
 * the cause (mem-allocated) and errno set; nothing is left in new/.
 */
int maildir_deliver(const char *dir, const char *prefix, size_t prefix_len,
		    int src_fd, off_t off, size_t len, buf_t *name_r, char **err_r);

/* The host part of the names this process makes: gethostname() with '/',
 * ':' and ',' replaced, looked up once per process (names stay unique
 * through a rename of the host: pid and counter see to that). */
const char *maildir_host(void);

/* A new unique base name, "<sec>.M<usec>P<pid>Q<n>.<host>", into out
 * (reset first). */
void maildir_unique(buf_t *out);

/* The ,S= and ,W= sizes from a file name; -1 when absent. */
long long maildir_name_size(const char *name);
long long maildir_name_wsize(const char *name);
/* Length of the unique part of a name (before ",S=" or ":2,"). */
size_t maildir_name_base_len(const char *name);

#endif

/* file_util.h - the few file operations that durable state needs: writing
 * all of a buffer, and replacing a small file atomically and durably
 * (temporary file, fsync, rename, fsync of the directory), all relative
 * to a directory descriptor that the caller opened and checked, never
 * following a symbolic link.
 */
#ifndef TERN_FILE_UTIL_H
#define TERN_FILE_UTIL_H

#include <stddef.h>
#include <sys/types.h>

/* write(2) until all len octets are written.  0, or -1 with errno. */
int file_write_all(int fd, const void *data, size_t len);

/* Replace dirfd/name with data: written to a temporary file of mode
 * mode in the same directory, fsynced, renamed over name, and the
 * directory fsynced.  A crash leaves either the old or the new file.
 * 0, or -1 with errno (no temporary file left). */
int file_replace_at(int dirfd, const char *name, const void *data, size_t len,
		    mode_t mode);

/* An flock() on the lock file dirfd/name (created when missing, mode
 * 0600, never removed: removing lock files races with their users):
 * its descriptor, whose close() drops the lock (so does the holder's
 * death), or -1 with errno (EWOULDBLOCK when wait is 0 and another
 * process holds it). */
int file_lock_at(int dirfd, const char *name, int wait);

#endif

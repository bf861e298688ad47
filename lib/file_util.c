/* file_util.c - writing whole buffers and replacing files durably; see
 * file_util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "file_util.h"

int file_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t) n;
	}
	return 0;
}

int file_replace_at(int dirfd, const char *name, const void *data, size_t len,
		    mode_t mode)
{
	char tmp[256];
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp%ld", name, (long) getpid()) >=
	    (int) sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
		    O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	if (file_write_all(fd, data, len) < 0 || fsync(fd) < 0 ||
	    renameat(dirfd, tmp, dirfd, name) < 0) {
		err = errno;
		close(fd);
		(void) unlinkat(dirfd, tmp, 0);
		errno = err;
		return -1;
	}
	close(fd);
	return fsync(dirfd);
}

int file_lock_at(int dirfd, const char *name, int wait)
{
	int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
			0600);

	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		int err = errno;

		if (err == EINTR)
			continue;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

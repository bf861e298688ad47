/* mailctl_file.c - reading and atomically replacing the files mailctl
 * edits (users, aliases, the files of a new instance).
 *
 * A file is never rewritten in place: the new content goes to a temporary
 * file in the same directory, is fsynced and renamed over the old one, and
 * the directory is fsynced, so a reader (auth, qmgr, an editor) sees either
 * the old or the new file, and a crash leaves one of the two.  Edits are
 * serialised with an flock on the directory, so two administrators cannot
 * lose each other's change.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mailctl.h"
#include "map.h"
#include "mem.h"

/* Text files mailctl edits are small; this bounds a mistaken path. */
#define MAILCTL_FILE_MAX (256 * 1024 * 1024)

int mailctl_file_read(const char *path, buf_t *out, char **err_r)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	buf_reset(out);
	if (fd < 0) {
		*err_r = mem_printf("%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t n;

		buf_reserve(out, 8192);
		n = read(fd, out->data + out->len, out->size - out->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*err_r = mem_printf("%s: read: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		out->len += (size_t) n;
		out->data[out->len] = '\0';
		if (out->len > MAILCTL_FILE_MAX) {
			*err_r = mem_printf("%s: larger than %d bytes", path,
					    MAILCTL_FILE_MAX);
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}

static int mailctl_write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t) n;
	}
	return 0;
}

static int mailctl_fsync_parent(const char *path, char **err_r)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? mem_strdup(".") :
		mem_strndup(path, slash == path ? 1 : (size_t) (slash - path));
	int fd, ret = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0) {
		*err_r = mem_printf("%s: fsync: %s", dir, strerror(errno));
		ret = -1;
	}
	if (fd >= 0)
		close(fd);
	mem_free(dir);
	return ret;
}

/* keep: an existing file keeps its mode and owner. */
static int mailctl_file_write(const char *path, const char *data, size_t len,
			      mode_t mode, uid_t uid, gid_t gid, int keep,
			      char **err_r)
{
	char *tmp = mem_printf("%s.tmp%ld", path, (long) getpid());
	struct stat st;
	int fd = -1, ret = -1;

	if (lstat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			*err_r = mem_printf("%s: not a regular file", path);
			goto out;
		}
		if (keep) {
			mode = st.st_mode & 07777;
			uid = st.st_uid;
			gid = st.st_gid;
		}
	} else if (errno != ENOENT) {
		*err_r = mem_printf("%s: %s", path, strerror(errno));
		goto out;
	}
	/* A leftover of an earlier run with our pid is ours to replace. */
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		*err_r = mem_printf("%s: %s", tmp, strerror(errno));
		goto out;
	}
	/* Owner and mode before the content: a users file is never readable
	 * by anyone else, not even for a moment. */
	if ((uid != (uid_t) -1 && geteuid() == 0 && fchown(fd, uid, gid) < 0) ||
	    fchmod(fd, mode) < 0) {
		*err_r = mem_printf("%s: set owner and mode: %s", tmp,
				    strerror(errno));
		goto out;
	}
	if (mailctl_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		*err_r = mem_printf("%s: write: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		*err_r = mem_printf("%s: close: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		*err_r = mem_printf("rename %s to %s: %s", tmp, path,
				    strerror(errno));
		goto out;
	}
	ret = mailctl_fsync_parent(path, err_r);
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0)
		unlink(tmp);
	mem_free(tmp);
	return ret;
}

int mailctl_file_replace(const char *path, const char *data, size_t len,
			 mode_t mode, uid_t uid, gid_t gid, char **err_r)
{
	return mailctl_file_write(path, data, len, mode, uid, gid, 1, err_r);
}

int mailctl_file_replace_as(const char *path, const char *data, size_t len,
			    mode_t mode, uid_t uid, gid_t gid, char **err_r)
{
	return mailctl_file_write(path, data, len, mode, uid, gid, 0, err_r);
}

int mailctl_dir_make(const char *path, mode_t mode, uid_t uid, gid_t gid,
		     char **err_r)
{
	int fd;

	if (mkdir(path, mode) < 0 && errno != EEXIST) {
		*err_r = mem_printf("mkdir %s: %s", path, strerror(errno));
		return -1;
	}
	/* Owner and mode through a descriptor of the directory itself: a
	 * link put in its place is refused, never followed. */
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		*err_r = mem_printf("%s: %s%s", path, strerror(errno),
				    errno == ELOOP || errno == ENOTDIR ?
				    " (not a directory: a symbolic link?)" : "");
		return -1;
	}
	if ((uid != (uid_t) -1 && geteuid() == 0 && fchown(fd, uid, gid) < 0) ||
	    fchmod(fd, mode) < 0) {
		*err_r = mem_printf("%s: set owner and mode: %s", path,
				    strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int mailctl_dir_lock(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		log_fatal("%s: %s", dir, strerror(errno));
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR)
			log_fatal("lock %s: %s", dir, strerror(errno));
	}
	return fd;
}

int mailctl_map_compile(const char *src, int colon)
{
	char *db = mem_printf("%s.db", src);
	char *err = NULL;
	int n;

	/* users.db must never be readable by more than users is: map_compile
	 * gives the database the source file's owner and mode. */
	n = map_compile(src, db, colon, 1, &err);
	if (n < 0)
		log_fatal("%s", err);
	mem_free(db);
	return n;
}

/* terndrop_file.c - the one file terndrop writes into the maildrop.
 *
 * The directory is opened once, as a path descriptor without following a
 * symbolic link (O_PATH: group setgid_group may search and create in it,
 * not read it), and everything after is relative to that descriptor.
 * With terndrop's group gained, it must be the maildrop master made:
 * owner mail_owner, group setgid_group (ours), mode 1730 exactly; no user
 * can make such a directory, so a path that leads elsewhere is refused.
 *
 * The file: "tmp." and 32 random hex digits, created O_EXCL|O_NOFOLLOW
 * with mode 0404 (terndrop(8) explains the bits); written; fsynced;
 * renamed to the name without "tmp." (never replacing a file: renameat2
 * RENAME_NOREPLACE, or link + unlink where the file system lacks it); and
 * then the file system is synced, because the new name must be on disk
 * before sendmail says the message is safe and group setgid_group cannot
 * open the directory to fsync it.
 *
 * Free space: before the file is made, and before each write, the file
 * system must keep queue_minfree free (lib/queue_space.h, smtpd's rule)
 * on top of what is written; otherwise terndrop gives up with EX_TEMPFAIL
 * and removes its file, so that local users cannot fill the queue's file
 * system through the maildrop once smtpd refuses mail for want of space.
 */
#define _GNU_SOURCE	/* renameat2, syncfs */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "maildrop.h"
#include "mem.h"
#include "priv.h"
#include "queue_space.h"
#include "terndrop.h"

static struct {
	int dir_fd;
	int fd;
	char tmp[sizeof(MAILDROP_TMP_PREFIX) + MAILDROP_NAME_LEN];
	char name[MAILDROP_NAME_LEN + 1];
	int made;			/* tmp exists and is ours to remove */
} tf = { .dir_fd = -1, .fd = -1 };

/* A size parameter (never negative: sizes have no sign). */
static unsigned long long terndrop_size_param(const char *name)
{
	return (unsigned long long) config_size(name);
}

/* Room for len more octets in the file system of fd (queue_minfree
 * kept free): exit with EX_TEMPFAIL otherwise. */
static void terndrop_space_check(int fd, size_t len)
{
	unsigned long long minfree = terndrop_size_param("queue_minfree");
	unsigned long long limit = terndrop_size_param("message_size_limit");
	struct statvfs st;

	if (fstatvfs(fd, &st) < 0)
		terndrop_fail(EX_TEMPFAIL, "statvfs of the maildrop: %s",
			      strerror(errno));
	if (!queue_space_ok(&st, minfree, limit, len))
		terndrop_fail(EX_TEMPFAIL, "the queue file system would have "
			      "less than %llu bytes free (queue_minfree): "
			      "nothing kept", queue_space_need(minfree, limit));
}

/* The directory is the maildrop master made: exit otherwise. */
static void terndrop_dir_check(const char *path, const struct stat *st)
{
	uid_t mail_uid;
	gid_t mail_gid;

	if (priv_user_ids(config_str("mail_owner"), &mail_uid, &mail_gid) < 0)
		terndrop_fail(EX_CONFIG, "mail_owner %s: no such user",
			      config_str("mail_owner"));
	if (st->st_uid != mail_uid || st->st_gid != getegid() ||
	    (st->st_mode & 07777) != MAILDROP_DIR_MODE)
		terndrop_fail(EX_NOPERM, "%s is not the maildrop: not owned by "
			      "mail_owner with group setgid_group and mode %04o",
			      path, MAILDROP_DIR_MODE);
}

void terndrop_file_create(int privileged)
{
	char *path = mem_printf("%s/%s", config_str("queue_directory"),
				MAILDROP_DIR);
	struct stat st;

	tf.dir_fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (tf.dir_fd < 0)
		terndrop_fail(errno == ENOENT ? EX_TEMPFAIL : EX_OSFILE,
			      "open %s: %s", path, strerror(errno));
	if (fstat(tf.dir_fd, &st) < 0)
		terndrop_fail(EX_OSERR, "stat %s: %s", path, strerror(errno));
	if (privileged)
		terndrop_dir_check(path, &st);
	terndrop_space_check(tf.dir_fd, 0);
	if (maildrop_name_new(tf.name) < 0)
		terndrop_fail(EX_OSERR, "no random name: %s", strerror(errno));
	snprintf(tf.tmp, sizeof(tf.tmp), "%s%s", MAILDROP_TMP_PREFIX, tf.name);
	tf.fd = openat(tf.dir_fd, tf.tmp, O_WRONLY | O_CREAT | O_EXCL |
		       O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, MAILDROP_FILE_MODE);
	if (tf.fd < 0)
		terndrop_fail(errno == EACCES || errno == EPERM ? EX_NOPERM :
			      EX_TEMPFAIL, "create a file in %s: %s", path,
			      strerror(errno));
	tf.made = 1;
	/* The mode is the file's, whatever umask the caller left. */
	if (fchmod(tf.fd, MAILDROP_FILE_MODE) < 0)
		terndrop_fail(EX_OSERR, "chmod %s: %s", tf.tmp, strerror(errno));
	mem_free(path);
}

void terndrop_file_write(const void *data, size_t len)
{
	const char *p = data;

	terndrop_space_check(tf.fd, len);
	while (len > 0) {
		ssize_t n = write(tf.fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			terndrop_fail(errno == ENOSPC || errno == EDQUOT ||
				      errno == EFBIG ? EX_TEMPFAIL : EX_IOERR,
				      "write to the maildrop: %s", strerror(errno));
		p += n;
		len -= (size_t) n;
	}
}

void terndrop_file_touch(void)
{
	if (tf.made && futimens(tf.fd, NULL) < 0)
		terndrop_fail(EX_IOERR, "touch %s: %s", tf.tmp, strerror(errno));
}

const char *terndrop_file_commit(void)
{
	if (fsync(tf.fd) < 0)
		terndrop_fail(EX_TEMPFAIL, "fsync: %s", strerror(errno));
	if (renameat2(tf.dir_fd, tf.tmp, tf.dir_fd, tf.name,
		      RENAME_NOREPLACE) < 0) {
		if (errno != EINVAL && errno != ENOSYS)
			terndrop_fail(EX_TEMPFAIL, "rename %s: %s", tf.tmp,
				      strerror(errno));
		if (linkat(tf.dir_fd, tf.tmp, tf.dir_fd, tf.name, 0) < 0)
			terndrop_fail(EX_TEMPFAIL, "link %s: %s", tf.tmp,
				      strerror(errno));
		(void) unlinkat(tf.dir_fd, tf.tmp, 0);
	}
	tf.made = 0;
	if (syncfs(tf.fd) < 0) {
		/* The file is there, maybe not on disk: not a success. */
		int err = errno;

		(void) unlinkat(tf.dir_fd, tf.name, 0);
		terndrop_fail(EX_TEMPFAIL, "syncfs: %s", strerror(err));
	}
	close(tf.fd);
	tf.fd = -1;
	return tf.name;
}

void terndrop_file_discard(void)
{
	if (tf.made)
		(void) unlinkat(tf.dir_fd, tf.tmp, 0);
	tf.made = 0;
}

/* master_dirs.c - the queue directory tree and master's pid-file lock.
 *
 * At start and on every reload master opens the runtime directories,
 * checks them and gives them the owners and modes of the ownership model
 * (doc/architecture.md, "Privilege separation"): where roles meet, root
 * owns the place.  The queue directory, private/, public/, pid/ and the
 * login chroot are root's and writable by no role; mail_owner owns only the
 * queue subdirectories it writes (tmp/, incoming/, ...), which it cannot
 * rename or replace, since their parent is root's.  maildrop/ is
 * mail_owner's too, with group setgid_group and mode 1730: terndrop
 * (setgid to that group) may create files in it and nothing more, pickup
 * (mail_owner) reads and removes them (terndrop(8) gives the reasoning).  An instance made by an
 * older mailctl init, whose queue directory was mail_owner's, is taken
 * back at start, with a log line.
 *
 * master keeps descriptors of private/, public/, pid/ and login_directory
 * and does all its later work relative to them (binding, linking,
 * unlinking), so a name is resolved once, when it is checked.  It also
 * takes an exclusive flock on pid/master.pid for as long as it runs: a
 * second master on the same configuration is refused, and `mailctl stop`
 * knows master has gone when the lock is free.
 *
 * SECURITY: runs as root.  Never follows a symbolic link in the tree:
 * every directory is opened with O_NOFOLLOW and fixed up through its
 * descriptor (fchown, fchmod), so a link or a swapped name stops master
 * (or fails the reload) instead of redirecting a root operation.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "maildrop.h"
#include "mem.h"
#include "master.h"
#include "priv.h"

/* Configuration files are small; refuse to slurp anything huge. */
#define MASTER_FILE_MAX		(4 * 1024 * 1024)

/* OWNER_DROP: mail_owner, group setgid_group. */
enum master_dir_owner { OWNER_MASTER, OWNER_MAIL, OWNER_DROP };

static const struct master_dir {
	const char *name;
	int mode;
	enum master_dir_owner owner;
	int *keep_fd;		/* master works relative to this one later */
} master_dirs[] = {
	{ "tmp", 0700, OWNER_MAIL, NULL },
	{ "incoming", 0700, OWNER_MAIL, NULL },
	{ "active", 0700, OWNER_MAIL, NULL },
	{ "deferred", 0700, OWNER_MAIL, NULL },
	{ "hold", 0700, OWNER_MAIL, NULL },
	{ "corrupt", 0700, OWNER_MAIL, NULL },
	{ "index", 0700, OWNER_MAIL, NULL },
	{ MAILDROP_DIR, MAILDROP_DIR_MODE, OWNER_DROP, NULL },
	/* Traversable so every role reaches the sockets it needs; who may use
	 * a socket is checked by its server (daemon_spec_t.peer_users), and
	 * no role can add or replace one. */
	{ "private", 0711, OWNER_MASTER, &master.private_fd },
	{ "public", 0755, OWNER_MASTER, &master.public_fd },
	{ "pid", 0755, OWNER_MASTER, &master.piddir_fd },
};

char *master_read_file(const char *path, size_t *len_r)
{
	buf_t b = BUF_INIT;
	char chunk[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return NULL;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || b.len + (size_t) n > MASTER_FILE_MAX) {
			int err = n < 0 ? errno : EFBIG;

			close(fd);
			buf_release(&b);
			errno = err;
			return NULL;
		}
		buf_append(&b, chunk, (size_t) n);
	}
	close(fd);
	buf_reserve(&b, 0);
	if (len_r != NULL)
		*len_r = b.len;
	return buf_steal(&b);
}

/*
 * Open NAME in dirfd (or the path NAME when dirfd is AT_FDCWD), making it
 * when missing, never through a symbolic link, and give it its owner and
 * mode through the descriptor.  -1 with *err_r when it is not a directory
 * or cannot be fixed.
 */
static int master_dir_open(int dirfd, const char *name, const char *path,
			   int mode, uid_t uid, gid_t gid, char **err_r)
{
	struct stat st;
	int fd, made;

	made = mkdirat(dirfd, name, (mode_t) mode) == 0;
	if (!made && errno != EEXIST) {
		*err_r = mem_printf("create directory %s: %s", path, strerror(errno));
		return -1;
	}
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		*err_r = mem_printf("open %s: %s%s", path, strerror(errno),
				    errno == ELOOP || errno == ENOTDIR ?
				    " (it must be a directory, not a symbolic link)" : "");
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		*err_r = mem_printf("stat %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (master.root && (st.st_uid != uid || st.st_gid != gid)) {
		if (fchown(fd, uid, gid) < 0) {
			*err_r = mem_printf("chown %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		/* Taking back an existing directory is news; giving a
		 * new one its owner is not. */
		if (!made)
			log_info("%s: owner set to uid %ld (was %ld)", path,
				 (long) uid, (long) st.st_uid);
	}
	if ((st.st_mode & 07777) != (mode_t) mode && fchmod(fd, (mode_t) mode) < 0) {
		*err_r = mem_printf("chmod %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void master_fd_replace(int *slot, int fd)
{
	if (*slot >= 0)
		close(*slot);
	*slot = fd;
}

int master_dirs_open(char **err_r)
{
	uid_t uid = getuid(), mail_uid = getuid();
	gid_t gid = getgid(), mail_gid = getgid(), drop_gid = getgid();
	const char *login = config_str("login_directory");
	char *path;
	int qfd, fd;

	if (master.root &&
	    priv_user_ids(config_str("mail_owner"), &mail_uid, &mail_gid) < 0) {
		*err_r = mem_printf("mail_owner %s: no such user",
				    config_str("mail_owner"));
		return -1;
	}
	if (master.root &&
	    priv_group_id(config_str("setgid_group"), &drop_gid) < 0) {
		*err_r = mem_printf("setgid_group %s: no such group (mailctl "
				    "setup or mailctl init creates it)",
				    config_str("setgid_group"));
		return -1;
	}
	qfd = master_dir_open(AT_FDCWD, master.queue_dir, master.queue_dir, 0755,
			      uid, gid, err_r);
	if (qfd < 0)
		return -1;
	for (size_t i = 0; i < sizeof(master_dirs) / sizeof(master_dirs[0]); i++) {
		const struct master_dir *md = &master_dirs[i];
		int mail = md->owner != OWNER_MASTER;

		path = mem_printf("%s/%s", master.queue_dir, md->name);
		fd = master_dir_open(qfd, md->name, path, md->mode,
				     mail ? mail_uid : uid,
				     md->owner == OWNER_DROP ? drop_gid :
				     mail ? mail_gid : gid, err_r);
		mem_free(path);
		if (fd < 0) {
			close(qfd);
			return -1;
		}
		if (md->keep_fd != NULL)
			master_fd_replace(md->keep_fd, fd);
		else
			close(fd);
	}
	close(qfd);
	/* The chroot of the POP3/IMAP login roles: master's, holding only
	 * the socket links master_login_links() makes. */
	fd = master_dir_open(AT_FDCWD, login, login, 0755, uid, gid, err_r);
	if (fd < 0)
		return -1;
	master_fd_replace(&master.login_fd, fd);
	return 0;
}

void master_pid_lock(void)
{
	char *path = mem_printf("%s/%s", master.queue_dir, MASTER_PID_FILE);
	int fd = openat(master.piddir_fd, strrchr(MASTER_PID_FILE, '/') + 1,
			O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		master_start_failed("open %s: %s", path, strerror(errno));
	/* Readable by nobody else: whoever can open the file can hold a lock
	 * on it, and a shared lock held by another user would keep master
	 * from ever starting again. */
	if (fchown(fd, getuid(), getgid()) < 0 || fchmod(fd, 0600) < 0)
		master_start_failed("%s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		char pid[32] = "";
		ssize_t n;

		if (errno != EWOULDBLOCK)
			master_start_failed("lock %s: %s", path, strerror(errno));
		n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		master_start_failed("master is already running for %s (pid %s)",
				    master.config_dir, pid[0] ? pid : "unknown");
	}
	master.pid_fd = fd;
	mem_free(path);
}

void master_pid_write(void)
{
	char line[32];
	int n = snprintf(line, sizeof(line), "%ld\n", (long) getpid());

	if (ftruncate(master.pid_fd, 0) < 0 ||
	    pwrite(master.pid_fd, line, (size_t) n, 0) != n)
		master_start_failed("write pid file: %s", strerror(errno));
}

/* Empty the pid file, so nobody reads a stale pid.  The lock itself goes
 * with the descriptor when the process ends: a free lock means master is
 * gone (mailctl stop waits for that). */
void master_pid_release(void)
{
	if (master.pid_fd >= 0 && ftruncate(master.pid_fd, 0) < 0)
		log_warn("truncate pid file: %s", strerror(errno));
}

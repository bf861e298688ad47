/* master_dirs.c - the queue directory tree and master's pid-file lock.
 *
 * At start master makes sure the runtime directories exist with the
 * owners and modes DESIGN §4 asks for, and takes an exclusive flock on
 * pid/master.pid for as long as it runs: a second master on the same
 * configuration is refused, and `mailctl stop` knows master has gone when
 * the lock is free.
 *
 * SECURITY: runs as root.  Never follows a symbolic link in the tree:
 * a directory that is a link, or not a directory, stops master.
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
#include "mem.h"
#include "master.h"
#include "priv.h"

/* Configuration files are small; refuse to slurp anything huge. */
#define MASTER_FILE_MAX		(4 * 1024 * 1024)

static const struct master_dir {
	const char *name;
	int mode;
	int root_owned;		/* master's own, not the mail owner's */
} master_dirs[] = {
	{ "tmp", 0700, 0 },
	{ "incoming", 0700, 0 },
	{ "active", 0700, 0 },
	{ "deferred", 0700, 0 },
	{ "hold", 0700, 0 },
	{ "corrupt", 0700, 0 },
	{ "index", 0700, 0 },
	/* Traversable so every role reaches the sockets it needs; who may use
	 * a socket is checked by its server (daemon_spec_t.peer_users). */
	{ "private", 0711, 0 },
	{ "public", 0755, 0 },
	{ "pid", 0755, 1 },
};

char *master_read_file(const char *path)
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
	return buf_steal(&b);
}

static void master_dir_make(const char *path, int mode, uid_t uid, gid_t gid)
{
	struct stat st;

	if (mkdir(path, (mode_t) mode) < 0 && errno != EEXIST)
		master_start_failed("create directory %s: %s", path, strerror(errno));
	if (lstat(path, &st) < 0)
		master_start_failed("lstat %s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		master_start_failed("%s is not a directory", path);
	if (master.root && (st.st_uid != uid || st.st_gid != gid) &&
	    lchown(path, uid, gid) < 0)
		master_start_failed("chown %s: %s", path, strerror(errno));
	if ((st.st_mode & 07777) != (mode_t) mode && chmod(path, (mode_t) mode) < 0)
		master_start_failed("chmod %s: %s", path, strerror(errno));
}

void master_dirs_create(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	struct stat st;

	if (master.root &&
	    priv_user_ids(config_str("mail_owner"), &uid, &gid) < 0)
		master_start_failed("mail_owner %s: no such user",
				    config_str("mail_owner"));
	/* The top is the administrator's (mailctl init); only make it. */
	if (mkdir(master.queue_dir, 0755) < 0 && errno != EEXIST)
		master_start_failed("create queue_directory %s: %s",
				    master.queue_dir, strerror(errno));
	if (lstat(master.queue_dir, &st) < 0 || !S_ISDIR(st.st_mode))
		master_start_failed("queue_directory %s is not a directory",
				    master.queue_dir);
	for (size_t i = 0; i < sizeof(master_dirs) / sizeof(master_dirs[0]); i++) {
		char *path = mem_printf("%s/%s", master.queue_dir, master_dirs[i].name);

		master_dir_make(path, master_dirs[i].mode,
				master_dirs[i].root_owned ? getuid() : uid,
				master_dirs[i].root_owned ? getgid() : gid);
		mem_free(path);
	}
	/* The chroot of the POP3/IMAP login roles: master's, holding only
	 * the socket links master_login_links() makes. */
	master_dir_make(config_str("login_directory"), 0755, getuid(), getgid());
}

void master_pid_lock(void)
{
	char *path = mem_printf("%s/%s", master.queue_dir, MASTER_PID_FILE);
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0)
		master_start_failed("open %s: %s", path, strerror(errno));
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

/* priv.c - the one privilege-drop path of every tern process (architecture §2).
 *
 * The daemon skeleton calls priv_drop() once, after its pre-drop hook and
 * before it touches a client.  The order is fixed and each step is checked:
 * a failed set*id, chroot or capability call is fatal, never a warning,
 * because a process that carries on half-dropped is worse than one that
 * stops.  Afterwards the drop is proved: setuid(0) must fail.
 *
 * SECURITY: runs as root in every daemon; trusts only the caller's spec
 * (names from main.conf, which root owns) and the system user database.
 * A chroot directory is trusted only when it is root's and writable by
 * nobody else, checked on a descriptor that was opened without following
 * a symbolic link; the root role (local's privileged part) is verified
 * like the others: its capability set is proved, not assumed.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "priv.h"

int priv_is_root(void)
{
	return geteuid() == 0;
}

int priv_user_ids(const char *user, uid_t *uid_r, gid_t *gid_r)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL)
		return -1;
	*uid_r = pw->pw_uid;
	*gid_r = pw->pw_gid;
	return 0;
}

int priv_group_id(const char *group, gid_t *gid_r)
{
	struct group *gr;

	errno = 0;
	gr = getgrnam(group);
	if (gr == NULL)
		return -1;
	*gid_r = gr->gr_gid;
	return 0;
}

static void priv_no_new_privs(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		log_fatal("prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		log_fatal("privilege drop: PR_SET_NO_NEW_PRIVS did not hold");
}

int priv_dir_trusted(int fd, const char *path, char **err_r)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		*err_r = mem_printf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		*err_r = mem_printf("%s is not a directory", path);
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		*err_r = mem_printf("%s is owned by uid %ld, not by root", path,
				    (long) st.st_uid);
		return -1;
	}
	if ((st.st_mode & 022) != 0) {
		*err_r = mem_printf("%s is writable by group or others (mode %04o)",
				    path, (unsigned) (st.st_mode & 07777));
		return -1;
	}
	return 0;
}

/*
 * Into a directory opened without following a link and checked on the
 * descriptor: chroot(path) would resolve the name again, and whoever could
 * swap it in between would choose our root (and plant an `auth` there).
 */
static void priv_chroot(const char *path)
{
	struct stat want, got;
	char *err = NULL;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		log_fatal("chroot %s: %s%s", path, strerror(errno),
			  errno == ELOOP || errno == ENOTDIR ?
			  " (a symbolic link is never followed)" : "");
	if (priv_dir_trusted(fd, path, &err) < 0)
		log_fatal("chroot refused: %s", err);
	if (fstat(fd, &want) < 0 || fchdir(fd) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0)
		log_fatal("chroot %s: %s", path, strerror(errno));
	close(fd);
	if (stat("/", &got) < 0 || got.st_dev != want.st_dev ||
	    got.st_ino != want.st_ino)
		log_fatal("chroot %s: / is not the directory that was checked", path);
}

/* Make effective and permitted exactly spec->caps; nothing inheritable and
 * nothing ambient, so an exec can never hand a capability on. */
static void priv_limit_caps(const priv_spec_t *spec)
{
	cap_t caps = cap_init();

	if (caps == NULL)
		log_fatal("cap_init: %s", strerror(errno));
	if (spec->ncaps > 0 &&
	    (cap_set_flag(caps, CAP_PERMITTED, spec->ncaps, spec->caps, CAP_SET) < 0 ||
	     cap_set_flag(caps, CAP_EFFECTIVE, spec->ncaps, spec->caps, CAP_SET) < 0))
		log_fatal("cap_set_flag: %s", strerror(errno));
	if (cap_set_proc(caps) < 0)
		log_fatal("cap_set_proc: %s", strerror(errno));
	cap_free(caps);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		log_fatal("prctl(PR_CAP_AMBIENT_CLEAR_ALL): %s", strerror(errno));
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		log_fatal("prctl(PR_SET_KEEPCAPS, 0): %s", strerror(errno));
}

/* The effective set must be exactly what was asked for. */
static void priv_verify_caps(const priv_spec_t *spec)
{
	cap_t have = cap_get_proc();
	cap_t want = cap_init();

	if (have == NULL || want == NULL)
		log_fatal("cap_get_proc: %s", strerror(errno));
	if (spec->ncaps > 0) {
		cap_set_flag(want, CAP_PERMITTED, spec->ncaps, spec->caps, CAP_SET);
		cap_set_flag(want, CAP_EFFECTIVE, spec->ncaps, spec->caps, CAP_SET);
	}
	if (cap_compare(have, want) != 0)
		log_fatal("privilege drop: capabilities still held after the drop");
	cap_free(have);
	cap_free(want);
}

void priv_drop(const priv_spec_t *spec)
{
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	if (!priv_is_root()) {
		priv_no_new_privs();
		return;
	}
	if (spec->user == NULL) {
		/* A root role (local's privileged part) still gives up the
		 * capabilities it does not need and any chance to gain more. */
		if (spec->chroot_dir != NULL)
			priv_chroot(spec->chroot_dir);
		priv_limit_caps(spec);
		priv_no_new_privs();
		if (geteuid() != 0 || getuid() != 0)
			log_fatal("privilege drop: a root role lost uid 0");
		priv_verify_caps(spec);
		return;
	}

	errno = 0;
	pw = getpwnam(spec->user);
	if (pw == NULL)
		log_fatal("privilege drop: unknown user %s%s%s", spec->user,
			  errno ? ": " : "", errno ? strerror(errno) : "");
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0)
		log_fatal("privilege drop: user %s has uid 0; refusing to run "
			  "as root", spec->user);

	if (setgid(gid) < 0)
		log_fatal("setgid(%ld): %s", (long) gid, strerror(errno));
	if (initgroups(spec->user, gid) < 0)
		log_fatal("initgroups(%s): %s", spec->user, strerror(errno));
	if (spec->chroot_dir != NULL)
		priv_chroot(spec->chroot_dir);
	/* Without KEEPCAPS, setuid away from root clears the permitted set,
	 * and the capabilities we were asked to keep could not be raised. */
	if (spec->ncaps > 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		log_fatal("prctl(PR_SET_KEEPCAPS, 1): %s", strerror(errno));
	if (setuid(uid) < 0)
		log_fatal("setuid(%ld): %s", (long) uid, strerror(errno));
	priv_limit_caps(spec);
	priv_no_new_privs();

	/* Prove it. */
	if (setuid(0) == 0)
		log_fatal("privilege drop: setuid(0) succeeded after the drop");
	if (getuid() != uid || geteuid() != uid)
		log_fatal("privilege drop: uid is %ld/%ld, expected %ld",
			  (long) getuid(), (long) geteuid(), (long) uid);
	if (getgid() != gid || getegid() != gid)
		log_fatal("privilege drop: gid is %ld/%ld, expected %ld",
			  (long) getgid(), (long) getegid(), (long) gid);
	priv_verify_caps(spec);
}

/* priv.c - the one privilege-drop path of every tern process (DESIGN §2).
 *
 * The daemon skeleton calls priv_drop() once, after its pre-drop hook and
 * before it touches a client.  The order is fixed and each step is checked:
 * a failed set*id, chroot or capability call is fatal, never a warning,
 * because a process that carries on half-dropped is worse than one that
 * stops.  Afterwards the drop is proved: setuid(0) must fail.
 *
 * SECURITY: runs as root in every daemon; trusts only the caller's spec
 * (names from main.conf, which root owns) and the system user database.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "log.h"
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

static void priv_no_new_privs(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		log_fatal("prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
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
		if (spec->chroot_dir != NULL &&
		    (chroot(spec->chroot_dir) < 0 || chdir("/") < 0))
			log_fatal("chroot %s: %s", spec->chroot_dir, strerror(errno));
		priv_limit_caps(spec);
		priv_no_new_privs();
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
	if (spec->chroot_dir != NULL) {
		if (chroot(spec->chroot_dir) < 0)
			log_fatal("chroot %s: %s", spec->chroot_dir, strerror(errno));
		if (chdir("/") < 0)
			log_fatal("chdir / in %s: %s", spec->chroot_dir, strerror(errno));
	}
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

/* priv.h - the one privilege-drop path (architecture §2).
 *
 * In one fixed order: look up the user; setgid + initgroups; chroot + chdir
 * ("/"); setuid; keep only the listed capabilities (libcap), none by
 * default; PR_SET_NO_NEW_PRIVS; then prove it: setuid(0) must fail.  Every
 * failure is fatal.  Not running as root, only NO_NEW_PRIVS is applied and
 * one warning is logged by the caller (everything runs as the caller).
 */
#ifndef TERN_PRIV_H
#define TERN_PRIV_H

#include <sys/types.h>
#include <sys/capability.h>

typedef struct priv_spec {
	const char *user;		/* NULL: stay as we are (not root) */
	const char *chroot_dir;		/* NULL: no chroot */
	const cap_value_t *caps;	/* capabilities kept (effective+permitted) */
	int ncaps;
} priv_spec_t;

void priv_drop(const priv_spec_t *spec);
/* Look up a user; 0 with uid/gid set, -1 when unknown. */
int priv_user_ids(const char *user, uid_t *uid_r, gid_t *gid_r);
/* Look up a group (setgid_group); 0 with gid set, -1 when unknown. */
int priv_group_id(const char *group, gid_t *gid_r);
int priv_is_root(void);
/* A directory where roles meet is trustworthy: a directory owned by root
 * (or, not running as root, by us) and writable by no group or other.  fd
 * is open on it (path only names it in *err_r).  0, or -1 with *err_r. */
int priv_dir_trusted(int fd, const char *path, char **err_r);

#endif

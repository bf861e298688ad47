/* master_users.c - the system users master checks before it starts as root.
 *
 * architecture §2: the roles run as mail_owner, auth_owner, login_user,
 * vmail_owner and dkim_owner.  Each must exist, none may be root, and no two may share a
 * uid, or the separation between the roles would be a fiction.  Checked
 * at start and again on every reload (main.conf may have changed them).
 *
 * SECURITY: runs as root; reads only the system user database.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "mem.h"
#include "master.h"
#include "priv.h"

static const char *const master_user_params[] = {
	"mail_owner", "auth_owner", "login_user", "vmail_owner", "dkim_owner",
};

#define MASTER_NUSERS (sizeof(master_user_params) / sizeof(master_user_params[0]))

int master_users_check(char **err_r)
{
	uid_t uids[MASTER_NUSERS];
	gid_t gid;

	for (size_t i = 0; i < MASTER_NUSERS; i++) {
		const char *param = master_user_params[i];
		const char *user = config_str(param);

		if (priv_user_ids(user, &uids[i], &gid) < 0) {
			*err_r = mem_printf("%s = %s: no such user", param, user);
			return -1;
		}
		if (uids[i] == 0) {
			*err_r = mem_printf("%s = %s: has uid 0; the mail system "
					    "must not run as root", param, user);
			return -1;
		}
		for (size_t j = 0; j < i; j++) {
			if (uids[j] == uids[i]) {
				*err_r = mem_printf("%s = %s and %s = %s share uid "
						    "%ld; each role needs its own user",
						    master_user_params[j],
						    config_str(master_user_params[j]),
						    param, user, (long) uids[i]);
				return -1;
			}
		}
	}
	return 0;
}

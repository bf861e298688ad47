/* local_resolve.c - which mailbox a recipient has, and whose it is.
 *
 * Virtual users first (architecture §3): the address, in lower case and without
 * its recipient_delimiter extension, is looked up with auth (the only
 * reader of users.db); its Maildir is mail_directory/<domain>/<local>/,
 * owned by vmail_owner.  With system_accounts = yes, a local part that is
 * no virtual user may name a system account: ~/Maildir/, written as that
 * user, never as root.  An auth outage is a temporary error (4.3.0),
 * never "unknown user".
 *
 * SECURITY: runs in local as vmail_owner (in system_accounts mode, in the
 * reader, which is vmail_owner too: never in the root parent); it reads no
 * mail and writes no file.
 */
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "auth_client.h"
#include "local.h"
#include "log.h"
#include "mem.h"
#include "priv.h"

static auth_client_t *local_auth;
static uid_t local_vmail_uid;
static gid_t local_vmail_gid;
static char *local_vmail_user;
/* Started as root: writers can switch to a system user's ids. */
static int local_resolve_switching;

void local_resolve_init(void)
{
	char *path = mem_printf("%s/%s", local_conf.queue_directory,
				AUTH_SOCKET);

	local_auth = auth_client_new(path, local_conf.ipc_timeout);
	mem_free(path);
	local_vmail_user = mem_strdup(local_conf.vmail_owner);
	local_vmail_uid = getuid();
	local_vmail_gid = getgid();
	if (!priv_is_root())
		return;
	local_resolve_switching = 1;
	if (priv_user_ids(local_vmail_user, &local_vmail_uid, &local_vmail_gid) < 0)
		log_fatal("vmail_owner %s: no such user", local_vmail_user);
	if (local_vmail_uid == 0)
		log_fatal("vmail_owner %s must not be root", local_vmail_user);
}

/* A path component made from an address part: never "", ".", ".." or a
 * name with '/', and never hidden. */
static int local_resolve_safe(const char *s, size_t n)
{
	return n > 0 && s[0] != '.' && memchr(s, '/', n) == NULL &&
		memchr(s, '\0', n) == NULL;
}

static void local_resolve_result(local_rcpt_t *r, const char *dsn,
				 const char *text)
{
	buf_set(&r->dsn, dsn);
	buf_set(&r->text, text);
}

static int local_resolve_virtual(local_rcpt_t *r, const char *canon)
{
	size_t at = addr_at(canon);
	const char *domain = canon + at + 1;

	if (canon[at] != '@' || !local_resolve_safe(canon, at) ||
	    !local_resolve_safe(domain, strlen(domain))) {
		log_warn("user %s from auth cannot name a mailbox", canon);
		return -1;
	}
	r->mailbox = mem_printf("%s/%s/%.*s", local_conf.mail_directory, domain,
				(int) at, canon);
	addr_lower(r->mailbox + strlen(local_conf.mail_directory));
	r->user = mem_strdup(local_vmail_user);
	r->uid = local_vmail_uid;
	r->gid = local_vmail_gid;
	r->resolved = 1;
	return 0;
}

static int local_resolve_system(local_rcpt_t *r, const char *name)
{
	struct passwd *pw = getpwnam(name);

	if (pw == NULL)
		return 0;
	if (pw->pw_uid == 0) {
		local_resolve_result(r, "5.7.1", "delivery to a root account "
				     "is not allowed; use an alias");
		return 1;
	}
	r->mailbox = mem_printf("%s/Maildir", pw->pw_dir);
	r->user = mem_strdup(pw->pw_name);
	r->uid = local_resolve_switching ? pw->pw_uid : getuid();
	r->gid = local_resolve_switching ? pw->pw_gid : getgid();
	r->resolved = 1;
	return 1;
}

void local_resolve(local_rcpt_t *r)
{
	buf_t base = BUF_INIT, canon = BUF_INIT, user = BUF_INIT;
	size_t at;
	char *local;
	int res;

	r->lower = mem_strdup(r->addr);
	addr_lower(r->lower);
	at = addr_at(r->lower);
	if (r->lower[at] != '@' || r->lower[at + 1] == '\0' || at == 0) {
		local_resolve_result(r, "5.1.3", "bad recipient address syntax");
		return;
	}
	local = mem_strndup(r->lower, at);
	addr_strip_extension(local, local_conf.delimiter, &base);
	buf_printf(&user, "%s@%s", buf_str(&base), r->lower + at + 1);
	res = auth_client_lookup(local_auth, buf_str(&user), &canon);
	if (res == AUTH_OK) {
		addr_lower(canon.data);
		if (local_resolve_virtual(r, buf_str(&canon)) < 0)
			local_resolve_result(r, "5.3.5", "the user's mailbox "
					     "name is not usable");
	} else if (res == AUTH_TEMPFAIL) {
		local_resolve_result(r, "4.3.0", "user lookup failed "
				     "temporarily");
	} else if (!local_conf.system_accounts ||
		   !local_resolve_system(r, buf_str(&base))) {
		buf_set(&r->dsn, "5.1.1");
		buf_printf(&r->text, "unknown user: \"%s\"", buf_str(&user));
	}
	mem_free(local);
	buf_release(&base);
	buf_release(&canon);
	buf_release(&user);
}

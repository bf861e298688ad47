/* mailctl_postmaster.c - does postmaster have a mailbox?  RFC 5321
 * §4.5.1 requires every domain to accept mail for postmaster, and bounces
 * and corrupt-file reports go there: `mailctl check` warns while the
 * postmaster of the first domain of mydestination (myhostname when that
 * is empty) has none, and `mailctl user add` gives postmaster and root to
 * the first user when they reach no mailbox.
 *
 * An address is followed through the alias_maps databases with the code
 * qmgr expands aliases with (lib/alias.c); each address it ends at has a
 * mailbox when, as local resolves it, it is a virtual user in users.db or,
 * with system_accounts = yes, a system account other than root (local
 * never delivers to root).  An address in another domain has none: tern
 * has no outbound transport.  The domain of the address asked about counts
 * as local even before mydestination lists it, since users are often
 * added first.
 */
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "alias.h"
#include "alias_db.h"
#include "config.h"
#include "mailctl.h"
#include "map.h"
#include "mem.h"

struct mailctl_postmaster {
	map_t *users;
	char **domains;
	int system_accounts;
	int mailboxes;		/* final addresses with a mailbox */
	buf_t ends;		/* the others, for the message */
};

static int mailctl_postmaster_mailbox(struct mailctl_postmaster *pm,
				      const char *canon)
{
	size_t at = addr_at(canon);
	const char *domain = canon[at] == '@' ? canon + at + 1 : "";
	char *local = mem_strndup(canon, at);
	buf_t base = BUF_INIT, key = BUF_INIT, value = BUF_INIT;
	struct passwd *pw;
	int found = 0;

	if (addr_domain_in(domain, pm->domains)) {
		addr_strip_extension(local, config_str("recipient_delimiter"), &base);
		buf_printf(&key, "%s@%s", buf_str(&base), domain);
		found = map_get(pm->users, buf_str(&key), &value) == 1;
		if (!found && pm->system_accounts) {
			pw = getpwnam(buf_str(&base));
			found = pw != NULL && pw->pw_uid != 0;
		}
	}
	buf_wipe(&value);
	buf_release(&value);
	buf_release(&key);
	buf_release(&base);
	mem_free(local);
	return found;
}

static void mailctl_postmaster_final(const char *canon, void *ctx)
{
	struct mailctl_postmaster *pm = ctx;

	if (mailctl_postmaster_mailbox(pm, canon))
		pm->mailboxes++;
	else
		buf_printf(&pm->ends, "%s%s", pm->ends.len ? ", " : "", canon);
}

/* The first virtual user, for a fix that can be typed as it is. */
static int mailctl_postmaster_first_user(const char *key, size_t klen,
					 const char *value, size_t vlen,
					 void *ctx)
{
	(void) value;
	(void) vlen;
	buf_append(ctx, key, klen);
	return 1;
}

int mailctl_postmaster_reaches(const char *addr, buf_t *ends)
{
	struct mailctl_postmaster pm = { NULL, NULL, 0, 0, BUF_INIT };
	char *users_db = mem_printf("%s.db", config_str("user_database"));
	char **files = config_list("alias_maps");
	alias_conf_t conf = { .lookup = alias_db_lookup };
	alias_db_t *db;
	char *err = NULL;
	size_t n = 0;
	int r = -1;

	pm.users = map_open(users_db, MAP_RDONLY, &err);
	mem_free(users_db);
	mem_free(err);
	if (pm.users == NULL) {
		config_list_free(&files);
		return -1;
	}
	pm.domains = config_list("mydestination");
	while (pm.domains[n] != NULL)
		n++;
	pm.domains = mem_reallocarray(pm.domains, n + 2, sizeof(char *));
	pm.domains[n] = mem_strdup(addr_domain(addr));
	pm.domains[n + 1] = NULL;
	pm.system_accounts = config_bool("system_accounts");
	conf.local_domains = pm.domains;
	conf.delimiter = config_str("recipient_delimiter");
	conf.origin = config_str("myorigin");
	conf.ctx = db = alias_db_new(files);
	if (alias_resolve(&conf, addr, mailctl_postmaster_final, &pm) == 0)
		r = pm.mailboxes > 0;
	if (ends != NULL)
		buf_set(ends, buf_str(&pm.ends));
	alias_db_free(&db);
	map_close(&pm.users);
	config_list_free(&pm.domains);
	config_list_free(&files);
	buf_release(&pm.ends);
	return r;
}

void mailctl_check_postmaster(mailctl_check_t *c)
{
	char **domains = config_list("mydestination");
	char *addr = mem_printf("postmaster@%s", domains[0] != NULL ?
				domains[0] : config_str("myhostname"));
	buf_t ends = BUF_INIT, user = BUF_INIT;
	char *users_db, *err = NULL;
	map_t *users;

	/* When the databases cannot be read, their own checks say why. */
	if (mailctl_postmaster_reaches(addr, &ends) == 0) {
		users_db = mem_printf("%s.db", config_str("user_database"));
		users = map_open(users_db, MAP_RDONLY, &err);
		mem_free(users_db);
		mem_free(err);
		if (users != NULL)
			map_iterate(users, mailctl_postmaster_first_user, &user);
		map_close(&users);
		buf_printf(&c->warnings, "%s has no mailbox (RFC 5321 section "
			   "4.5.1 requires one): its mail ends at %s, no virtual "
			   "user%s; run `mailctl alias add postmaster %s`%s\n",
			   addr, buf_str(&ends), config_bool("system_accounts") ?
			   " nor a system account local delivers to" : "",
			   user.len > 0 ? buf_str(&user) : "USER@DOMAIN",
			   user.len > 0 ? " (or another user)" :
			   " after `mailctl user add USER@DOMAIN`");
	}
	config_list_free(&domains);
	buf_release(&ends);
	buf_release(&user);
	mem_free(addr);
}

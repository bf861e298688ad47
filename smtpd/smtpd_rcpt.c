/* smtpd_rcpt.c - what smtpd decides about a recipient at RCPT time.
 *
 * A recipient in a local domain (mydestination) must exist: postmaster
 * always does (RFC 5321 §4.5.1), otherwise an alias (alias_maps, keys the
 * full address or the bare local part, lower case) or a user that auth
 * knows.  The local part is compared case-insensitively, and an extension
 * after recipient_delimiter ("user+tag") is tried with and without it.
 * Anything else is relaying, permitted to clients in mynetworks,
 * authenticated clients and local submission only (554 5.7.1 otherwise).
 *
 * Old relay tricks never work: source routes were already dropped by
 * addr_parse_path(), and a local part holding '%' or '!' or needing quotes
 * ("user@elsewhere"@here) never names a local user.  Address literals are
 * not local domains.
 */
#include <string.h>
#include <strings.h>

#include "daemon.h"
#include "log.h"
#include "mem.h"
#include "smtpd.h"

int smtpd_domain_is_local(const char *domain)
{
	return domain[0] != '\0' && domain[0] != '[' &&
	       addr_domain_in(domain, smtpd_conf.mydestination);
}

int smtpd_relay_permitted(const smtpd_session_t *sess)
{
	return sess->local || sess->auth_user.len > 0 ||
	       cidr_match(smtpd_conf.mynetworks, sess->addr);
}

/* Databases are replaced by rename; follow the new file where we can see
 * it (not inside a chroot, where the path does not exist). */
static void smtpd_aliases_refresh(void)
{
	if (daemon_chrooted())
		return;
	for (size_t i = 0; i < smtpd_conf.naliases; i++) {
		map_t *m = smtpd_conf.aliases[i];
		char *path, *err = NULL;
		map_t *fresh;

		if (!map_changed(m))
			continue;
		path = mem_strdup(map_path(m));
		fresh = map_open(path, MAP_RDONLY, &err);
		if (fresh == NULL) {
			log_warn("alias map %s: %s; keeping the open one", path, err);
			mem_free(err);
		} else {
			map_close(&smtpd_conf.aliases[i]);
			smtpd_conf.aliases[i] = fresh;
		}
		mem_free(path);
	}
}

/* 1 found (value in value_r), 0 not, -1 lookup error. */
static int smtpd_alias_get(const char *key, buf_t *value_r)
{
	int result = 0;

	smtpd_aliases_refresh();
	for (size_t i = 0; i < smtpd_conf.naliases && result != 1; i++) {
		int r = map_get(smtpd_conf.aliases[i], key, value_r);

		if (r != 0)
			result = r;
	}
	return result;
}

/* An alias for local@domain: full address first, then the local part. */
static int smtpd_alias_lookup(const char *local, const char *domain, buf_t *value_r)
{
	char *key = mem_printf("%s@%s", local, domain);
	int r;

	addr_lower(key);
	r = smtpd_alias_get(key, value_r);
	if (r == 0) {
		addr_lower(strcpy(key, local));
		r = smtpd_alias_get(key, value_r);
	}
	mem_free(key);
	return r;
}

int smtpd_alias_expand(const char *name, buf_t *value_r)
{
	char *copy = mem_strdup(name[0] == '<' ? name + 1 : name);
	size_t len = strlen(copy);
	const char *domain;
	int r = 0;

	if (len > 0 && copy[len - 1] == '>')
		copy[len - 1] = '\0';
	domain = addr_domain(copy);
	if (domain[0] == '\0') {
		addr_lower(copy);
		r = smtpd_alias_get(copy, value_r);
	} else if (smtpd_domain_is_local(domain)) {
		copy[addr_at(copy)] = '\0';
		r = smtpd_alias_lookup(copy, domain, value_r);
	}
	mem_free(copy);
	return r;
}

/* Does local@domain exist?  Aliases first, then auth's users. */
static int smtpd_local_exists(const char *local, const char *domain)
{
	buf_t base = BUF_INIT, value = BUF_INIT, user = BUF_INIT;
	int verdict = SMTPD_RCPT_UNKNOWN, r;
	char *addr;

	addr_strip_extension(local, smtpd_conf.delimiter, &base);
	r = smtpd_alias_lookup(local, domain, &value);
	if (r == 0 && strcmp(buf_str(&base), local) != 0)
		r = smtpd_alias_lookup(buf_str(&base), domain, &value);
	if (r != 0) {
		verdict = r > 0 ? SMTPD_RCPT_OK : SMTPD_RCPT_TEMPFAIL;
		goto out;
	}
	addr = mem_printf("%s@%s", local, domain);
	addr_lower(addr);
	r = auth_client_lookup(smtpd_conf.auth, addr, &user);
	mem_free(addr);
	if (r == AUTH_FAIL && strcmp(buf_str(&base), local) != 0) {
		addr = mem_printf("%s@%s", buf_str(&base), domain);
		addr_lower(addr);
		r = auth_client_lookup(smtpd_conf.auth, addr, &user);
		mem_free(addr);
	}
	if (r == AUTH_OK)
		verdict = SMTPD_RCPT_OK;
	else if (r == AUTH_TEMPFAIL)
		verdict = SMTPD_RCPT_TEMPFAIL;
out:
	buf_release(&base);
	buf_release(&value);
	buf_release(&user);
	return verdict;
}

int smtpd_rcpt_check(smtpd_session_t *sess, const char *addr,
		     const addr_info_t *info, buf_t *canon_r)
{
	const char *domain = addr_domain(addr);
	buf_t local = BUF_INIT;
	int verdict;

	buf_set(canon_r, addr);
	/* <Postmaster> without a domain (RFC 5321 §4.1.1.3). */
	if (info->at == strlen(addr)) {
		buf_reset(canon_r);
		buf_printf(canon_r, "postmaster@%s", smtpd_conf.myorigin);
		return SMTPD_RCPT_OK;
	}
	if (!smtpd_domain_is_local(domain))
		return smtpd_relay_permitted(sess) ? SMTPD_RCPT_RELAY :
						     SMTPD_RCPT_DENIED;
	if (info->quoted || info->route_hack)
		return SMTPD_RCPT_UNKNOWN;
	addr_local_unquoted(addr, &local);
	if (strcasecmp(buf_str(&local), "postmaster") == 0)
		verdict = SMTPD_RCPT_OK;
	else
		verdict = smtpd_local_exists(buf_str(&local), domain);
	buf_release(&local);
	return verdict;
}

/* Alias values are "target, target ..."; a target without a domain is
 * taken in the alias's own domain and in myorigin. */
int smtpd_alias_owned_by(const char *address, const char *login)
{
	buf_t value = BUF_INIT, local = BUF_INIT;
	const char *domain = addr_domain(address);
	int owned = 0;
	char *save = NULL;

	addr_local_unquoted(address, &local);
	if (smtpd_domain_is_local(domain) &&
	    smtpd_alias_lookup(buf_str(&local), domain, &value) == 1) {
		for (char *t = strtok_r(value.data, ", \t\r\n", &save);
		     t != NULL && !owned; t = strtok_r(NULL, ", \t\r\n", &save)) {
			char *full;

			if (strcasecmp(t, login) == 0) {
				owned = 1;
				continue;
			}
			if (strchr(t, '@') != NULL)
				continue;
			full = mem_printf("%s@%s", t, domain);
			owned = strcasecmp(full, login) == 0;
			mem_free(full);
			full = mem_printf("%s@%s", t, smtpd_conf.myorigin);
			owned = owned || strcasecmp(full, login) == 0;
			mem_free(full);
		}
	}
	buf_release(&value);
	buf_release(&local);
	return owned;
}

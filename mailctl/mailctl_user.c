/* mailctl_user.c - `mailctl user list|add|passwd|apop|del`: the virtual
 * users file (user_database, architecture §3) and its compiled users.db.
 *
 * Addresses are full addresses (local@domain), stored in lower case; a
 * domain that is not in mydestination is accepted with a warning, since
 * mydestination may be changed later.  Edits keep every other line of the
 * file as it was (comments, hand-made entries), rewrite it atomically with
 * its owner and mode (auth_owner, 0600), and recompile users.db.  Mailboxes
 * are not created here: local delivery creates them on the first message.
 * list prints addresses only, never hashes.
 *
 * apop sets (or with --remove clears) the user's APOP shared secret, the
 * third field of the line (RFC 1939 §7).  The secret is as good as a
 * password stored in the clear, which is why the file is auth's alone; it
 * must be one word of printable ASCII, since white space separates the
 * fields.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "log.h"
#include "mailctl.h"
#include "mem.h"
#include "users.h"

struct mailctl_users {
	char *path;
	buf_t text;		/* the whole file; holds hashes: wiped on free */
	int lock_fd;
};

static void mailctl_users_open(struct mailctl_users *u, int for_edit)
{
	char *err = NULL, *dir, *slash;

	u->path = mem_strdup(config_str("user_database"));
	buf_init(&u->text);
	u->lock_fd = -1;
	if (for_edit) {
		dir = mem_strdup(u->path);
		slash = strrchr(dir, '/');
		if (slash != NULL)
			slash[slash == dir ? 1 : 0] = '\0';
		u->lock_fd = mailctl_dir_lock(slash != NULL ? dir : ".");
		mem_free(dir);
	}
	if (mailctl_file_read(u->path, &u->text, &err) < 0)
		log_fatal("%s", err);
}

static void mailctl_users_close(struct mailctl_users *u)
{
	if (u->text.data != NULL)
		explicit_bzero(u->text.data, u->text.size);
	buf_release(&u->text);
	if (u->lock_fd >= 0)
		close(u->lock_fd);
	mem_free(u->path);
}

/*
 * Walk the lines.  For each line cb gets the line (without newline), its
 * parsed entry (address NULL for comments, blank and malformed lines) and
 * may append what should replace it to out.  Malformed lines are kept and
 * warned about.
 */
static void mailctl_users_walk(struct mailctl_users *u, buf_t *out,
			       void (*cb)(const char *line,
					  const users_entry_t *e,
					  buf_t *out, void *ctx),
			       void *ctx)
{
	buf_t line = BUF_INIT;
	const char *p = buf_str(&u->text), *nl;
	int lineno = 0;

	while (*p) {
		users_entry_t e;
		const char *why;
		int r;

		nl = strchr(p, '\n');
		buf_reset(&line);
		buf_append(&line, p, nl != NULL ? (size_t) (nl - p) : strlen(p));
		p = nl != NULL ? nl + 1 : p + strlen(p);
		lineno++;
		r = users_parse_line(buf_str(&line), &e, &why);
		if (r < 0)
			log_warn("%s line %d: %s (line kept as it is)", u->path,
				 lineno, why);
		cb(buf_str(&line), r > 0 ? &e : NULL, out, ctx);
		if (r > 0)
			users_entry_clear(&e);
	}
	if (line.data != NULL)
		explicit_bzero(line.data, line.size);
	buf_release(&line);
}

static void mailctl_users_save(struct mailctl_users *u, buf_t *text)
{
	uid_t uid = (uid_t) -1;
	gid_t gid = (gid_t) -1;
	char *err = NULL;

	if (geteuid() == 0 && mailctl_sysuser_ids("auth_owner", &uid, &gid) < 0)
		log_fatal("auth_owner: no system user \"%s\"",
			  config_str("auth_owner"));
	if (mailctl_file_replace(u->path, text->data != NULL ? text->data : "",
				 text->len, 0600, uid, gid, &err) < 0)
		log_fatal("%s", err);
	mailctl_map_compile(u->path, 0);
}

/* An APOP secret: the RFC puts no limit on it; this keeps lines sane. */
#define MAILCTL_APOP_MAX 255

struct mailctl_user_edit {
	const char *address;
	const char *hash;	/* new hash (passwd), NULL: delete */
	int set_apop;		/* apop: replace the secret, keep the hash */
	const char *apop;	/* the new secret, NULL: none */
	int found;
};

static void mailctl_user_find_cb(const char *line, const users_entry_t *e,
				 buf_t *out, void *ctx)
{
	struct mailctl_user_edit *ed = ctx;

	(void) line;
	(void) out;
	if (e != NULL && strcmp(e->address, ed->address) == 0)
		ed->found = 1;
}

static void mailctl_user_edit_cb(const char *line, const users_entry_t *e,
				 buf_t *out, void *ctx)
{
	struct mailctl_user_edit *ed = ctx;

	if (e == NULL || strcmp(e->address, ed->address) != 0) {
		buf_printf(out, "%s\n", line);
		return;
	}
	ed->found = 1;
	if (ed->set_apop) {
		buf_printf(out, "%s %s", e->address, e->hash);
		if (ed->apop != NULL)
			buf_printf(out, " %s", ed->apop);
		buf_putc(out, '\n');
		return;
	}
	if (ed->hash == NULL)
		return;
	buf_printf(out, "%s %s", e->address, ed->hash);
	if (e->apop != NULL)
		buf_printf(out, " %s", e->apop);
	buf_putc(out, '\n');
}

static void mailctl_user_list_cb(const char *line, const users_entry_t *e,
				 buf_t *out, void *ctx)
{
	struct mailctl_user_edit *ed = ctx;

	(void) line;
	(void) out;
	if (e != NULL && (ed->address == NULL ||
			  strcmp(ed->address, e->address) == 0)) {
		printf("%s\n", e->address);
		ed->found = 1;
	}
}

static void mailctl_user_domain_warn(const char *address)
{
	const char *domain = strchr(address, '@') + 1;
	char **dest = config_list("mydestination");
	int local = 0;

	for (size_t i = 0; dest[i] != NULL; i++)
		if (strcasecmp(dest[i], domain) == 0)
			local = 1;
	config_list_free(&dest);
	if (!local)
		log_warn("domain %s is not in mydestination: mail to %s is not "
			 "delivered here until it is", domain, address);
}

static char *mailctl_user_address(const char *arg)
{
	char *addr = mem_strdup(arg);
	const char *why;

	users_address_lower(addr);
	if (users_address_check(addr, &why) < 0)
		mailctl_usage_error("user: bad address \"%s\": %s (give local@domain)",
				    arg, why);
	return addr;
}

/*
 * RFC 5321 §4.5.1: every domain's postmaster reaches a person.  A fresh
 * installation's aliases send postmaster to root, which is no mailbox
 * unless system_accounts is on, so the first user added becomes
 * postmaster (and root, which cron and bounces write to), and the
 * administrator is told.  Never asked: scripts run this too.
 */
static void mailctl_user_postmaster(const char *address)
{
	char *postmaster = mem_printf("postmaster@%s", addr_domain(address));

	if (mailctl_postmaster_reaches(postmaster, NULL) == 0)
		mailctl_alias_postmaster(address);
	mem_free(postmaster);
}

static int mailctl_user_change(const char *what, const char *address,
			       int from_stdin)
{
	struct mailctl_users u;
	struct mailctl_user_edit ed = { .address = address };
	buf_t out = BUF_INIT;
	char *password = NULL, *hash = NULL, *err = NULL;

	mailctl_users_open(&u, 1);
	mailctl_users_walk(&u, NULL, mailctl_user_find_cb, &ed);
	if (strcmp(what, "add") == 0 && ed.found) {
		log_error("user %s already exists", address);
		mailctl_users_close(&u);
		return MAILCTL_FAIL;
	}
	if (strcmp(what, "add") != 0 && !ed.found) {
		log_error("no user %s", address);
		mailctl_users_close(&u);
		return MAILCTL_FAIL;
	}
	if (strcmp(what, "del") != 0) {
		password = mailctl_passwd_read(address, from_stdin);
		hash = users_password_hash(password, &err);
		explicit_bzero(password, strlen(password));
		mem_free(password);
		if (hash == NULL)
			log_fatal("%s", err);
	}
	if (strcmp(what, "add") == 0) {
		mailctl_user_domain_warn(address);
		buf_append(&out, u.text.data != NULL ? u.text.data : "", u.text.len);
		if (out.len > 0 && out.data[out.len - 1] != '\n')
			buf_putc(&out, '\n');
		buf_printf(&out, "%s %s\n", address, hash);
	} else {
		ed.hash = hash;
		mailctl_users_walk(&u, &out, mailctl_user_edit_cb, &ed);
	}
	mailctl_users_save(&u, &out);
	log_info("user %s: %s", address,
		 strcmp(what, "add") == 0 ? "added" :
		 strcmp(what, "del") == 0 ? "deleted" : "password changed");
	if (out.data != NULL)
		explicit_bzero(out.data, out.size);
	buf_release(&out);
	mem_free(hash);
	mailctl_users_close(&u);
	return MAILCTL_OK;
}

/* `user apop ADDR`: read the secret like a password; --remove clears it. */
static int mailctl_user_apop(const char *address, int from_stdin, int remove)
{
	struct mailctl_users u;
	struct mailctl_user_edit ed = { .address = address, .set_apop = 1 };
	buf_t out = BUF_INIT;
	char *secret = NULL;

	mailctl_users_open(&u, 1);
	mailctl_users_walk(&u, NULL, mailctl_user_find_cb, &ed);
	if (!ed.found) {
		log_error("no user %s", address);
		mailctl_users_close(&u);
		return MAILCTL_FAIL;
	}
	if (!remove) {
		secret = mailctl_passwd_read(address, from_stdin);
		for (const char *p = secret; *p; p++) {
			if (*p <= ' ' || *p == 0x7f) {
				explicit_bzero(secret, strlen(secret));
				log_fatal("an APOP secret must be one word of "
					  "printable ASCII, without white space");
			}
		}
		if (strlen(secret) > MAILCTL_APOP_MAX) {
			explicit_bzero(secret, strlen(secret));
			log_fatal("APOP secret longer than %d bytes", MAILCTL_APOP_MAX);
		}
	}
	ed.apop = secret;
	ed.found = 0;
	mailctl_users_walk(&u, &out, mailctl_user_edit_cb, &ed);
	mailctl_users_save(&u, &out);
	log_info("user %s: APOP secret %s", address, remove ? "removed" : "set");
	if (out.data != NULL)
		explicit_bzero(out.data, out.size);
	buf_release(&out);
	if (secret != NULL) {
		explicit_bzero(secret, strlen(secret));
		mem_free(secret);
	}
	mailctl_users_close(&u);
	return MAILCTL_OK;
}

int mailctl_cmd_user(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "password-stdin", no_argument, NULL, 's' },
		{ "remove", no_argument, NULL, 'r' },
		{ "no-postmaster", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct mailctl_users u;
	struct mailctl_user_edit ed = { 0 };
	const char *sub;
	char *addr = NULL;
	int c, from_stdin = 0, remove = 0, keep_postmaster = 0, r;

	while ((c = mailctl_getopt(argc, argv, "", longopts)) != -1) {
		if (c == 's')
			from_stdin = 1;
		else if (c == 'r')
			remove = 1;
		else if (c == 'n')
			keep_postmaster = 1;
	}
	if (optind >= argc)
		mailctl_usage_error("user: give list, add, passwd, apop or del");
	sub = argv[optind];
	if (strcmp(sub, "list") == 0) {
		if (argc - optind > 2)
			mailctl_usage_error("user list: at most one address");
		if (argc - optind == 2)
			addr = mailctl_user_address(argv[optind + 1]);
		mailctl_users_open(&u, 0);
		ed.address = addr;
		mailctl_users_walk(&u, NULL, mailctl_user_list_cb, &ed);
		mailctl_users_close(&u);
		r = addr == NULL || ed.found ? MAILCTL_OK : MAILCTL_FAIL;
		if (r != MAILCTL_OK)
			log_error("no user %s", addr);
		mem_free(addr);
		return r;
	}
	if (keep_postmaster && strcmp(sub, "add") != 0)
		mailctl_usage_error("user %s: --no-postmaster is for user add", sub);
	if (remove && strcmp(sub, "apop") != 0)
		mailctl_usage_error("user %s: --remove is for user apop", sub);
	if (strcmp(sub, "apop") == 0) {
		if (argc - optind != 2)
			mailctl_usage_error("user apop: give one address");
		if (from_stdin && remove)
			mailctl_usage_error("user apop: --remove takes no secret");
		addr = mailctl_user_address(argv[optind + 1]);
		r = mailctl_user_apop(addr, from_stdin, remove);
		mem_free(addr);
		return r;
	}
	if (strcmp(sub, "add") != 0 && strcmp(sub, "passwd") != 0 &&
	    strcmp(sub, "del") != 0)
		mailctl_usage_error("user: unknown subcommand \"%s\"", sub);
	if (argc - optind != 2)
		mailctl_usage_error("user %s: give one address", sub);
	if (from_stdin && strcmp(sub, "del") == 0)
		mailctl_usage_error("user del: --password-stdin makes no sense");
	addr = mailctl_user_address(argv[optind + 1]);
	r = mailctl_user_change(sub, addr, from_stdin);
	if (r == MAILCTL_OK && strcmp(sub, "add") == 0 && !keep_postmaster)
		mailctl_user_postmaster(addr);
	mem_free(addr);
	return r;
}

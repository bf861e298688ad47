/* mailctl_relay_auth.c - `mailctl relay-auth add|del|list|compile`: the
 * credentials smtp-out gives relay hosts (smtp_sasl_password_maps,
 * lib/relay_auth.h).
 *
 * The first file of smtp_sasl_password_maps is a "NEXTHOP user:password"
 * text map.  add takes the password from standard input (one line) or,
 * when that is a terminal, asks for it there twice without echo; it is
 * never an argument, where ps and the shell's history would show it.
 * list prints next hops and users, never a password, and nothing logs
 * one.  compile compiles every file of smtp_sasl_password_maps after
 * edits by hand (each .db gets its file's owner and mode).
 *
 * SECURITY: the passwords are kept as they are sent, so the file and its
 * .db are readable by mail_owner alone (smtp-out runs as mail_owner):
 * root's, group mail_owner's own group, mode 0640, from their first
 * byte: the file is written to a temporary file that has its owner and
 * mode before any content and is renamed into place, and map_compile
 * gives the database the file's owner and mode the same way.  Root owns
 * them, not mail_owner, because smtp-out opens the database as root,
 * before its privilege drop and chroot: mail_owner (smtpd, qmgr) must not
 * be able to change a file that root parses.  An edit makes a file whose
 * mode was widened private again.  Run by a user other than root (an
 * instance of `mailctl init` made by that user), the files are that
 * user's, mode 0600.  `mailctl check` reports a file or database that
 * others can read or mail_owner can write, or that mail_owner cannot
 * read.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "mailctl.h"
#include "mailctl_textmap.h"
#include "mem.h"
#include "relay_auth.h"

static char *mailctl_relay_auth_file(void)
{
	return mailctl_textmap_first("smtp_sasl_password_maps", "credentials file");
}

static char *mailctl_relay_auth_key(const char *arg)
{
	const char *why;
	char *key = relay_auth_key(arg, &why);

	if (key == NULL)
		mailctl_usage_error("relay-auth: \"%s\" is no next hop "
				    "([host]:port, host:port, host) or IP "
				    "address: %s", arg, why);
	return key;
}

/* The user name: one word without ':' (the separator). */
static void mailctl_relay_auth_check_user(const char *user)
{
	if (*user == '\0')
		mailctl_usage_error("relay-auth add: empty user name");
	for (const char *c = user; *c; c++)
		if ((unsigned char) *c <= ' ' || *c == ':' || *c == 0x7f)
			mailctl_usage_error("relay-auth add: the user name may "
					    "not hold ':', white space or "
					    "control characters");
}

/* What the text map can hold: no control characters, nothing that
 * map_compile would trim from the end of the line. */
static void mailctl_relay_auth_check_password(char *pw)
{
	size_t len = strlen(pw);

	for (size_t i = 0; i < len; i++) {
		if ((unsigned char) pw[i] < ' ' || pw[i] == 0x7f) {
			explicit_bzero(pw, len);
			log_fatal("the password holds a control character");
		}
	}
	if (pw[len - 1] == ' ') {
		explicit_bzero(pw, len);
		log_fatal("the password ends with a space, which the map "
			  "file cannot keep");
	}
}

/* Who the files belong to: as root, root and mail_owner's group; as
 * another user (an instance of its own), that user ((uid_t) -1). */
static void mailctl_relay_auth_owner(uid_t *uid_r, gid_t *gid_r)
{
	uid_t mail_uid;

	*uid_r = (uid_t) -1;
	*gid_r = (gid_t) -1;
	if (geteuid() != 0)
		return;
	if (mailctl_sysuser_ids("mail_owner", &mail_uid, gid_r) < 0)
		log_fatal("mail_owner: no system user \"%s\"",
			  config_str("mail_owner"));
	*uid_r = 0;
}

static int mailctl_relay_auth_add(const char *nexthop, const char *user,
				  int from_stdin)
{
	char *path = mailctl_relay_auth_file(), *key, *pw, *value;
	uid_t uid = (uid_t) -1;
	gid_t gid = (gid_t) -1;
	mailctl_textmap_t *m;
	int lock, replaced;

	key = mailctl_relay_auth_key(nexthop);
	mailctl_relay_auth_check_user(user);
	mailctl_relay_auth_owner(&uid, &gid);
	pw = mailctl_passwd_read(key, from_stdin || !isatty(0));
	mailctl_relay_auth_check_password(pw);
	value = mem_printf("%s:%s", user, pw);
	explicit_bzero(pw, strlen(pw));
	mem_free(pw);

	lock = mailctl_textmap_lock(path);
	m = mailctl_textmap_load(path, 1);
	replaced = mailctl_textmap_get(m, key) != NULL;
	mailctl_textmap_set(m, key, value);
	explicit_bzero(value, strlen(value));
	mem_free(value);
	mailctl_textmap_save(m, uid == 0 ? 0640 : 0600, uid, gid, 1);
	mailctl_textmap_free(&m);
	close(lock);
	log_info("relay-auth %s: %s, user %s", key,
		 replaced ? "replaced" : "added", user);
	mem_free(key);
	mem_free(path);
	return MAILCTL_OK;
}

static int mailctl_relay_auth_del(const char *nexthop)
{
	char *path = mailctl_relay_auth_file(), *key;
	uid_t uid = (uid_t) -1;
	gid_t gid = (gid_t) -1;
	mailctl_textmap_t *m;
	int lock, status;

	key = mailctl_relay_auth_key(nexthop);
	mailctl_relay_auth_owner(&uid, &gid);
	lock = mailctl_textmap_lock(path);
	m = mailctl_textmap_load(path, 1);
	status = mailctl_textmap_remove(m, "relay-auth", key,
					uid == 0 ? 0640 : 0600, uid, gid, 1);
	mailctl_textmap_free(&m);
	close(lock);
	mem_free(key);
	mem_free(path);
	return status;
}

static int mailctl_relay_auth_list(void)
{
	char *path = mailctl_relay_auth_file();
	mailctl_textmap_t *m = mailctl_textmap_load(path, 1);
	const char *key, *value;
	size_t pos = 0;

	while (mailctl_textmap_next(m, &pos, &key, &value, NULL)) {
		const char *colon = strchr(value, ':');

		if (colon == NULL || colon == value)
			printf("%s (no user:password)\n", key);
		else
			printf("%s %.*s\n", key, (int) (colon - value), value);
	}
	mailctl_textmap_free(&m);
	mem_free(path);
	return MAILCTL_OK;
}

static int mailctl_relay_auth_compile(void)
{
	char **files = config_list("smtp_sasl_password_maps");

	for (size_t i = 0; files[i] != NULL; i++) {
		int lock = mailctl_textmap_lock(files[i]);
		int n = mailctl_map_compile(files[i], 0);

		close(lock);
		log_info("%s: %d entr%s", files[i], n, n == 1 ? "y" : "ies");
	}
	config_list_free(&files);
	return MAILCTL_OK;
}

/* One file or database of the credentials: readable by mail_owner
 * only, writable by root only (mail_gid (gid_t) -1: an instance of a user
 * other than root, whose files are that user's). */
static void mailctl_relay_auth_check_file(const char *path, gid_t mail_gid,
					  mailctl_check_t *c)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		if (errno != ENOENT)
			buf_printf(&c->errors, "%s: %s\n", path, strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		buf_printf(&c->errors, "%s: not a regular file\n", path);
		return;
	}
	if (mail_gid == (gid_t) -1) {
		if ((st.st_mode & 077) != 0)
			buf_printf(&c->errors, "%s: relay passwords readable by "
				   "others (mode %04o): chmod 0600 it\n", path,
				   (unsigned) (st.st_mode & 07777));
		return;
	}
	if ((st.st_mode & 027) != 0 || st.st_uid != 0 || st.st_gid != mail_gid)
		buf_printf(&c->errors, "%s: relay passwords must be root's, group "
			   "%s, mode 0640 (they are uid %ld, gid %ld, mode %04o): "
			   "others must not read them, nor mail_owner change "
			   "what smtp-out reads as root\n", path,
			   config_str("mail_owner"), (long) st.st_uid,
			   (long) st.st_gid, (unsigned) (st.st_mode & 07777));
}

void mailctl_relay_auth_check(mailctl_check_t *c)
{
	char **files = config_list("smtp_sasl_password_maps");
	uid_t mail_uid = (uid_t) -1;
	gid_t mail_gid = (gid_t) -1;

	/* As another user, the instance's daemons run as that user. */
	if (geteuid() == 0 &&
	    mailctl_sysuser_ids("mail_owner", &mail_uid, &mail_gid) < 0) {
		mail_uid = (uid_t) -1;
		mail_gid = (gid_t) -1;
	}
	for (size_t i = 0; files[i] != NULL; i++) {
		char *db = mem_printf("%s.db", files[i]);
		mailctl_textmap_t *m;
		const char *key, *value, *why;
		char *user, *pass;
		size_t pos = 0;
		int line;

		mailctl_relay_auth_check_file(files[i], mail_gid, c);
		mailctl_relay_auth_check_file(db, mail_gid, c);
		if (mail_uid != (uid_t) -1 && access(db, F_OK) == 0)
			mailctl_sysuser_reach("mail_owner", db, R_OK, &c->errors);
		mem_free(db);
		if (access(files[i], F_OK) < 0 && errno == ENOENT)
			continue;
		mailctl_check_map("smtp_sasl_password_maps", files[i],
				  "relay-auth compile", &c->warnings, c);
		m = mailctl_textmap_load(files[i], 1);
		while (mailctl_textmap_next(m, &pos, &key, &value, &line)) {
			if (relay_auth_split(value, strlen(value), &user, &pass,
					     &why) < 0) {
				buf_printf(&c->errors, "%s line %d: %s: %s\n",
					   files[i], line, key, why);
				continue;
			}
			mem_free(user);
			explicit_bzero(pass, strlen(pass));
			mem_free(pass);
		}
		mailctl_textmap_free(&m);
	}
	config_list_free(&files);
}

int mailctl_cmd_relay_auth(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "password-stdin", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int from_stdin = 0, n, c;
	const char *sub;

	while ((c = mailctl_getopt(argc, argv, "", longopts)) != -1)
		if (c == 's')
			from_stdin = 1;
	if (optind >= argc)
		mailctl_usage_error("relay-auth: give add, del, list or compile");
	sub = argv[optind];
	n = argc - optind - 1;
	if (strcmp(sub, "add") == 0) {
		if (n != 2)
			mailctl_usage_error("relay-auth add: give NEXTHOP and USER "
					    "(the password comes from standard "
					    "input or the terminal)");
		return mailctl_relay_auth_add(argv[optind + 1], argv[optind + 2],
					      from_stdin);
	}
	if (from_stdin)
		mailctl_usage_error("relay-auth: --password-stdin goes with add");
	if (strcmp(sub, "del") == 0) {
		if (n != 1)
			mailctl_usage_error("relay-auth del: give one NEXTHOP");
		return mailctl_relay_auth_del(argv[optind + 1]);
	}
	if (strcmp(sub, "list") == 0) {
		if (n != 0)
			mailctl_usage_error("relay-auth list takes no arguments");
		return mailctl_relay_auth_list();
	}
	if (strcmp(sub, "compile") == 0) {
		if (n != 0)
			mailctl_usage_error("relay-auth compile takes no arguments");
		return mailctl_relay_auth_compile();
	}
	mailctl_usage_error("relay-auth: unknown subcommand \"%s\"", sub);
}

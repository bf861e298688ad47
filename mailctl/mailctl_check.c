/* mailctl_check.c - `mailctl check`: what would stop the suite from
 * starting or a role from doing its job, found before anyone starts it,
 * and what an administrator should fix although it stops nothing.
 *
 * Each finding is one line on stderr and in the log: "error: ..." for what
 * would stop the suite, stop a role from doing its job or give a secret
 * away (exit 1), "warning: ..." for the rest (exit 0 when there are only
 * warnings).  Unknown parameter names are warnings, printed when main.conf
 * is read.  Values that do not parse are reported first, and the file
 * checks, which need those values, run only when all of them parse.
 * master.conf goes through the parser master itself uses
 * (lib/master_conf.c).  Run as root, check also holds the tree to the
 * ownership model master enforces (mailctl_check_roles.c).
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "mailctl.h"
#include "master_conf.h"
#include "mem.h"
#include "tls.h"
#include "users.h"

static void mailctl_check_dir(const char *param, mailctl_check_t *c)
{
	const char *path = config_str(param);
	struct stat st;

	if (stat(path, &st) < 0)
		buf_printf(&c->errors, "%s %s: %s\n", param, path, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		buf_printf(&c->errors, "%s %s: not a directory\n", param, path);
}

/* A directory master makes at start (master_dirs.c): only its last
 * component, so a missing one is fine when its parent is there, or is
 * made by master first (the queue directory). */
static void mailctl_check_master_dir(const char *param, const char *made_first,
				     mailctl_check_t *c)
{
	const char *path = config_str(param);
	char *parent, *slash;
	struct stat st;

	if (lstat(path, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			buf_printf(&c->errors, "%s %s: must be a directory%s\n",
				   param, path, S_ISLNK(st.st_mode) ?
				   ", not a symbolic link" : "");
		return;
	}
	if (errno != ENOENT) {
		buf_printf(&c->errors, "%s %s: %s\n", param, path, strerror(errno));
		return;
	}
	parent = mem_strdup(path);
	slash = strrchr(parent, '/');
	if (slash != NULL)
		slash[slash == parent ? 1 : 0] = '\0';
	if (slash != NULL && (made_first == NULL || strcmp(parent, made_first) != 0) &&
	    (stat(parent, &st) < 0 || !S_ISDIR(st.st_mode)))
		buf_printf(&c->errors, "%s %s: missing, and master makes only its "
			   "last component: %s is no directory\n", param, path,
			   parent);
	mem_free(parent);
}

static void mailctl_check_log(mailctl_check_t *c)
{
	const char *file = config_str("maillog_file");
	char *dir, *slash;

	if (*file == '\0')
		return;
	if (access(file, F_OK) == 0) {
		if (access(file, W_OK) < 0)
			buf_printf(&c->errors, "maillog_file %s: %s\n", file,
				   strerror(errno));
		return;
	}
	dir = mem_strdup(file);
	slash = strrchr(dir, '/');
	if (slash != NULL)
		slash[slash == dir ? 1 : 0] = '\0';
	if (access(slash != NULL ? dir : ".", W_OK) < 0)
		buf_printf(&c->errors, "maillog_file %s: cannot create it in %s: %s\n",
			   file, slash != NULL ? dir : ".", strerror(errno));
	mem_free(dir);
}

/* The TLS pair of one server, PREFIX_tls_cert_file and PREFIX_tls_key_file,
 * as tls_server_from_config(PREFIX) will load it: readable, a key that
 * matches the certificate, the key root's alone. */
static void mailctl_check_tls_pair(const char *prefix, mailctl_check_t *c)
{
	char *cert_param = mem_printf("%s_tls_cert_file", prefix);
	char *key_param = mem_printf("%s_tls_key_file", prefix);
	const char *cert = config_str(cert_param);
	const char *key = config_str(key_param);
	tls_ctx_t *ctx;
	char *err = NULL;
	struct stat st;

	if (access(cert, R_OK) < 0) {
		buf_printf(&c->errors, "%s %s: %s\n", cert_param, cert,
			   strerror(errno));
		goto out;
	}
	if (access(key, R_OK) < 0) {
		buf_printf(&c->errors, "%s %s: %s\n", key_param, key,
			   strerror(errno));
		goto out;
	}
	ctx = tls_server_ctx(cert, key, config_str("tls_server_cipherlist"), &err);
	if (ctx == NULL) {
		buf_printf(&c->errors, "TLS certificate and key (%s %s, %s %s): "
			   "%s\n", cert_param, cert, key_param, key, err);
		mem_free(err);
		goto out;
	}
	tls_ctx_free(&ctx);
	if (stat(key, &st) == 0 && (st.st_mode & 077) != 0)
		buf_printf(&c->errors, "%s %s: readable by others than its "
			   "owner (mode %04o)\n", key_param, key,
			   (unsigned) (st.st_mode & 07777));
	if (tls_cert_self_signed(cert, &err) == 1)
		buf_printf(&c->warnings, "%s %s is self-signed (made by "
			   "`mailctl setup` or `mailctl init`), so mail clients "
			   "cannot verify it: put your CA's certificate chain in "
			   "%s and its key in %s (mode 0600, owned by root), then "
			   "run `mailctl reload`\n", cert_param, cert, cert, key);
	else if (err != NULL)
		MEM_FREE(err);
out:
	mem_free(cert_param);
	mem_free(key_param);
}

/* Whether PREFIX's pair is one already checked as smtpd's or pop3d's. */
static int mailctl_check_tls_seen(const char *prefix, const char *seen)
{
	char *cert = mem_printf("%s_tls_cert_file", prefix);
	char *key = mem_printf("%s_tls_key_file", prefix);
	char *seen_cert = mem_printf("%s_tls_cert_file", seen);
	char *seen_key = mem_printf("%s_tls_key_file", seen);
	int same = strcmp(config_str(cert), config_str(seen_cert)) == 0 &&
		strcmp(config_str(key), config_str(seen_key)) == 0;

	mem_free(cert);
	mem_free(key);
	mem_free(seen_cert);
	mem_free(seen_key);
	return same;
}

/* pop3d's and imapd's pairs default to smtpd's (lib/params.c); a pair of
 * its own is checked as smtpd's is, and the same files are not checked
 * twice. */
static void mailctl_check_tls(mailctl_check_t *c)
{
	mailctl_check_tls_pair("smtpd", c);
	if (!mailctl_check_tls_seen("pop3d", "smtpd"))
		mailctl_check_tls_pair("pop3d", c);
	if (!mailctl_check_tls_seen("imapd", "smtpd") &&
	    !mailctl_check_tls_seen("imapd", "pop3d"))
		mailctl_check_tls_pair("imapd", c);
}

/* A text map and its compiled FILE.db: both there, the db not older.
 * Missing pieces go to missing, an old db to the warnings. */
void mailctl_check_map(const char *what, const char *src, const char *remedy,
		       buf_t *missing, mailctl_check_t *c)
{
	char *db = mem_printf("%s.db", src);
	struct stat s_st, d_st;

	if (stat(src, &s_st) < 0)
		buf_printf(missing, "%s %s: %s\n", what, src, strerror(errno));
	else if (stat(db, &d_st) < 0)
		buf_printf(missing, "%s %s: %s (run `mailctl %s`)\n", what, db,
			   strerror(errno), remedy);
	else if (d_st.st_mtim.tv_sec < s_st.st_mtim.tv_sec ||
		 (d_st.st_mtim.tv_sec == s_st.st_mtim.tv_sec &&
		  d_st.st_mtim.tv_nsec < s_st.st_mtim.tv_nsec))
		buf_printf(&c->warnings, "%s %s is older than %s: run `mailctl %s`\n",
			   what, db, src, remedy);
	mem_free(db);
}

static void mailctl_check_users(mailctl_check_t *c)
{
	const char *path = config_str("user_database");
	buf_t text = BUF_INIT;
	char *err = NULL, *line, *next;
	int lineno = 0;

	/* Without users.db auth has no one to let in. */
	mailctl_check_map("user_database", path, "user add|del|passwd",
			  &c->errors, c);
	if (mailctl_file_read(path, &text, &err) < 0) {
		mem_free(err);
		return;
	}
	for (line = text.data; line != NULL && *line; line = next) {
		users_entry_t e;
		const char *why;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		if (users_parse_line(line, &e, &why) < 0)
			buf_printf(&c->errors, "%s line %d: %s\n", path, lineno, why);
		else
			users_entry_clear(&e);
	}
	explicit_bzero(text.data, text.len);
	buf_release(&text);
}

/* Without an alias database qmgr expands no aliases: mail still flows. */
static void mailctl_check_aliases(mailctl_check_t *c)
{
	char **aliases = config_list("alias_maps");

	for (size_t i = 0; aliases[i] != NULL; i++)
		mailctl_check_map("alias_maps", aliases[i], "newaliases",
				  &c->warnings, c);
	config_list_free(&aliases);
}

/* master.conf as master reads it, programs included. */
static void mailctl_check_master_conf(mailctl_check_t *c)
{
	char *path = mem_printf("%s/master.conf", mailctl_dir());
	buf_t text = BUF_INIT;
	master_conf_t conf;
	char *err = NULL;

	if (mailctl_file_read(path, &text, &err) < 0) {
		buf_printf(&c->errors, "%s\n", err);
		mem_free(err);
	} else {
		master_conf_parse(text.data, text.len,
				  config_str("daemon_directory"), &conf,
				  &c->errors);
		master_conf_check_programs(&conf, &c->errors);
		master_conf_free(&conf);
	}
	buf_release(&text);
	mem_free(path);
}

/* Each line of b through log (log_warn or log_error); their number. */
static int mailctl_check_print(buf_t *b, void (*log)(const char *, ...))
{
	int n = 0;

	for (char *p = b->data, *nl; p != NULL && *p; p = nl) {
		nl = strchr(p, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		log("%s", p);
		n++;
	}
	return n;
}

int mailctl_cmd_check(int argc, char **argv)
{
	mailctl_check_t c = { BUF_INIT, BUF_INIT };
	char *master;
	int errors;

	if (mailctl_getopt(argc, argv, "", NULL) != -1 || optind != argc)
		mailctl_usage_error("check takes no arguments");
	if (config_validate(&c.errors) == 0) {
		mailctl_check_master_dir("queue_directory", NULL, &c);
		mailctl_check_master_dir("login_directory",
					 config_str("queue_directory"), &c);
		mailctl_check_dir("mail_directory", &c);
		mailctl_check_dir("daemon_directory", &c);
		master = mem_printf("%s/master", config_str("daemon_directory"));
		if (access(master, X_OK) < 0)
			buf_printf(&c.errors, "daemon_directory: no master program %s: %s\n",
				   master, strerror(errno));
		mem_free(master);
		mailctl_check_log(&c);
		mailctl_check_tls(&c);
		mailctl_check_users(&c);
		mailctl_check_aliases(&c);
		mailctl_check_master_conf(&c);
		mailctl_route_check(&c);
		mailctl_transport_check(&c);
		mailctl_relay_auth_check(&c);
		mailctl_queue_check(&c.warnings);
		if (geteuid() == 0)
			mailctl_check_roles(&c);
		mailctl_check_postmaster(&c);
	}
	mailctl_check_print(&c.warnings, log_warn);
	errors = mailctl_check_print(&c.errors, log_error);
	buf_release(&c.warnings);
	buf_release(&c.errors);
	return errors > 0 ? MAILCTL_FAIL : MAILCTL_OK;
}

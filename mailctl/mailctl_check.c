/* mailctl_check.c - `mailctl check`: what would stop the suite from
 * starting or a role from doing its job, found before anyone starts it.
 *
 * Each problem is one line on stderr (and in the log); the exit status is 1
 * when there is any.  Unknown parameter names are warnings, printed when
 * main.conf is read.  Values that do not parse are reported first, and the
 * file checks, which need those values, run only when all of them parse.
 * Run as root, check also proves that each system user can reach what its
 * role needs (architecture §2) and that the password hashes are readable by
 * auth_owner alone.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "mailctl.h"
#include "mem.h"
#include "tls.h"
#include "users.h"

static void mailctl_check_dir(const char *param, buf_t *problems)
{
	const char *path = config_str(param);
	struct stat st;

	if (stat(path, &st) < 0)
		buf_printf(problems, "%s %s: %s\n", param, path, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		buf_printf(problems, "%s %s: not a directory\n", param, path);
}

static void mailctl_check_log(buf_t *problems)
{
	const char *file = config_str("maillog_file");
	char *dir, *slash;

	if (*file == '\0')
		return;
	if (access(file, F_OK) == 0) {
		if (access(file, W_OK) < 0)
			buf_printf(problems, "maillog_file %s: %s\n", file,
				   strerror(errno));
		return;
	}
	dir = mem_strdup(file);
	slash = strrchr(dir, '/');
	if (slash != NULL)
		slash[slash == dir ? 1 : 0] = '\0';
	if (access(slash != NULL ? dir : ".", W_OK) < 0)
		buf_printf(problems, "maillog_file %s: cannot create it in %s: %s\n",
			   file, slash != NULL ? dir : ".", strerror(errno));
	mem_free(dir);
}

static void mailctl_check_tls(buf_t *problems)
{
	const char *cert = config_str("smtpd_tls_cert_file");
	const char *key = config_str("smtpd_tls_key_file");
	tls_ctx_t *ctx;
	char *err = NULL;
	struct stat st;

	if (access(cert, R_OK) < 0) {
		buf_printf(problems, "smtpd_tls_cert_file %s: %s\n", cert,
			   strerror(errno));
		return;
	}
	if (access(key, R_OK) < 0) {
		buf_printf(problems, "smtpd_tls_key_file %s: %s\n", key,
			   strerror(errno));
		return;
	}
	ctx = tls_server_ctx(cert, key, config_str("tls_server_cipherlist"), &err);
	if (ctx == NULL) {
		buf_printf(problems, "TLS certificate and key: %s\n", err);
		mem_free(err);
		return;
	}
	tls_ctx_free(&ctx);
	if (stat(key, &st) == 0 && (st.st_mode & 077) != 0)
		buf_printf(problems, "smtpd_tls_key_file %s: readable by others than its owner (mode %04o)\n",
			   key, (unsigned) (st.st_mode & 07777));
}

/* A text map and its compiled FILE.db: both there, the db not older. */
static void mailctl_check_map(const char *what, const char *src,
			      buf_t *problems)
{
	char *db = mem_printf("%s.db", src);
	struct stat s_st, d_st;

	if (stat(src, &s_st) < 0)
		buf_printf(problems, "%s %s: %s\n", what, src, strerror(errno));
	else if (stat(db, &d_st) < 0)
		buf_printf(problems, "%s %s: %s\n", what, db, strerror(errno));
	else if (d_st.st_mtim.tv_sec < s_st.st_mtim.tv_sec ||
		 (d_st.st_mtim.tv_sec == s_st.st_mtim.tv_sec &&
		  d_st.st_mtim.tv_nsec < s_st.st_mtim.tv_nsec))
		buf_printf(problems, "%s %s is older than %s: run `mailctl %s`\n",
			   what, db, src, strcmp(what, "user_database") == 0 ?
			   "user add|del|passwd" : "newaliases");
	mem_free(db);
}

static void mailctl_check_users(buf_t *problems)
{
	const char *path = config_str("user_database");
	buf_t text = BUF_INIT;
	char *err = NULL, *line, *next;
	int lineno = 0;

	mailctl_check_map("user_database", path, problems);
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
			buf_printf(problems, "%s line %d: %s\n", path, lineno, why);
		else
			users_entry_clear(&e);
	}
	explicit_bzero(text.data, text.len);
	buf_release(&text);
}

/* The directories queue subdirectories mail_owner writes (master_dirs.c
 * makes them with these names). */
static const char *const mailctl_queue_subdirs[] = {
	"tmp", "incoming", "active", "deferred", "hold", "corrupt", "index",
	"maildrop", NULL,
};

/*
 * Where roles meet, root owns the place: a role that could rename entries
 * of the queue directory, private/, public/ or the login chroot could
 * replace auth's socket or the chroot itself.  master takes them back at
 * start and reload; check says so beforehand.  Only run as root.
 */
static void mailctl_check_queue_owner(buf_t *problems)
{
	const char *queue = config_str("queue_directory");
	const char *places[] = { "", "/private", "/public", "/pid", NULL };
	struct stat st;

	for (int i = 0; places[i] != NULL; i++) {
		char *path = mem_printf("%s%s", queue, places[i]);

		if (lstat(path, &st) == 0 &&
		    (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
		     (st.st_mode & 022) != 0))
			buf_printf(problems, "%s: must be a directory owned by root "
				   "and writable by nobody else (uid %ld, mode %04o; "
				   "master sets this at start and reload)\n",
				   path, (long) st.st_uid,
				   (unsigned) (st.st_mode & 07777));
		mem_free(path);
	}
	if (lstat(config_str("login_directory"), &st) == 0 &&
	    (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	     (st.st_mode & 022) != 0))
		buf_printf(problems, "login_directory %s: must be a directory owned "
			   "by root and writable by nobody else (master sets this "
			   "at start and reload)\n",
			   config_str("login_directory"));
}

/* Private files: owned by the role, never readable by anyone else. */
static void mailctl_check_private(const char *path, buf_t *problems)
{
	struct stat st;

	if (stat(path, &st) == 0 && (st.st_mode & 077) != 0)
		buf_printf(problems, "%s: readable by others than auth_owner (mode %04o)\n",
			   path, (unsigned) (st.st_mode & 07777));
}

void mailctl_check_roles(buf_t *problems)
{
	const char *users = config_str("user_database");
	char **aliases = config_list("alias_maps");
	char *db;

	mailctl_sysuser_check(problems);
	mailctl_check_queue_owner(problems);
	mailctl_sysuser_reach("mail_owner", config_str("queue_directory"),
			      X_OK, problems);
	for (const char *const *d = mailctl_queue_subdirs; *d != NULL; d++) {
		char *sub = mem_printf("%s/%s", config_str("queue_directory"), *d);

		/* master makes them at start: only a present one is checked. */
		if (access(sub, F_OK) == 0)
			mailctl_sysuser_reach("mail_owner", sub,
					      R_OK | W_OK | X_OK, problems);
		mem_free(sub);
	}
	if (access(config_str("login_directory"), F_OK) == 0)
		mailctl_sysuser_reach("login_user", config_str("login_directory"),
				      X_OK, problems);
	for (size_t i = 0; aliases[i] != NULL; i++) {
		db = mem_printf("%s.db", aliases[i]);
		if (access(db, F_OK) == 0)
			mailctl_sysuser_reach("mail_owner", db, R_OK, problems);
		mem_free(db);
	}
	config_list_free(&aliases);
	db = mem_printf("%s.db", users);
	if (access(db, F_OK) == 0)
		mailctl_sysuser_reach("auth_owner", db, R_OK, problems);
	mailctl_check_private(users, problems);
	mailctl_check_private(db, problems);
	mem_free(db);
	mailctl_sysuser_reach("vmail_owner", config_str("mail_directory"),
			      R_OK | W_OK | X_OK, problems);
}

int mailctl_cmd_check(int argc, char **argv)
{
	buf_t problems = BUF_INIT;
	char **aliases;
	char *master;
	int n = 0;

	if (mailctl_getopt(argc, argv, "", NULL) != -1 || optind != argc)
		mailctl_usage_error("check takes no arguments");
	if (config_validate(&problems) == 0) {
		mailctl_check_dir("queue_directory", &problems);
		mailctl_check_dir("mail_directory", &problems);
		mailctl_check_dir("daemon_directory", &problems);
		master = mem_printf("%s/master", config_str("daemon_directory"));
		if (access(master, X_OK) < 0)
			buf_printf(&problems, "daemon_directory: no master program %s: %s\n",
				   master, strerror(errno));
		mem_free(master);
		mailctl_check_log(&problems);
		mailctl_check_tls(&problems);
		mailctl_check_users(&problems);
		aliases = config_list("alias_maps");
		for (size_t i = 0; aliases[i] != NULL; i++)
			mailctl_check_map("alias_maps", aliases[i], &problems);
		config_list_free(&aliases);
		mailctl_check_master(&problems);
		mailctl_queue_check(&problems);
		if (geteuid() == 0)
			mailctl_check_roles(&problems);
	}
	for (char *p = problems.data, *nl; p != NULL && *p; p = nl) {
		nl = strchr(p, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		log_error("%s", p);
		n++;
	}
	buf_release(&problems);
	return n > 0 ? MAILCTL_FAIL : MAILCTL_OK;
}

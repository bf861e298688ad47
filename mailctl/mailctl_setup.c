/* mailctl_setup.c - `mailctl setup`: what an installed suite needs before
 * its first start, made from main.conf.
 *
 * `make install` puts programs and configuration in place; setup makes
 * the rest, each with the owner and mode its role needs (architecture §2):
 * the system users and setgid_group, queue_directory (root's) and its
 * maildrop/ (so that sendmail keeps mail before the first start too),
 * terndrop's setgid bit, mail_directory (vmail_owner's),
 * maillog_file when one is set, the users file and its users.db (auth_owner
 * alone reads them), each alias file with a postmaster entry and its .db,
 * and a self-signed TLS pair.  It never replaces a file that exists, so it
 * is safe to run again after an upgrade: it only fills what is missing and
 * brings a .db up to date with its source.  `mailctl init` makes the same
 * pieces for an instance through mailctl_setup_files().
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "mailctl.h"
#include "maildrop.h"
#include "mem.h"
#include "tls.h"

#define MAILCTL_CERT_DAYS 3650

static const char mailctl_setup_aliases_text[] =
	"# aliases - mail for NAME goes to each TARGET; see aliases(5).\n"
	"# Format: \"NAME: TARGET, TARGET\"; a line starting with white space\n"
	"# continues the previous one.  Edit with `mailctl alias add|del`, or by\n"
	"# hand followed by `mailctl newaliases`.\n"
	"#\n"
	"# postmaster must always reach a person (RFC 5321 section 4.5.1): the\n"
	"# first `mailctl user add` points it at that user.\n"
	"postmaster: root\n"
	"abuse: postmaster\n";

static const char mailctl_setup_users_text[] =
	"# users - virtual users: \"ADDRESS HASH [APOP-SECRET]\" per line.\n"
	"# Edit with `mailctl user add|passwd|apop|del`; readable by auth_owner only.\n";

static int mailctl_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/*
 * Something already at path is kept, but it must be what setup would
 * have made: a link or another kind of file stops setup, and one that
 * another user owns, or that others may write, is named - setup run as
 * root must not adopt what a user planted before it ran.
 */
static void mailctl_setup_existing(const char *path, int want_dir, uid_t uid)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		log_fatal("%s: %s", path, strerror(errno));
	if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		log_fatal("%s exists and is not a %s%s; not using it", path,
			  want_dir ? "directory" : "regular file",
			  S_ISLNK(st.st_mode) ? " (a symbolic link)" : "");
	if (geteuid() != 0)
		return;
	if ((st.st_uid != 0 && st.st_uid != uid) ||
	    (!S_ISDIR(st.st_mode) && (st.st_mode & 022) != 0) ||
	    (S_ISDIR(st.st_mode) && (st.st_mode & 022) != 0 &&
	     !(st.st_mode & S_ISVTX)))
		log_warn("%s exists with owner uid %ld and mode %04o; kept as it "
			 "is, check that it is yours", path, (long) st.st_uid,
			 (unsigned) (st.st_mode & 07777));
}

/* mkdir -p for path's parents; path itself is the caller's.  A parent
 * made here is 0755 whatever mailctl's umask, since the roles must pass
 * through it. */
void mailctl_setup_parents(const char *path)
{
	char *p = mem_strdup(path);

	for (char *s = strchr(p + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0755) == 0) {
			if (chmod(p, 0755) < 0)
				log_fatal("chmod %s: %s", p, strerror(errno));
		} else if (errno != EEXIST) {
			log_fatal("mkdir %s: %s", p, strerror(errno));
		}
		*s = '/';
	}
	mem_free(p);
}

/*
 * Mark dir as the top of a directory hierarchy (chattr +T), so that ext4's
 * Orlov allocator spreads the directories made in it - the queue and the
 * mail directory - over different block groups, as /var/spool and /home
 * are.  In one group, every new Maildir file would be allocated past the
 * queue's recently deleted files, which ext4 skips one by one when it looks
 * for a free inode (for a minute or more, without a journal): a cost per
 * delivery that grows with the mail rate.  Best effort: file systems
 * without the flag ignore or refuse it, which changes nothing else.
 */
void mailctl_setup_topdir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int flags;

	if (fd < 0)
		return;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && !(flags & FS_TOPDIR_FL)) {
		flags |= FS_TOPDIR_FL;
		(void) ioctl(fd, FS_IOC_SETFLAGS, &flags);
	}
	close(fd);
}

/* A missing directory is made with its parents, owner and mode; an
 * existing one is the administrator's and stays as it is (check and
 * master say what is wrong with it). */
static int mailctl_setup_dir(const char *path, mode_t mode, uid_t uid,
			     gid_t gid)
{
	char *err = NULL;

	if (mailctl_exists(path)) {
		mailctl_setup_existing(path, 1, uid);
		return 0;
	}
	mailctl_setup_parents(path);
	if (mailctl_dir_make(path, mode, uid, gid, &err) < 0)
		log_fatal("%s", err);
	log_info("made %s", path);
	return 1;
}

static int mailctl_setup_file(const char *path, const char *text, mode_t mode,
			      uid_t uid, gid_t gid)
{
	char *err = NULL;

	if (mailctl_exists(path)) {
		mailctl_setup_existing(path, 0, uid);
		return 0;
	}
	mailctl_setup_parents(path);
	if (mailctl_file_replace(path, text, strlen(text), mode, uid, gid,
				 &err) < 0)
		log_fatal("%s", err);
	log_info("made %s", path);
	return 1;
}

/* src.db, compiled when it is missing or older than src. */
static int mailctl_setup_db(const char *src, int colon)
{
	char *db = mem_printf("%s.db", src);
	struct stat s_st, d_st;
	int stale;

	stale = stat(db, &d_st) < 0 || stat(src, &s_st) < 0 ||
		d_st.st_mtim.tv_sec < s_st.st_mtim.tv_sec ||
		(d_st.st_mtim.tv_sec == s_st.st_mtim.tv_sec &&
		 d_st.st_mtim.tv_nsec < s_st.st_mtim.tv_nsec);
	if (stale) {
		mailctl_map_compile(src, colon);
		log_info("compiled %s", db);
	}
	mem_free(db);
	return stale;
}

/* The daemons open the log as root before dropping privileges, so a
 * root-owned file serves them all. */
static int mailctl_setup_log(const char *file)
{
	char *dir, *slash;
	int fd;

	if (*file == '\0')
		return 0;
	dir = mem_strdup(file);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		mailctl_setup_dir(dir, 0755, 0, 0);
	}
	mem_free(dir);
	if (mailctl_exists(file)) {
		mailctl_setup_existing(file, 0, 0);
		return 0;
	}
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW |
		  O_CLOEXEC, 0640);
	if (fd < 0 || fchmod(fd, 0640) < 0)
		log_fatal("%s: %s", file, strerror(errno));
	close(fd);
	log_info("made %s", file);
	return 1;
}

/* A self-signed pair when neither file exists.  One without the other is
 * the administrator's half-done replacement: left for check to report. */
static int mailctl_setup_tls(void)
{
	const char *cert = config_str("smtpd_tls_cert_file");
	const char *key = config_str("smtpd_tls_key_file");
	char *dir, *slash, *err = NULL;

	if (mailctl_exists(cert) || mailctl_exists(key)) {
		if (!mailctl_exists(cert) || !mailctl_exists(key))
			log_warn("TLS: %s exists but %s does not; not making a pair",
				 mailctl_exists(cert) ? cert : key,
				 mailctl_exists(cert) ? key : cert);
		return 0;
	}
	dir = mem_strdup(cert);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		mailctl_setup_dir(dir, 0755, 0, 0);
	}
	mem_free(dir);
	/* The key stays root's: daemons load it before the privilege drop. */
	if (tls_make_self_signed(cert, key, config_str("myhostname"),
				 MAILCTL_CERT_DAYS, &err) < 0)
		log_fatal("%s", err);
	log_info("made a self-signed TLS certificate for %s (%s, key %s); "
		 "clients will not trust it: replace both files with your CA's "
		 "certificate chain and key, then run mailctl reload",
		 config_str("myhostname"), cert, key);
	return 1;
}

int mailctl_setup_files(const mailctl_ids_t *ids)
{
	char **aliases = config_list("alias_maps");
	const char *users = config_str("user_database");
	char *maildrop;
	int made = 0;

	/* Root's, like every place where roles meet; master gives mail_owner
	 * the subdirectories it writes (master_dirs.c). */
	made += mailctl_setup_dir(config_str("queue_directory"), 0755, 0, 0);
	mailctl_setup_topdir(config_str("queue_directory"));
	maildrop = mem_printf("%s/%s", config_str("queue_directory"),
			      MAILDROP_DIR);
	made += mailctl_setup_dir(maildrop, MAILDROP_DIR_MODE, ids->mail_uid,
				  ids->drop_gid);
	mem_free(maildrop);
	made += mailctl_setup_dir(config_str("mail_directory"), 0750,
				  ids->vmail_uid, ids->vmail_gid);
	made += mailctl_setup_log(config_str("maillog_file"));
	made += mailctl_setup_tls();
	for (size_t i = 0; aliases[i] != NULL; i++) {
		made += mailctl_setup_file(aliases[i], mailctl_setup_aliases_text,
					   0644, 0, 0);
		made += mailctl_setup_db(aliases[i], 1);
	}
	config_list_free(&aliases);
	made += mailctl_setup_file(users, mailctl_setup_users_text, 0600,
				   ids->auth_uid, ids->auth_gid);
	made += mailctl_setup_db(users, 0);
	return made;
}

void mailctl_setup_ids(mailctl_ids_t *ids)
{
	buf_t problems = BUF_INIT;
	struct group *gr;

	ids->mail_uid = ids->auth_uid = ids->vmail_uid = (uid_t) -1;
	ids->mail_gid = ids->auth_gid = ids->vmail_gid = (gid_t) -1;
	ids->drop_gid = (gid_t) -1;
	if (geteuid() != 0)
		return;
	if (mailctl_sysuser_create() < 0)
		log_fatal("cannot create the system users");
	mailctl_sysuser_check(&problems);
	if (problems.len > 0) {
		buf_chomp(&problems);
		log_fatal("%s", buf_str(&problems));
	}
	if (mailctl_sysuser_ids("mail_owner", &ids->mail_uid, &ids->mail_gid) < 0 ||
	    mailctl_sysuser_ids("auth_owner", &ids->auth_uid, &ids->auth_gid) < 0 ||
	    mailctl_sysuser_ids("vmail_owner", &ids->vmail_uid, &ids->vmail_gid) < 0)
		log_panic("system user vanished after the check");
	gr = getgrnam(config_str("setgid_group"));
	if (gr == NULL)
		log_panic("setgid_group vanished after the check");
	ids->drop_gid = gr->gr_gid;
	buf_release(&problems);
}

/*
 * terndrop(8) writes into maildrop/ as its caller with setgid_group
 * gained: root's, setgid, never writable by anyone but root.  Fixed
 * through the descriptor of a regular file opened without following a
 * link, so the bit can only land on the program itself.
 */
static void mailctl_setup_terndrop(const mailctl_ids_t *ids)
{
	char *path = mem_printf("%s/terndrop", config_str("daemon_directory"));
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		log_warn("%s: %s: sendmail cannot keep mail while tern is "
			 "stopped", path, strerror(errno));
	} else if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0) {
		log_warn("%s: not a regular file owned by root; left as it is",
			 path);
	} else if (st.st_gid != ids->drop_gid || (st.st_mode & 07777) != 02755) {
		if (fchown(fd, 0, ids->drop_gid) < 0 || fchmod(fd, 02755) < 0)
			log_fatal("%s: set owner and mode: %s", path,
				  strerror(errno));
		log_info("made %s setgid %s", path, config_str("setgid_group"));
	}
	if (fd >= 0)
		close(fd);
	mem_free(path);
}

int mailctl_cmd_setup(int argc, char **argv)
{
	mailctl_ids_t ids;
	int made;

	if (mailctl_getopt(argc, argv, "", NULL) != -1 || optind != argc)
		mailctl_usage_error("setup takes no arguments");
	mailctl_setup_ids(&ids);
	if (geteuid() == 0)
		mailctl_setup_terndrop(&ids);
	made = mailctl_setup_files(&ids);
	if (made == 0)
		printf("nothing to do: every file and directory is in place\n");
	printf("next: mailctl check, then mailctl start\n");
	return MAILCTL_OK;
}

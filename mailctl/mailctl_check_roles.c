/* mailctl_check_roles.c - the root-only part of `mailctl check`: the
 * system users, the ownership model master enforces, and whether each
 * role can reach what it needs (architecture §2).
 *
 * Where roles meet, root owns the place: the queue directory, private/
 * (0711), public/ and pid/ (0755) and login_directory (0755) are root's;
 * mail_owner owns only the queue subdirectories it writes (0700).  master
 * makes every one of them, and gives each its owner and mode, at start and
 * on reload (master/master_dirs.c); so check holds the same table, calls a
 * difference a warning (master fixes it) and only what master would refuse
 * an error: a symbolic link or a file in a directory's place, a place
 * master cannot create, a role that cannot get through a directory above
 * the queue, a secret others can read.  Never does it ask that mail_owner
 * can write the queue directory itself.  maildrop/ is mail_owner's too,
 * with setgid_group and mode 1730, so that terndrop(8) can add files and
 * pickup take them.
 */
#include <dirent.h>
#include <grp.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "mailctl.h"
#include "mem.h"

/* The places master makes in the queue directory, as master_dirs.c does. */
static const struct mailctl_place {
	const char *name;
	mode_t mode;
	int mail_owner;		/* else root's */
	int setgid_group;	/* group setgid_group, else the owner's */
} mailctl_queue_places[] = {
	{ "tmp", 0700, 1, 0 },
	{ "incoming", 0700, 1, 0 },
	{ "active", 0700, 1, 0 },
	{ "deferred", 0700, 1, 0 },
	{ "hold", 0700, 1, 0 },
	{ "corrupt", 0700, 1, 0 },
	{ "index", 0700, 1, 0 },
	{ "maildrop", 01730, 1, 1 },
	{ "private", 0711, 0, 0 },
	{ "public", 0755, 0, 0 },
	{ "pid", 0755, 0, 0 },
	{ NULL, 0, 0, 0 },
};

/* One directory master makes and fixes: present ones are compared with
 * what master will make of them. */
static void mailctl_check_place(mailctl_check_t *c, const char *path,
				mode_t mode, uid_t uid, gid_t gid)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		if (errno != ENOENT)
			buf_printf(&c->errors, "%s: %s\n", path, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		buf_printf(&c->errors, "%s: must be a directory%s; master refuses "
			   "to start\n", path, S_ISLNK(st.st_mode) ?
			   ", not a symbolic link" : "");
		return;
	}
	if (st.st_uid != uid || st.st_gid != gid || (st.st_mode & 07777) != mode)
		buf_printf(&c->warnings, "%s: owner %ld:%ld, mode %04o; master "
			   "makes it %ld:%ld, mode %04o, at its next start or "
			   "reload\n", path, (long) st.st_uid, (long) st.st_gid,
			   (unsigned) (st.st_mode & 07777), (long) uid,
			   (long) gid, (unsigned) mode);
}

static void mailctl_check_places(mailctl_check_t *c)
{
	const char *queue = config_str("queue_directory");
	struct group *gr = getgrnam(config_str("setgid_group"));
	uid_t mail_uid;
	gid_t mail_gid;

	/* A missing mail_owner or group is an error of its own
	 * (sysuser_check). */
	if (mailctl_sysuser_ids("mail_owner", &mail_uid, &mail_gid) < 0 ||
	    gr == NULL)
		return;
	mailctl_check_place(c, queue, 0755, 0, 0);
	for (const struct mailctl_place *p = mailctl_queue_places; p->name; p++) {
		char *path = mem_printf("%s/%s", queue, p->name);

		mailctl_check_place(c, path, p->mode, p->mail_owner ? mail_uid : 0,
				    p->setgid_group ? gr->gr_gid :
				    p->mail_owner ? mail_gid : 0);
		mem_free(path);
	}
	mailctl_check_place(c, config_str("login_directory"), 0755, 0, 0);
}

/* Private files: owned by the role, never readable by anyone else. */
static void mailctl_check_private(const char *path, mailctl_check_t *c)
{
	struct stat st;

	if (stat(path, &st) == 0 && (st.st_mode & 077) != 0)
		buf_printf(&c->errors, "%s: readable by others than auth_owner "
			   "(mode %04o)\n", path, (unsigned) (st.st_mode & 07777));
}

/*
 * What routes mail or names the programs root runs - main.conf,
 * master.conf, the alias files, the transport maps and their databases -
 * is root's alone: a
 * user who could write one could send anyone's mail anywhere.
 */
static const char *const mailctl_root_files[] = {
	"main.conf", "master.conf", NULL,
};

static void mailctl_check_root_file(const char *path, mailctl_check_t *c)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return;
	if (!S_ISREG(st.st_mode))
		buf_printf(&c->errors, "%s: not a regular file%s\n", path,
			   S_ISLNK(st.st_mode) ? " (a symbolic link)" : "");
	else if (st.st_uid != 0 || (st.st_mode & 022) != 0)
		buf_printf(&c->errors, "%s: must be root's and writable by root "
			   "alone (owner uid %ld, mode %04o)\n", path,
			   (long) st.st_uid, (unsigned) (st.st_mode & 07777));
}

/* The files of a list of maps that route mail (alias_maps,
 * transport_maps) and their databases: root's, and readable by qmgr. */
static void mailctl_check_route_maps(const char *param, mailctl_check_t *c)
{
	char **files = config_list(param);

	for (size_t i = 0; files[i] != NULL; i++) {
		char *db = mem_printf("%s.db", files[i]);

		mailctl_check_root_file(files[i], c);
		mailctl_check_root_file(db, c);
		if (access(db, F_OK) == 0)
			mailctl_sysuser_reach("mail_owner", db, R_OK, &c->errors);
		mem_free(db);
	}
	config_list_free(&files);
}

/* Every role but the chrooted login one reaches the queue's sockets:
 * each directory above the queue directory must let it through (master
 * sees to the queue directory and what is in it). */
static void mailctl_check_queue_reach(mailctl_check_t *c)
{
	static const char *const roles[] = {
		"mail_owner", "auth_owner", "vmail_owner", NULL,
	};
	char *parent = mem_strdup(config_str("queue_directory"));
	char *slash = strrchr(parent, '/');

	if (slash != NULL) {
		slash[slash == parent ? 1 : 0] = '\0';
		if (access(parent, F_OK) == 0)
			for (size_t i = 0; roles[i] != NULL; i++)
				mailctl_sysuser_reach(roles[i], parent, X_OK,
						      &c->errors);
	}
	mem_free(parent);
}

/* One place of the DKIM keys (dkim-sign(8)): dkim_owner's (as root; an
 * instance of another user has that user's) and private to it. */
static void mailctl_check_dkim_place(const char *path, const struct stat *st,
				     uid_t uid, int is_dir, mailctl_check_t *c)
{
	if (is_dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode))
		buf_printf(&c->errors,
			   "%s: not a %s\n", path, is_dir ? "directory" :
			   "regular file");
	else if ((st->st_mode & 077) != 0 || (uid != (uid_t) -1 && st->st_uid != uid))
		buf_printf(&c->errors, "%s: DKIM keys must be dkim_owner's and "
			   "readable by nobody else (owner uid %ld, mode %04o)\n",
			   path, (long) st->st_uid, (unsigned) (st->st_mode & 07777));
}

/* dkim_key_directory, each domain's directory in it and each key. */
static void mailctl_check_dkim(mailctl_check_t *c)
{
	const char *dir = config_str("dkim_key_directory");
	uid_t uid = (uid_t) -1;
	gid_t gid;
	struct stat st;
	DIR *d, *dd;
	struct dirent *e, *k;

	if (lstat(dir, &st) < 0)
		return;		/* no keys: nothing is signed */
	if (geteuid() == 0 && mailctl_sysuser_ids("dkim_owner", &uid, &gid) < 0)
		return;		/* mailctl_sysuser_check names it */
	mailctl_check_dkim_place(dir, &st, uid, 1, c);
	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char *sub = mem_printf("%s/%s", dir, e->d_name);

		if (e->d_name[0] != '.' && lstat(sub, &st) == 0) {
			mailctl_check_dkim_place(sub, &st, uid, 1, c);
			if (S_ISDIR(st.st_mode) && (dd = opendir(sub)) != NULL) {
				while ((k = readdir(dd)) != NULL) {
					char *key = mem_printf("%s/%s", sub, k->d_name);

					if (k->d_name[0] != '.' && lstat(key, &st) == 0)
						mailctl_check_dkim_place(key, &st, uid, 0, c);
					mem_free(key);
				}
				closedir(dd);
			}
		}
		mem_free(sub);
	}
	closedir(d);
}

void mailctl_check_roles(mailctl_check_t *c)
{
	const char *users = config_str("user_database");
	char *db;

	mailctl_sysuser_check(&c->errors);
	mailctl_check_places(c);
	mailctl_check_queue_reach(c);
	for (size_t i = 0; mailctl_root_files[i] != NULL; i++) {
		db = mem_printf("%s/%s", mailctl_dir(), mailctl_root_files[i]);
		mailctl_check_root_file(db, c);
		mem_free(db);
	}
	mailctl_check_route_maps("alias_maps", c);
	mailctl_check_route_maps("transport_maps", c);
	db = mem_printf("%s.db", users);
	if (access(db, F_OK) == 0)
		mailctl_sysuser_reach("auth_owner", db, R_OK, &c->errors);
	mailctl_check_private(users, c);
	mailctl_check_private(db, c);
	mem_free(db);
	mailctl_check_dkim(c);
	if (access(config_str("mail_directory"), F_OK) == 0)
		mailctl_sysuser_reach("vmail_owner", config_str("mail_directory"),
				      R_OK | W_OK | X_OK, &c->errors);
}

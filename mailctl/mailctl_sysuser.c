/* mailctl_sysuser.c - the system users the roles run as (architecture §2)
 * and terndrop's group (setgid_group): creating the missing ones (mailctl
 * init as root), checking that they are sane, and proving that a role can
 * reach the files it needs (mailctl check).
 *
 * Reachability is computed from the owner, group and mode bits of every
 * directory on the way, as the kernel would for that user and its groups,
 * rather than by switching ids: mailctl never needs to give up root to
 * answer.  ACLs are not consulted; tern never sets any.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "mailctl.h"
#include "mem.h"

extern char **environ;

const char *const mailctl_roles[] = {
	"mail_owner", "auth_owner", "login_user", "vmail_owner", "dkim_owner",
	NULL,
};

int mailctl_sysuser_ids(const char *param, uid_t *uid_r, gid_t *gid_r)
{
	struct passwd *pw = getpwnam(config_str(param));

	if (pw == NULL)
		return -1;
	*uid_r = pw->pw_uid;
	*gid_r = pw->pw_gid;
	return 0;
}

/* Run a user-database tool (useradd, groupadd) from /usr/sbin or PATH,
 * with args then name; 0 or -1 (logged). */
static int mailctl_sysuser_tool(const char *tool, char *const args[],
				const char *name)
{
	char *sbin = mem_printf("/usr/sbin/%s", tool);
	const char *prog = access(sbin, X_OK) == 0 ? sbin : tool;
	char *argv[16];
	size_t n = 0;
	pid_t pid;
	int status, err;

	/* exec's argv is not const: copies, not casts */
	argv[n++] = mem_strdup(prog);
	for (size_t i = 0; args[i] != NULL && n < 14; i++)
		argv[n++] = mem_strdup(args[i]);
	argv[n++] = mem_strdup(name);
	argv[n] = NULL;
	err = posix_spawnp(&pid, prog, NULL, NULL, argv, environ);
	for (size_t i = 0; i < n; i++)
		mem_free(argv[i]);
	if (err != 0) {
		log_error("run %s: %s", prog, strerror(err));
		mem_free(sbin);
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			log_error("wait for %s: %s", prog, strerror(errno));
			mem_free(sbin);
			return -1;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_error("%s %s failed (status %d)", prog, name, status);
		mem_free(sbin);
		return -1;
	}
	mem_free(sbin);
	return 0;
}

int mailctl_sysuser_create(void)
{
	static char *const useradd[] = {
		"--system", "--no-create-home", "--home-dir", "/nonexistent",
		"--shell", "/usr/sbin/nologin", NULL,
	};
	static char *const groupadd[] = { "--system", NULL };
	const char *group = config_str("setgid_group");
	int ret = 0;

	for (size_t i = 0; mailctl_roles[i] != NULL; i++) {
		const char *name = config_str(mailctl_roles[i]);

		/* Two roles may name one user only by mistake, which
		 * mailctl_sysuser_check reports; create it once. */
		if (getpwnam(name) != NULL)
			continue;
		if (mailctl_sysuser_tool("useradd", useradd, name) < 0)
			ret = -1;
		else
			log_info("created system user %s", name);
	}
	/* terndrop's group: a group alone, no user's (terndrop(8)). */
	if (getgrnam(group) == NULL) {
		if (mailctl_sysuser_tool("groupadd", groupadd, group) < 0)
			ret = -1;
		else
			log_info("created system group %s", group);
	}
	return ret;
}

/* setgid_group must exist and give no one its access: no members, and
 * no user's primary group (a user of that group could write into the
 * maildrop without terndrop's checks). */
static void mailctl_sysuser_check_group(buf_t *problems)
{
	const char *group = config_str("setgid_group");
	struct group *gr = getgrnam(group);
	gid_t gid;

	if (gr == NULL) {
		buf_printf(problems, "setgid_group: no system group \"%s\"\n",
			   group);
		return;
	}
	gid = gr->gr_gid;
	if (gr->gr_mem != NULL && gr->gr_mem[0] != NULL)
		buf_printf(problems, "setgid_group: group \"%s\" has members "
			   "(%s...): they could put files into the maildrop "
			   "without terndrop's checks\n", group, gr->gr_mem[0]);
	setpwent();
	for (struct passwd *pw; (pw = getpwent()) != NULL; )
		if (pw->pw_gid == gid)
			buf_printf(problems, "setgid_group: group \"%s\" is "
				   "the primary group of user %s: that user could "
				   "put files into the maildrop without terndrop's "
				   "checks\n", group, pw->pw_name);
	endpwent();
}

void mailctl_sysuser_check(buf_t *problems)
{
	uid_t uids[8];
	size_t n = 0;

	for (size_t i = 0; mailctl_roles[i] != NULL; i++) {
		const char *name = config_str(mailctl_roles[i]);
		struct passwd *pw = getpwnam(name);

		if (pw == NULL) {
			buf_printf(problems, "%s: no system user \"%s\"\n",
				   mailctl_roles[i], name);
			continue;
		}
		if (pw->pw_uid == 0)
			buf_printf(problems, "%s: user \"%s\" has uid 0\n",
				   mailctl_roles[i], name);
		for (size_t j = 0; j < n; j++) {
			if (uids[j] == pw->pw_uid) {
				buf_printf(problems, "%s: user \"%s\" shares uid %ld with %s\n",
					   mailctl_roles[i], name,
					   (long) pw->pw_uid, mailctl_roles[j]);
			}
		}
		uids[n++] = pw->pw_uid;
	}
	mailctl_sysuser_check_group(problems);
}

/* Append a problem line unless the same line is already there: several
 * files behind one closed directory make one report. */
static void mailctl_sysuser_problem(buf_t *problems, const char *fmt, ...)
{
	buf_t line = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&line, fmt, ap);
	va_end(ap);
	if (strstr(buf_str(problems), buf_str(&line)) == NULL)
		buf_puts(problems, buf_str(&line));
	buf_release(&line);
}

struct mailctl_ident {
	uid_t uid;
	gid_t *groups;
	int ngroups;
};

/* The permission bits that apply to id for a file with status st. */
static int mailctl_perm_bits(const struct mailctl_ident *id,
			     const struct stat *st)
{
	if (st->st_uid == id->uid)
		return (st->st_mode >> 6) & 7;
	for (int i = 0; i < id->ngroups; i++)
		if (id->groups[i] == st->st_gid)
			return (st->st_mode >> 3) & 7;
	return st->st_mode & 7;
}

static int mailctl_perm_want(int want)
{
	return ((want & R_OK) ? 4 : 0) | ((want & W_OK) ? 2 : 0) |
		((want & X_OK) ? 1 : 0);
}

int mailctl_sysuser_reach(const char *param, const char *path, int want,
			  buf_t *problems)
{
	const char *user = config_str(param);
	struct mailctl_ident id;
	struct passwd *pw = getpwnam(user);
	char *real = NULL, *p;
	struct stat st;
	int ret = -1;

	/* Unknown users are reported by mailctl_sysuser_check. */
	if (pw == NULL)
		return 0;
	id.uid = pw->pw_uid;
	id.ngroups = 32;
	id.groups = mem_reallocarray(NULL, (size_t) id.ngroups, sizeof(gid_t));
	if (getgrouplist(user, pw->pw_gid, id.groups, &id.ngroups) < 0) {
		id.groups = mem_reallocarray(id.groups, (size_t) id.ngroups,
					     sizeof(gid_t));
		getgrouplist(user, pw->pw_gid, id.groups, &id.ngroups);
	}
	real = realpath(path, NULL);
	if (real == NULL) {
		buf_printf(problems, "%s: %s\n", path, strerror(errno));
		goto out;
	}
	/* Every directory from / down to the parent must be searchable. */
	for (p = real; (p = strchr(p + 1, '/')) != NULL; ) {
		*p = '\0';
		if (stat(real, &st) == 0 && !(mailctl_perm_bits(&id, &st) & 1)) {
			mailctl_sysuser_problem(problems,
						"%s (%s) cannot search directory %s\n",
						param, user, real);
			goto out;
		}
		*p = '/';
	}
	if (stat(real, &st) < 0) {
		buf_printf(problems, "%s: %s\n", real, strerror(errno));
		goto out;
	}
	/* A directory is only of use to a role that can also search it. */
	if (S_ISDIR(st.st_mode))
		want |= X_OK;
	if ((mailctl_perm_bits(&id, &st) & mailctl_perm_want(want)) !=
	    mailctl_perm_want(want)) {
		mailctl_sysuser_problem(problems, "%s (%s) cannot %s %s\n", param,
					user, (want & W_OK) ? "write to" :
					S_ISDIR(st.st_mode) ? "search" : "read",
					real);
		goto out;
	}
	ret = 0;
out:
	free(real);
	mem_free(id.groups);
	return ret;
}

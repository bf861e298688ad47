/* test_priv.c - unit tests for lib/priv.c, the privilege drop.
 *
 * Every drop runs in a forked child, which reports what it sees (ids, root
 * directory, capability sets, no_new_privs) over a pipe; the parent checks
 * it.  The cases that need root print SKIP, never pass, when not root: only
 * the NO_NEW_PRIVS path and the user lookups can be tested without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/log.h"
#include "../../lib/priv.h"
#include "test.h"

/* An unprivileged system user present on every Linux system. */
#define TEST_USER "nobody"
#define TEST_MARKER ".tern-priv-marker"

/* Call after test_begin(): false, with the case skipped, when not root. */
static int test_need_root(void)
{
	if (priv_is_root())
		return 1;
	test_skip("needs root");
	return 0;
}

/* "Name:\tvalue" from /proc/self/status into out. */
static void test_proc_status(const char *field, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	size_t flen = strlen(field);

	snprintf(out, len, "?");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			char *v = line + flen + 1;

			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			snprintf(out, len, "%s", v);
			break;
		}
	}
	fclose(f);
}

struct test_report {
	int exit_status;	/* -1 when it did not exit normally */
	char text[1024];
};

/* Run priv_drop(spec) in a child; the child writes one line describing
 * itself: uid euid gid egid setuid0 nnp cwd capeff capprm capamb marker,
 * where marker says whether /TEST_MARKER exists (it does in the jail). */
static void test_drop_in_child(const priv_spec_t *spec, struct test_report *r)
{
	int p[2];
	pid_t pid;
	int status;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	if (pipe(p) < 0)
		exit(2);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char eff[64], prm[64], amb[64], root[256] = "";
		char line[1024];
		int len, setuid0;

		close(p[0]);
		/* Fatal messages go to /dev/null: the exit status tells. */
		log_set_dest(LOG_DEST_FILE, "/dev/null");
		priv_drop(spec);
		setuid0 = setuid(0) == 0;
		test_proc_status("CapEff", eff, sizeof(eff));
		test_proc_status("CapPrm", prm, sizeof(prm));
		test_proc_status("CapAmb", amb, sizeof(amb));
		if (getcwd(root, sizeof(root)) == NULL)
			snprintf(root, sizeof(root), "?");
		len = snprintf(line, sizeof(line), "%ld %ld %ld %ld %d %d %s %s %s %s %d",
			       (long) getuid(), (long) geteuid(), (long) getgid(),
			       (long) getegid(), setuid0,
			       prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), root,
			       eff, prm, amb, access("/" TEST_MARKER, F_OK) == 0);
		if (write(p[1], line, (size_t) len) != len)
			_exit(3);
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], r->text, sizeof(r->text) - 1);
	r->text[n > 0 ? n : 0] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	r->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_priv_user_ids(void)
{
	uid_t uid = 99;
	gid_t gid = 99;

	test_begin("priv_user_ids: root and an unknown user");
	test_assert_int(priv_user_ids("root", &uid, &gid), 0);
	test_assert_int(uid, 0);
	test_assert_int(gid, 0);
	test_assert_int(priv_user_ids("no-such-user-tern-test", &uid, &gid), -1);
	test_assert_int(priv_is_root(), geteuid() == 0);
	test_end();
}

/* The not-root path, as the caller: only NO_NEW_PRIVS changes.  As root
 * the child first becomes nobody by hand, so the path is taken either way. */
static void test_priv_not_root(void)
{
	priv_spec_t spec = { NULL, NULL, NULL, 0 };
	struct test_report r;
	int p[2];
	pid_t pid;
	int status;
	char buf[sizeof(r.text) + 64] = "";

	test_begin("not root: only no_new_privs, ids unchanged");
	if (pipe(p) < 0)
		exit(2);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		uid_t uid;
		gid_t gid;
		int len;

		close(p[0]);
		if (priv_is_root()) {
			if (priv_user_ids(TEST_USER, &uid, &gid) < 0 ||
			    setgid(gid) < 0 || setuid(uid) < 0)
				_exit(4);
		}
		uid = getuid();
		test_drop_in_child(&spec, &r);
		len = snprintf(buf, sizeof(buf), "%d %ld %s", r.exit_status,
			       (long) uid, r.text);
		if (len < 0 || (size_t) len >= sizeof(buf) ||
		    write(p[1], buf, (size_t) len) != len)
			_exit(3);
		_exit(0);
	}
	close(p[1]);
	buf[0] = '\0';
	ssize_t n = read(p[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	{
		int st = -1, su = -1, nnp = -1;
		long uid = -1, ruid = -2;

		test_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		sscanf(buf, "%d %ld %ld %*d %*d %*d %d %d", &st, &uid, &ruid, &su, &nnp);
		test_assert_int(st, 0);
		test_assert_int(ruid, uid);
		test_assert_int(su, 0);
		test_assert_int(nnp, 1);
	}
	test_end();
}

static void test_priv_drop_user(void)
{
	priv_spec_t spec = { TEST_USER, NULL, NULL, 0 };
	struct test_report r;
	uid_t uid;
	gid_t gid;
	char want[256];

	test_begin("drop to " TEST_USER ": ids, no capabilities, no_new_privs");
	if (!test_need_root())
		return;
	test_assert_int(priv_user_ids(TEST_USER, &uid, &gid), 0);
	test_drop_in_child(&spec, &r);
	test_assert_int(r.exit_status, 0);
	snprintf(want, sizeof(want), "%ld %ld %ld %ld 0 1 ", (long) uid, (long) uid,
		 (long) gid, (long) gid);
	test_assert(strncmp(r.text, want, strlen(want)) == 0);
	test_assert(strstr(r.text, " 0000000000000000 0000000000000000 0000000000000000 0") != NULL);
	if (test_case_failed)
		printf("  child: %s\n", r.text);
	test_end();
}

static void test_priv_drop_chroot(void)
{
	char dir[] = "/tmp/test_priv.XXXXXX";
	priv_spec_t spec = { TEST_USER, dir, NULL, 0 };
	struct test_report r;
	char marker[64];
	int fd;

	test_begin("drop with chroot: root directory is the jail");
	if (!test_need_root())
		return;
	test_assert(mkdtemp(dir) != NULL);
	test_assert(chmod(dir, 0755) == 0);
	/* The marker exists only at the jail's top, so seeing it at "/"
	 * proves the child's root is the jail. */
	snprintf(marker, sizeof(marker), "%s/%s", dir, TEST_MARKER);
	fd = open(marker, O_CREAT | O_WRONLY, 0644);
	test_assert(fd >= 0);
	close(fd);
	test_drop_in_child(&spec, &r);
	test_assert_int(r.exit_status, 0);
	test_assert(strstr(r.text, " 0 1 / ") != NULL);
	test_assert(r.text[strlen(r.text) - 1] == '1');
	if (test_case_failed)
		printf("  child: %s\n", r.text);
	unlink(marker);
	rmdir(dir);
	test_end();
}

/* A jail a role could rearrange is refused: owned by another uid, writable
 * by group or others, or reached through a symbolic link. */
static void test_priv_chroot_untrusted(void)
{
	char dir[] = "/tmp/test_priv.XXXXXX";
	char link[64];
	priv_spec_t spec = { TEST_USER, dir, NULL, 0 };
	priv_spec_t via_link = { TEST_USER, link, NULL, 0 };
	priv_spec_t root_role = { NULL, dir, NULL, 0 };
	struct test_report r;

	test_begin("chroot refused: foreign owner, group/other write, link");
	if (!test_need_root())
		return;
	test_assert(mkdtemp(dir) != NULL);
	snprintf(link, sizeof(link), "%s.link", dir);
	test_assert(symlink(dir, link) == 0);
	test_assert(chmod(dir, 0755) == 0);
	test_drop_in_child(&via_link, &r);
	test_assert_int(r.exit_status, 1);
	test_assert(chown(dir, 65534, 65534) == 0);
	test_drop_in_child(&spec, &r);
	test_assert_int(r.exit_status, 1);
	test_drop_in_child(&root_role, &r);
	test_assert_int(r.exit_status, 1);
	test_assert(chown(dir, 0, 0) == 0);
	test_assert(chmod(dir, 0775) == 0);
	test_drop_in_child(&spec, &r);
	test_assert_int(r.exit_status, 1);
	test_assert(chmod(dir, 0757) == 0);
	test_drop_in_child(&spec, &r);
	test_assert_int(r.exit_status, 1);
	/* and the same directory, made root's and 0755, is accepted */
	test_assert(chmod(dir, 0755) == 0);
	test_drop_in_child(&spec, &r);
	test_assert_int(r.exit_status, 0);
	test_drop_in_child(&root_role, &r);
	test_assert_int(r.exit_status, 0);
	unlink(link);
	rmdir(dir);
	test_end();
}

static void test_priv_keep_cap(void)
{
	const cap_value_t keep[] = { CAP_NET_BIND_SERVICE };
	priv_spec_t spec = { TEST_USER, NULL, keep, 1 };
	struct test_report r;

	test_begin("drop keeping CAP_NET_BIND_SERVICE only");
	if (!test_need_root())
		return;
	test_drop_in_child(&spec, &r);
	test_assert_int(r.exit_status, 0);
	/* bit 10; effective and permitted exactly that, nothing ambient */
	test_assert(strstr(r.text, " 0000000000000400 0000000000000400 0000000000000000") != NULL);
	test_assert(strstr(r.text, " 0 1 ") != NULL);
	if (test_case_failed)
		printf("  child: %s\n", r.text);
	test_end();
}

static void test_priv_refusals(void)
{
	priv_spec_t to_root = { "root", NULL, NULL, 0 };
	priv_spec_t unknown = { "no-such-user-tern-test", NULL, NULL, 0 };
	priv_spec_t bad_jail = { TEST_USER, "/nonexistent/tern-jail", NULL, 0 };
	struct test_report r;

	test_begin("fatal: uid 0 target, unknown user, missing chroot");
	if (!test_need_root())
		return;
	test_drop_in_child(&to_root, &r);
	test_assert_int(r.exit_status, 1);
	test_drop_in_child(&unknown, &r);
	test_assert_int(r.exit_status, 1);
	test_drop_in_child(&bad_jail, &r);
	test_assert_int(r.exit_status, 1);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_priv_user_ids,
		test_priv_not_root,
		test_priv_drop_user,
		test_priv_drop_chroot,
		test_priv_chroot_untrusted,
		test_priv_keep_cap,
		test_priv_refusals,
		NULL,
	};
	return test_main(tests);
}

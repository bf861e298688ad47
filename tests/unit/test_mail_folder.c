/* test_mail_folder.c - unit tests for lib/mail_folder.c: names to
 * Maildir++ directories and back (and the names refused), LIST with the
 * parents that only children imply, pattern matching, create, delete and
 * rename with children. */
#include <fcntl.h>

#include "../../lib/buf.h"
#include "../../lib/mail_folder.h"
#include "test.h"

static int dir_is(const char *name, const char *canon, const char *dir)
{
	buf_t n = BUF_INIT, d = BUF_INIT;
	const char *why = NULL;
	int ok = mail_folder_dir(name, &n, &d, &why) == 0 &&
		strcmp(buf_str(&n), canon) == 0 && strcmp(buf_str(&d), dir) == 0;

	buf_release(&n);
	buf_release(&d);
	return ok;
}

static int refused(const char *name)
{
	buf_t n = BUF_INIT, d = BUF_INIT;
	const char *why = NULL;
	int r = mail_folder_dir(name, &n, &d, &why) < 0 && why != NULL;

	buf_release(&n);
	buf_release(&d);
	return r;
}

static void test_folder_names(void)
{
	buf_t n = BUF_INIT;
	char big[MAIL_FOLDER_NAME_MAX + 2];

	test_begin("folder names: to directories, back, and refused");
	test_assert(dir_is("INBOX", "INBOX", ""));
	test_assert(dir_is("inBox", "INBOX", ""));
	test_assert(dir_is("Sent", "Sent", ".Sent"));
	test_assert(dir_is("Lists/tern/dev", "Lists/tern/dev", ".Lists.tern.dev"));
	test_assert(dir_is("inbox/old", "INBOX/old", ".INBOX.old"));
	test_assert(dir_is("Sent Items", "Sent Items", ".Sent Items"));
	test_assert(dir_is("Entw&APw-rfe", "Entw&APw-rfe", ".Entw&APw-rfe"));
	test_assert(refused(""));
	test_assert(refused("a//b"));
	test_assert(refused("/a"));
	test_assert(refused("a/"));
	test_assert(refused("a.b"));
	test_assert(refused(".."));
	test_assert(refused("../x"));
	test_assert(refused("a/../b"));
	test_assert(refused("~root"));
	test_assert(refused("a*"));
	test_assert(refused("a%b"));
	test_assert(refused("tab\there"));
	test_assert(refused("caf\xc3\xa9"));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	test_assert(refused(big));
	test_assert(mail_folder_name_of(".Lists.tern", &n) &&
		    strcmp(buf_str(&n), "Lists/tern") == 0);
	test_assert(mail_folder_name_of(".INBOX.old", &n));
	test_assert(!mail_folder_name_of("cur", &n));
	test_assert(!mail_folder_name_of(".", &n));
	test_assert(!mail_folder_name_of("..", &n));
	test_assert(!mail_folder_name_of(".a..b", &n));
	test_assert(!mail_folder_name_of(".a.", &n));
	test_assert(!mail_folder_name_of(".INBOX", &n));
	test_assert(!mail_folder_name_of(".inbox.x", &n));
	test_assert(!mail_folder_name_of("..tern-deleted.1.Sent", &n));
	buf_release(&n);
	test_end();
}

static void test_folder_match(void)
{
	test_begin("folder match: * and %, INBOX in any case");
	test_assert(mail_folder_match("*", "a/b/c"));
	test_assert(mail_folder_match("%", "a"));
	test_assert(!mail_folder_match("%", "a/b"));
	test_assert(mail_folder_match("a/%", "a/b"));
	test_assert(!mail_folder_match("a/%", "a/b/c"));
	test_assert(mail_folder_match("a/*", "a/b/c"));
	test_assert(mail_folder_match("a*c", "abbc"));
	test_assert(mail_folder_match("a*c", "a/b/c"));
	test_assert(!mail_folder_match("a%c", "a/c"));
	test_assert(mail_folder_match("inbox", "INBOX"));
	test_assert(mail_folder_match("Inbox/%", "INBOX/x"));
	test_assert(!mail_folder_match("sent", "Sent"));
	test_assert(mail_folder_match("%/%", "a/b"));
	test_assert(mail_folder_match("", "") && !mail_folder_match("", "a"));
	test_assert(mail_folder_match("**%%*", "x/y"));
	test_end();
}

static int names_are(const mail_folder_list_t *l, const char *want)
{
	buf_t got = BUF_INIT;
	int ok;

	for (size_t i = 0; i < l->n; i++)
		buf_printf(&got, "%s%s%s%s", i ? " " : "", l->v[i].name,
			   l->v[i].exists ? "" : "!", l->v[i].children ? "+" : "");
	ok = strcmp(buf_str(&got), want) == 0;
	if (!ok)
		fprintf(stderr, "got: %s\nwant: %s\n", buf_str(&got), want);
	buf_release(&got);
	return ok;
}

static void test_folder_tree(void)
{
	char root[4096], path[4200];
	int rfd;
	mail_folder_list_t l;
	struct stat st;

	test_begin("folders: create, list, rename with children, delete");
	snprintf(root, sizeof(root), "%s/Maildir", test_tmpdir());
	mkdir(root, 0700);
	rfd = open(root, O_RDONLY | O_DIRECTORY);
	test_assert(mail_folder_create(rfd, ".Sent") == 0);
	test_assert(mail_folder_create(rfd, ".Sent") == -1 && errno == EEXIST);
	test_assert(mail_folder_create(rfd, ".a.b.c") == 0);
	test_assert(mail_folder_create(rfd, ".a-z") == 0);
	test_assert(mail_folder_create(rfd, ".INBOX.old") == 0);
	test_assert(mkdirat(rfd, "cur", 0700) == 0);
	test_assert(mkdirat(rfd, ".bad..name", 0700) == 0);
	snprintf(path, sizeof(path), "%s/.Sent/maildirfolder", root);
	test_assert(stat(path, &st) == 0 && S_ISREG(st.st_mode));
	snprintf(path, sizeof(path), "%s/.Sent/cur", root);
	test_assert(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
	test_assert(mail_folder_list(rfd, &l) == 0);
	test_assert(names_are(&l, "INBOX+ INBOX/old Sent a!+ a-z a/b!+ a/b/c"));
	mail_folder_list_free(&l);

	test_assert(mail_folder_rename(rfd, ".a.b", ".x") == -1 && errno == ENOENT);
	test_assert(mail_folder_create(rfd, ".a.b") == 0);
	test_assert(mail_folder_rename(rfd, ".a.b", ".a.b.d") == -1 && errno == EINVAL);
	test_assert(mail_folder_rename(rfd, ".a.b", ".Sent") == -1 && errno == EEXIST);
	test_assert(mail_folder_rename(rfd, ".a.b", ".x") == 0);
	test_assert(mail_folder_list(rfd, &l) == 0);
	test_assert(names_are(&l, "INBOX+ INBOX/old Sent a-z x+ x/c"));
	mail_folder_list_free(&l);

	snprintf(path, sizeof(path), "%s/.x/cur/1.M1P1.h:2,S", root);
	test_assert(close(open(path, O_WRONLY | O_CREAT, 0600)) == 0);
	test_assert(mail_folder_delete(rfd, ".x") == 0);
	test_assert(mail_folder_delete(rfd, ".x") == -1 && errno == ENOENT);
	test_assert(mail_folder_list(rfd, &l) == 0);
	test_assert(names_are(&l, "INBOX+ INBOX/old Sent a-z x!+ x/c"));
	mail_folder_list_free(&l);
	/* What a crash in the middle of a delete leaves goes at the next list. */
	test_assert(mkdirat(rfd, "..tern-deleted.1.y", 0700) == 0);
	test_assert(mail_folder_list(rfd, &l) == 0);
	mail_folder_list_free(&l);
	test_assert(fstatat(rfd, "..tern-deleted.1.y", &st, 0) == -1 && errno == ENOENT);
	close(rfd);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_folder_names, test_folder_match, test_folder_tree, NULL,
	};

	return test_main(tests);
}

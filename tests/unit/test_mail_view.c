/* test_mail_view.c - unit tests for lib/mail_view.c: UIDs given in
 * arrival order on the first look, \Recent in the first view only, new/
 * moved to cur/ (not by a read-only view), flag changes and expunges by
 * another view reported at the moment the caller asks, by sequence
 * numbers in descending order; UIDs given outside any view (APPEND,
 * COPY) recent for the first read-write view to see them. */
#include <fcntl.h>

#include "../../lib/buf.h"
#include "../../lib/mail_view.h"
#include "test.h"

static void put(const char *dir, const char *sub, const char *name)
{
	char path[8192];
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	test_assert(fd >= 0 && write(fd, "Subject: x\n\nbody\n", 17) == 17);
	close(fd);
}

static int exists(const char *dir, const char *sub, const char *name)
{
	char path[8192];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	return stat(path, &st) == 0;
}

static buf_t seen;

static void note(uint32_t seq, void *ctx)
{
	(void) ctx;
	buf_printf(&seen, "%u ", seq);
}

static void test_view_basics(void)
{
	char dir[4096];
	char *err = NULL;
	mail_view_t *a, *b, *ro;
	mail_flags_t f = { 0, 0 };

	test_begin("view: UIDs, recent, new to cur, changes between views");
	snprintf(dir, sizeof(dir), "%s/Maildir", test_tmpdir());
	a = mail_view_open(dir, 0, &err);
	/* an empty folder gets its UID list, UIDVALIDITY and UIDNEXT at once */
	test_assert(a != NULL && a->n == 0 && a->validity != 0 && a->next_uid == 1);
	put(dir, "new", "1000000003.M3P1.h,S=17,W=19");
	put(dir, "new", "1000000001.M1P1.h,S=17,W=19");
	put(dir, "cur", "1000000002.M2P1.h,S=17,W=19:2,S");
	ro = mail_view_open(dir, 1, &err);
	test_assert(ro != NULL && ro->n == 3 && ro->recent == 3);
	test_assert(exists(dir, "new", "1000000001.M1P1.h,S=17,W=19"));
	test_assert(strcmp(ro->msgs[0].name, "1000000001.M1P1.h,S=17,W=19") == 0);
	test_assert(ro->msgs[0].uid == 1 && ro->msgs[1].uid == 2 && ro->msgs[2].uid == 3);
	test_assert(ro->msgs[1].flags.upper == 1u << ('S' - 'A'));
	test_assert(ro->msgs[0].wsize == 19);
	test_assert(mail_view_sync(a) == 0);
	test_assert(a->n == 3 && a->recent == 0 && a->next_uid == 4);
	test_assert(exists(dir, "cur", "1000000001.M1P1.h,S=17,W=19:2,"));
	test_assert(!exists(dir, "new", "1000000001.M1P1.h,S=17,W=19"));
	test_assert(a->validity == ro->validity && a->validity > 0);

	b = mail_view_open(dir, 0, &err);
	test_assert(b != NULL && b->n == 3 && b->recent == 0);
	f.upper = 1u << ('F' - 'A');
	test_assert(mail_view_set_flags(b, &b->msgs[2], &f) == 0);
	test_assert(exists(dir, "cur", "1000000003.M3P1.h,S=17,W=19:2,F"));
	test_assert(mail_view_remove(b, &b->msgs[0]) == 0);
	put(dir, "new", "1000000004.M4P1.h,S=17,W=19");
	test_assert(mail_view_sync(a) == 0);
	test_assert(a->n == 4 && a->expunges == 1 && a->recent == 1);
	test_assert(a->msgs[3].uid == 4 && a->msgs[3].recent);
	buf_reset(&seen);
	mail_view_take_flag_changes(a, note, NULL);
	test_assert(strcmp(buf_str(&seen), "3 ") == 0);
	buf_reset(&seen);
	mail_view_take_flag_changes(a, note, NULL);
	test_assert(seen.len == 0);
	mail_view_take_expunges(a, note, NULL);
	test_assert(strcmp(buf_str(&seen), "1 ") == 0);
	test_assert(a->n == 3 && a->msgs[0].uid == 2 && a->expunges == 0);
	/* b removes two more: reported highest first. */
	test_assert(mail_view_sync(b) == 0);
	mail_view_take_expunges(b, note, NULL);
	test_assert(mail_view_remove(b, &b->msgs[0]) == 0);
	test_assert(mail_view_remove(b, &b->msgs[2]) == 0);
	test_assert(mail_view_sync(a) == 0);
	buf_reset(&seen);
	mail_view_take_expunges(a, note, NULL);
	test_assert(strcmp(buf_str(&seen), "3 1 ") == 0);
	test_assert(a->n == 1 && a->msgs[0].uid == 3);
	test_assert(mail_view_find_uid(a, 3, NULL) == &a->msgs[0]);
	test_assert(mail_view_find_uid(a, 2, NULL) == NULL);
	mail_view_close(&ro);
	mail_view_close(&b);
	mail_view_close(&a);
	buf_release(&seen);
	test_end();
}

static void test_view_gone_file(void)
{
	char dir[4096], path[4200];
	char *err = NULL;
	mail_view_t *a;
	mail_flags_t f = { 1u << ('S' - 'A'), 0 };
	off_t size;
	int fd;

	test_begin("view: a file removed behind the view's back");
	snprintf(dir, sizeof(dir), "%s/Maildir2", test_tmpdir());
	a = mail_view_open(dir, 0, &err);
	put(dir, "new", "1000000005.M5P1.h,S=17,W=19");
	test_assert(mail_view_sync(a) == 0 && a->n == 1);
	fd = mail_view_msg_open(a, &a->msgs[0], &size);
	test_assert(fd >= 0 && size == 17);
	close(fd);
	snprintf(path, sizeof(path), "%s/cur/%s", dir, a->msgs[0].name);
	test_assert(unlink(path) == 0);
	test_assert(mail_view_set_flags(a, &a->msgs[0], &f) == -1 && errno == ENOENT);
	test_assert(a->msgs[0].expunged && a->expunges == 1);
	test_assert(mail_view_msg_open(a, &a->msgs[0], &size) == -1);
	mail_view_close(&a);
	test_end();
}

/* Another view renamed the file (a flag change): this view's stale name
 * still finds it, for a flag change, an open and a removal. */
static void test_view_renamed_file(void)
{
	char dir[4096];
	char *err = NULL;
	mail_view_t *a, *b;
	mail_flags_t f = { 1u << ('F' - 'A'), 0 }, g = { 1u << ('S' - 'A'), 0 };
	off_t size;
	int fd;

	test_begin("view: a file renamed behind the view's back");
	snprintf(dir, sizeof(dir), "%s/Maildir3", test_tmpdir());
	a = mail_view_open(dir, 0, &err);
	put(dir, "new", "1000000006.M6P1.h,S=17,W=19");
	put(dir, "new", "1000000007.M7P1.h,S=17,W=19");
	test_assert(mail_view_sync(a) == 0 && a->n == 2);
	b = mail_view_open(dir, 0, &err);
	test_assert(b != NULL && b->n == 2);
	test_assert(mail_view_set_flags(b, &b->msgs[0], &f) == 0);
	test_assert(mail_view_set_flags(b, &b->msgs[1], &f) == 0);
	test_assert(mail_view_set_flags(a, &a->msgs[0], &g) == 0);
	test_assert(!a->msgs[0].expunged && a->expunges == 0);
	test_assert(exists(dir, "cur", "1000000006.M6P1.h,S=17,W=19:2,S"));
	fd = mail_view_msg_open(a, &a->msgs[1], &size);
	test_assert(fd >= 0 && size == 17);
	if (fd >= 0)
		close(fd);
	test_assert(strcmp(a->msgs[1].name, "1000000007.M7P1.h,S=17,W=19:2,F") == 0);
	test_assert(mail_view_set_flags(b, &b->msgs[1], &g) == 0);
	test_assert(mail_view_remove(a, &a->msgs[1]) == 0);
	test_assert(!exists(dir, "cur", "1000000007.M7P1.h,S=17,W=19:2,S"));
	mail_view_close(&b);
	mail_view_close(&a);
	test_end();
}

static void test_view_recent_claim(void)
{
	char dir[4096];
	char *err = NULL;
	const char *base[] = { "1000000007.M7P1.h" };
	mail_view_t *a, *b, *ro;
	int dfd;

	test_begin("view: UIDs given outside a view are recent for the first reader only");
	snprintf(dir, sizeof(dir), "%s/Maildir4", test_tmpdir());
	a = mail_view_open(dir, 0, &err);
	ro = mail_view_open(dir, 1, &err);
	test_assert(a != NULL && ro != NULL && a->n == 0);
	/* As APPEND to a folder another session has selected: the file and
	 * its UID, by the folder's lock but no view. */
	put(dir, "cur", "1000000007.M7P1.h,S=17,W=19:2,S");
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	test_assert(mail_view_lock(a) == 0);
	test_assert(mail_uidlist_refresh(dfd, &a->uidlist) == 0);
	test_assert(mail_uidlist_append(dfd, &a->uidlist, base, 1, 0) == 0);
	mail_view_unlock(a);
	test_assert(mail_view_first_recent(dfd) <= 1);
	/* A read-only view sees it recent and leaves it so. */
	test_assert(mail_view_sync(ro) == 0 && ro->n == 1 && ro->recent == 1);
	test_assert(mail_view_first_recent(dfd) <= 1);
	test_assert(mail_view_sync(a) == 0 && a->n == 1 && a->recent == 1);
	test_assert(mail_view_first_recent(dfd) == 2);
	b = mail_view_open(dir, 0, &err);
	test_assert(b != NULL && b->n == 1 && b->recent == 0);
	close(dfd);
	mail_view_close(&b);
	mail_view_close(&ro);
	mail_view_close(&a);
	test_end();
}

/* A message of the UID list whose file is gone makes the view list the
 * folder twice (a UID given after its listing?): the UIDs it gave on the
 * first listing stay \Recent for it. */
static void test_view_recent_after_relist(void)
{
	char dir[4096], path[4200];
	char *err = NULL;
	mail_view_t *a, *b;

	test_begin("view: \\Recent kept when a listed file is gone");
	snprintf(dir, sizeof(dir), "%s/Maildir5", test_tmpdir());
	a = mail_view_open(dir, 0, &err);
	mail_view_close(&a);
	put(dir, "new", "1000000010.M10P1.h,S=17,W=19");
	put(dir, "new", "1000000011.M11P1.h,S=17,W=19");
	a = mail_view_open(dir, 0, &err);
	test_assert(a != NULL && a->n == 2 && a->recent == 2);
	snprintf(path, sizeof(path), "%s/cur/%s", dir, a->msgs[0].name);
	test_assert(unlink(path) == 0);
	mail_view_close(&a);
	put(dir, "new", "1000000012.M12P1.h,S=17,W=19");
	b = mail_view_open(dir, 0, &err);
	test_assert(b != NULL && b->n == 2 && b->recent == 1);
	test_assert(b != NULL && b->n == 2 && b->msgs[1].uid == 3 && b->msgs[1].recent);
	test_assert(b != NULL && b->n == 2 && !b->msgs[0].recent);
	mail_view_close(&b);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_view_basics, test_view_gone_file, test_view_renamed_file,
		test_view_recent_claim, test_view_recent_after_relist, NULL,
	};

	return test_main(tests);
}

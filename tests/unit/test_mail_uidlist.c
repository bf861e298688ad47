/* test_mail_uidlist.c - unit tests for lib/mail_uidlist.c: UIDs given in
 * order and kept across rereads, appends by another process read
 * incrementally, a half-written line not read, a rewrite dropping gone
 * messages without ever giving a UID twice, and a foreign file replaced
 * with a larger UIDVALIDITY. */
#include <fcntl.h>

#include "../../lib/mail_uidlist.h"
#include "test.h"

static int dirfd_new(void)
{
	static int n;
	char path[4096];

	snprintf(path, sizeof(path), "%s/f%d", test_tmpdir(), ++n);
	mkdir(path, 0700);
	return open(path, O_RDONLY | O_DIRECTORY);
}

static void write_file(int dfd, const char *text, int append)
{
	int fd = openat(dfd, MAIL_UIDLIST_FILE, O_WRONLY | O_CREAT |
			(append ? O_APPEND : O_TRUNC), 0600);

	test_assert(write(fd, text, strlen(text)) == (ssize_t) strlen(text));
	close(fd);
}

static void test_uidlist_assign(void)
{
	int dfd = dirfd_new();
	const char *b1[] = { "100.M1P1.h", "100.M2P1.h" }, *b2[] = { "200.M1P2.h" };
	mail_uidlist_t ul, other;

	test_begin("uidlist: UIDs in order, kept across a reread");
	mail_uidlist_init(&ul, "t");
	test_assert(mail_uidlist_refresh(dfd, &ul) == 0);
	test_assert(ul.validity == 0 && ul.n == 0);
	test_assert(mail_uidlist_append(dfd, &ul, b1, 2, 0) == 0);
	test_assert(ul.validity > 1000000000 && ul.next == 3);
	test_assert(mail_uidlist_find(&ul, "100.M2P1.h") == 2);
	test_assert(mail_uidlist_append(dfd, &ul, b2, 1, 0) == 0);
	test_assert(ul.next == 4 && mail_uidlist_find(&ul, "200.M1P2.h") == 3);
	mail_uidlist_init(&other, "t");
	test_assert(mail_uidlist_refresh(dfd, &other) == 0);
	test_assert(other.validity == ul.validity && other.next == 4 && other.n == 3);
	test_assert(mail_uidlist_find(&other, "100.M1P1.h") == 1);
	test_assert(mail_uidlist_find(&other, "nope") == 0);
	/* The maker of the file reads what another process appends after
	 * it: the lines after its own are entries, not a header. */
	test_assert(mail_uidlist_append(dfd, &other, (const char *[]){ "300.M1P3.h" },
					1, 0) == 0);
	test_assert(mail_uidlist_refresh(dfd, &ul) == 0);
	test_assert(ul.n == 4 && ul.next == 5 && mail_uidlist_find(&ul, "300.M1P3.h") == 4);
	mail_uidlist_free(&other);
	mail_uidlist_free(&ul);
	close(dfd);
	test_end();
}

static void test_uidlist_incremental(void)
{
	int dfd = dirfd_new();
	mail_uidlist_t ul;

	test_begin("uidlist: appended lines read incrementally, partial line waits");
	write_file(dfd, "T1 V1234 N1\n1 a.b\n", 0);
	mail_uidlist_init(&ul, "t");
	test_assert(mail_uidlist_refresh(dfd, &ul) == 0);
	test_assert(ul.validity == 1234 && ul.n == 1 && ul.next == 2);
	write_file(dfd, "2 c.d\n3 e.", 1);
	test_assert(mail_uidlist_refresh(dfd, &ul) == 0);
	test_assert(ul.n == 2 && mail_uidlist_find(&ul, "c.d") == 2 && ul.next == 3);
	write_file(dfd, "f\n2 dup\n9 /bad\n7 g.h\n", 1);
	test_assert(mail_uidlist_refresh(dfd, &ul) == 0);
	test_assert(ul.n == 4 && mail_uidlist_find(&ul, "e.f") == 3);
	test_assert(mail_uidlist_find(&ul, "dup") == 0 && mail_uidlist_find(&ul, "g.h") == 7);
	test_assert(ul.next == 8);
	mail_uidlist_free(&ul);
	close(dfd);
	test_end();
}

static int keep_odd(const char *base, void *ctx)
{
	(void) ctx;
	return base[0] == 'k';
}

static void test_uidlist_rewrite(void)
{
	int dfd = dirfd_new();
	const char *b[] = { "k1", "x2", "k3", "x4" }, *more[] = { "k5" };
	mail_uidlist_t ul, other;

	test_begin("uidlist: rewrite drops gone messages, UIDs never reused");
	mail_uidlist_init(&ul, "t");
	test_assert(mail_uidlist_append(dfd, &ul, b, 4, 0) == 0);
	test_assert(mail_uidlist_rewrite(dfd, &ul, keep_odd, NULL) == 0);
	test_assert(ul.n == 2 && mail_uidlist_find(&ul, "k3") == 3);
	test_assert(mail_uidlist_find(&ul, "x4") == 0 && ul.next == 5);
	mail_uidlist_init(&other, "t");
	test_assert(mail_uidlist_refresh(dfd, &other) == 0);
	test_assert(other.n == 2 && other.next == 5 && other.validity == ul.validity);
	test_assert(mail_uidlist_append(dfd, &ul, more, 1, 0) == 0);
	test_assert(mail_uidlist_find(&ul, "k5") == 5);
	/* The other reader notices the replaced file and rereads it. */
	test_assert(mail_uidlist_refresh(dfd, &other) == 0);
	test_assert(other.n == 3 && mail_uidlist_find(&other, "k5") == 5);
	mail_uidlist_free(&other);
	mail_uidlist_free(&ul);
	close(dfd);
	test_end();
}

static void test_uidlist_foreign(void)
{
	int dfd = dirfd_new();
	const char *b[] = { "m1" };
	mail_uidlist_t ul;

	test_begin("uidlist: a file not ours is replaced, with a larger validity");
	write_file(dfd, "3 V1 N5\n1 x\n", 0);
	mail_uidlist_init(&ul, "t");
	test_assert(mail_uidlist_refresh(dfd, &ul) == 0);
	test_assert(ul.validity == 0 && ul.n == 0);
	test_assert(mail_uidlist_append(dfd, &ul, b, 1, 4000000000u) == 0);
	test_assert(ul.validity == 4000000000u && mail_uidlist_find(&ul, "m1") == 1);
	test_assert(mail_uidlist_append(dfd, &ul, (const char *[]) { "bad name" }, 1, 0) == -1);
	test_assert(ul.n == 1);
	mail_uidlist_free(&ul);
	close(dfd);
	test_end();
}

static void test_uidlist_many(void)
{
	int dfd = dirfd_new();
	mail_uidlist_t ul, other;
	char **names = calloc(20000, sizeof(*names));

	test_begin("uidlist: 20000 entries across read chunks");
	mail_uidlist_init(&ul, "t");
	for (int i = 0; i < 20000; i++) {
		names[i] = malloc(32);
		snprintf(names[i], 32, "1700000000.M%dP99.host", i);
	}
	test_assert(mail_uidlist_append(dfd, &ul, (const char *const *) names, 20000, 0) == 0);
	mail_uidlist_init(&other, "t");
	test_assert(mail_uidlist_refresh(dfd, &other) == 0);
	test_assert(other.n == 20000 && other.next == 20001);
	test_assert(mail_uidlist_find(&other, "1700000000.M12345P99.host") == 12346);
	for (int i = 0; i < 20000; i++)
		free(names[i]);
	free(names);
	mail_uidlist_free(&other);
	mail_uidlist_free(&ul);
	close(dfd);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_uidlist_assign, test_uidlist_incremental, test_uidlist_rewrite,
		test_uidlist_foreign, test_uidlist_many, NULL,
	};

	return test_main(tests);
}

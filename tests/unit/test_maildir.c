/* test_maildir.c - unit tests for lib/maildir.c: delivery, sizes, names. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "../../lib/maildir.h"
#include "../../lib/mem.h"
#include "test.h"

static const char *top;

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void test_maildir_deliver(void)
{
	/* a bare CR is a line end of its own on the wire (mime_wire.h) */
	static const char body[] = "Subject: hi\n\nline one\n.leading\rdot\nlast\n";
	const char *prefix = "Return-Path: <a@x>\nDelivered-To: b@y\n";
	char *src = mem_printf("%s/src", top);
	char *md = mem_printf("%s/mail/example.org/bob", top);
	char *path, got[256];
	buf_t name = BUF_INIT;
	char *err = NULL;
	int sfd, fd;
	ssize_t n;
	size_t total = strlen(prefix) + strlen(body);

	test_begin("maildir: deliver creates dirs, sizes in the name, content exact");
	sfd = open(src, O_RDWR | O_CREAT | O_TRUNC, 0600);
	test_assert(write(sfd, "XXXX", 4) == 4);
	test_assert(write(sfd, body, strlen(body)) == (ssize_t) strlen(body));
	test_assert(maildir_deliver(md, prefix, strlen(prefix), sfd, 4, strlen(body),
				    &name, &err) == 0);
	test_assert_int(maildir_name_size(buf_str(&name)), total);
	test_assert_int(maildir_name_wsize(buf_str(&name)), total + 8);
	path = mem_printf("%s/new/%s", md, buf_str(&name));
	fd = open(path, O_RDONLY);
	test_assert(fd >= 0);
	n = read(fd, got, sizeof(got));
	test_assert_int(n, total);
	test_assert(memcmp(got, prefix, strlen(prefix)) == 0);
	test_assert(memcmp(got + strlen(prefix), body, strlen(body)) == 0);
	close(fd);
	mem_free(path);
	path = mem_printf("%s/tmp", md);
	test_assert_int(count_entries(path), 0);
	mem_free(path);
	path = mem_printf("%s/cur", md);
	test_assert_int(count_entries(path), 0);
	mem_free(path);

	/* a second delivery gets a different name */
	{
		buf_t name2 = BUF_INIT;

		test_assert(maildir_deliver(md, "", 0, sfd, 4, 5, &name2, &err) == 0);
		test_assert(strcmp(buf_str(&name), buf_str(&name2)) != 0);
		test_assert_int(maildir_name_wsize(buf_str(&name2)), 5);
		buf_release(&name2);
	}
	/* source shorter than promised: an error, nothing in new/ */
	{
		buf_t name3 = BUF_INIT;

		path = mem_printf("%s/new", md);
		test_assert(maildir_deliver(md, "", 0, sfd, 4, 100000, &name3, &err) == -1);
		test_assert(err != NULL);
		test_assert_int(count_entries(path), 2);
		MEM_FREE(err);
		mem_free(path);
		path = mem_printf("%s/tmp", md);
		test_assert_int(count_entries(path), 0);
		mem_free(path);
		buf_release(&name3);
	}
	/* a Maildir with tmp/ but no new/ yet: new/ is made on the way */
	{
		buf_t name4 = BUF_INIT;
		char *md2 = mem_printf("%s/mail/example.org/half", top);

		test_assert(maildir_create(md2) == 0);
		path = mem_printf("%s/new", md2);
		test_assert(rmdir(path) == 0);
		test_assert(maildir_deliver(md2, "", 0, sfd, 4, 5, &name4, &err) == 0);
		test_assert_int(count_entries(path), 1);
		mem_free(path);
		mem_free(md2);
		buf_release(&name4);
	}
	close(sfd);
	buf_release(&name);
	mem_free(src);
	mem_free(md);
	test_end();
}

static void test_maildir_names(void)
{
	test_begin("maildir: name fields survive flags");
	test_assert_int(maildir_name_size("1.M2P3Q4.h,S=120,W=125:2,FS"), 120);
	test_assert_int(maildir_name_wsize("1.M2P3Q4.h,S=120,W=125:2,FS"), 125);
	test_assert_int(maildir_name_size("1.M2P3Q4.h"), -1);
	test_assert_int(maildir_name_wsize("1.M2P3Q4.h:2,S"), -1);
	test_assert_int(maildir_name_base_len("1.M2P3Q4.h,S=1:2,S"), 10);
	test_assert_int(maildir_name_base_len("1.M2P3Q4.h:2,S"), 10);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = { test_maildir_deliver, test_maildir_names, NULL };

	top = test_tmpdir();
	return test_main(tests);
}

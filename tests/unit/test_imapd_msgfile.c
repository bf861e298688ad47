/* test_imapd_msgfile.c - unit tests for imapd/session/imapd_msgfile.c: a
 * message of a view opened (read when small, mapped when large), an
 * empty one, one whose file is gone
 * (ENOENT, marked expunged in the view), the MIME tree built once on
 * demand, and the header's end found without a parse: the same as
 * mime_parse's body_off for every line-end form and for random octets.
 */
#include <fcntl.h>
#include <stdlib.h>

#include "../../imapd/session/imapd_session.h"
#include "../../lib/mail_view.h"
#include "../../lib/mem.h"
#include "../../lib/mime_parse.h"
#include "test.h"

static void put(const char *dir, const char *name, const char *content)
{
	char path[8192];
	size_t len = strlen(content);
	int fd;

	snprintf(path, sizeof(path), "%s/new/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	test_assert(fd >= 0 && write(fd, content, len) == (ssize_t) len);
	close(fd);
}

/* The message of the view whose name starts with base. */
static mail_view_msg_t *msg(mail_view_t *v, const char *base)
{
	for (size_t i = 0; i < v->n; i++)
		if (strncmp(v->msgs[i].name, base, strlen(base)) == 0)
			return &v->msgs[i];
	printf("  no message %s\n", base);
	exit(1);
}

static void test_msgfile_open(void)
{
	char dir[4096];
	char *err = NULL;
	imapd_session_t sess;
	imapd_msgfile_t mf;
	const mime_part_t *root;
	char *big;

	test_begin("imapd_msgfile: open, map, MIME tree, empty, gone");
	snprintf(dir, sizeof(dir), "%s/Maildir", test_tmpdir());
	memset(&sess, 0, sizeof(sess));
	sess.view = mail_view_open(dir, 0, &err);
	test_assert(sess.view != NULL);
	put(dir, "1000000001.M1P1.h", "Subject: one\n\nbody\n");
	put(dir, "1000000002.M2P1.h", "");
	put(dir, "1000000003.M3P1.h", "Subject: three\n\n");
	big = mem_alloc(600000);
	memset(big, 'x', 599999);
	memcpy(big, "Subject: big\n\n", 14);
	big[599999] = '\0';
	put(dir, "1000000004.M4P1.h", big);
	test_assert(mail_view_sync(sess.view) == 0 && sess.view->n == 4);

	test_assert(imapd_msgfile_open(&sess, msg(sess.view, "1000000004."), &mf) == 0);
	test_assert(mf.len == 599999 && mf.mapped && memcmp(mf.data, big, mf.len) == 0);
	test_assert_int(imapd_msgfile_header(&mf), 14);
	imapd_msgfile_close(&mf);
	mem_free(big);

	test_assert(imapd_msgfile_open(&sess, msg(sess.view, "1000000001."), &mf) == 0);
	test_assert(mf.len == 19 && !mf.mapped && memcmp(mf.data, "Subject: one\n", 13) == 0);
	test_assert(mf.mime == NULL);
	test_assert_int(imapd_msgfile_header(&mf), 14);
	root = imapd_msgfile_mime(&mf);
	test_assert(root != NULL && root->body_off == 14 && root->end == 19);
	test_assert(imapd_msgfile_mime(&mf) == root);
	test_assert_int(imapd_msgfile_header(&mf), 14);
	imapd_msgfile_close(&mf);
	test_assert(mf.data == NULL && mf.mime == NULL);

	test_assert(imapd_msgfile_open(&sess, msg(sess.view, "1000000002."), &mf) == 0);
	test_assert(mf.data == NULL && mf.len == 0 && !mf.mapped);
	test_assert_int(imapd_msgfile_header(&mf), 0);
	root = imapd_msgfile_mime(&mf);
	test_assert(root != NULL && root->end == 0);
	imapd_msgfile_close(&mf);

	{
		char path[8192];

		snprintf(path, sizeof(path), "%s/cur/%s", dir,
			 msg(sess.view, "1000000003.")->name);
		test_assert(unlink(path) == 0);
	}
	errno = 0;
	test_assert(imapd_msgfile_open(&sess, msg(sess.view, "1000000003."), &mf) == -1);
	test_assert(errno == ENOENT);
	test_assert(msg(sess.view, "1000000003.")->expunged && sess.view->expunges == 1);
	mail_view_close(&sess.view);
	mem_free(err);
	test_end();
}

/* imapd_msgfile_header() of msg[0..len) equals mime_parse's body_off. */
static int header_agrees(const char *msg, size_t len)
{
	imapd_msgfile_t mf;
	mime_part_t *root = mime_parse(msg, len);
	int ok;

	memset(&mf, 0, sizeof(mf));
	mf.data = (char *) (uintptr_t) msg;
	mf.len = len;
	ok = imapd_msgfile_header(&mf) == root->body_off;
	if (!ok)
		printf("  header %zu, body_off %zu\n", imapd_msgfile_header(&mf),
		       root->body_off);
	mime_part_free(&root);
	return ok;
}

static void test_msgfile_header(void)
{
	static const char *const msgs[] = {
		"", "\n", "\r", "\r\n", "\n\n", "Subject: x", "Subject: x\n",
		"Subject: x\n\n", "Subject: x\n\nbody", "Subject: x\r\n\r\nbody",
		"Subject: x\r\nTo: y\r\n\r\n", "Subject: x\rTo: y\n\nb",
		"A: b\n c\n\tfolded\n\nbody\n\nmore", "\nbody", "From x\nA: b\n\n",
		"A: b\n \n\nbody",
	};
	char buf[64];

	test_begin("imapd_msgfile_header: the header's end as mime_parse finds it");
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		if (!header_agrees(msgs[i], strlen(msgs[i])))
			printf("  message %zu\n", i);
		test_assert(header_agrees(msgs[i], strlen(msgs[i])));
	}
	srandom(14);
	for (int n = 0; n < 20000; n++) {
		size_t len = (size_t) (random() % (long) sizeof(buf));
		static const char alphabet[] = "ab: \r\n\n\t";

		for (size_t i = 0; i < len; i++)
			buf[i] = alphabet[random() % (long) (sizeof(alphabet) - 1)];
		if (!header_agrees(buf, len)) {
			test_assert(0);
			break;
		}
	}
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_msgfile_open,
		test_msgfile_header,
		NULL,
	};

	return test_main(tests);
}

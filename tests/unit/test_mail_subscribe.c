/* test_mail_subscribe.c - unit tests for lib/mail_subscribe.c: the V2
 * file (TAB as the delimiter) and the old one-name-per-line file read,
 * subscribing and unsubscribing saved and read back, doubles dropped. */
#include <fcntl.h>

#include "../../lib/mail_subscribe.h"
#include "test.h"

static void write_subs(int dfd, const char *text)
{
	int fd = openat(dfd, MAIL_SUBSCRIBE_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	test_assert(write(fd, text, strlen(text)) == (ssize_t) strlen(text));
	close(fd);
}

static void test_subscribe(void)
{
	int dfd = open(test_tmpdir(), O_RDONLY | O_DIRECTORY);
	mail_subscriptions_t s;
	char back[256];
	int fd;
	ssize_t n;

	test_begin("subscriptions: both formats, set and unset, saved as V2");
	test_assert(mail_subscribe_load(dfd, &s) == 0 && s.n == 0);
	write_subs(dfd, "V\t2\n\nLists\ttern\nSent\nSent\npartial");
	test_assert(mail_subscribe_load(dfd, &s) == 0 && s.n == 2);
	test_assert(mail_subscribe_has(&s, "Lists/tern") && mail_subscribe_has(&s, "Sent"));
	test_assert(!mail_subscribe_has(&s, "partial"));
	mail_subscribe_free(&s);
	write_subs(dfd, "INBOX\nArchive/2020\n\n");
	test_assert(mail_subscribe_load(dfd, &s) == 0 && s.n == 2);
	test_assert(mail_subscribe_has(&s, "Archive/2020"));
	test_assert(mail_subscribe_set(dfd, &s, "Drafts", 1) == 0 && s.n == 3);
	test_assert(mail_subscribe_set(dfd, &s, "Drafts", 1) == 0 && s.n == 3);
	test_assert(mail_subscribe_set(dfd, &s, "INBOX", 0) == 0 && s.n == 2);
	test_assert(mail_subscribe_set(dfd, &s, "Nope", 0) == 0 && s.n == 2);
	fd = openat(dfd, MAIL_SUBSCRIBE_FILE, O_RDONLY);
	n = read(fd, back, sizeof(back) - 1);
	close(fd);
	back[n > 0 ? n : 0] = '\0';
	test_assert(strcmp(back, "V\t2\n\nArchive\t2020\nDrafts\n") == 0);
	mail_subscribe_free(&s);
	test_assert(mail_subscribe_load(dfd, &s) == 0 && s.n == 2);
	test_assert(mail_subscribe_has(&s, "Drafts") && !mail_subscribe_has(&s, "INBOX"));
	mail_subscribe_free(&s);
	close(dfd);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = { test_subscribe, NULL };

	return test_main(tests);
}

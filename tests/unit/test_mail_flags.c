/* test_mail_flags.c - unit tests for lib/mail_flags.c: flag letters in
 * Maildir names both ways, IMAP system flag names, and the keyword list
 * file (Dovecot's dovecot-keywords format) loaded, extended and saved. */
#include <fcntl.h>

#include "../../lib/buf.h"
#include "../../lib/mail_flags.h"
#include "test.h"

static void test_flags_names(void)
{
	mail_flags_t f;
	buf_t b = BUF_INIT;

	test_begin("flags: letters from names and back, sorted");
	mail_flags_from_name("1700000000.M1P2Q3.host,S=10,W=12:2,TSbFa", &f);
	test_assert(f.upper == ((1u << ('F' - 'A')) | (1u << ('S' - 'A')) |
				(1u << ('T' - 'A'))));
	test_assert(f.keywords == 3);
	mail_flags_name("1700000000.M1P2Q3.host,S=10,W=12:2,TSbFa", &f, &b);
	test_assert(strcmp(buf_str(&b), "1700000000.M1P2Q3.host,S=10,W=12:2,FSTab") == 0);
	buf_reset(&b);
	mail_flags_from_name("1700000000.M1P2Q3.host,S=10,W=12", &f);
	test_assert(f.upper == 0 && f.keywords == 0);
	f.upper = 1u << ('P' - 'A');
	mail_flags_name("1700000000.M1P2Q3.host,S=10,W=12", &f, &b);
	test_assert(strcmp(buf_str(&b), "1700000000.M1P2Q3.host,S=10,W=12:2,P") == 0);
	buf_release(&b);
	test_end();
}

static void test_flags_imap(void)
{
	test_begin("flags: IMAP system flags and their letters");
	test_assert(mail_flag_letter("\\Seen") == 'S');
	test_assert(mail_flag_letter("\\SEEN") == 'S');
	test_assert(mail_flag_letter("\\Answered") == 'R');
	test_assert(mail_flag_letter("\\Flagged") == 'F');
	test_assert(mail_flag_letter("\\Deleted") == 'T');
	test_assert(mail_flag_letter("\\Draft") == 'D');
	test_assert(mail_flag_letter("\\Recent") == 0);
	test_assert(mail_flag_letter("Seen") == 0);
	test_assert(strcmp(mail_flag_imap('T'), "\\Deleted") == 0);
	test_assert(mail_flag_imap('P') == NULL);
	test_assert(mail_flag_is_system('S') && !mail_flag_is_system('P'));
	test_assert(mail_keyword_valid("$Forwarded"));
	test_assert(mail_keyword_valid("Junk"));
	test_assert(!mail_keyword_valid("\\Seen"));
	test_assert(!mail_keyword_valid("a b"));
	test_assert(!mail_keyword_valid("a]"));
	test_assert(!mail_keyword_valid("a*"));
	test_assert(!mail_keyword_valid(""));
	test_assert(!mail_keyword_valid("caf\xc3\xa9"));
	test_end();
}

static void test_keywords_file(void)
{
	const char *dir = test_tmpdir();
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	mail_keywords_t kw = { { NULL }, 0 };
	char path[4096];
	FILE *fp;

	test_begin("keywords: load, add, save, reload");
	snprintf(path, sizeof(path), "%s/dovecot-keywords", dir);
	fp = fopen(path, "w");
	fputs("0 $Forwarded\n2 Junk\nbad line\n30 TooHigh\n3 a b\n4 junk\n", fp);
	fclose(fp);
	test_assert(mail_keywords_load(dfd, &kw) == 0);
	test_assert(strcmp(kw.names[0], "$Forwarded") == 0);
	test_assert(kw.names[1] == NULL);
	test_assert(strcmp(kw.names[2], "Junk") == 0);
	test_assert(kw.names[3] == NULL && kw.names[4] == NULL);
	test_assert(mail_keywords_find(&kw, "junk") == 2);
	test_assert(mail_keywords_add(&kw, "NonJunk") == 1);
	test_assert(mail_keywords_add(&kw, "$forwarded") == 0);
	test_assert(kw.changed);
	test_assert(mail_keywords_save(dfd, &kw) == 0);
	mail_keywords_free(&kw);
	test_assert(mail_keywords_load(dfd, &kw) == 0);
	test_assert(strcmp(kw.names[1], "NonJunk") == 0 && !kw.changed);
	/* loaded again over itself: the same list, the old names freed */
	test_assert(mail_keywords_load(dfd, &kw) == 0);
	test_assert(strcmp(kw.names[1], "NonJunk") == 0 && !kw.changed);
	for (int i = 0; i < 30; i++) {
		char name[16];

		snprintf(name, sizeof(name), "k%d", i);
		(void) mail_keywords_add(&kw, name);
	}
	test_assert(mail_keywords_add(&kw, "one-too-many") == -1);
	mail_keywords_free(&kw);
	test_assert(unlink(path) == 0);
	test_assert(mail_keywords_load(dfd, &kw) == 0 && kw.names[0] == NULL);
	close(dfd);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_flags_names, test_flags_imap, test_keywords_file, NULL,
	};

	return test_main(tests);
}

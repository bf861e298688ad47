/* test_pop3d_uidl.c - unit tests for pop3d/pop3d_uidl.c: RFC 1939 §7
 * unique-ids from Maildir base names. */
#include "../../lib/mem.h"
#include "../../pop3d/session/pop3d_session.h"
#include "test.h"

static int uidl_valid(const buf_t *u)
{
	if (u->len < 1 || u->len > 70)
		return 0;
	for (size_t i = 0; i < u->len; i++)
		if ((unsigned char) u->data[i] < 0x21 || (unsigned char) u->data[i] > 0x7e)
			return 0;
	return 1;
}

static void test_uidl(void)
{
	buf_t u = BUF_INIT, v = BUF_INIT;
	char *longname, *longname2;

	test_begin("pop3d_uidl: the base name when it fits, else a stable 70-char form");
	pop3d_uidl("1700000000.M123456P4242Q1.mail.example.org", &u);
	test_assert_str(buf_str(&u), "1700000000.M123456P4242Q1.mail.example.org");
	/* exactly 70: kept */
	longname = mem_printf("%070d", 7);
	pop3d_uidl(longname, &u);
	test_assert_str(buf_str(&u), longname);
	mem_free(longname);

	/* a long host name */
	longname = mem_printf("1700000000.M123456P4242Q1.%s",
			      "a-very-long-host-name-that-goes-on.and-on.example.org");
	longname2 = mem_printf("1700000000.M123456P4242Q2.%s",
			       "a-very-long-host-name-that-goes-on.and-on.example.org");
	pop3d_uidl(longname, &u);
	test_assert(uidl_valid(&u));
	test_assert_int(u.len, 70);
	test_assert(strncmp(buf_str(&u), longname, 53) == 0);
	test_assert(u.data[53] == '~');
	pop3d_uidl(longname, &v);
	test_assert_str(buf_str(&u), buf_str(&v));	/* stable */
	pop3d_uidl(longname2, &v);
	test_assert(strcmp(buf_str(&u), buf_str(&v)) != 0);
	/* names that differ only after 53 characters differ */
	mem_free(longname2);
	longname2 = mem_strdup(longname);
	longname2[strlen(longname2) - 1] = 'X';
	pop3d_uidl(longname2, &v);
	test_assert(strcmp(buf_str(&u), buf_str(&v)) != 0);
	test_assert(uidl_valid(&v));
	mem_free(longname);
	mem_free(longname2);

	/* characters outside 0x21..0x7E */
	pop3d_uidl("foreign name\twith spaces", &u);
	test_assert(uidl_valid(&u));
	test_assert_int(u.len, 70);
	test_assert(strncmp(buf_str(&u), "foreign_name_with_spaces____", 28) == 0);
	pop3d_uidl("foreign name\twith_spaces", &v);
	test_assert(strcmp(buf_str(&u), buf_str(&v)) != 0);
	pop3d_uidl("caf\xc3\xa9", &u);
	test_assert(uidl_valid(&u));
	pop3d_uidl("", &u);
	test_assert(uidl_valid(&u));
	buf_release(&u);
	buf_release(&v);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = { test_uidl, NULL };

	return test_main(tests);
}

/* test_users.c - unit tests for lib/users.c: address rules, users-file
 * lines, users.db values and password hashing/verification. */
#include "test.h"
#include "mem.h"
#include "users.h"

static void test_address_valid(void)
{
	static const char *const good[] = {
		"a@b", "joe@example.com", "Joe.Smith+tag@Mail.Example.ORG",
		"x_y-z=1@a-b.c", "o'neil@example.com",
	};
	const char *why = NULL;

	test_begin("users_address_check accepts plain addresses");
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		test_assert_int(users_address_check(good[i], &why), 0);
	test_end();
}

static void test_address_invalid(void)
{
	static const char *const bad[] = {
		"joe", "@example.com", "joe@", "a@b@c", "jo e@x.y", "joe@x..y",
		"joe@.x", "joe@x.", ".joe@x", "joe.@x", "jo..e@x", "\"joe\"@x",
		"joe@-x.y", "joe@x-.y", "joe@x_y", "a/b@x", "#joe@x", "jo\te@x",
		"joe:x@y", "<joe@x>",
	};
	char longlocal[80], longaddr[300];
	const char *why = NULL;

	test_begin("users_address_check refuses what cannot be a mailbox");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (users_address_check(bad[i], &why) != -1)
			printf("  accepted: %s\n", bad[i]);
		test_assert(why != NULL);
	}
	memset(longlocal, 'a', 65);
	strcpy(longlocal + 65, "@x");
	test_assert_int(users_address_check(longlocal, &why), -1);
	memset(longaddr, 'b', 260);
	memcpy(longaddr, "a@", 2);
	longaddr[260] = '\0';
	test_assert_int(users_address_check(longaddr, &why), -1);
	test_end();
}

static void test_address_lower(void)
{
	char a[] = "Joe.Smith@Example.COM";

	test_begin("users_address_lower");
	users_address_lower(a);
	test_assert_str(a, "joe.smith@example.com");
	test_end();
}

static void test_parse_line(void)
{
	users_entry_t e;
	const char *why = NULL;

	test_begin("users_parse_line");
	test_assert_int(users_parse_line("", &e, &why), 0);
	test_assert_int(users_parse_line("   \t", &e, &why), 0);
	test_assert_int(users_parse_line("# comment", &e, &why), 0);
	test_assert_int(users_parse_line("  # indented comment", &e, &why), 0);

	test_assert_int(users_parse_line("Joe@Example.com $y$j9T$abc$def", &e, &why), 1);
	test_assert_str(e.address, "joe@example.com");
	test_assert_str(e.hash, "$y$j9T$abc$def");
	test_assert(e.apop == NULL);
	users_entry_clear(&e);
	test_assert(e.address == NULL && e.hash == NULL);

	test_assert_int(users_parse_line("a@b\t$6$s$h   secret\r", &e, &why), 1);
	test_assert_str(e.address, "a@b");
	test_assert_str(e.hash, "$6$s$h");
	test_assert_str(e.apop, "secret");
	users_entry_clear(&e);

	why = NULL;
	test_assert_int(users_parse_line("a@b", &e, &why), -1);
	test_assert_str(why, "no password hash");
	test_assert(e.address == NULL);
	why = NULL;
	test_assert_int(users_parse_line("a@b h s extra", &e, &why), -1);
	test_assert(why != NULL);
	why = NULL;
	test_assert_int(users_parse_line("nodomain $6$x", &e, &why), -1);
	test_assert(why != NULL);
	test_end();
}

static void test_parse_value(void)
{
	static const char value[] = "$6$s$h sec";
	users_entry_t e;
	const char *why = NULL;

	test_begin("users_parse_value");
	/* Values come from the db without a NUL: len, not strlen, rules. */
	test_assert_int(users_parse_value("A@B", value, 6, &e, &why), 1);
	test_assert_str(e.address, "a@b");
	test_assert_str(e.hash, "$6$s$h");
	test_assert(e.apop == NULL);
	users_entry_clear(&e);
	test_assert_int(users_parse_value("a@b", value, sizeof(value) - 1, &e, &why), 1);
	test_assert_str(e.apop, "sec");
	users_entry_clear(&e);
	test_assert_int(users_parse_value("a@b", "  ", 2, &e, &why), -1);
	test_assert_int(users_parse_value("a@b", "h\0x", 3, &e, &why), -1);
	test_end();
}

static void test_password(void)
{
	char *err = NULL;
	char *h1, *h2;

	test_begin("users_password_hash and users_password_verify");
	h1 = users_password_hash("secret pass", &err);
	h2 = users_password_hash("secret pass", &err);
	test_assert(h1 != NULL && h2 != NULL);
	if (h1 != NULL && h2 != NULL) {
		test_assert(strncmp(h1, "$y$", 3) == 0 || strncmp(h1, "$6$", 3) == 0);
		/* A fresh salt each time. */
		test_assert(strcmp(h1, h2) != 0);
		test_assert_int(users_password_verify("secret pass", h1), 1);
		test_assert_int(users_password_verify("secret pass", h2), 1);
		test_assert_int(users_password_verify("secret pasS", h1), 0);
		test_assert_int(users_password_verify("", h1), 0);
	}
	test_assert_int(users_password_verify("x", "*"), 0);
	test_assert_int(users_password_verify("x", "!"), 0);
	test_assert_int(users_password_verify("", ""), 0);
	test_assert_int(users_password_verify("x", "$6$"), 0);
	/* A known SHA-512 crypt string (glibc/libxcrypt reference value). */
	test_assert_int(users_password_verify("x",
		"$6$abc$K4v3HcZ8yAmpRfxML6S46NCcqy9r4/KdbQpFvqSWsBf4dgySOEOo1DHJTrmn2BsJK2aNmPN8Tfb826D2o9.z51"), 1);
	mem_free(h1);
	mem_free(h2);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_address_valid,
		test_address_invalid,
		test_address_lower,
		test_parse_line,
		test_parse_value,
		test_password,
		NULL,
	};

	return test_main(tests);
}

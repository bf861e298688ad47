/* test_relay_auth.c - unit tests for lib/relay_auth.c: the credentials
 * for a relay host, looked up by next hop then host, in maps compiled in a
 * temporary directory; the keys mailctl stores and the values it splits.
 */
#include <stdio.h>

#include "../../lib/log.h"
#include "../../lib/map.h"
#include "../../lib/map_list.h"
#include "../../lib/mem.h"
#include "../../lib/relay_auth.h"
#include "../../lib/transport.h"
#include "test.h"
#include "test_map.h"

static const char *test_dir;

static char *make_map(const char *name, const char *text)
{
	return test_map_make(test_dir, name, text);
}

/* Credentials for next hop text: "user pass", "none" or "error". */
static char *auth(map_list_t *l, const char *text)
{
	transport_nexthop_t nh;
	const char *err;
	char *user, *pass, *out;
	int r;

	if (transport_nexthop_parse(text, &nh, &err) < 0)
		return mem_strdup("bad next hop");
	r = relay_auth_lookup(l, &nh, &user, &pass);
	transport_nexthop_free(&nh);
	if (r < 0)
		return mem_strdup("error");
	if (r == 0)
		return mem_strdup(user == NULL && pass == NULL ? "none" : "leak");
	out = mem_printf("%s %s", user, pass);
	mem_free(user);
	mem_free(pass);
	return out;
}

static void check_auth(map_list_t *l, const char *text, const char *want)
{
	char *got = auth(l, text);

	if (strcmp(got, want) != 0)
		printf("  credentials for \"%s\":\n", text);
	test_assert_str(got, want);
	mem_free(got);
}

static void test_relay_auth(void)
{
	char *src = make_map("relay_passwd",
		"[smtp.example.com]:587  port587:pw:with:colons\n"
		"smtp.example.com        anyport:pw2\n"
		"[127.0.0.1]:2525        loop:pw3\n"
		"127.0.0.1               loopany:pw4\n"
		"example.org             mx:pw5\n"
		"[bad.example]           nocolon\n"
		"[bad2.example]          :nouser\n"
		"[bad3.example]          nopass:\n");
	char *files[] = { src, NULL };
	char *err = NULL;
	map_list_t *l = map_list_open(files, &err);

	test_begin("relay credentials: next hop, then its host alone");
	test_assert(l != NULL);
	if (l == NULL) {
		printf("  %s\n", err);
		test_end();
		return;
	}
	check_auth(l, "[smtp.example.com]:587", "port587 pw:with:colons");
	check_auth(l, "[SMTP.example.com]:587", "port587 pw:with:colons");
	check_auth(l, "[smtp.example.com]:25", "anyport pw2");
	check_auth(l, "[smtp.example.com]", "anyport pw2");
	check_auth(l, "smtp.example.com:2525", "anyport pw2");
	check_auth(l, "[127.0.0.1]:2525", "loop pw3");
	check_auth(l, "[127.0.0.1]:2526", "loopany pw4");
	check_auth(l, "example.org", "mx pw5");
	check_auth(l, "[example.org]", "mx pw5");
	check_auth(l, "[other.example]:587", "none");
	check_auth(l, "[bad.example]", "error");
	check_auth(l, "[bad2.example]", "error");
	check_auth(l, "[bad3.example]", "error");
	map_list_free(&l);
	test_assert(l == NULL);
	mem_free(src);
	test_end();
}

static void test_relay_auth_key(void)
{
	const char *err;
	char *user, *pass;
	char *k;

	test_begin("relay credentials: keys made canonical, values split");
	k = relay_auth_key("[SMTP.Example.com]:587", &err);
	test_assert_str(k, "[smtp.example.com]:587");
	mem_free(k);
	k = relay_auth_key("Smtp.Example.Com", &err);
	test_assert_str(k, "smtp.example.com");
	mem_free(k);
	k = relay_auth_key("127.0.0.1", &err);
	test_assert_str(k, "127.0.0.1");
	mem_free(k);
	k = relay_auth_key("0:0::1", &err);
	test_assert_str(k, "::1");
	mem_free(k);
	k = relay_auth_key("[::1]:25", &err);
	test_assert_str(k, "[::1]:25");
	mem_free(k);
	test_assert(relay_auth_key("host:0", &err) == NULL);
	test_assert(relay_auth_key("a b", &err) == NULL);
	test_assert(relay_auth_key("", &err) == NULL);

	test_assert_int(relay_auth_split("u:p:q", 5, &user, &pass, &err), 0);
	test_assert_str(user, "u");
	test_assert_str(pass, "p:q");
	mem_free(user);
	mem_free(pass);
	test_assert_int(relay_auth_split("u: p ", 5, &user, &pass, &err), 0);
	test_assert_str(pass, " p ");
	mem_free(user);
	mem_free(pass);
	test_assert_int(relay_auth_split("up", 2, &user, &pass, &err), -1);
	test_assert_int(relay_auth_split(":p", 2, &user, &pass, &err), -1);
	test_assert_int(relay_auth_split("u:", 2, &user, &pass, &err), -1);
	test_assert_int(relay_auth_split("u:p\n", 4, &user, &pass, &err), -1);
	test_assert_int(relay_auth_split("u:p\0x", 5, &user, &pass, &err), -1);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_relay_auth, test_relay_auth_key,
		NULL,
	};

	test_dir = test_tmpdir();
	/* Bad values in the maps are logged: expected here. */
	log_set_dest(LOG_DEST_FILE, "/dev/null");
	return test_main(tests);
}

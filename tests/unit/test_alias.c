/* test_alias.c - unit tests for lib/alias.c: the keys an address is looked
 * up under, alias targets, and alias_resolve() following an address to
 * where its mail ends (nesting, self-references, loops, unusable targets,
 * the depth limit, lookup errors).  The expansion of whole messages is
 * tested with qmgr (test_qmgr_alias.c).
 */
#include "../../lib/alias.h"
#include "../../lib/buf.h"
#include "../../lib/mem.h"
#include "test.h"

static const char *const table[][2] = {
	{ "postmaster", "root" },
	{ "root", "admin@example.org, <ops>" },
	{ "ops@localhost", "ops, bob" },
	{ "loop1", "loop2" },
	{ "loop2", "loop1" },
	{ "team@example.org", "x@example.org,y@example.org" },
	{ "broken", "@@@ ,," },
	{ NULL, NULL },
};
static int lookups_fail;
static buf_t keys = BUF_INIT;	/* every key asked, space-separated */

/* "deepN": an alias of deep(N+1). */
static int lookup(const char *key, buf_t *value_r, void *ctx)
{
	(void) ctx;
	buf_printf(&keys, "%s%s", keys.len ? " " : "", key);
	if (lookups_fail)
		return -1;
	if (strncmp(key, "deep", 4) == 0) {
		buf_reset(value_r);
		buf_printf(value_r, "deep%ld", strtol(key + 4, NULL, 10) + 1);
		return 1;
	}
	for (size_t i = 0; table[i][0]; i++) {
		if (strcmp(table[i][0], key) == 0) {
			buf_set(value_r, table[i][1]);
			return 1;
		}
	}
	return 0;
}

static char *const local_domains[] = { "localhost", "example.org", NULL };
static const alias_conf_t conf = {
	local_domains, "+", "localhost", lookup, NULL,
};

static void collect(const char *canon, void *ctx)
{
	buf_t *out = ctx;

	buf_printf(out, "%s%s", out->len ? " " : "", canon);
}

static void resolve_expect(const char *addr, const char *want)
{
	buf_t got = BUF_INIT;

	test_assert_int(alias_resolve(&conf, addr, collect, &got), 0);
	test_assert_str(buf_str(&got), want);
	buf_release(&got);
}

static void test_lookup_keys(void)
{
	buf_t value = BUF_INIT;

	test_begin("alias: keys local@domain, base@domain, then local and base for local domains");
	buf_reset(&keys);
	test_assert_int(alias_lookup(&conf, "nobody+tag@localhost", &value), 0);
	test_assert_str(buf_str(&keys),
			"nobody+tag@localhost nobody@localhost nobody+tag nobody");
	buf_reset(&keys);
	test_assert_int(alias_lookup(&conf, "root@remote.example", &value), 0);
	test_assert_str(buf_str(&keys), "root@remote.example");
	test_assert_int(alias_lookup(&conf, "postmaster@example.org", &value), 1);
	test_assert_str(buf_str(&value), "root");
	buf_release(&value);
	test_end();
}

static void test_target(void)
{
	buf_t out = BUF_INIT;

	test_begin("alias: targets, bare ones take the alias's domain");
	test_assert_int(alias_target("bob", 3, "example.org", &out), 0);
	test_assert_str(buf_str(&out), "bob@example.org");
	test_assert_int(alias_target("<Ann@X.org>", 11, "example.org", &out), 0);
	test_assert_str(buf_str(&out), "Ann@X.org");
	test_assert_int(alias_target("@@@", 3, "example.org", &out), -1);
	test_assert_int(alias_target("<>", 2, "example.org", &out), -1);
	buf_release(&out);
	test_end();
}

static void test_resolve(void)
{
	test_begin("alias: resolve follows nested aliases to where mail ends");
	resolve_expect("Postmaster@Example.ORG", "admin@example.org ops@example.org");
	resolve_expect("postmaster", "admin@example.org ops@localhost bob@localhost");
	resolve_expect("team@example.org", "x@example.org y@example.org");
	resolve_expect("alice@remote.example", "alice@remote.example");
	/* A loop ends at the address reached again; so does a self-reference. */
	resolve_expect("loop1", "loop1@localhost");
	resolve_expect("ops@localhost", "ops@localhost bob@localhost");
	/* No usable target: the alias itself. */
	resolve_expect("broken", "broken@localhost");
	test_end();
}

static void test_resolve_limits(void)
{
	buf_t got = BUF_INIT;
	char want[32];

	test_begin("alias: resolve stops at ALIAS_MAX_DEPTH and on a lookup error");
	snprintf(want, sizeof(want), "deep%d@localhost", ALIAS_MAX_DEPTH);
	resolve_expect("deep0", want);
	lookups_fail = 1;
	test_assert_int(alias_resolve(&conf, "postmaster", collect, &got), -1);
	test_assert_str(buf_str(&got), "");
	lookups_fail = 0;
	buf_release(&got);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_lookup_keys, test_target, test_resolve, test_resolve_limits,
		NULL,
	};
	int r = test_main(tests);

	buf_release(&keys);
	return r;
}

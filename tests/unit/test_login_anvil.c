/* test_login_anvil.c - unit tests for lib/login_anvil.c against a fake
 * anvil.
 *
 * A forked child listens on a UNIX socket in a test_tmpdir() directory
 * and plays anvil on one connection at a time: connect adds one to the
 * open count of (service, client) and, unless handoff=yes, to its rate;
 * disconnect takes one off the open count.  The limits are set with
 * config_set() under a prefix of the test's own ("imapd", "pop3d"), as
 * each server's post_drop step reads them.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../lib/anvil_client.h"
#include "../../lib/attr.h"
#include "../../lib/buf.h"
#include "../../lib/config.h"
#include "../../lib/log.h"
#include "../../lib/login_anvil.h"
#include "../../lib/mem.h"
#include "../../lib/sock.h"
#include "../../lib/stream.h"
#include "test.h"

#define FAKE_KEYS 16

struct fake_key {
	char key[128];
	long count, rate;
};

static pid_t fake_pid;
static char *fake_path;

static struct fake_key *fake_find(struct fake_key *keys, const attr_t *req)
{
	const char *service = attr_get(req, "service");
	const char *client = attr_get(req, "client");
	char key[128];

	snprintf(key, sizeof(key), "%s %s", service ? service : "",
		 client ? client : "");
	for (int i = 0; i < FAKE_KEYS; i++)
		if (keys[i].key[0] == '\0' || strcmp(keys[i].key, key) == 0) {
			memcpy(keys[i].key, key, sizeof(key));
			return &keys[i];
		}
	return NULL;
}

static void fake_serve(int lfd)
{
	static struct fake_key keys[FAKE_KEYS];
	attr_t *req = attr_new();

	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		stream_t *s;

		if (fd < 0)
			_exit(errno == EINTR ? 0 : 2);
		s = stream_open(fd);
		stream_set_timeout(s, 10);
		if (attr_hello_check(s, ANVIL_PROTO, ANVIL_VERSION) != ATTR_OK) {
			stream_close(&s);
			continue;
		}
		attr_hello_write(s, ANVIL_PROTO, ANVIL_VERSION);
		while (attr_read(s, req) == ATTR_OK) {
			const char *what = attr_get(req, "request");
			const char *handoff = attr_get(req, "handoff");
			struct fake_key *k = fake_find(keys, req);
			attr_t *r = attr_new();

			if (k != NULL && what != NULL && strcmp(what, "connect") == 0) {
				k->count++;
				if (handoff == NULL || strcmp(handoff, "yes") != 0)
					k->rate++;
				attr_add(r, "status", "ok");
				attr_add_long(r, "count", k->count);
				attr_add_long(r, "rate", k->rate);
			} else if (k != NULL) {
				if (k->count > 0)
					k->count--;
				attr_add(r, "status", "ok");
			} else {
				attr_add(r, "status", "fail");
				attr_add(r, "reason", "table full");
			}
			attr_write(s, r);
			attr_free(&r);
		}
		stream_close(&s);
	}
}

static void fake_start(void)
{
	char *err = NULL;
	int lfd;

	fake_path = mem_printf("%s/anvil", test_tmpdir());
	lfd = sock_listen_unix(fake_path, 0600, 16, &err);
	if (lfd < 0)
		log_fatal("%s", err);
	sock_set_nonblock(lfd, 0);
	fflush(stdout);
	fake_pid = fork();
	if (fake_pid < 0)
		log_fatal("fork: %s", strerror(errno));
	if (fake_pid == 0)
		fake_serve(lfd);
	close(lfd);
}

static void fake_stop(void)
{
	kill(fake_pid, SIGTERM);
	waitpid(fake_pid, NULL, 0);
	unlink(fake_path);
	MEM_FREE(fake_path);
}

/* Set PREFIX_NAME = value. */
static void set(const char *prefix, const char *name, const char *value)
{
	char *param = mem_printf("%s_%s", prefix, name), *err = NULL;

	if (config_set(param, value, &err) < 0)
		log_fatal("%s: %s", param, err);
	mem_free(param);
}

static void limits(const char *prefix, const char *count, const char *rate,
		   const char *exceptions)
{
	set(prefix, "client_connection_count_limit", count);
	set(prefix, "client_connection_rate_limit", rate);
	set(prefix, "client_event_limit_exceptions", exceptions);
}

static void test_count_limit(void)
{
	buf_t why = BUF_INIT;

	test_begin("count limit: the third connection of an address is refused");
	limits("imapd", "2", "0", "");
	login_anvil_init("imapd", fake_path, 5, 1);
	test_assert_int(login_anvil_admit("imap", "192.0.2.1", "[192.0.2.1]:1", &why), 1);
	test_assert_int(login_anvil_admit("imap", "192.0.2.1", "[192.0.2.1]:2", &why), 1);
	test_assert_int(login_anvil_admit("imap", "192.0.2.1", "[192.0.2.1]:3", &why), -1);
	test_assert_str(buf_str(&why), "Too many connections from your address");
	/* Another address and another service have counts of their own. */
	test_assert_int(login_anvil_admit("imap", "192.0.2.2", "[192.0.2.2]:1", &why), 1);
	test_assert_str(buf_str(&why), "");
	test_assert_int(login_anvil_admit("imaps", "192.0.2.1", "[192.0.2.1]:4", &why), 1);
	/* One leaves (the refused one gave its count back): room again. */
	login_anvil_release("imap", "192.0.2.1");
	test_assert_int(login_anvil_admit("imap", "192.0.2.1", "[192.0.2.1]:5", &why), 1);
	test_assert_int(login_anvil_admit("imap", "192.0.2.1", "[192.0.2.1]:6", &why), -1);
	buf_release(&why);
	test_end();
}

static void test_rate_limit(void)
{
	buf_t why = BUF_INIT;

	test_begin("rate limit, and a hand-off that does not add to it");
	limits("pop3d", "0", "2", "");
	login_anvil_init("pop3d", fake_path, 5, 1);
	test_assert_int(login_anvil_admit("pop3", "198.51.100.1", "c", &why), 1);
	login_anvil_release("pop3", "198.51.100.1");
	/* The session takes the client over: counted, not a new connection. */
	test_assert_int(login_anvil_hold("pop3", "198.51.100.1"), 1);
	login_anvil_release("pop3", "198.51.100.1");
	test_assert_int(login_anvil_admit("pop3", "198.51.100.1", "c", &why), 1);
	login_anvil_release("pop3", "198.51.100.1");
	test_assert_int(login_anvil_admit("pop3", "198.51.100.1", "c", &why), -1);
	test_assert(strstr(buf_str(&why), "in the last 60 seconds") != NULL);
	buf_release(&why);
	test_end();
}

static void test_not_counted(void)
{
	buf_t why = BUF_INIT;

	test_begin("exceptions, no limits and no anvil: let in, not counted");
	limits("imapd", "1", "0", "203.0.113.0/24");
	login_anvil_init("imapd", fake_path, 5, 1);
	test_assert_int(login_anvil_admit("imap", "203.0.113.9", "c", &why), 0);
	test_assert_int(login_anvil_admit("imap", "203.0.113.9", "c", &why), 0);
	limits("imapd", "0", "0", "");
	login_anvil_init("imapd", fake_path, 5, 1);
	test_assert_int(login_anvil_admit("imap", "192.0.2.77", "c", &why), 0);
	/* Fail open: anvil does not answer. */
	limits("imapd", "1", "0", "");
	login_anvil_init("imapd", "/nonexistent/anvil", 1, 1);
	test_assert_int(login_anvil_admit("imap", "192.0.2.78", "c", &why), 0);
	test_assert_int(login_anvil_hold("imap", "192.0.2.78"), 0);
	buf_release(&why);
	test_end();
}

static void init_bad_exceptions(void *ctx)
{
	(void) ctx;
	set("imapd", "client_event_limit_exceptions", "not-a-network/99");
	login_anvil_init("imapd", fake_path, 5, 1);
}

static void test_bad_exceptions(void)
{
	test_begin("a bad exception list is fatal in the login role only");
	test_assert(test_expect_fatal(init_bad_exceptions, NULL));
	set("imapd", "client_event_limit_exceptions", "not-a-network/99");
	login_anvil_init("imapd", fake_path, 5, 0);	/* session: not read */
	set("imapd", "client_event_limit_exceptions", "");
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_count_limit,
		test_rate_limit,
		test_not_counted,
		test_bad_exceptions,
		NULL,
	};
	int rc;

	log_init("test_login_anvil");
	fake_start();
	rc = test_main(tests);
	fake_stop();
	return rc;
}

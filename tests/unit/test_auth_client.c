/* test_auth_client.c - unit tests for lib/auth_client.c against a fake auth.
 *
 * A forked child listens on a UNIX socket in a test_tmpdir() directory and
 * plays auth: it answers the hello, then answers each request according to
 * the user name in it ("bad@x" fails, "garbage@x" gets a malformed reply,
 * "slow@x" an answer too late, "bye@x" an answer and then a closed
 * connection, ...).  Every reply carries conn=N, the number of the
 * connection it came over, so the tests can see reconnects.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/attr.h"
#include "../../lib/auth_client.h"
#include "../../lib/buf.h"
#include "../../lib/event.h"
#include "../../lib/log.h"
#include "../../lib/mem.h"
#include "../../lib/sock.h"
#include "../../lib/stream.h"
#include "test.h"

static const char *tmpdir;

enum fake_mode { FAKE_GOOD, FAKE_BAD_HELLO };

struct fake {
	pid_t pid;
	char *path;
};

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The fields a verify of "fields@x" must carry, exactly. */
static const char *fake_check_fields(const attr_t *req)
{
	static const char *const want[][2] = {
		{ "request", "verify" }, { "mech", "PLAIN" },
		{ "user", "fields@x" }, { "password", "p%w\nd=" },
		{ "authzid", "fields@x" }, { "client", "192.0.2.1" },
		{ "service", "submission" },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *v = attr_get(req, want[i][0]);

		if (v == NULL || strcmp(v, want[i][1]) != 0)
			return want[i][0];
	}
	return req->count == 7 ? NULL : "attribute count";
}

/* Answer one request; 0 when the connection is to be closed afterwards. */
static int fake_answer(stream_t *s, const attr_t *req, int conn)
{
	const char *user = attr_get(req, "user");
	const char *what = attr_get(req, "request");
	attr_t *r = attr_new();
	const char *bad;
	int keep = 1;

	if (user == NULL)
		user = "";
	if (what != NULL && strcmp(what, "redeem") == 0) {
		const char *tok = attr_get(req, "token");

		attr_add(r, "status", tok && strcmp(tok, "T1") == 0 ? "ok" : "fail");
		attr_add(r, "user", "redeemed@x");
	} else if (strcmp(user, "fields@x") == 0) {
		bad = fake_check_fields(req);
		attr_add(r, "status", bad == NULL ? "ok" : "fail");
		attr_add(r, bad == NULL ? "user" : "reason",
			 bad == NULL ? "fields@x" : bad);
	} else if (strcmp(user, "bad@x") == 0) {
		attr_add(r, "status", "fail");
		attr_add(r, "reason", "wrong password");
	} else if (strcmp(user, "temp@x") == 0) {
		attr_add(r, "status", "tempfail");
		attr_add(r, "reason", "users.db unreadable");
	} else if (strcmp(user, "spent@x") == 0) {
		attr_add(r, "status", "tempfail");
		attr_add(r, "reason", "too many failures from this process");
		attr_add(r, "retire", "yes");
	} else if (strcmp(user, "Lookup@X") == 0) {
		attr_add(r, "status", "ok");
		attr_add(r, "user", "lookup@x");
		attr_add(r, "apop", "yes");
	} else if (strcmp(user, "none@x") == 0) {
		attr_add(r, "status", "noent");
	} else if (strcmp(user, "garbage@x") == 0) {
		stream_puts(s, "no equals sign here\n\n");
		stream_flush(s);
		attr_free(&r);
		return 1;
	} else if (strcmp(user, "nouser@x") == 0) {
		attr_add(r, "status", "ok");
	} else if (strcmp(user, "weird@x") == 0) {
		attr_add(r, "status", "perhaps");
	} else if (strcmp(user, "close@x") == 0) {
		attr_free(&r);
		return 0;
	} else if (strcmp(user, "slow@x") == 0) {
		sleep(3);
		attr_add(r, "status", "ok");
		attr_add(r, "user", "slow@x");
	} else {
		attr_add(r, "status", "ok");
		attr_add(r, "user", user);
		keep = strcmp(user, "bye@x") != 0;
	}
	attr_add_long(r, "conn", conn);
	attr_write(s, r);
	attr_free(&r);
	return keep;
}

static void fake_serve(int lfd, enum fake_mode mode)
{
	attr_t *req = attr_new();

	for (int conn = 1; ; conn++) {
		int fd = accept(lfd, NULL, NULL);
		stream_t *s;

		if (fd < 0)
			_exit(errno == EINTR ? 0 : 2);
		s = stream_open(fd);
		stream_set_timeout(s, 10);
		if (attr_hello_check(s, AUTH_PROTO, AUTH_VERSION) != ATTR_OK) {
			stream_close(&s);
			continue;
		}
		attr_hello_write(s, mode == FAKE_GOOD ? AUTH_PROTO : "qmgr",
				 AUTH_VERSION);
		while (attr_read(s, req) == ATTR_OK && fake_answer(s, req, conn))
			;
		stream_close(&s);
	}
}

static struct fake fake_start(const char *name, enum fake_mode mode)
{
	struct fake f;
	char *err = NULL;
	int lfd;

	f.path = mem_printf("%s/%s", tmpdir, name);
	lfd = sock_listen_unix(f.path, 0600, 16, &err);
	if (lfd < 0)
		log_fatal("%s", err);
	sock_set_nonblock(lfd, 0);
	fflush(stdout);
	f.pid = fork();
	if (f.pid < 0)
		log_fatal("fork: %s", strerror(errno));
	if (f.pid == 0)
		fake_serve(lfd, mode);
	close(lfd);
	return f;
}

static void fake_stop(struct fake *f)
{
	kill(f->pid, SIGTERM);
	waitpid(f->pid, NULL, 0);
	unlink(f->path);
	mem_free(f->path);
}

static struct fake good;

static void test_verify_fields(void)
{
	auth_client_t *c = auth_client_new(good.path, 5);
	buf_t user = BUF_INIT, reason = BUF_INIT;

	test_begin("verify sends every field, escaped, and takes the user");
	test_assert_int(auth_client_verify(c, "PLAIN", "fields@x", "p%w\nd=",
					   "fields@x", "192.0.2.1", "submission",
					   &user, &reason, NULL), AUTH_OK);
	test_assert_str(buf_str(&user), "fields@x");
	if (reason.len)
		printf("  fake auth: wrong %s\n", buf_str(&reason));
	auth_client_free(&c);
	test_assert(c == NULL);
	buf_release(&user);
	buf_release(&reason);
	test_end();
}

static void test_verify_results(void)
{
	auth_client_t *c = auth_client_new(good.path, 5);
	buf_t user = BUF_INIT, reason = BUF_INIT;
	int retire = -1;

	test_begin("verify: fail and tempfail with their reasons");
	test_assert_int(auth_client_verify(c, "LOGIN", "bad@x", "pw", NULL,
					   "::1", "smtp", &user, &reason, &retire),
			AUTH_FAIL);
	test_assert_str(buf_str(&reason), "wrong password");
	test_assert_int(retire, 0);
	test_assert_int(auth_client_verify(c, "LOGIN", "temp@x", "pw", NULL,
					   "::1", "smtp", &user, &reason, &retire),
			AUTH_TEMPFAIL);
	test_assert_str(buf_str(&reason), "users.db unreadable");
	test_assert_int(retire, 0);
	/* auth refuses the process further failures: it lets a fresh one
	 * take the next clients */
	test_assert_int(auth_client_verify(c, "LOGIN", "spent@x", "pw", NULL,
					   "::1", "smtp", &user, &reason, &retire),
			AUTH_TEMPFAIL);
	test_assert_int(retire, 1);
	test_assert_int(auth_client_verify(c, "LOGIN", "ok@x", "pw", "",
					   "::1", "smtp", &user, NULL, NULL), AUTH_OK);
	test_assert_str(buf_str(&user), "ok@x");
	auth_client_free(&c);
	buf_release(&user);
	buf_release(&reason);
	test_end();
}

static void test_lookup(void)
{
	auth_client_t *c = auth_client_new(good.path, 5);
	buf_t user = BUF_INIT;

	test_begin("lookup: ok with the canonical name, noent");
	test_assert_int(auth_client_lookup(c, "Lookup@X", &user), AUTH_OK);
	test_assert_str(buf_str(&user), "lookup@x");
	test_assert_int(auth_client_lookup(c, "none@x", &user), AUTH_FAIL);
	auth_client_free(&c);
	buf_release(&user);
	test_end();
}

static void test_generic_request(void)
{
	auth_client_t *c = auth_client_new(good.path, 5);
	attr_t *req = attr_new(), *reply = attr_new();

	test_begin("auth_client_request: redeem through the generic call");
	attr_add(req, "request", "redeem");
	attr_add(req, "token", "T1");
	attr_add(req, "service", "pop3");
	attr_add(req, "client", "127.0.0.1");
	test_assert_int(auth_client_request(c, req, reply), AUTH_OK);
	test_assert_str(attr_get(reply, "user"), "redeemed@x");
	attr_clear(req);
	attr_add(req, "request", "redeem");
	attr_add(req, "token", "forged");
	test_assert_int(auth_client_request(c, req, reply), AUTH_FAIL);
	attr_free(&req);
	attr_free(&reply);
	auth_client_free(&c);
	test_end();
}

/* A request on c by user, returning the reply's conn number (0: none). */
static long conn_of(auth_client_t *c, const char *user, int *result_r)
{
	attr_t *req = attr_new(), *reply = attr_new();
	long conn;

	attr_add(req, "request", "lookup");
	attr_add(req, "user", user);
	*result_r = auth_client_request(c, req, reply);
	conn = attr_get_long(reply, "conn", NULL);
	attr_free(&req);
	attr_free(&reply);
	return conn;
}

static void test_malformed_replies(void)
{
	auth_client_t *c = auth_client_new(good.path, 5);
	buf_t user = BUF_INIT;
	long first, next;
	int r;

	test_begin("malformed replies are tempfail and cost the connection");
	first = conn_of(c, "a@x", &r);
	test_assert_int(r, AUTH_OK);
	test_assert_int(auth_client_lookup(c, "garbage@x", &user), AUTH_TEMPFAIL);
	next = conn_of(c, "a@x", &r);
	test_assert_int(r, AUTH_OK);
	test_assert(next > first);
	test_assert_int(auth_client_lookup(c, "nouser@x", &user), AUTH_TEMPFAIL);
	test_assert_int(auth_client_lookup(c, "weird@x", &user), AUTH_TEMPFAIL);
	first = next;
	next = conn_of(c, "a@x", &r);
	test_assert_int(r, AUTH_OK);
	test_assert(next > first);
	auth_client_free(&c);
	buf_release(&user);
	test_end();
}

static void test_reconnect_once(void)
{
	auth_client_t *c = auth_client_new(good.path, 5);
	buf_t user = BUF_INIT;
	long first, next;
	int r;

	test_begin("a connection auth closed is replaced once, silently");
	first = conn_of(c, "bye@x", &r);	/* answered, then closed */
	test_assert_int(r, AUTH_OK);
	next = conn_of(c, "a@x", &r);
	test_assert_int(r, AUTH_OK);
	test_assert(next == first + 1);
	/* Closed without an answer on the reused connection and again on
	 * the new one: one retry only, then tempfail. */
	test_assert_int(auth_client_lookup(c, "close@x", &user), AUTH_TEMPFAIL);
	/* On a fresh connection a close is not retried at all. */
	test_assert_int(auth_client_lookup(c, "close@x", &user), AUTH_TEMPFAIL);
	next = conn_of(c, "a@x", &r);
	test_assert_int(r, AUTH_OK);
	test_assert_int(next, first + 4);
	auth_client_free(&c);
	buf_release(&user);
	test_end();
}

static void test_timeout(void)
{
	auth_client_t *c = auth_client_new(good.path, 1);
	buf_t user = BUF_INIT;
	double t0 = now_sec(), took;

	test_begin("a reply later than the timeout is tempfail, in time");
	test_assert_int(auth_client_lookup(c, "slow@x", &user), AUTH_TEMPFAIL);
	took = now_sec() - t0;
	test_assert(took >= 0.9 && took < 2.5);
	auth_client_free(&c);
	buf_release(&user);
	test_end();
}

static void test_unreachable(void)
{
	char *path = mem_printf("%s/nobody", tmpdir);
	auth_client_t *c = auth_client_new(path, 2);
	struct fake bad = fake_start("badhello", FAKE_BAD_HELLO);
	buf_t user = BUF_INIT, reason = BUF_INIT;

	test_begin("no listener, or the wrong protocol: tempfail");
	test_assert_int(auth_client_verify(c, "PLAIN", "a@x", "pw", NULL,
					   "::1", "smtp", &user, &reason, NULL),
			AUTH_TEMPFAIL);
	test_assert(reason.len > 0);
	auth_client_free(&c);
	c = auth_client_new(bad.path, 2);
	test_assert_int(auth_client_lookup(c, "a@x", &user), AUTH_TEMPFAIL);
	auth_client_free(&c);
	fake_stop(&bad);
	mem_free(path);
	buf_release(&user);
	buf_release(&reason);
	test_end();
}

/* ---- auth_request_start: the same without waiting ---------------------- */

struct verdict {
	int called, result;
	char user[64], reason[64];
};

static void on_verdict(int result, const attr_t *reply, void *ctx)
{
	struct verdict *v = ctx;
	const char *u = attr_get(reply, "user"), *why = attr_get(reply, "reason");

	v->called++;
	v->result = result;
	snprintf(v->user, sizeof(v->user), "%s", u ? u : "");
	snprintf(v->reason, sizeof(v->reason), "%s", why ? why : "");
}

/* Start a verify of user and run the loop until the verdict (at most
 * 5 s); the verdict, or called 0 when start failed. */
static struct verdict async_verify(const char *path, int timeout, const char *user)
{
	struct verdict v = { 0 };
	attr_t *req = attr_new();
	auth_request_t *r;
	double t0 = now_sec();

	attr_add(req, "request", "verify");
	attr_add(req, "mech", "PLAIN");
	attr_add(req, "user", user);
	attr_add(req, "password", "pw");
	r = auth_request_start(path, timeout, req, on_verdict, &v);
	attr_free(&req);
	while (r != NULL && !v.called && now_sec() - t0 < 5)
		event_run_once(100);
	return v;
}

static void test_async_request(void)
{
	struct verdict v;
	struct verdict never = { 0 };
	attr_t *req = attr_new();
	auth_request_t *r;
	double t0;

	test_begin("auth_request_start: ok, fail, tempfail, through the loop");
	v = async_verify(good.path, 5, "a@x");
	test_assert_int(v.called, 1);
	test_assert_int(v.result, AUTH_OK);
	test_assert_str(v.user, "a@x");
	v = async_verify(good.path, 5, "bad@x");
	test_assert_int(v.result, AUTH_FAIL);
	test_assert_str(v.reason, "wrong password");
	v = async_verify(good.path, 5, "temp@x");
	test_assert_int(v.result, AUTH_TEMPFAIL);
	test_assert_str(v.reason, "users.db unreadable");
	test_end();

	test_begin("auth_request_start: broken replies and silence are tempfail");
	v = async_verify(good.path, 5, "garbage@x");
	test_assert_int(v.called, 1);
	test_assert_int(v.result, AUTH_TEMPFAIL);
	test_assert_str(v.reason, "");
	v = async_verify(good.path, 5, "weird@x");
	test_assert_int(v.result, AUTH_TEMPFAIL);
	v = async_verify(good.path, 5, "close@x");
	test_assert_int(v.called, 1);
	test_assert_int(v.result, AUTH_TEMPFAIL);
	t0 = now_sec();
	v = async_verify(good.path, 1, "slow@x");
	test_assert_int(v.result, AUTH_TEMPFAIL);
	test_assert(now_sec() - t0 < 2.5);
	test_end();

	test_begin("auth_request_start: nobody listening, and a cancel");
	v = async_verify("/nonexistent/auth", 1, "a@x");
	test_assert_int(v.called, 0);
	attr_add(req, "request", "verify");
	attr_add(req, "user", "a@x");
	r = auth_request_start(good.path, 5, req, on_verdict, &never);
	test_assert(r != NULL);
	auth_request_cancel(&r);
	test_assert(r == NULL);
	t0 = now_sec();
	while (now_sec() - t0 < 0.5)
		event_run_once(100);
	test_assert_int(never.called, 0);
	attr_free(&req);
	test_end();
	/* slow@x kept the fake busy: let it finish before the next test. */
	sleep(2);
}

/* auth's backlog full: the request is made without waiting, and sent
 * once auth takes connections again (audit i12-13: a blocking connect
 * stopped every client of a login process). */
static void test_async_backlog_full(void)
{
	char *path = mem_printf("%s/auth-busy", tmpdir);
	char *err = NULL;
	struct verdict v = { 0 };
	attr_t *req = attr_new();
	auth_request_t *r;
	int lfd, filler;
	double t0, took;
	pid_t pid;

	test_begin("auth_request_start: auth's backlog full, no wait, sent later");
	/* backlog 0: one connection waits in the queue, the next is refused */
	lfd = sock_listen_unix(path, 0600, 0, &err);
	test_assert(lfd >= 0);
	sock_set_nonblock(lfd, 0);
	filler = sock_connect_unix(path, 1);
	test_assert(filler >= 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(filler);
		usleep(500000);
		fake_serve(lfd, FAKE_GOOD);	/* the filler first: EOF */
	}
	close(lfd);
	attr_add(req, "request", "verify");
	attr_add(req, "mech", "PLAIN");
	attr_add(req, "user", "a@x");
	attr_add(req, "password", "pw");
	t0 = now_sec();
	r = auth_request_start(path, 5, req, on_verdict, &v);
	took = now_sec() - t0;
	test_assert(r != NULL);
	test_assert(took < 0.2);
	close(filler);
	while (r != NULL && !v.called && now_sec() - t0 < 5)
		event_run_once(100);
	test_assert_int(v.called, 1);
	test_assert_int(v.result, AUTH_OK);
	test_assert_str(v.user, "a@x");
	test_assert(now_sec() - t0 >= 0.4);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	unlink(path);
	mem_free(path);
	attr_free(&req);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_verify_fields, test_verify_results, test_lookup,
		test_generic_request, test_malformed_replies,
		test_reconnect_once, test_timeout, test_unreachable,
		test_async_request, test_async_backlog_full, NULL,
	};
	int r;

	log_init("test_auth_client");
	log_set_dest(LOG_DEST_STDERR, NULL);
	signal(SIGPIPE, SIG_IGN);
	tmpdir = test_tmpdir();
	event_init();
	good = fake_start("auth", FAKE_GOOD);
	r = test_main(tests);
	fake_stop(&good);
	return r;
}

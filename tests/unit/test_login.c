/* test_login.c - unit tests for lib/login.c: the hand-off from a login
 * process to a session process, both sides, against a fake auth.
 *
 * A forked child plays auth on a UNIX socket in the test_tmpdir()
 * directory and redeems exactly one token ("good-token", for service pop3 and client
 * 192.0.2.7) as user@x.  The login side runs in a forked child (it waits
 * for the session's answer), with the client's connection one end of a
 * socketpair whose other end the test keeps; the session side runs in the
 * test itself on the accepted session socket.  The TLS relay is covered
 * by the integration tests (STLS and POP3S in t_pop3_login).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../lib/attr.h"
#include "../../lib/auth_client.h"
#include "../../lib/buf.h"
#include "../../lib/log.h"
#include "../../lib/login.h"
#include "../../lib/mem.h"
#include "../../lib/sock.h"
#include "../../lib/stream.h"
#include "test.h"

static const char *tmpdir;
static char *auth_path, *session_path;
static pid_t auth_pid;
static int session_lfd = -1;

static void fake_auth_serve(int lfd)
{
	attr_t *req = attr_new();

	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		stream_t *s;

		if (fd < 0)
			_exit(errno == EINTR ? 0 : 2);
		s = stream_open(fd);
		stream_set_timeout(s, 10);
		if (attr_hello_check(s, AUTH_PROTO, AUTH_VERSION) == ATTR_OK &&
		    attr_hello_write(s, AUTH_PROTO, AUTH_VERSION) == ATTR_OK) {
			while (attr_read(s, req) == ATTR_OK) {
				const char *tok = attr_get(req, "token");
				const char *svc = attr_get(req, "service");
				const char *cl = attr_get(req, "client");
				attr_t *r = attr_new();
				int good = tok && svc && cl &&
					strcmp(tok, "good-token") == 0 &&
					strcmp(svc, "pop3") == 0 &&
					strcmp(cl, "192.0.2.7") == 0;

				attr_add(r, "status", good ? "ok" : "fail");
				if (good)
					attr_add(r, "user", "user@x");
				attr_write(s, r);
				attr_free(&r);
			}
		}
		stream_close(&s);
	}
}

/* The login side's two steps, as an event loop would run them: start,
 * wait until the session's answer is readable, finish. */
static int login_handoff_wait(stream_t **s, const char *token,
			      const login_info_t *info, const char **err)
{
	login_handoff_t *h = login_handoff_start(*s, session_path, token, info, err);
	struct pollfd pfd;
	int relay_fd;

	if (h == NULL)
		return -1;
	pfd.fd = login_handoff_fd(h);
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 5000) != 1) {
		login_handoff_free(&h);
		*err = "no answer";
		return -1;
	}
	return login_handoff_finish(&h, s, &relay_fd, err);
}

/* What the login child reports through a pipe: "ok" or the error. */
struct login_child {
	pid_t pid;
	int report;		/* read end */
};

/*
 * Fork the login side: a stream on srv (the server end of the client's
 * connection), with `pending` already read from it, handed off with
 * token.  The child writes "ok", or "fail:<err>:<client still owned>".
 */
static struct login_child login_child_start(int srv, const char *token)
{
	struct login_child c;
	int p[2];

	if (pipe(p) < 0)
		log_fatal("pipe: %s", strerror(errno));
	fflush(stdout);
	c.pid = fork();
	if (c.pid < 0)
		log_fatal("fork: %s", strerror(errno));
	if (c.pid == 0) {
		login_info_t info = {
			.service = (char *) "pop3", .client = (char *) "192.0.2.7",
			.port = 40110, .secured = 1, .anvil = 1,
			/* as imapd will send them */
			.greeting_tag = (char *) "a001",
			.capabilities = (char *) "IMAP4rev1 IDLE",
		};
		stream_t *s = stream_open(srv);
		const char *err = NULL;
		buf_t out = BUF_INIT;

		close(p[0]);
		stream_set_timeout(s, 5);
		/* what the client pipelined behind its login command */
		while (stream_pending(s) < 12 && stream_fill(s) >= 0)
			usleep(10000);
		if (login_handoff_wait(&s, token, &info, &err) == 0)
			buf_puts(&out, s == NULL ? "ok" : "ok-but-stream-kept");
		else
			buf_printf(&out, "fail:%s:%s", err ? err : "(none)",
				   s != NULL ? "kept" : "lost");
		if (write(p[1], out.data, out.len) < 0)
			_exit(3);
		_exit(0);
	}
	close(p[1]);
	c.report = p[0];
	return c;
}

static char *login_child_wait(struct login_child *c)
{
	char buf[512];
	ssize_t n = read(c->report, buf, sizeof(buf) - 1);

	close(c->report);
	waitpid(c->pid, NULL, 0);
	buf[n > 0 ? n : 0] = '\0';
	return mem_strdup(buf);
}

static int session_accept(void)
{
	int fd = accept(session_lfd, NULL, NULL);

	if (fd < 0)
		log_fatal("accept: %s", strerror(errno));
	return fd;
}

static void test_handoff_ok(void)
{
	int cp[2], conn;
	struct login_child child;
	stream_t *cs = NULL;
	login_info_t info;
	const char *err = NULL;
	buf_t line = BUF_INIT;
	char *report, reply[64];
	ssize_t n;

	test_begin("login: hand-off with a good token: user from auth, facts, anvil flag, "
		   "greeting tag and capabilities, pipelined input");
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, cp) < 0)
		log_fatal("socketpair: %s", strerror(errno));
	test_assert(write(cp[0], "STAT\r\nLIST\r\n", 12) == 12);
	child = login_child_start(cp[1], "good-token");
	close(cp[1]);
	conn = session_accept();
	test_assert_int(login_session_accept(conn, auth_path, 5, &cs, &info, &err), 0);
	close(conn);
	report = login_child_wait(&child);
	test_assert_str(report, "ok");
	mem_free(report);
	test_assert(cs != NULL);
	if (cs != NULL) {
		test_assert_str(info.user, "user@x");
		test_assert_str(info.service, "pop3");
		test_assert_str(info.client, "192.0.2.7");
		test_assert_int(info.port, 40110);
		test_assert_int(info.secured, 1);
		test_assert_int(info.anvil, 1);
		test_assert(info.tls_version == NULL);
		test_assert_str(info.greeting_tag, "a001");
		test_assert_str(info.capabilities, "IMAP4rev1 IDLE");
		stream_set_timeout(cs, 5);
		test_assert_int(stream_read_line(cs, &line), STREAM_OK);
		test_assert_str(buf_str(&line), "STAT\r\n");
		test_assert_int(stream_read_line(cs, &line), STREAM_OK);
		test_assert_str(buf_str(&line), "LIST\r\n");
		/* the session now talks to the client directly */
		stream_puts(cs, "+OK from the session\r\n");
		test_assert_int(stream_flush(cs), STREAM_OK);
		n = read(cp[0], reply, sizeof(reply) - 1);
		reply[n > 0 ? n : 0] = '\0';
		test_assert_str(reply, "+OK from the session\r\n");
		stream_close(&cs);
	}
	login_info_clear(&info);
	buf_release(&line);
	close(cp[0]);
	test_end();
}

static void test_handoff_bad_token(void)
{
	int cp[2], conn;
	struct login_child child;
	stream_t *cs = NULL;
	login_info_t info;
	const char *err = NULL;
	char *report;

	test_begin("login: a token auth does not redeem is refused on both sides");
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, cp) < 0)
		log_fatal("socketpair: %s", strerror(errno));
	test_assert(write(cp[0], "STAT\r\nLIST\r\n", 12) == 12);
	child = login_child_start(cp[1], "forged-token");
	close(cp[1]);
	conn = session_accept();
	test_assert_int(login_session_accept(conn, auth_path, 5, &cs, &info, &err), -1);
	test_assert_str(err, "invalid session token");
	test_assert(cs == NULL);
	test_assert(info.user == NULL);
	close(conn);
	report = login_child_wait(&child);
	/* the login side keeps the client, to answer -ERR itself */
	test_assert_str(report, "fail:session service refused the hand-off:kept");
	mem_free(report);
	login_info_clear(&info);
	close(cp[0]);
	test_end();
}

/* Send rec with fd to the session socket ourselves; run the session side;
 * return its error and the status it answered. */
static const char *send_record(attr_t *rec, int fd, char *status, size_t size)
{
	int lc = sock_connect_unix(session_path, 5), conn, rfd = -1;
	stream_t *cs = NULL;
	login_info_t info;
	const char *err = NULL;
	attr_t *reply = attr_new();

	status[0] = '\0';
	if (lc < 0)
		log_fatal("connect %s: %s", session_path, strerror(errno));
	test_assert_int(attr_send_fd(lc, rec, fd), ATTR_OK);
	conn = session_accept();
	test_assert_int(login_session_accept(conn, auth_path, 5, &cs, &info, &err), -1);
	test_assert(cs == NULL);
	close(conn);
	if (attr_recv_fd(lc, reply, &rfd, 5) == ATTR_OK && attr_get(reply, "status"))
		snprintf(status, size, "%s", attr_get(reply, "status"));
	if (rfd >= 0)
		close(rfd);
	close(lc);
	attr_free(&reply);
	login_info_clear(&info);
	return err;
}

static attr_t *good_record(void)
{
	attr_t *rec = attr_new();

	attr_add(rec, "proto", LOGIN_PROTO);
	attr_add_long(rec, "version", LOGIN_VERSION);
	attr_add(rec, "token", "good-token");
	attr_add(rec, "service", "pop3");
	attr_add(rec, "client", "192.0.2.7");
	attr_add_long(rec, "port", 40110);
	attr_add(rec, "secured", "no");
	return rec;
}

static void test_session_refuses_bad_records(void)
{
	char status[32];
	int cp[2], pp[2];
	attr_t *rec;
	const char *err;

	test_begin("login: the session refuses malformed hand-off records");
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, cp) < 0 || pipe(pp) < 0)
		log_fatal("socketpair/pipe: %s", strerror(errno));

	rec = attr_new();
	attr_add(rec, "proto", "qmgr");
	attr_add_long(rec, "version", 1);
	err = send_record(rec, cp[1], status, sizeof(status));
	test_assert_str(err, "hand-off record of the wrong protocol or version");
	test_assert_str(status, "fail");
	attr_free(&rec);

	rec = attr_new();	/* no token */
	attr_add(rec, "proto", LOGIN_PROTO);
	attr_add_long(rec, "version", LOGIN_VERSION);
	attr_add(rec, "service", "pop3");
	attr_add(rec, "client", "192.0.2.7");
	attr_add_long(rec, "port", 40110);
	attr_add(rec, "secured", "no");
	err = send_record(rec, cp[1], status, sizeof(status));
	test_assert_str(err, "malformed hand-off record");
	test_assert_str(status, "fail");
	attr_free(&rec);

	rec = good_record();	/* the token twice */
	attr_add(rec, "token", "second");
	err = send_record(rec, cp[1], status, sizeof(status));
	test_assert_str(err, "malformed hand-off record");
	attr_free(&rec);

	rec = attr_new();	/* a control character in a field */
	attr_add(rec, "proto", LOGIN_PROTO);
	attr_add_long(rec, "version", LOGIN_VERSION);
	attr_add(rec, "token", "good-token");
	attr_add(rec, "service", "pop3\tx");
	attr_add(rec, "client", "192.0.2.7");
	attr_add_long(rec, "port", 40110);
	attr_add(rec, "secured", "no");
	err = send_record(rec, cp[1], status, sizeof(status));
	test_assert_str(err, "malformed hand-off record");
	attr_free(&rec);

	rec = good_record();
	attr_add(rec, "tls_version", "TLSv1.3");	/* without a cipher */
	err = send_record(rec, cp[1], status, sizeof(status));
	test_assert_str(err, "malformed TLS facts in the hand-off record");
	attr_free(&rec);

	rec = good_record();
	attr_add(rec, "anvil", "no");	/* the flag is there or absent */
	err = send_record(rec, cp[1], status, sizeof(status));
	test_assert_str(err, "malformed anvil flag in the hand-off record");
	attr_free(&rec);

	rec = good_record();	/* a pipe is no client connection */
	err = send_record(rec, pp[0], status, sizeof(status));
	test_assert_str(err, "hand-off without a client socket");
	test_assert_str(status, "fail");
	attr_free(&rec);

	rec = good_record();	/* no descriptor at all */
	err = send_record(rec, -1, status, sizeof(status));
	test_assert_str(err, "hand-off without a client socket");
	attr_free(&rec);

	close(cp[0]);
	close(cp[1]);
	close(pp[0]);
	close(pp[1]);
	test_end();
}

/* With the client's own TCP socket, the claimed address must be its peer's:
 * the record says 192.0.2.7:40110, the socket comes from 127.0.0.1. */
static void test_session_checks_tcp_peer(void)
{
	char *err = NULL;
	char status[32];
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int lfd = sock_listen_inet("127.0.0.1", 0, 4, &err), cfd, afd;
	attr_t *rec = good_record();

	test_begin("login: a TCP client whose address is not the claimed one is refused");
	test_assert(lfd >= 0);
	test_assert(getsockname(lfd, (struct sockaddr *) &ss, &len) == 0);
	cfd = sock_connect_inet("127.0.0.1",
				ntohs(((struct sockaddr_in *) &ss)->sin_port), 5);
	afd = accept(lfd, NULL, NULL);
	test_assert(cfd >= 0 && afd >= 0);
	test_assert_str(send_record(rec, afd, status, sizeof(status)),
			"the claimed client address is not the connection's");
	test_assert_str(status, "fail");
	close(afd);
	close(cfd);
	close(lfd);
	attr_free(&rec);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_handoff_ok, test_handoff_bad_token,
		test_session_refuses_bad_records, test_session_checks_tcp_peer, NULL
	};
	char *err = NULL;
	int lfd, r;

	log_init("test_login");
	signal(SIGPIPE, SIG_IGN);
	tmpdir = test_tmpdir();
	auth_path = mem_printf("%s/auth", tmpdir);
	session_path = mem_printf("%s/pop3-session", tmpdir);
	lfd = sock_listen_unix(auth_path, 0600, 16, &err);
	session_lfd = sock_listen_unix(session_path, 0600, 16, &err);
	if (lfd < 0 || session_lfd < 0)
		log_fatal("%s", err);
	sock_set_nonblock(lfd, 0);
	sock_set_nonblock(session_lfd, 0);
	fflush(stdout);
	auth_pid = fork();
	if (auth_pid == 0)
		fake_auth_serve(lfd);
	close(lfd);
	r = test_main(tests);
	kill(auth_pid, SIGTERM);
	waitpid(auth_pid, NULL, 0);
	mem_free(auth_path);
	mem_free(session_path);
	return r;
}

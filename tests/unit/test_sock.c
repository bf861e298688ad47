/* test_sock.c - unit tests for lib/sock.c on loopback and UNIX sockets.
 *
 * Only ephemeral ports (bind to port 0, ask getsockname) and a
 * test_tmpdir() directory are used.  Where the machine has no IPv6 loopback the IPv6
 * cases print SKIP and count neither as passed nor as failed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/buf.h"
#include "../../lib/mem.h"
#include "../../lib/sock.h"
#include "test.h"

static const char *tmpdir;

static int local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *) &ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *) &ss)->sin6_port);
}

static int is_cloexec(int fd)
{
	return (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
}

static int is_nonblock(int fd)
{
	return (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0;
}

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Connect to addr:port through lfd and check what both ends see. */
static void check_pair(int lfd, const char *connect_to, const char *expect_addr)
{
	buf_t peer = BUF_INIT;
	int port = local_port(lfd), cfd, afd, peer_port = -1;

	cfd = sock_connect_inet(connect_to, port, 5);
	test_assert(cfd >= 0);
	if (cfd < 0) {
		printf("  connect %s port %d: %s\n", connect_to, port, strerror(errno));
		return;
	}
	test_assert(is_cloexec(cfd));
	test_assert(!is_nonblock(cfd));
	afd = accept(lfd, NULL, NULL);
	test_assert(afd >= 0);
	sock_peer_addr(afd, &peer, &peer_port);
	test_assert_str(buf_str(&peer), expect_addr);
	test_assert_int(peer_port, local_port(cfd));
	sock_peer_addr(cfd, &peer, &peer_port);
	test_assert_str(buf_str(&peer), expect_addr);
	test_assert_int(peer_port, port);
	test_assert(write(cfd, "x", 1) == 1);
	test_assert(read(afd, &port, 1) == 1);
	close(afd);
	close(cfd);
	buf_release(&peer);
}

static void test_inet4(void)
{
	char *err = NULL;
	int fd;

	test_begin("sock IPv4 listen on 127.0.0.1 and *, connect, peer address");
	fd = sock_listen_inet("127.0.0.1", 0, 16, &err);
	test_assert(fd >= 0 && err == NULL);
	test_assert(is_cloexec(fd));
	check_pair(fd, "127.0.0.1", "127.0.0.1");
	close(fd);
	fd = sock_listen_inet("*", 0, 16, &err);
	test_assert(fd >= 0 && err == NULL);
	check_pair(fd, "127.0.0.1", "127.0.0.1");
	close(fd);
	test_end();
}

static void test_inet6(void)
{
	char *err = NULL;
	int fd, v6only = 0;
	socklen_t len = sizeof(v6only);

	test_begin("sock IPv6 listen on [::1], connect to ::1 and [::1]");
	fd = sock_listen_inet("[::1]", 0, 16, &err);
	if (fd < 0) {
		test_skip(err);
		MEM_FREE(err);
		return;
	}
	test_assert(is_cloexec(fd));
	test_assert(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &len) == 0 && v6only);
	check_pair(fd, "::1", "::1");
	check_pair(fd, "[::1]", "::1");
	close(fd);
	fd = sock_listen_inet("::1", 0, 16, &err);
	test_assert(fd >= 0);
	close(fd);
	test_end();
}

static void test_v4_mapped(void)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	int fd = socket(AF_INET6, SOCK_STREAM, 0), off = 0;

	test_begin("sock peer address drops the ::ffff: prefix of v4-mapped peers");
	/* A dual-stack listener of our own: tern's are v6-only on purpose. */
	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0 ||
	    bind(fd, (struct sockaddr *) &sin6, sizeof(sin6)) < 0 || listen(fd, 4) < 0) {
		test_skip("no dual-stack IPv6");
		if (fd >= 0)
			close(fd);
		return;
	}
	check_pair(fd, "127.0.0.1", "127.0.0.1");
	close(fd);
	test_end();
}

static void test_inet_errors(void)
{
	char *err = NULL;
	int fd, port;
	double start;

	test_begin("sock bad address, port in use, refused and timed-out connects");
	test_assert_int(sock_listen_inet("not.an.address", 0, 16, &err), -1);
	test_assert(err != NULL && strstr(err, "not.an.address") != NULL);
	MEM_FREE(err);
	test_assert_int(sock_listen_inet("127.0.0.1", 70000, 16, &err), -1);
	MEM_FREE(err);

	fd = sock_listen_inet("127.0.0.1", 0, 0, &err);
	test_assert(fd >= 0);
	port = local_port(fd);
	test_assert_int(sock_listen_inet("127.0.0.1", port, 16, &err), -1);
	test_assert(err != NULL && strstr(err, "in use") != NULL);
	MEM_FREE(err);

	/*
	 * Backlog 0 queues one finished connection; the kernel then drops
	 * further SYNs, which is what an unreachable host looks like.
	 */
	{
		int c1 = sock_connect_inet("127.0.0.1", port, 5);
		int c2;

		test_assert(c1 >= 0);
		start = now_sec();
		c2 = sock_connect_inet("127.0.0.1", port, 1);
		test_assert_int(c2, -1);
		test_assert_int(errno, ETIMEDOUT);
		test_assert(now_sec() - start >= 0.9 && now_sec() - start < 3.0);
		if (c1 >= 0)
			close(c1);
		if (c2 >= 0)
			close(c2);
	}
	close(fd);
	test_assert_int(sock_connect_inet("127.0.0.1", port, 5), -1);
	test_assert_int(errno, ECONNREFUSED);
	test_end();
}

static void test_unix(void)
{
	char *path = mem_printf("%s/listen.sock", tmpdir);
	char *file = mem_printf("%s/plain-file", tmpdir);
	char *err = NULL;
	buf_t peer = BUF_INIT;
	struct stat st;
	int lfd, cfd, afd, port = -1;
	pid_t pid;
	uid_t uid;
	gid_t gid;

	test_begin("sock UNIX listen (mode, stale socket), connect, peer cred");
	lfd = sock_listen_unix(path, 0660, 16, &err);
	test_assert(lfd >= 0 && err == NULL);
	test_assert(is_cloexec(lfd));
	test_assert(stat(path, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0660);
	close(lfd);
	/* The socket file is left behind: the next listen must replace it. */
	lfd = sock_listen_unix(path, 0600, 16, &err);
	test_assert(lfd >= 0 && err == NULL);
	test_assert(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);

	cfd = sock_connect_unix(path, 5);
	test_assert(cfd >= 0);
	test_assert(is_cloexec(cfd));
	afd = accept(lfd, NULL, NULL);
	test_assert(afd >= 0);
	test_assert_int(sock_peer_cred(afd, &pid, &uid, &gid), 0);
	test_assert_int(pid, getpid());
	test_assert_int(uid, getuid());
	test_assert_int(gid, getgid());
	sock_peer_addr(afd, &peer, &port);
	test_assert_str(buf_str(&peer), "local");
	test_assert_int(port, 0);
	close(afd);
	close(cfd);
	close(lfd);

	/* Never delete something that is not a socket. */
	close(open(file, O_WRONLY | O_CREAT, 0600));
	test_assert_int(sock_listen_unix(file, 0600, 16, &err), -1);
	test_assert(err != NULL && strstr(err, "not a socket") != NULL);
	MEM_FREE(err);
	test_assert(access(file, F_OK) == 0);

	unlink(path);
	test_assert_int(sock_connect_unix(path, 1), -1);
	test_assert_int(errno, ENOENT);
	unlink(file);
	mem_free(path);
	mem_free(file);
	buf_release(&peer);
	test_end();
}

/*
 * A client trusts only sockets made by root or by master's uid: the peer
 * credentials of a connected client are those of the listen() call, so a
 * socket listened on by another uid (a role that planted it) is refused.
 */
static void test_unix_untrusted_server(void)
{
	char *path = mem_printf("%s/planted.sock", tmpdir);
	char *err = NULL;
	int lfd, cfd, p[2], status;
	char c;
	pid_t pid;

	test_begin("sock UNIX connect refuses a server that master did not make");
	if (getuid() != 0) {
		test_skip("needs root to listen as another uid");
		mem_free(path);
		return;
	}
	test_assert(pipe(p) == 0);
	pid = fork();
	if (pid == 0) {
		/* Bound as root, listened as nobody: what counts is listen(). */
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
		if (fd < 0 || bind(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0 ||
		    chmod(path, 0666) < 0 || setgid(65534) < 0 || setuid(65534) < 0 ||
		    listen(fd, 4) < 0)
			_exit(2);
		if (write(p[1], "r", 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	close(p[1]);
	test_assert(read(p[0], &c, 1) == 1);
	close(p[0]);
	errno = 0;
	test_assert_int(sock_connect_unix(path, 5), -1);
	test_assert_int(errno, EPERM);
	/* A uid named as master's is accepted (a non-root instance). */
	sock_trust_server_uid(65534);
	cfd = sock_connect_unix(path, 5);
	test_assert(cfd >= 0);
	close(cfd);
	sock_trust_server_uid(getuid());
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	unlink(path);
	/* and root's own socket still is */
	lfd = sock_listen_unix(path, 0600, 4, &err);
	test_assert(lfd >= 0);
	cfd = sock_connect_unix(path, 5);
	test_assert(cfd >= 0);
	close(cfd);
	close(lfd);
	unlink(path);
	mem_free(path);
	test_end();
}

static void test_unix_timeout(void)
{
	char *path = mem_printf("%s/full.sock", tmpdir);
	char *err = NULL;
	int lfd, c[4], n = 0, last;
	double start;

	test_begin("sock UNIX connect to a full backlog times out");
	lfd = sock_listen_unix(path, 0600, 0, &err);
	test_assert(lfd >= 0);
	/* Fill the backlog with quick attempts, then wait on one for 1 s. */
	for (int i = 0; i < 4; i++) {
		start = now_sec();
		last = sock_connect_unix(path, 1);
		if (last < 0)
			break;
		c[n++] = last;
	}
	test_assert(n >= 1 && n < 4);
	test_assert_int(errno, ETIMEDOUT);
	test_assert(now_sec() - start >= 0.9 && now_sec() - start < 3.0);
	while (n > 0)
		close(c[--n]);
	close(lfd);
	unlink(path);
	mem_free(path);
	test_end();
}

static void test_loopback(void)
{
	test_begin("sock loopback address test");
	test_assert(sock_addr_is_loopback("127.0.0.1"));
	test_assert(sock_addr_is_loopback("127.200.3.4"));
	test_assert(sock_addr_is_loopback("::1"));
	test_assert(sock_addr_is_loopback("[::1]"));
	test_assert(sock_addr_is_loopback("::ffff:127.0.0.1"));
	test_assert(!sock_addr_is_loopback("128.0.0.1"));
	test_assert(!sock_addr_is_loopback("10.0.0.1"));
	test_assert(!sock_addr_is_loopback("::2"));
	test_assert(!sock_addr_is_loopback("::ffff:10.0.0.1"));
	test_assert(!sock_addr_is_loopback("local"));
	test_assert(!sock_addr_is_loopback(""));
	test_assert(!sock_addr_is_loopback("127.0.0.1x"));
	test_end();
}

static void test_flags(void)
{
	int p[2];

	test_begin("sock nonblock and cloexec switches");
	if (pipe(p) < 0)
		exit(2);
	test_assert(!is_nonblock(p[0]) && !is_cloexec(p[0]));
	test_assert_int(sock_set_nonblock(p[0], 1), 0);
	test_assert_int(sock_set_cloexec(p[0], 1), 0);
	test_assert(is_nonblock(p[0]) && is_cloexec(p[0]));
	test_assert_int(sock_set_nonblock(p[0], 0), 0);
	test_assert_int(sock_set_cloexec(p[0], 0), 0);
	test_assert(!is_nonblock(p[0]) && !is_cloexec(p[0]));
	close(p[0]);
	close(p[1]);
	test_assert_int(sock_set_nonblock(p[0], 1), -1);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_inet4, test_inet6, test_v4_mapped, test_inet_errors,
		test_unix, test_unix_untrusted_server, test_unix_timeout, test_loopback, test_flags, NULL,
	};
	int ret;

	signal(SIGPIPE, SIG_DFL);
	alarm(60);
	tmpdir = test_tmpdir();
	ret = test_main(tests);
	return ret;
}

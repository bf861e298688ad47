/* sock.c - listening, connecting and describing sockets; see sock.h.
 *
 * Listeners are bound by master before any privilege drop and inherited by
 * the daemons, so everything here is created close-on-exec; master clears
 * the flag only on what it hands to a child.  IPv6 listeners are v6-only so
 * that "*" and "[::]" can be bound side by side, and peer addresses arriving
 * as v4-mapped IPv6 are reported in plain IPv4 form, the form mynetworks
 * and the logs use.
 */
#define _GNU_SOURCE		/* struct ucred */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "sock.h"

int sock_set_nonblock(int fd, int on)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return -1;
	flags = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, flags);
}

int sock_set_cloexec(int fd, int on)
{
	int flags = fcntl(fd, F_GETFD);

	if (flags < 0)
		return -1;
	flags = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
	return fcntl(fd, F_SETFD, flags);
}

/* "[::1]" -> "::1"; anything else is copied as it is. */
static char *sock_unbracket(const char *addr)
{
	size_t len = strlen(addr);

	if (addr[0] == '[' && len > 2 && addr[len - 1] == ']')
		return mem_strndup(addr + 1, len - 2);
	return mem_strdup(addr);
}

/* Parse a numeric listen address ("*", "1.2.3.4", "::1", "[::1]"). */
static int sock_parse_addr(const char *addr, int port, struct sockaddr_storage *ss,
			   socklen_t *len_r)
{
	struct sockaddr_in *sin = (struct sockaddr_in *) ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) ss;
	char *v6;
	int ok;

	memset(ss, 0, sizeof(*ss));
	if (strcmp(addr, "*") == 0 || strchr(addr, ':') == NULL) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t) port);
		*len_r = sizeof(*sin);
		if (strcmp(addr, "*") == 0) {
			sin->sin_addr.s_addr = htonl(INADDR_ANY);
			return 0;
		}
		return inet_pton(AF_INET, addr, &sin->sin_addr) == 1 ? 0 : -1;
	}
	v6 = sock_unbracket(addr);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((uint16_t) port);
	*len_r = sizeof(*sin6);
	ok = inet_pton(AF_INET6, v6, &sin6->sin6_addr) == 1;
	mem_free(v6);
	return ok ? 0 : -1;
}

int sock_listen_inet(const char *addr, int port, int backlog, char **err_r)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, on = 1;

	if (port < 0 || port > 65535) {
		*err_r = mem_printf("bad port %d", port);
		return -1;
	}
	if (sock_parse_addr(addr, port, &ss, &len) < 0) {
		*err_r = mem_printf("not a numeric IPv4 or IPv6 address: \"%s\"", addr);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*err_r = mem_printf("socket for %s: %s", addr, strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    (ss.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0)) {
		*err_r = mem_printf("setsockopt for %s: %s", addr, strerror(errno));
		close(fd);
		return -1;
	}
	if (bind(fd, (struct sockaddr *) &ss, len) < 0) {
		*err_r = mem_printf("bind %s port %d: %s", addr, port, strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, backlog) < 0) {
		*err_r = mem_printf("listen %s port %d: %s", addr, port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int sock_unix_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -1;
	strcpy(sun->sun_path, path);
	return 0;
}

int sock_listen_unix_at(int dirfd, const char *name, int mode, int backlog,
			char **err_r)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t old_mask;
	int fd, cwd, r, err;

	if (strchr(name, '/') != NULL || sock_unix_addr(name, &sun) < 0) {
		*err_r = mem_printf("bad socket name: %s", name);
		return -1;
	}
	/* Only ever remove a socket: a typo must not delete someone's file. */
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			*err_r = mem_printf("%s exists and is not a socket", name);
			return -1;
		}
		if (unlinkat(dirfd, name, 0) < 0) {
			*err_r = mem_printf("remove stale socket %s: %s", name, strerror(errno));
			return -1;
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*err_r = mem_printf("socket for %s: %s", name, strerror(errno));
		return -1;
	}
	/*
	 * bind() takes a path, so it is made relative to the checked directory
	 * by standing in it; the umask gives the socket its mode at birth, so
	 * no chmod ever resolves the name again.
	 */
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0 || fchdir(dirfd) < 0) {
		*err_r = mem_printf("enter the directory of %s: %s", name, strerror(errno));
		if (cwd >= 0)
			close(cwd);
		close(fd);
		return -1;
	}
	old_mask = umask((mode_t) (~mode & 0777));
	r = bind(fd, (struct sockaddr *) &sun, sizeof(sun));
	err = errno;
	umask(old_mask);
	if (fchdir(cwd) < 0 && r == 0) {
		r = -1;
		err = errno;
	}
	close(cwd);
	if (r < 0 || listen(fd, backlog) < 0) {
		*err_r = mem_printf("bind %s: %s", name, strerror(r < 0 ? err : errno));
		if (r == 0)
			unlinkat(dirfd, name, 0);
		close(fd);
		return -1;
	}
	return fd;
}

int sock_listen_unix(const char *path, int mode, int backlog, char **err_r)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? mem_strdup(".") :
		slash == path ? mem_strdup("/") : mem_strndup(path, (size_t) (slash - path));
	int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int fd;

	if (dirfd < 0) {
		*err_r = mem_printf("%s: %s", dir, strerror(errno));
		mem_free(dir);
		return -1;
	}
	mem_free(dir);
	fd = sock_listen_unix_at(dirfd, slash == NULL ? path : slash + 1, mode,
				 backlog, err_r);
	close(dirfd);
	return fd;
}

/* Who may serve an internal socket: root, and the uid master runs as. */
static uid_t sock_trusted_uid;
static int sock_trusted_set;

void sock_trust_server_uid(uid_t uid)
{
	sock_trusted_uid = uid;
	sock_trusted_set = 1;
}

/*
 * Every internal socket is bound by master, so SO_PEERCRED on a connected
 * client names master's uid (credentials are those of listen()).  A socket
 * bound by anyone else was planted: a role's uid must never be able to
 * stand in for auth or a session service.
 */
static int sock_server_trusted(int fd, const char *path)
{
	uid_t uid;

	if (!sock_trusted_set)
		sock_trust_server_uid(getuid());
	if (sock_peer_cred(fd, NULL, &uid, NULL) < 0) {
		log_error("%s: cannot read the server's credentials: %s", path,
			  strerror(errno));
		return 0;
	}
	if (uid == 0 || uid == sock_trusted_uid)
		return 1;
	log_error("%s: refusing the server: its socket was made by uid %ld, "
		  "not by master (uid %ld)", path, (long) uid,
		  (long) sock_trusted_uid);
	return 0;
}

/*
 * Connect to path.  timeout < 0: without waiting (-1 with EAGAIN when the
 * listener's backlog is full).  Otherwise a blocking connect bounded by
 * timeout seconds (0: none): a non-blocking UNIX connect fails at once
 * with EAGAIN when the backlog is full, and poll() cannot tell when room
 * appears; Linux bounds a blocking connect by SO_SNDTIMEO instead.  The
 * descriptor returned blocks; the server is checked (sock_server_trusted).
 */
static int sock_connect_unix_fd(const char *path, int timeout)
{
	struct sockaddr_un sun;
	struct timeval tv = { .tv_sec = timeout > 0 ? timeout : 0 };
	struct timeval none = { 0 };
	int fd, r, err;

	if (sock_unix_addr(path, &sun) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
		    (timeout < 0 ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return -1;
	r = timeout < 0 ? 0 : setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (r == 0) {
		do
			r = connect(fd, (struct sockaddr *) &sun, sizeof(sun));
		while (r < 0 && errno == EINTR);
	}
	if (r == 0)
		r = timeout < 0 ? sock_set_nonblock(fd, 0) :
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &none, sizeof(none));
	if (r < 0) {
		err = errno == EAGAIN && timeout >= 0 ? ETIMEDOUT : errno;
		close(fd);
		errno = err;
		return -1;
	}
	if (!sock_server_trusted(fd, path)) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

int sock_connect_unix_try(const char *path)
{
	return sock_connect_unix_fd(path, -1);
}

int sock_connect_unix(const char *path, int timeout)
{
	return sock_connect_unix_fd(path, timeout < 0 ? 0 : timeout);
}

/* Non-blocking connect, then poll for at most timeout seconds (0: no limit). */
int sock_connect_sockaddr(const struct sockaddr *sa, socklen_t salen, int timeout)
{
	struct pollfd pfd;
	socklen_t elen = sizeof(int);
	int fd, r, err = 0;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, sa, salen) < 0) {
		if (errno != EINPROGRESS) {
			err = errno;
			goto fail;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		do
			r = poll(&pfd, 1, timeout > 0 ? timeout * 1000 : -1);
		while (r < 0 && errno == EINTR);
		if (r <= 0) {
			err = r == 0 ? ETIMEDOUT : errno;
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = errno;
		if (err)
			goto fail;
	}
	if (sock_set_nonblock(fd, 0) < 0) {
		err = errno;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	errno = err;
	return -1;
}

int sock_connect_inet(const char *host, int port, int timeout)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res, *ai;
	char service[16];
	char *name;
	int fd = -1, r, err = EHOSTUNREACH;

	if (port < 0 || port > 65535) {
		errno = EINVAL;
		return -1;
	}
	snprintf(service, sizeof(service), "%d", port);
	name = sock_unbracket(host);
	r = getaddrinfo(name, service, &hints, &res);
	mem_free(name);
	if (r != 0) {
		errno = r == EAI_SYSTEM ? errno : EHOSTUNREACH;
		return -1;
	}
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		fd = sock_connect_sockaddr(ai->ai_addr, ai->ai_addrlen, timeout);
		if (fd < 0)
			err = errno;
	}
	freeaddrinfo(res);
	if (fd < 0)
		errno = err;
	return fd;
}

void sock_peer_addr(int fd, buf_t *out, int *port_r)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char text[INET6_ADDRSTRLEN];	/* inet_ntop's own bound */
	int port = 0;

	buf_reset(out);
	if (getpeername(fd, (struct sockaddr *) &ss, &len) < 0) {
		buf_puts(out, "unknown");
	} else if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *) &ss;

		inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
		buf_puts(out, text);
		port = ntohs(sin->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) &ss;

		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], text, sizeof(text));
		else
			inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text));
		buf_puts(out, text);
		port = ntohs(sin6->sin6_port);
	} else if (ss.ss_family == AF_UNIX) {
		buf_puts(out, "local");
	} else {
		buf_puts(out, "unknown");
	}
	if (port_r != NULL)
		*port_r = port;
}

int sock_peer_cred(int fd, pid_t *pid_r, uid_t *uid_r, gid_t *gid_r)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -1;
	if (pid_r != NULL)
		*pid_r = cred.pid;
	if (uid_r != NULL)
		*uid_r = cred.uid;
	if (gid_r != NULL)
		*gid_r = cred.gid;
	return 0;
}

int sock_addr_is_loopback(const char *addr)
{
	struct in_addr in4;
	struct in6_addr in6;
	char *v6;
	int is_v6;

	if (inet_pton(AF_INET, addr, &in4) == 1)
		return (ntohl(in4.s_addr) >> 24) == 127;
	v6 = sock_unbracket(addr);
	is_v6 = inet_pton(AF_INET6, v6, &in6) == 1;
	mem_free(v6);
	if (!is_v6)
		return 0;
	return IN6_IS_ADDR_LOOPBACK(&in6) ||
		(IN6_IS_ADDR_V4MAPPED(&in6) && in6.s6_addr[12] == 127);
}

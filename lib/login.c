/* login.c - the hand-off from a login process to a session process (see
 * login.h and architecture §2).
 *
 * Login side (login_handoff): connect to the session service, send the
 * record of login.h with the client's descriptor (attr_send_fd), wait for
 * the session's "status=ok" or "status=fail", and let go of the client.
 * Without TLS the session gets the client's own socket and the login
 * process simply closes its copy.  With TLS the session gets one end of a
 * socketpair; a relay process, forked twice so that it is nobody's child
 * that anyone waits for and detached from master (daemon_detach()), keeps
 * the TLS stream and copies plaintext both ways until both directions are
 * closed, while the login process goes back to accepting clients.
 *
 * Session side (login_session_accept): receive the record and the
 * descriptor, check the record (login_record.c), redeem the token with
 * auth (the login process's word about the user is never taken), answer
 * the login process, and give the caller a stream on the client with the
 * pipelined input put back.
 *
 * SECURITY: the login process is unprivileged and parses network input, so
 * the session treats its record as untrusted apart from the peer check
 * the skeleton did (peer_users): every field is length-checked, the
 * descriptor must be a stream socket, and only auth's redeem decides who
 * the user is.  Tokens are never logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attr.h"
#include "auth_client.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "login.h"
#include "login_record.h"
#include "mem.h"
#include "sock.h"

/* Relay copy buffer. */
#define LOGIN_RELAY_CHUNK	16384

/* ipc_timeout is bounded in the table (params.c): 1s to 1h. */
static int login_ipc_timeout(void)
{
	return (int) config_time("ipc_timeout");
}

void login_info_clear(login_info_t *info)
{
	MEM_FREE(info->service);
	MEM_FREE(info->client);
	MEM_FREE(info->tls_version);
	MEM_FREE(info->tls_cipher);
	MEM_FREE(info->user);
	info->port = 0;
	info->secured = 0;
	info->anvil = 0;
}

/* ---- the TLS relay ------------------------------------------------------ */

static int64_t login_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Write all of data to the (non-blocking) plaintext socket within timeout
 * seconds: 0 or -1. */
static int login_write_all(int fd, const char *data, size_t len, int timeout)
{
	int64_t deadline = login_now_ms() + (int64_t) timeout * 1000;

	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		int64_t left;

		if (n > 0) {
			data += n;
			len -= (size_t) n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR)
			return -1;
		left = deadline - login_now_ms();
		if (left <= 0)
			return -1;
		if (poll(&pfd, 1, (int) left) < 0 && errno != EINTR)
			return -1;
	}
	return 0;
}

/*
 * Copy between the TLS client and the session's end of the socketpair
 * until both directions are done.  Client EOF: the session's socket is
 * shut for writing (the session sees EOF and ends).  Session EOF: what it
 * wrote is flushed to the client and the TLS connection is closed.  Each
 * write waits at most the stream's timeout; there is no idle limit of its
 * own, since the session enforces the protocol's idle timeout and closes.
 */
static void login_relay(stream_t *client, int sess)
{
	char *chunk = mem_alloc(LOGIN_RELAY_CHUNK);
	int timeout = login_ipc_timeout();
	int client_open = 1;

	sock_set_nonblock(sess, 1);
	for (;;) {
		struct pollfd pfd[2];
		nfds_t n = 0;
		int ci = -1;

		/* Drain what the TLS layer already decrypted first. */
		if (client_open && stream_pending(client) > 0) {
			if (login_write_all(sess, stream_pending_data(client),
					    stream_pending(client), timeout) < 0)
				break;
			stream_discard_input(client);
		}
		pfd[n].fd = sess;
		pfd[n++].events = POLLIN;
		if (client_open) {
			ci = (int) n;
			pfd[n].fd = stream_fd(client);
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (ci >= 0 && pfd[ci].revents != 0) {
			ssize_t r = stream_fill(client);

			if (r < 0) {
				/* The client is gone or sent close_notify:
				 * the session sees end of file. */
				if (stream_pending(client) > 0 &&
				    login_write_all(sess, stream_pending_data(client),
						    stream_pending(client), timeout) < 0)
					break;
				stream_discard_input(client);
				shutdown(sess, SHUT_WR);
				client_open = 0;
				if (r != STREAM_EOF)
					break;
			}
		}
		if (pfd[0].revents != 0) {
			ssize_t r = recv(sess, chunk, LOGIN_RELAY_CHUNK, MSG_DONTWAIT);

			if (r == 0 || (r < 0 && errno != EAGAIN &&
				       errno != EWOULDBLOCK && errno != EINTR))
				break;		/* the session has finished */
			/* A client that shut its sending side may still
			 * read: keep writing until a write fails. */
			if (r > 0 &&
			    (stream_write(client, chunk, (size_t) r) != STREAM_OK ||
			     stream_flush(client) != STREAM_OK))
				break;
		}
	}
	mem_free(chunk);
}

/* Fork the relay: the grandchild relays and exits; the child exits at
 * once, so the login process reaps it here and never has a stray child.
 * 0 in the login process, -1 when fork failed. */
static int login_relay_start(stream_t *client, int mine, int theirs, int conn)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(theirs);
		close(conn);
		daemon_detach();
		pid = fork();
		if (pid < 0) {
			log_warn("TLS relay: fork: %s", strerror(errno));
			_exit(1);
		}
		if (pid > 0)
			_exit(0);
		login_relay(client, mine);
		stream_close(&client);
		close(mine);
		log_info("TLS relay finished");
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* ---- login side --------------------------------------------------------- */

static int login_client_matches(int fd, const char *client, long port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	buf_t peer = BUF_INIT;
	int peer_port = 0, ok;

	if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_UNIX)
		return 1;
	sock_peer_addr(fd, &peer, &peer_port);
	ok = strcmp(buf_str(&peer), client) == 0 && peer_port == port;
	buf_release(&peer);
	return ok;
}

int login_handoff(stream_t **client, const char *session_socket,
		  const char *token, const login_info_t *info, const char **err_r)
{
	stream_t *s = *client;
	int tls = stream_is_tls(s);
	int timeout = login_ipc_timeout();
	int pair[2] = { -1, -1 };
	attr_t *rec = attr_new(), *reply = attr_new();
	login_record_t lr = {
		.token = token, .service = info->service, .client = info->client,
		.port = info->port, .secured = info->secured, .anvil = info->anvil,
	};
	const char *status;
	int conn, fd, r = -1;

	if (stream_pending(s) > LOGIN_INPUT_MAX) {
		*err_r = "too much pipelined input";
		goto out_free;
	}
	conn = sock_connect_unix(session_socket, timeout);
	if (conn < 0) {
		log_warn("connect to %s: %s", session_socket, strerror(errno));
		*err_r = "session service unreachable";
		goto out_free;
	}
	if (tls) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
			log_warn("socketpair: %s", strerror(errno));
			*err_r = "no socketpair for the TLS relay";
			goto out_conn;
		}
		fd = pair[1];
		lr.tls_version = stream_tls_version(s) ? stream_tls_version(s) :
			"unknown";
		lr.tls_cipher = stream_tls_cipher(s) ? stream_tls_cipher(s) :
			"unknown";
	} else {
		fd = stream_fd(s);
	}
	lr.input = stream_pending_data(s);
	lr.input_len = stream_pending(s);
	login_record_encode(&lr, rec);
	if (attr_send_fd(conn, rec, fd) != ATTR_OK) {
		log_warn("hand-off to %s: %s", session_socket, strerror(errno));
		*err_r = "hand-off to the session service failed";
		goto out_pair;
	}
	if (attr_recv_fd(conn, reply, &fd, timeout) != ATTR_OK) {
		log_warn("hand-off to %s: no answer from the session",
			 session_socket);
		*err_r = "no answer from the session service";
		goto out_pair;
	}
	if (fd >= 0)
		close(fd);	/* nobody sends descriptors this way */
	status = attr_get(reply, "status");
	if (status == NULL || strcmp(status, "ok") != 0) {
		const char *why = attr_get(reply, "reason");

		log_warn("hand-off to %s refused: %s", session_socket,
			 why != NULL ? why : "(no reason)");
		*err_r = "session service refused the hand-off";
		goto out_pair;
	}
	if (tls) {
		/* The pending input went with the record: drop it here. */
		stream_discard_input(s);
		if (login_relay_start(s, pair[0], pair[1], conn) < 0) {
			/* The session has the other end; closing ours makes
			 * it see end of file.  The client is lost. */
			log_warn("cannot start the TLS relay: %s", strerror(errno));
			close(pair[0]);
			close(pair[1]);
			stream_close(client);
			close(conn);
			attr_free(&rec);
			attr_free(&reply);
			return 0;
		}
		close(pair[0]);
		close(pair[1]);
		stream_forget(client);
	} else {
		/* The session holds the socket now; our copy just goes. */
		stream_forget(client);
	}
	r = 0;
	goto out_conn;
out_pair:
	if (pair[0] >= 0)
		close(pair[0]);
	if (pair[1] >= 0)
		close(pair[1]);
out_conn:
	close(conn);
out_free:
	/* The record held the token and the client's input. */
	attr_wipe(rec);
	attr_free(&rec);
	attr_free(&reply);
	return r;
}

/* ---- session side ------------------------------------------------------- */

static void login_answer(int conn, const char *status, const char *reason)
{
	attr_t *a = attr_new();

	attr_add(a, "status", status);
	if (reason != NULL)
		attr_add(a, "reason", reason);
	if (attr_send_fd(conn, a, -1) != ATTR_OK)
		log_warn("cannot answer the login process: %s", strerror(errno));
	attr_free(&a);
}

int login_session_accept(int conn, const char *auth_socket, int timeout,
			 stream_t **client_r, login_info_t *info, const char **err_r)
{
	attr_t *rec = attr_new(), *req = attr_new(), *reply = attr_new();
	login_record_t lr;
	const char *v;
	auth_client_t *auth = NULL;
	struct stat st;
	int fd = -1, type = 0, r = -1, answered = 0;
	socklen_t tlen = sizeof(type);

	*client_r = NULL;
	memset(info, 0, sizeof(*info));
	if (attr_recv_fd(conn, rec, &fd, timeout) != ATTR_OK) {
		*err_r = "no valid hand-off record";
		goto out;
	}
	if (login_record_parse(rec, &lr, err_r) < 0)
		goto out;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode) ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 ||
	    type != SOCK_STREAM) {
		*err_r = "hand-off without a client socket";
		goto out;
	}
	/* Where the session holds the client's own TCP socket, the address
	 * the login process claims (and auth bound the token to) must be the
	 * socket's; only a TLS relay's socketpair cannot be checked. */
	if (!login_client_matches(fd, lr.client, lr.port)) {
		*err_r = "the claimed client address is not the connection's";
		goto out;
	}

	/* Only auth says who the user is. */
	auth = auth_client_new(auth_socket, timeout);
	attr_add(req, "request", "redeem");
	attr_add(req, "token", lr.token);
	attr_add(req, "service", lr.service);
	attr_add(req, "client", lr.client);
	switch (auth_client_request(auth, req, reply)) {
	case AUTH_OK:
		v = attr_get(reply, "user");
		if (v == NULL || *v == '\0') {
			*err_r = "auth redeemed the token without naming a user";
			login_answer(conn, "fail", "internal error");
			answered = 1;
			goto out;
		}
		break;
	case AUTH_FAIL:
		*err_r = "invalid session token";
		login_answer(conn, "fail", "invalid session token");
		answered = 1;
		goto out;
	default:
		*err_r = "auth unavailable to redeem the token";
		login_answer(conn, "fail", "auth unavailable");
		answered = 1;
		goto out;
	}
	info->service = mem_strdup(lr.service);
	info->client = mem_strdup(lr.client);
	info->port = (int) lr.port;
	info->secured = lr.secured;
	info->anvil = lr.anvil;
	info->tls_version = lr.tls_version ? mem_strdup(lr.tls_version) : NULL;
	info->tls_cipher = lr.tls_cipher ? mem_strdup(lr.tls_cipher) : NULL;
	info->user = mem_strdup(v);

	sock_set_cloexec(fd, 1);
	*client_r = stream_open(fd);
	fd = -1;
	if (lr.input_len > 0)
		stream_unread(*client_r, lr.input, lr.input_len);
	login_answer(conn, "ok", NULL);
	answered = 1;
	r = 0;
out:
	if (r < 0 && !answered && attr_get(rec, "proto") != NULL)
		login_answer(conn, "fail", *err_r);
	if (fd >= 0)
		close(fd);
	attr_wipe(rec);
	attr_wipe(req);
	attr_free(&rec);
	attr_free(&req);
	attr_free(&reply);
	auth_client_free(&auth);
	return r;
}

/* login.c - the hand-off from a login process to a session process (see
 * login.h and architecture §2).
 *
 * Login side (login_handoff_start, login_handoff_finish): connect to the
 * session service, send the record of login.h with the client's
 * descriptor (attr_send_fd), and when the session's "status=ok" or
 * "status=fail" has come - the caller watches the socket with its event
 * loop, so a login process serving many clients never waits for it - let
 * go of the client.  Without TLS the session gets the client's own socket
 * and the login process simply closes its copy.  With TLS the session
 * gets one end of a socketpair and the caller relays between the TLS
 * stream and the other end in its own event loop (login_relay.h): no
 * process outside master's care.
 *
 * Session side (login_session_accept): receive the record and the
 * descriptor, check the record (login_record.c), redeem the token with
 * auth (the login process's word about the user is never taken), answer
 * the login process, and give the caller a stream on the client with the
 * pipelined input put back.
 *
 * This file sits above lib/'s clients of internal services and below the
 * daemon skeleton, which it does not use (architecture §6).
 *
 * SECURITY: the login process is unprivileged and parses network input, so
 * the session treats its record as untrusted apart from the peer check
 * the skeleton did (peer_users): every field is length-checked, the
 * descriptor must be a stream socket, and only auth's redeem decides who
 * the user is.  Tokens are never logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attr.h"
#include "auth_client.h"
#include "config.h"
#include "log.h"
#include "login.h"
#include "login_record.h"
#include "mem.h"
#include "sock.h"

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
	MEM_FREE(info->greeting_tag);
	MEM_FREE(info->capabilities);
	info->port = 0;
	info->secured = 0;
	info->anvil = 0;
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

struct login_handoff {
	int conn;			/* to the session service */
	int relay_fd;			/* TLS: our end of the socketpair */
	int tls;
};

void login_handoff_free(login_handoff_t **hp)
{
	login_handoff_t *h = *hp;

	if (h == NULL)
		return;
	if (h->conn >= 0)
		close(h->conn);
	if (h->relay_fd >= 0)
		close(h->relay_fd);
	mem_free(h);
	*hp = NULL;
}

int login_handoff_fd(const login_handoff_t *h)
{
	return h->conn;
}

login_handoff_t *login_handoff_start(stream_t *s, const char *session_socket,
				     const char *token, const login_info_t *info,
				     const char **err_r)
{
	int tls = stream_is_tls(s);
	int pair[2] = { -1, -1 };
	attr_t *rec = attr_new();
	login_record_t lr = {
		.token = token, .service = info->service, .client = info->client,
		.port = info->port, .secured = info->secured, .anvil = info->anvil,
		.greeting_tag = info->greeting_tag,
		.capabilities = info->capabilities,
	};
	login_handoff_t *h = NULL;
	int conn, fd;

	if (stream_pending(s) > LOGIN_INPUT_MAX) {
		*err_r = "too much pipelined input";
		goto out;
	}
	/* A UNIX connect does not wait unless the session service's backlog
	 * is full; then at most ipc_timeout. */
	conn = sock_connect_unix(session_socket, login_ipc_timeout());
	if (conn < 0) {
		log_warn("connect to %s: %s", session_socket, strerror(errno));
		*err_r = "session service unreachable";
		goto out;
	}
	if (tls) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
			log_warn("socketpair: %s", strerror(errno));
			*err_r = "no socketpair for the TLS relay";
			close(conn);
			goto out;
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
	/* One record into an empty socket buffer: sendmsg does not wait. */
	if (attr_send_fd(conn, rec, fd) != ATTR_OK) {
		log_warn("hand-off to %s: %s", session_socket, strerror(errno));
		*err_r = "hand-off to the session service failed";
		close(conn);
		if (tls) {
			close(pair[0]);
			close(pair[1]);
		}
		goto out;
	}
	if (tls)
		close(pair[1]);		/* the session has it now */
	h = MEM_NEW(login_handoff_t);
	h->conn = conn;
	h->relay_fd = pair[0];
	h->tls = tls;
out:
	/* The record held the token and the client's input. */
	attr_free(&rec);
	return h;
}

int login_handoff_finish(login_handoff_t **hp, stream_t **client,
			 int *relay_fd_r, const char **err_r)
{
	login_handoff_t *h = *hp;
	attr_t *reply = attr_new();
	const char *status;
	int fd = -1, r = -1;

	*relay_fd_r = -1;
	/* Called when the socket is readable: the whole answer is there
	 * (one sendmsg), so the short wait never happens in practice. */
	if (attr_recv_fd(h->conn, reply, &fd, 1) != ATTR_OK) {
		log_warn("hand-off: no answer from the session");
		*err_r = "no answer from the session service";
		goto out;
	}
	if (fd >= 0)
		close(fd);	/* nobody sends descriptors this way */
	status = attr_get(reply, "status");
	if (status == NULL || strcmp(status, "ok") != 0) {
		const char *why = attr_get(reply, "reason");

		log_warn("hand-off refused: %s", why != NULL ? why : "(no reason)");
		*err_r = "session service refused the hand-off";
		goto out;
	}
	if (h->tls) {
		/* The pending input went with the record: drop it here. */
		stream_discard_input(*client);
		*relay_fd_r = h->relay_fd;
		h->relay_fd = -1;
	} else {
		/* The session holds the socket now; our copy just goes. */
		stream_forget(client);
	}
	r = 0;
out:
	attr_free(&reply);
	login_handoff_free(hp);
	return r;
}

/* ---- session side ------------------------------------------------------- */

/* 0, or -1 when the answer did not reach the login process. */
static int login_answer(int conn, const char *status, const char *reason)
{
	attr_t *a = attr_new();
	int r = 0;

	attr_add(a, "status", status);
	if (reason != NULL)
		attr_add(a, "reason", reason);
	if (attr_send_fd(conn, a, -1) != ATTR_OK) {
		log_warn("cannot answer the login process: %s", strerror(errno));
		r = -1;
	}
	attr_free(&a);
	return r;
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
	info->greeting_tag = lr.greeting_tag ? mem_strdup(lr.greeting_tag) : NULL;
	info->capabilities = lr.capabilities ? mem_strdup(lr.capabilities) : NULL;

	sock_set_cloexec(fd, 1);
	*client_r = stream_open(fd);
	fd = -1;
	if (lr.input_len > 0)
		stream_unread(*client_r, lr.input, lr.input_len);
	answered = 1;
	/* A login process that gave up waiting (ipc_timeout) has closed its
	 * end and answered the client itself: the client is not ours. */
	if (login_answer(conn, "ok", NULL) < 0) {
		*err_r = "the login process gave up on the hand-off";
		stream_forget(client_r);
		goto out;
	}
	r = 0;
out:
	if (r < 0 && !answered && attr_get(rec, "proto") != NULL)
		login_answer(conn, "fail", *err_r);
	if (fd >= 0)
		close(fd);
	/* attr_free wipes: the records held the token and the input. */
	attr_free(&rec);
	attr_free(&req);
	attr_free(&reply);
	auth_client_free(&auth);
	return r;
}

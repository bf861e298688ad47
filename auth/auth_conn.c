/* auth_conn.c - auth's connections: records in, replies out.
 *
 * Each peer (an smtpd, a login or session process, local) holds one
 * connection and sends one request at a time.  Input is read without
 * blocking (stream_fill + attr_try_read) when the event loop says the
 * descriptor is readable.  A connection has three states:
 *
 *   HELLO  waiting for the peer's hello record
 *   READY  waiting for a request
 *   QUEUED a verify request waits for its turn (auth_queue.h): checked
 *          one per round of the event loop, by client address in turn,
 *          while lookups and redemptions are answered as they come;
 *          meanwhile the descriptor is not watched
 *   HELD   a failure reply is held back by the penalty delay: a timer will
 *          send it; meanwhile the descriptor is not watched, so whatever
 *          the peer sends waits in the socket, and every other connection
 *          is served as usual
 *
 * Limits: auth_max_clients connections, of which the protocol processes
 * (smtpd as mail_owner, the login roles as login_user), which a burst of
 * remote clients can multiply, may hold all but auth_reserved_clients: the
 * rest stays for local's lookups and the sessions' token redemptions, so
 * a burst never stops delivery or the logins already verified.  Protocol
 * processes also let their connection go when their client leaves.  (Run
 * by an ordinary user, every role has one uid and the share cannot be
 * told apart: only the total applies.)  A request of at most
 * AUTH_REQUEST_MAX bytes, which must be complete within ipc_timeout of its
 * first byte; auth_idle_timeout between requests (peers reconnect on
 * their own).  A reply is written only while the peer has read most of the
 * earlier ones (SIOCOUTQ), so the write, bounded by ipc_timeout, can only
 * block on a peer that broke the protocol.  A malformed record closes that
 * connection alone.  A once-a-second sweep enforces the timeouts and, when
 * the process is retiring, lets idle connections go.
 */
#include <fcntl.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "auth.h"
#include "auth_client.h"
#include "auth_penalty.h"
#include "auth_queue.h"
#include "config.h"
#include "event.h"
#include "log.h"
#include "mem.h"
#include "priv.h"
#include "sock.h"
#include "stream.h"

#define AUTH_REQUEST_MAX	16384	/* bytes of one request record */
#define AUTH_UNREAD_MAX		65536	/* reply bytes a peer may leave unread */
#define AUTH_SWEEP_MS		1000

enum auth_conn_state {
	AUTH_CONN_HELLO, AUTH_CONN_READY, AUTH_CONN_QUEUED, AUTH_CONN_HELD
};

struct auth_conn {
	int fd;
	stream_t *s;
	enum auth_conn_state state;
	char peer[64];			/* "pid 123 uid 456", for logs */
	int protocol;			/* a protocol process: limited share */
	auth_peer_t who;		/* name (peer), pid, login process */
	attr_t *req;
	char key[64];			/* QUEUED, HELD: its client's address key */
	attr_t *held;			/* the reply in state HELD */
	event_timer_id timer;
	int64_t last_ms;		/* last request answered (or connect) */
	int64_t partial_ms;		/* first byte of an incomplete record */
	struct auth_conn *prev, *next;
};

static struct {
	struct auth_conn *list;
	long count;
	long protocol_count;
	long max_clients;
	long reserved;			/* auth_reserved_clients */
	uid_t protocol_uids[2];		/* mail_owner, login_user */
	int nprotocol_uids;
	uid_t login_uid;		/* login_user, when told apart */
	int have_login_uid;
	long idle_ms, ipc_ms;
	int retiring;
	long address_wait_limit;	/* auth_address_wait_limit */
	auth_queue_t *verifies;		/* connections in state QUEUED */
	event_timer_id verify_timer;	/* the next check is due */
} conns;

static void auth_conn_on_read(int fd, int events, void *ctx);

static void auth_conn_close(struct auth_conn *c)
{
	if (c->state == AUTH_CONN_QUEUED)
		(void) auth_queue_remove(conns.verifies, c);
	if (c->timer != 0)
		event_cancel_timer(c->timer);
	event_del_fd(c->fd);
	stream_close(&c->s);
	attr_free(&c->req);		/* wipes what a request held */
	attr_free(&c->held);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		conns.list = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	if (c->protocol)
		conns.protocol_count--;
	mem_free(c);
	conns.count--;
	daemon_client_done();
}

/* Write reply (freed here).  0, or -1 with the connection closed. */
static int auth_conn_send(struct auth_conn *c, attr_t *reply)
{
	int unread = 0, r;

	if (ioctl(c->fd, SIOCOUTQ, &unread) == 0 && unread > AUTH_UNREAD_MAX) {
		log_warn("peer %s: does not read its replies (%d bytes unread); "
			 "closing", c->peer, unread);
		attr_free(&reply);
		auth_conn_close(c);
		return -1;
	}
	r = attr_write(c->s, reply);
	/* attr_free wipes: an ok may carry a token. */
	attr_free(&reply);
	if (r != ATTR_OK) {
		log_warn("peer %s: write: %s", c->peer, stream_strerror(c->s));
		auth_conn_close(c);
		return -1;
	}
	c->last_ms = event_now_ms();
	return 0;
}

/* The peer's hello: right protocol and version, or the connection ends. */
static int auth_conn_hello(struct auth_conn *c)
{
	const char *proto = attr_get(c->req, "proto");
	long version;
	int ok;

	version = attr_get_long(c->req, "version", &ok);
	if (proto == NULL || strcmp(proto, AUTH_PROTO) != 0 || !ok ||
	    version != AUTH_VERSION) {
		log_warn("peer %s: bad hello (protocol %s version %ld)", c->peer,
			 proto != NULL ? proto : "(none)", version);
		auth_conn_close(c);
		return -1;
	}
	if (attr_hello_write(c->s, AUTH_PROTO, AUTH_VERSION) != ATTR_OK) {
		log_warn("peer %s: write: %s", c->peer, stream_strerror(c->s));
		auth_conn_close(c);
		return -1;
	}
	c->state = AUTH_CONN_READY;
	return 0;
}

/* Watch the connection again after QUEUED or HELD. */
static void auth_conn_resume(struct auth_conn *c)
{
	c->state = AUTH_CONN_READY;
	event_add_fd(c->fd, EVENT_READ, auth_conn_on_read, c);
	/* Requests that came meanwhile may already be buffered; then the
	 * descriptor would not wake us for them. */
	if (stream_pending(c->s) > 0)
		auth_conn_on_read(c->fd, 0, c);
}

static void auth_conn_release_held(void *ctx)
{
	struct auth_conn *c = ctx;
	attr_t *reply = c->held;

	c->timer = 0;
	c->held = NULL;
	c->state = AUTH_CONN_READY;
	if (auth_conn_send(c, reply) < 0)
		return;
	auth_conn_resume(c);
}

/* Answer the request in c->req now, or hold the answer back.  0 when the
 * next record may be read, -1 when not (held, or the connection is
 * gone). */
static int auth_conn_answer(struct auth_conn *c)
{
	attr_t *reply = attr_new();
	long delay_ms = 0;

	if (auth_request_handle(c->req, &c->who, reply, &delay_ms) < 0) {
		attr_free(&reply);
		auth_conn_close(c);
		return -1;
	}
	attr_clear(c->req);	/* wipes: it held a password */
	if (delay_ms <= 0)
		return auth_conn_send(c, reply);
	c->state = AUTH_CONN_HELD;
	c->held = reply;
	event_del_fd(c->fd);
	c->timer = event_add_timer(delay_ms, auth_conn_release_held, c);
	return -1;
}

/* One check per round: the loop serves every other descriptor between
 * two (a zero timer runs after the round's ready descriptors). */
static void auth_conn_next_verify(void *ctx)
{
	struct auth_conn *c = auth_queue_next(conns.verifies);

	(void) ctx;
	conns.verify_timer = 0;
	if (auth_queue_count(conns.verifies) > 0)
		conns.verify_timer = event_add_timer(0, auth_conn_next_verify, NULL);
	if (c == NULL)
		return;
	c->state = AUTH_CONN_READY;
	if (auth_conn_answer(c) == 0)
		auth_conn_resume(c);
}

/* Connections of the address key waiting: queued or held. */
static long auth_conn_waiting(const char *key)
{
	long n = 0;

	for (struct auth_conn *c = conns.list; c != NULL; c = c->next)
		n += (c->state == AUTH_CONN_QUEUED || c->state == AUTH_CONN_HELD) &&
			strcmp(c->key, key) == 0;
	return n;
}

/* A verify waits for its turn (auth_queue.h), unless its address has
 * auth_address_wait_limit waiting already: then it is refused at once,
 * so that a few addresses cannot hold every connection of auth's with
 * guesses held back by the delay.  0 when the next record may be read,
 * -1 when not. */
static int auth_conn_queue_verify(struct auth_conn *c)
{
	const char *client = attr_get(c->req, "client");
	buf_t key = BUF_INIT;
	attr_t *reply;

	auth_penalty_key(client != NULL ? client : "", &key);
	snprintf(c->key, sizeof(c->key), "%s", buf_str(&key));
	buf_release(&key);
	if (conns.address_wait_limit > 0 &&
	    auth_conn_waiting(c->key) >= conns.address_wait_limit) {
		log_warn("peer %s: client=%s: verification refused: %ld already "
			 "waiting from the address (auth_address_wait_limit)",
			 c->peer, c->key, conns.address_wait_limit);
		attr_clear(c->req);	/* wipes: it held a password */
		reply = attr_new();
		attr_add(reply, "status", "tempfail");
		attr_add(reply, "reason", "too many logins at once from this "
			 "address, try later");
		return auth_conn_send(c, reply);
	}
	auth_queue_add(conns.verifies, c->key, c);
	c->state = AUTH_CONN_QUEUED;
	event_del_fd(c->fd);
	if (conns.verify_timer == 0)
		conns.verify_timer = event_add_timer(0, auth_conn_next_verify, NULL);
	return -1;
}

/* One request: a verify waits for its turn; anything else is answered
 * now.  0 when the next record may be read, -1 when not (queued, held,
 * or the connection is gone). */
static int auth_conn_request(struct auth_conn *c)
{
	const char *what = attr_get(c->req, "request");

	if (what != NULL && strcmp(what, "verify") == 0)
		return auth_conn_queue_verify(c);
	return auth_conn_answer(c);
}

/* Handle every complete record buffered; keep track of a partial one. */
static void auth_conn_process(struct auth_conn *c)
{
	for (;;) {
		int r = attr_try_read(c->s, c->req);

		if (r == ATTR_AGAIN) {
			if (stream_pending(c->s) > AUTH_REQUEST_MAX) {
				log_warn("peer %s: request over %d bytes; closing",
					 c->peer, AUTH_REQUEST_MAX);
				auth_conn_close(c);
				return;
			}
			if (stream_pending(c->s) > 0 && c->partial_ms == 0)
				c->partial_ms = event_now_ms();
			return;
		}
		if (r == ATTR_EOF) {
			auth_conn_close(c);
			return;
		}
		if (r != ATTR_OK) {
			log_warn("peer %s: %s; closing", c->peer,
				 r == ATTR_BAD ? "malformed record" :
				 stream_strerror(c->s));
			auth_conn_close(c);
			return;
		}
		c->partial_ms = 0;
		if (c->state == AUTH_CONN_HELLO) {
			if (auth_conn_hello(c) < 0)
				return;
			continue;
		}
		if (auth_conn_request(c) < 0)
			return;
	}
}

static void auth_conn_on_read(int fd, int events, void *ctx)
{
	struct auth_conn *c = ctx;
	ssize_t n;

	(void) fd;
	(void) events;
	n = stream_fill(c->s);
	if (n < 0 && n != STREAM_EOF) {
		log_warn("peer %s: read: %s", c->peer, stream_strerror(c->s));
		auth_conn_close(c);
		return;
	}
	auth_conn_process(c);
}

/* Timeouts, and idle connections of a retiring process. */
static void auth_conn_sweep(void)
{
	int64_t now = event_now_ms();
	int stopping = conns.retiring || daemon_stopping();
	struct auth_conn *c, *next;

	for (c = conns.list; c != NULL; c = next) {
		next = c->next;
		if (c->state == AUTH_CONN_HELD || c->state == AUTH_CONN_QUEUED)
			continue;
		if (c->partial_ms != 0 && now - c->partial_ms > conns.ipc_ms) {
			log_warn("peer %s: timeout reading a request; closing",
				 c->peer);
			auth_conn_close(c);
		} else if (stream_pending(c->s) == 0 &&
			   (stopping || now - c->last_ms > conns.idle_ms)) {
			auth_conn_close(c);
		}
	}
}

static void auth_conn_on_sweep_timer(void *ctx)
{
	(void) ctx;
	auth_conn_sweep();
	event_add_timer(AUTH_SWEEP_MS, auth_conn_on_sweep_timer, NULL);
}

void auth_conn_init(void)
{
	const char *roles[] = { "mail_owner", "login_user" };

	conns.verifies = auth_queue_new();
	conns.address_wait_limit = config_int("auth_address_wait_limit");
	conns.max_clients = config_int("auth_max_clients");
	conns.reserved = config_int("auth_reserved_clients");
	if (conns.reserved >= conns.max_clients)
		log_fatal("auth_reserved_clients (%ld) must be less than "
			  "auth_max_clients (%ld)", conns.reserved, conns.max_clients);
	for (int i = 0; i < 2; i++) {
		uid_t uid;
		gid_t gid;

		/* As an ordinary user's instance every role is that user. */
		if (priv_user_ids(config_str(roles[i]), &uid, &gid) == 0 &&
		    uid != geteuid()) {
			conns.protocol_uids[conns.nprotocol_uids++] = uid;
			if (i == 1) {
				conns.login_uid = uid;
				conns.have_login_uid = 1;
			}
		}
	}
	conns.idle_ms = config_time("auth_idle_timeout") * 1000;
	conns.ipc_ms = config_time("ipc_timeout") * 1000;
	event_add_timer(AUTH_SWEEP_MS, auth_conn_on_sweep_timer, NULL);
}

/*
 * smtpd and the login processes are master's children.  A process of
 * theirs that forked (or was left by a parent that exited) is not, and
 * with its own pid would have a fresh failure budget (auth_process.h).
 * When auth is not master's child (started by hand), nothing can be told.
 */
static int auth_conn_started_by_master(pid_t pid)
{
	char path[64], text[512], *p;
	long ppid;
	int fd, ok;
	ssize_t n;

	if (getppid() <= 1)
		return 1;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long) pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	/* "pid (comm) state ppid ...": comm may hold anything, so from the
	 * last ')'. */
	p = strrchr(text, ')');
	ok = p != NULL && sscanf(p + 1, " %*c %ld", &ppid) == 1;
	return ok && (pid_t) ppid == getppid();
}

void auth_conn_accept(const daemon_client_t *client)
{
	struct auth_conn *c;
	pid_t pid = 0;
	uid_t uid = 0;
	gid_t gid;

	int have_cred = sock_peer_cred(client->fd, &pid, &uid, &gid) == 0;
	int protocol = 0;
	const char *why = NULL;

	for (int i = 0; have_cred && i < conns.nprotocol_uids; i++)
		protocol |= uid == conns.protocol_uids[i];
	if (conns.retiring)
		why = "retiring";
	else if (protocol && !auth_conn_started_by_master(pid))
		why = "a protocol process that master did not start (a fork "
			"would escape the failure budget of its parent)";
	else if (conns.count >= conns.max_clients)
		why = "auth_max_clients reached";
	else if (protocol &&
		 conns.protocol_count >= conns.max_clients - conns.reserved)
		why = "the protocol processes' share of auth_max_clients is in "
			"use (auth_reserved_clients are kept for delivery and "
			"sessions)";
	if (why != NULL) {
		log_warn("refusing a connection from pid %ld uid %ld: %s",
			 (long) pid, (long) uid, why);
		close(client->fd);
		daemon_client_done();
		return;
	}
	c = MEM_NEW(struct auth_conn);
	c->fd = client->fd;
	c->s = stream_open(client->fd);
	stream_set_secret(c->s);	/* passwords in, tokens out */
	stream_set_timeout(c->s, (int) (conns.ipc_ms / 1000));
	if (have_cred)
		snprintf(c->peer, sizeof(c->peer), "pid %ld uid %ld",
			 (long) pid, (long) uid);
	else
		snprintf(c->peer, sizeof(c->peer), "fd %d", c->fd);
	c->protocol = protocol;
	conns.protocol_count += protocol;
	c->who.name = c->peer;
	c->who.pid = pid;
	c->who.protocol = protocol;
	c->who.login = have_cred && conns.have_login_uid && uid == conns.login_uid;
	c->req = attr_new();
	c->last_ms = event_now_ms();
	c->next = conns.list;
	if (conns.list != NULL)
		conns.list->prev = c;
	conns.list = c;
	conns.count++;
	event_add_fd(c->fd, EVENT_READ, auth_conn_on_read, c);
}

void auth_conn_retire(void)
{
	conns.retiring = 1;
	auth_conn_sweep();
}

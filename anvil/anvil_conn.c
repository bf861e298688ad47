/* anvil_conn.c - anvil's peer connections: records in, replies out.
 *
 * Each server process keeps one connection for its whole life and sends
 * one request at a time; what it counted over the connection is held by
 * the connection (an anvil_owner_t) and given back when it closes.  Input
 * is read without blocking (stream_fill + attr_try_read) when the event
 * loop says the descriptor is readable; the first record must be the
 * hello of lib/anvil_client.h.
 *
 * Limits: anvil_max_clients connections (past it a connection is closed
 * at once, and its server lets its clients in unchecked); a request of at
 * most ANVIL_REQUEST_MAX bytes, which must be complete within ipc_timeout
 * of its first byte.  There is no idle timeout: a connection waiting
 * between a connect and its disconnect is the normal case (an SMTP
 * session in progress).  A reply is written only while the peer has read
 * most of the earlier ones (SIOCOUTQ), so the write, bounded by
 * ipc_timeout, can only block on a peer that broke the protocol.  A
 * malformed record closes that connection alone.
 *
 * Retiring (reload) and stopping: connections that hold nothing are
 * closed at once, the others as soon as they hold nothing; their servers
 * then reach the next anvil process.  A once-a-second sweep enforces the
 * request timeout and does the retiring.
 */
#include <linux/sockios.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "anvil.h"
#include "anvil_client.h"
#include "config.h"
#include "event.h"
#include "log.h"
#include "mem.h"
#include "sock.h"
#include "stream.h"

#define ANVIL_REQUEST_MAX	4096	/* bytes of one request record */
#define ANVIL_UNREAD_MAX	(256 * 1024)	/* reply bytes left unread */
#define ANVIL_SWEEP_MS		1000

struct anvil_conn {
	int fd;
	stream_t *s;
	int hello_done;
	char peer[64];			/* "pid 123 uid 456", for logs */
	attr_t *req;
	anvil_owner_t *owner;
	int64_t partial_ms;		/* first byte of an incomplete record */
	struct anvil_conn *prev, *next;
};

static struct {
	struct anvil_conn *list;
	long count;
	long max_clients;
	long ipc_ms;
	int retiring;
} conns;

static void anvil_conn_close(struct anvil_conn *c)
{
	event_del_fd(c->fd);
	stream_close(&c->s);
	attr_free(&c->req);
	anvil_request_owner_free(&c->owner, c->peer);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		conns.list = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	mem_free(c);
	conns.count--;
	daemon_client_done();
}

/* Write reply (freed here).  0, or -1 with the connection closed. */
static int anvil_conn_send(struct anvil_conn *c, attr_t *reply)
{
	int unread = 0, r;

	if (ioctl(c->fd, SIOCOUTQ, &unread) == 0 && unread > ANVIL_UNREAD_MAX) {
		log_warn("peer %s: does not read its replies (%d bytes unread); "
			 "closing", c->peer, unread);
		attr_free(&reply);
		anvil_conn_close(c);
		return -1;
	}
	r = attr_write(c->s, reply);
	attr_free(&reply);
	if (r != ATTR_OK) {
		log_warn("peer %s: write: %s", c->peer, stream_strerror(c->s));
		anvil_conn_close(c);
		return -1;
	}
	return 0;
}

/* The peer's hello: right protocol and version, or the connection ends. */
static int anvil_conn_hello(struct anvil_conn *c)
{
	const char *proto = attr_get(c->req, "proto");
	long version;
	int ok;

	version = attr_get_long(c->req, "version", &ok);
	if (proto == NULL || strcmp(proto, ANVIL_PROTO) != 0 || !ok ||
	    version != ANVIL_VERSION) {
		log_warn("peer %s: bad hello; closing", c->peer);
		anvil_conn_close(c);
		return -1;
	}
	if (attr_hello_write(c->s, ANVIL_PROTO, ANVIL_VERSION) != ATTR_OK) {
		log_warn("peer %s: write: %s", c->peer, stream_strerror(c->s));
		anvil_conn_close(c);
		return -1;
	}
	c->hello_done = 1;
	return 0;
}

/* One request, one reply.  0 when the next record may be read, -1 when
 * the connection is gone. */
static int anvil_conn_request(struct anvil_conn *c)
{
	attr_t *reply = attr_new();

	if (anvil_request_handle(c->req, c->owner, c->peer, reply) < 0) {
		attr_free(&reply);
		anvil_conn_close(c);
		return -1;
	}
	attr_clear(c->req);
	if (anvil_conn_send(c, reply) < 0)
		return -1;
	/* A retiring process lets a connection go once it holds nothing:
	 * its server reconnects to the next anvil process. */
	if (conns.retiring && anvil_owner_held(c->owner) == 0 &&
	    stream_pending(c->s) == 0) {
		anvil_conn_close(c);
		return -1;
	}
	return 0;
}

/* Handle every complete record buffered; keep track of a partial one. */
static void anvil_conn_process(struct anvil_conn *c)
{
	for (;;) {
		int r = attr_try_read(c->s, c->req);

		if (r == ATTR_AGAIN) {
			if (stream_pending(c->s) > ANVIL_REQUEST_MAX) {
				log_warn("peer %s: request over %d bytes; closing",
					 c->peer, ANVIL_REQUEST_MAX);
				anvil_conn_close(c);
				return;
			}
			if (stream_pending(c->s) > 0 && c->partial_ms == 0)
				c->partial_ms = event_now_ms();
			return;
		}
		if (r == ATTR_EOF) {
			anvil_conn_close(c);
			return;
		}
		if (r != ATTR_OK) {
			log_warn("peer %s: %s; closing", c->peer,
				 r == ATTR_BAD ? "malformed record" :
				 stream_strerror(c->s));
			anvil_conn_close(c);
			return;
		}
		c->partial_ms = 0;
		if (!c->hello_done) {
			if (anvil_conn_hello(c) < 0)
				return;
			continue;
		}
		if (anvil_conn_request(c) < 0)
			return;
	}
}

static void anvil_conn_on_read(int fd, int events, void *ctx)
{
	struct anvil_conn *c = ctx;
	ssize_t n;

	(void) fd;
	(void) events;
	n = stream_fill(c->s);
	if (n < 0 && n != STREAM_EOF) {
		log_warn("peer %s: read: %s", c->peer, stream_strerror(c->s));
		anvil_conn_close(c);
		return;
	}
	anvil_conn_process(c);
}

/* Request timeouts, and idle connections of a retiring process. */
static void anvil_conn_sweep(void)
{
	int64_t now = event_now_ms();
	struct anvil_conn *c, *next;

	if (daemon_stopping())
		conns.retiring = 1;
	for (c = conns.list; c != NULL; c = next) {
		next = c->next;
		if (c->partial_ms != 0 && now - c->partial_ms > conns.ipc_ms) {
			log_warn("peer %s: timeout reading a request; closing",
				 c->peer);
			anvil_conn_close(c);
		} else if (conns.retiring && stream_pending(c->s) == 0 &&
			   anvil_owner_held(c->owner) == 0) {
			anvil_conn_close(c);
		}
	}
}

static void anvil_conn_on_sweep_timer(void *ctx)
{
	(void) ctx;
	anvil_conn_sweep();
	event_add_timer(ANVIL_SWEEP_MS, anvil_conn_on_sweep_timer, NULL);
}

void anvil_conn_init(void)
{
	conns.max_clients = config_int("anvil_max_clients");
	conns.ipc_ms = config_time("ipc_timeout") * 1000;
	event_add_timer(ANVIL_SWEEP_MS, anvil_conn_on_sweep_timer, NULL);
}

void anvil_conn_accept(const daemon_client_t *client)
{
	struct anvil_conn *c;
	pid_t pid = 0;
	uid_t uid = 0;
	gid_t gid;

	if (conns.count >= conns.max_clients || conns.retiring) {
		log_warn("refusing a connection: %s", conns.retiring ?
			 "retiring" : "anvil_max_clients reached");
		close(client->fd);
		daemon_client_done();
		return;
	}
	c = MEM_NEW(struct anvil_conn);
	c->fd = client->fd;
	c->s = stream_open(client->fd);
	stream_set_timeout(c->s, (int) (conns.ipc_ms / 1000));
	if (sock_peer_cred(c->fd, &pid, &uid, &gid) == 0)
		snprintf(c->peer, sizeof(c->peer), "pid %ld uid %ld",
			 (long) pid, (long) uid);
	else
		snprintf(c->peer, sizeof(c->peer), "fd %d", c->fd);
	c->req = attr_new();
	c->owner = anvil_request_owner_new();
	c->next = conns.list;
	if (conns.list != NULL)
		conns.list->prev = c;
	conns.list = c;
	conns.count++;
	event_add_fd(c->fd, EVENT_READ, anvil_conn_on_read, c);
}

void anvil_conn_retire(void)
{
	conns.retiring = 1;
	anvil_conn_sweep();
}

long anvil_conn_count(void)
{
	return conns.count;
}

/* deliver_server.c - the agent's side of the deliver protocol; see
 * deliver_server.h and deliver_proto.h. */
#include <string.h>
#include <unistd.h>

#include "deliver_proto.h"
#include "deliver_server.h"
#include "log.h"
#include "queue.h"
#include "stream.h"

int deliver_server_hello(int fd, attr_t *a, int timeout)
{
	const char *proto;
	int qfd = -1, r;

	r = attr_recv_fd(fd, a, &qfd, timeout);
	proto = attr_get(a, "proto");
	if (qfd >= 0)
		close(qfd);
	if (r != ATTR_OK || qfd >= 0 || proto == NULL ||
	    strcmp(proto, DELIVER_PROTO) != 0 ||
	    attr_get_long(a, "version", NULL) != DELIVER_VERSION) {
		log_warn("bad or missing hello from qmgr; disconnecting");
		return -1;
	}
	return 0;
}

enum deliver_server_recv deliver_server_recv(int fd, attr_t *a, int *qfd_r,
					     int timeout, int first,
					     const char **why_r)
{
	int r;

	*qfd_r = -1;
	r = attr_recv_fd(fd, a, qfd_r, timeout);
	if (r == ATTR_OK)
		return DELIVER_SERVER_REQUEST;
	if (r == ATTR_EOF && !first)
		return DELIVER_SERVER_END;
	*why_r = r == ATTR_BAD ? "malformed request" : "no request";
	return DELIVER_SERVER_BROKEN;
}

void deliver_server_refuse(attr_t *reply, const char *id, const char *why)
{
	id = id && queue_id_valid(id) ? id : "NOQUEUE";
	log_warn("%s: refused a delivery request: %s", id, why);
	attr_clear(reply);
	attr_add(reply, "status", "error");
	attr_add(reply, "reason", why);
}

int deliver_server_reply(int fd, const attr_t *reply, int timeout,
			 const char *id)
{
	stream_t *s = stream_open(fd);
	int ok;

	stream_set_timeout(s, timeout);
	ok = attr_write(s, reply) == ATTR_OK;
	if (!ok)
		log_warn("%s: cannot send the results to qmgr: %s",
			 id && queue_id_valid(id) ? id : "NOQUEUE",
			 stream_strerror(s));
	stream_release_fd(&s);
	return ok ? 0 : -1;
}

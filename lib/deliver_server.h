/* deliver_server.h - the agent's side of lib/deliver_proto.h, shared by
 * local and smtp-out: the hello, each request with its queue file
 * descriptor, and the answer.  What a request means is the agent's.
 */
#ifndef TERN_DELIVER_SERVER_H
#define TERN_DELIVER_SERVER_H

#include "attr.h"

/* Read and check qmgr's hello on a new connection into a: 0, or -1 when
 * it is missing or wrong (logged; the connection is to be closed). */
int deliver_server_hello(int fd, attr_t *a, int timeout);

enum deliver_server_recv {
	DELIVER_SERVER_REQUEST,	/* a request in a, its descriptor in *qfd_r */
	DELIVER_SERVER_END,	/* qmgr closed a kept connection */
	DELIVER_SERVER_BROKEN,	/* no usable record: *why_r; answer, then close */
};
/* The next request; first: none came on this connection yet (then even
 * an end is a broken request).  *qfd_r is -1 or a descriptor to close. */
enum deliver_server_recv deliver_server_recv(int fd, attr_t *a, int *qfd_r,
					     int timeout, int first,
					     const char **why_r);
/* reply becomes the refusal of a request (logged, naming id or NOQUEUE). */
void deliver_server_refuse(attr_t *reply, const char *id, const char *why);
/* Send reply: 0, or -1 (logged, naming id) when qmgr cannot have it. */
int deliver_server_reply(int fd, const attr_t *reply, int timeout,
			 const char *id);

#endif

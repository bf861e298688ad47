/* attr_client.h - a client's persistent connection to an internal service
 * that answers attr records (attr.h): auth, anvil.
 *
 * One connection per attr_client_t, opened on the first request (so a
 * program that never asks never connects) and greeted with the hello
 * exchange of attr.h.  A connection that turns out to be broken when a
 * request is sent over it - the server was restarted, or closed an idle
 * connection - is replaced once, transparently.  Anything else (no
 * listener, a timeout, a malformed reply, a reply without a status
 * attribute) is a failure, which the caller judges: auth's callers answer
 * with a temporary error, anvil's let their client in (lib/auth_client.h,
 * lib/anvil_client.h).  This module logs nothing; it says what went
 * wrong.
 *
 * The timeout (seconds) bounds the connect and every read and write.
 */
#ifndef TERN_ATTR_CLIENT_H
#define TERN_ATTR_CLIENT_H

#include "attr.h"
#include "buf.h"

typedef struct attr_client attr_client_t;

/* path: the server's socket as this process reaches it; proto and version
 * name the protocol of the hello record. */
attr_client_t *attr_client_new(const char *path, const char *proto,
			       int version, int timeout);
void attr_client_free(attr_client_t **cp);
/* Treat the connection's buffers as secret (passwords, tokens): they are
 * wiped when released (stream_set_secret). */
void attr_client_set_secret(attr_client_t *c);
/* The socket path given to attr_client_new(), for log lines. */
const char *attr_client_path(const attr_client_t *c);

/*
 * Send req (which must have a "request" attribute) and read the reply
 * into reply (cleared first).  0 when the reply is a record with a status
 * attribute.  -1 otherwise, with why_r (when not NULL) set to what went
 * wrong ("connect: No such file or directory", "connect request: timed
 * out", ...), the reply cleared and the connection closed.
 */
int attr_client_request(attr_client_t *c, const attr_t *req, attr_t *reply,
			buf_t *why_r);
/* Close the connection now; the next request opens a new one (a reply
 * the caller found wrong leaves the connection in doubt). */
void attr_client_disconnect(attr_client_t *c);

#endif

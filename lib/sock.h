/* sock.h - creating, connecting and describing sockets.
 *
 * master binds every listener with these; clients of internal services
 * (mailctl, smtpd asking auth, ...) connect with sock_connect_unix().  All
 * descriptors are created close-on-exec; master clears the flag only on the
 * ones it hands to a child.
 */
#ifndef TERN_SOCK_H
#define TERN_SOCK_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "buf.h"

/* addr: "127.0.0.1", "::1", "[::1]", "*" (all IPv4), "[::]".  Returns the
 * listening descriptor or -1 with *err_r set. */
int sock_listen_inet(const char *addr, int port, int backlog, char **err_r);
/* Removes a stale socket file first; the new one is born with mode (a
 * umask, never a chmod by name).  The _at form binds NAME in the directory
 * dirfd, which the caller has opened and checked (master: private/). */
int sock_listen_unix(const char *path, int mode, int backlog, char **err_r);
int sock_listen_unix_at(int dirfd, const char *name, int mode, int backlog,
			char **err_r);
/* Connect with a timeout in seconds; -1 with errno set on failure.  The
 * server must be trusted (below): otherwise the refusal is logged and
 * errno is EPERM. */
int sock_connect_unix(const char *path, int timeout);
/* The same without waiting, for an event-driven process: -1 with errno
 * EAGAIN when the listener's backlog is full (poll cannot say when room
 * appears: try again later). */
int sock_connect_unix_try(const char *path);
/* The uid besides root whose UNIX sockets a client trusts: master's.  The
 * daemon skeleton sets it before the privilege drop (master's uid is the
 * one a child starts with); mailctl and tools leave the default, their own
 * real uid. */
void sock_trust_server_uid(uid_t uid);
int sock_connect_inet(const char *host, int port, int timeout);
/* A TCP connection to sa within timeout seconds (0: no limit), blocking
 * afterwards; -1 with errno (ETIMEDOUT when the time ran out). */
int sock_connect_sockaddr(const struct sockaddr *sa, socklen_t salen, int timeout);

int sock_set_nonblock(int fd, int on);
int sock_set_cloexec(int fd, int on);

/* Numeric address of the peer ("127.0.0.1", "::1", or "local" for UNIX
 * sockets) into out; the port into *port_r when not NULL. */
void sock_peer_addr(int fd, buf_t *out, int *port_r);
/* Peer credentials of a UNIX socket (SO_PEERCRED). 0 or -1. */
int sock_peer_cred(int fd, pid_t *pid_r, uid_t *uid_r, gid_t *gid_r);
/* True for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
int sock_addr_is_loopback(const char *addr);

#endif

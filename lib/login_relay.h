/* login_relay.h - the TLS relay of a login process (architecture §2).
 *
 * After a TLS login the login process cannot give the TLS state to the
 * session: it hands over one end of a socketpair (lib/login.h) and keeps
 * relaying plaintext between the client's TLS stream and the other end,
 * in its own event loop (lib/event.h), beside the clients it is still
 * logging in.  Each relay buffers both directions and stops reading a side
 * while the other side's buffer is full (LOGIN_RELAY_BUFFER), so a client
 * that does not read its RETR costs the login process a bounded amount of
 * memory and the session is held back by its socket, not by the relay.
 * A write that makes no progress for `timeout` seconds ends the relay.
 *
 * End of input from the client shuts the session's side for writing (the
 * session sees end of file and ends); end of input from the session
 * flushes what it wrote to the client and closes the TLS connection.
 * The relay logs "TLS relay finished" and calls done(ctx) when it is over.
 */
#ifndef TERN_LOGIN_RELAY_H
#define TERN_LOGIN_RELAY_H

#include "stream.h"

/* Bytes buffered in one direction before reading from its source stops. */
#define LOGIN_RELAY_BUFFER	16384

typedef struct login_relay login_relay_t;
typedef void login_relay_done_cb(void *ctx);

/* Take client (a TLS stream, whose pending input was handed over) and
 * session_fd; start relaying. */
login_relay_t *login_relay_start(stream_t *client, int session_fd, int timeout,
				 login_relay_done_cb *done, void *ctx);
/* End the relay now (the process stops): both sides are closed and done
 * is called. */
void login_relay_stop(login_relay_t *r);

#endif

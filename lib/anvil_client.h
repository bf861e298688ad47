/* anvil_client.h - asking the anvil service (DESIGN §1, anvil(8)) over
 * private/anvil.
 *
 * anvil counts, per service and client address, the connections that are
 * open now and the connections made in the current time unit
 * (anvil_rate_time_unit).  It only counts: each server compares the
 * numbers with its own limits (smtpd_client_connection_count_limit, ...),
 * so a -o override on one service line works for that service alone.
 *
 * The protocol is attr records (attr.h).  The client opens with
 * attr_hello_write(s, "anvil", 1); anvil answers with its own hello; then
 * any number of request/reply pairs on the same connection:
 *
 *   request=connect service=S client=ADDR [handoff=yes]
 *      reply: status=ok count=N rate=R
 *             N: connections of S from ADDR open now, this one included;
 *             R: connections of S from ADDR in the current time unit,
 *             this one included (handoff=yes: not counted again, see
 *             below)
 *             status=fail reason=TEXT  (anvil's table is full: nothing
 *             was counted)
 *   request=disconnect service=S client=ADDR
 *      reply: status=ok   (also when this connection held no such count)
 *   request=status
 *      reply: status=ok rate_time_unit=SECONDS tracked=N peers=N
 *             [entry=SERVICE ADDR COUNT RATE]...  [truncated=N]
 *             (entries with open connections or a rate in the current
 *             time unit, at most ANVIL_STATUS_MAX of them; mailctl
 *             status -v asks over attr_client.h)
 *
 * A connect is held by the connection it came over: a disconnect over the
 * same connection gives it back, and whatever a connection still holds
 * when it closes is given back then, so a server that crashes leaks
 * nothing.  handoff=yes is for a process that takes over a client another
 * process has admitted and given up (a POP3 session after its login
 * process, lib/login.h): the client is counted as open again, but is not
 * a new connection for the rate.
 *
 * S is a master.conf service name, ADDR a numeric address as the server
 * saw it (IPv6 counted per address, not per network); both at most
 * ANVIL_NAME_MAX printable characters without spaces.  A malformed
 * request closes the connection.
 */
#ifndef TERN_ANVIL_CLIENT_H
#define TERN_ANVIL_CLIENT_H

#include "attr.h"

#define ANVIL_PROTO "anvil"
#define ANVIL_VERSION 1
#define ANVIL_SOCKET "private/anvil"
#define ANVIL_NAME_MAX 255
/* Entries of one status reply (the record limit is ATTR_MAX_COUNT). */
#define ANVIL_STATUS_MAX 1000

enum anvil_result {
	ANVIL_OK = 0,
	ANVIL_UNAVAILABLE = 1,	/* no answer, or nothing counted (logged) */
};

typedef struct anvil_client anvil_client_t;

/* socket_path: private/anvil as this process reaches it; timeout bounds
 * the connect and every read and write.  Connects lazily, keeps one
 * connection, and replaces it once when it is found broken. */
anvil_client_t *anvil_client_new(const char *socket_path, int timeout);
/* Closing the connection gives back everything counted over it. */
void anvil_client_free(anvil_client_t **cp);

/* A new connection of service from client: ANVIL_OK with the numbers of
 * the connect reply; ANVIL_UNAVAILABLE with a warning logged, which the
 * caller answers by letting the client in unchecked (fail open, as
 * Postfix does: a missing anvil must not stop mail).  handoff: see above. */
int anvil_client_connect(anvil_client_t *c, const char *service,
			 const char *client, int handoff, long *count_r,
			 long *rate_r);
/* That connection ended (only after an ANVIL_OK connect). */
int anvil_client_disconnect(anvil_client_t *c, const char *service,
			    const char *client);

#endif

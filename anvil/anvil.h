/* anvil.h - what the files of the anvil daemon share.
 *
 *   anvil.c          main, the daemon spec, start-up hooks
 *   anvil_conn.c     peer connections: records in, replies out, limits,
 *                    timeouts, retirement
 *   anvil_request.c  one request (connect, disconnect, status) -> one reply
 *   anvil_table.c    the counters themselves, pure bookkeeping
 *
 * The protocol is in lib/anvil_client.h, the program in anvil(8).
 */
#ifndef TERN_ANVIL_H
#define TERN_ANVIL_H

#include "anvil_table.h"
#include "attr.h"
#include "daemon.h"

/* anvil_request.c */
/* Create the table from main.conf (anvil_rate_time_unit, anvil_table_size). */
void anvil_request_init(void);
/* What one peer connection holds: a new, empty owner. */
anvil_owner_t *anvil_request_owner_new(void);
/* The peer connection closed: give back what it held (logged when
 * anything was, naming peer) and free *op. */
void anvil_request_owner_free(anvil_owner_t **op, const char *peer);
/* Answer req from peer (holding o) in reply: 0, or -1 when req is
 * malformed (the connection is then closed). */
int anvil_request_handle(const attr_t *req, anvil_owner_t *o,
			 const char *peer, attr_t *reply);

/* anvil_conn.c */
void anvil_conn_init(void);
void anvil_conn_accept(const daemon_client_t *client);
/* Reload or stop: let connections that hold nothing go now, the others
 * once they hold nothing. */
void anvil_conn_retire(void);
/* Peer connections open now (for the status reply). */
long anvil_conn_count(void);

#endif

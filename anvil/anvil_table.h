/* anvil_table.h - the counters of anvil: open connections and the
 * connection rate per (service, client address).
 *
 * An entry counts the connections of one client address to one service
 * that are open now (count) and those made in the current time unit
 * (rate).  As in Postfix, the time unit is a window that starts with the
 * first connection after the previous window ended and lasts `unit_ms`:
 * every connection counted in rate came within the last unit_ms.
 *
 * Counts are held by owners, one per peer connection of anvil: an owner
 * remembers what it holds, and freeing it gives everything back, so a
 * server that dies without saying goodbye leaks nothing.  A connect with
 * handoff (a process taking over a client another one admitted) counts
 * the connection as open but not again in the rate.
 *
 * Memory is bounded: at most max_entries entries.  An entry with open
 * connections stays; one without is forgotten when its time unit is over
 * (at the latest unit_ms after its last connection closed), or earlier,
 * oldest first, when a new entry needs its place.  When every entry has
 * open connections, a connect of a new pair is refused (-1) and nothing
 * is counted.  Pure bookkeeping: times are passed in (milliseconds on a
 * monotonic clock), so the unit test can play with time.
 */
#ifndef TERN_ANVIL_TABLE_H
#define TERN_ANVIL_TABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct anvil_table anvil_table_t;
typedef struct anvil_owner anvil_owner_t;

anvil_table_t *anvil_table_new(long unit_ms, size_t max_entries);
/* Every owner must have been freed first. */
void anvil_table_free(anvil_table_t **tp);

anvil_owner_t *anvil_owner_new(anvil_table_t *t);
/* Give back everything o holds (at now) and free it; returns the number
 * of connections that were still held. */
long anvil_owner_free(anvil_table_t *t, anvil_owner_t **op, int64_t now);
/* Connections o holds now. */
long anvil_owner_held(const anvil_owner_t *o);

/* A connection of client to service, held by o.  0 with *count_r (open
 * connections of the pair, this one included) and *rate_r (connections
 * in the current time unit, this one included unless handoff); -1 when
 * the table is full of entries with open connections. */
int anvil_table_connect(anvil_table_t *t, anvil_owner_t *o,
			const char *service, const char *client, int handoff,
			int64_t now, long *count_r, long *rate_r);
/* o's connection of client to service ended: 0, or -1 when o held none
 * (nothing changes). */
int anvil_table_disconnect(anvil_table_t *t, anvil_owner_t *o,
			   const char *service, const char *client,
			   int64_t now);

/* Open connections and current rate of a pair (0 and 0 when unknown). */
void anvil_table_lookup(anvil_table_t *t, const char *service,
			const char *client, int64_t now, long *count_r,
			long *rate_r);
/* Call fn for each entry with open connections or a rate in its current
 * time unit, in no particular order; returns the number of calls. */
typedef void (*anvil_table_walk_fn)(const char *service, const char *client,
				    long count, long rate, void *ctx);
size_t anvil_table_walk(anvil_table_t *t, int64_t now, anvil_table_walk_fn fn,
			void *ctx);
/* Entries kept now (after forgetting what has expired at now). */
size_t anvil_table_size(anvil_table_t *t, int64_t now);

#endif

/* auth_penalty.h - failure delays and limits per client address.
 *
 * auth remembers, per client address, how many logins failed and when the
 * last one did.  Each failure's reply is held back longer than the one
 * before (delay, 2 x delay, 4 x delay, ... up to delay_max); once `limit`
 * failures came with no gap of `window` between them, the address is
 * refused outright, without a password check, until `window` has passed
 * since its last failure.  A success forgets the address.  IPv6 addresses
 * count per /64, since one host commonly owns a whole /64.
 *
 * The table holds at most max_entries addresses; when full, the one whose
 * last failure is oldest is forgotten first.  Pure bookkeeping: times are
 * passed in (milliseconds on a monotonic clock), nothing sleeps, so the
 * event loop can hold a reply with a timer and the unit test can play with
 * time.
 */
#ifndef TERN_AUTH_PENALTY_H
#define TERN_AUTH_PENALTY_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct auth_penalty auth_penalty_t;

typedef struct auth_penalty_limits {
	long delay_ms;		/* delay of the first failure; 0: none */
	long delay_max_ms;	/* the delay never grows past this */
	long limit;		/* failures before refusal; 0: no limit */
	long window_ms;		/* how long a failure is remembered */
	size_t max_entries;	/* addresses remembered at most */
} auth_penalty_limits_t;

auth_penalty_t *auth_penalty_new(const auth_penalty_limits_t *limits);
void auth_penalty_free(auth_penalty_t **pp);

/* 1 when addr is refused outright at now, else 0. */
int auth_penalty_blocked(auth_penalty_t *p, const char *addr, int64_t now);
/* Record a failure of addr at now; returns how many milliseconds to hold
 * back the failure reply. */
long auth_penalty_fail(auth_penalty_t *p, const char *addr, int64_t now);
/* A success of addr: forget its failures. */
void auth_penalty_success(auth_penalty_t *p, const char *addr);
/* Failures remembered for addr at now (0 when none). */
long auth_penalty_failures(auth_penalty_t *p, const char *addr, int64_t now);
/* Addresses remembered. */
size_t auth_penalty_size(const auth_penalty_t *p);

/* The table key of a client address: IPv6 reduced to its /64, IPv4 (also
 * IPv4-mapped IPv6) and anything unparsable kept as given. */
void auth_penalty_key(const char *addr, buf_t *key);

#endif

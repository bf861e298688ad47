/* auth_penalty.h - failure delays and limits per client address and per
 * user.
 *
 * auth keeps three tables of failed logins, each entry a failure count and
 * the time of the last failure:
 *
 *   address        per client address (IPv6 per /64, since one host
 *                  commonly owns a whole /64): the budget of the address.
 *                  Each failure's reply is held back longer than the one
 *                  before (delay, 2 x delay, 4 x delay, ... up to
 *                  delay_max); once `limit` failures came with no gap of
 *                  `window` between them, the address is refused outright,
 *                  without a password check, for every user, until
 *                  `window` has passed since its last failure.
 *   address+user   per client address and user name, remembered as long as
 *                  the longer of the two windows: what the address did to
 *                  that one user.
 *   user           per user name, from all addresses together: slows down
 *                  and limits the guessing at one account from many
 *                  addresses.  Its failures delay a failure's reply as the
 *                  address's do (the longer of the two delays counts, never
 *                  more than delay_max); once `user_limit` failures came
 *                  with no gap of `user_window` between them, the user is
 *                  locked out - but only at the addresses that failed for
 *                  that user within the last `user_window`.
 *
 * A success of user U from address A forgets the address+user entry and
 * takes U's failures from A off A's count - and nothing else:
 *
 *   - It must not clear A's whole count: anyone who owns one account could
 *     then log in to it between guesses at another account and never meet
 *     the limit of A.  Only U's own failures are forgiven, which someone
 *     who knows U's password could have spent anyway; so a user who mistyped
 *     a few times and then got it right does not use up the budget of a
 *     shared address.  Forgiveness counts only failures made since A's entry
 *     was created (a serial number ties them), so that an address whose
 *     entry was forgotten and made again cannot have its new failures paid
 *     off by old ones of U.
 *   - It does not clear U's count across addresses: the real user logging
 *     in says nothing about the guessing from elsewhere, and clearing it
 *     would hand the attacker a fresh limit with each of the real user's
 *     logins (a phone polling every minute).
 *
 * Why the user limit locks out only the addresses that failed for U: a
 * lockout of the account as such is a denial of service that any attacker
 * can keep up with `user_limit` guesses per `user_window`, from addresses
 * that each stay far within their own budget.  Here, while U is locked
 * out, an address with no recent failure for U still has its credentials
 * checked: the real user at home or at work is never refused because of
 * someone else's guessing, and a guessing address gets one guess at U, after
 * which that address is refused for U.  So an attacker with N addresses
 * gets `user_limit` guesses plus at most one per address per `user_window`,
 * instead of `limit` per address per `window`; and the real user is
 * refused only after failing for U from that same address, and for at most
 * `user_window` after the last such failure, whatever others do (an
 * attacker behind the same address - one NAT, one IPv6 /64 - shares that
 * address's fate, as with the address budget).  A refused request is not a
 * failure: refusals never extend a window.
 *
 * User names are keyed as auth looks them up: in lower case.  A name that
 * cannot be a stored user (not an address, too long) is keyed as one
 * shared name that no real user can have, so a name never costs more
 * memory than an address, and nothing typed into the user field by
 * mistake (a password) is kept.  Unknown but well-formed names are counted
 * like real users, which they must be: a limit that only real users could
 * reach would tell an attacker which users exist.
 *
 * Each table is bounded: the address and the address+user tables hold at
 * most max_entries each, the user table user_max_entries; when one is full,
 * its entry whose last failure is oldest is forgotten first.  Forgetting
 * errs on the safe side for forgiveness (less is forgiven) and costs an
 * attacker, who must fail that many times to flush a table, more guesses
 * than it gains.  Pure bookkeeping: times are passed in (milliseconds on a
 * monotonic clock), nothing sleeps, so the event loop can hold a reply with
 * a timer and the unit test can play with time.
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
	long limit;		/* failures before an address is refused;
				 * 0: no limit */
	long window_ms;		/* how long an address's failure is remembered */
	size_t max_entries;	/* addresses, and address+user pairs, each */
	long user_limit;	/* failures before a user is locked out;
				 * 0: no lockout (the delay still grows) */
	long user_window_ms;	/* how long a user's failure is remembered */
	size_t user_max_entries;	/* users remembered at most */
} auth_penalty_limits_t;

/* Why a login is refused before its credentials are checked. */
enum auth_penalty_refusal {
	AUTH_PENALTY_NONE = 0,		/* not refused: check the credentials */
	AUTH_PENALTY_ADDRESS,		/* the address is over its limit */
	AUTH_PENALTY_USER,		/* the user is over its limit, and this
					 * address failed for it recently */
};

enum auth_penalty_table {
	AUTH_PENALTY_ADDRESSES, AUTH_PENALTY_PAIRS, AUTH_PENALTY_USERS,
};

auth_penalty_t *auth_penalty_new(const auth_penalty_limits_t *limits);
void auth_penalty_free(auth_penalty_t **pp);

/* Whether a login of user from addr is refused outright at now. */
enum auth_penalty_refusal auth_penalty_check(auth_penalty_t *p,
					     const char *addr,
					     const char *user, int64_t now);
/* Record a failure of user from addr at now; returns how many milliseconds
 * to hold back the failure reply. */
long auth_penalty_fail(auth_penalty_t *p, const char *addr, const char *user,
		       int64_t now);
/* A success of user from addr at now: forget user's failures from addr,
 * also in addr's count. */
void auth_penalty_success(auth_penalty_t *p, const char *addr,
			  const char *user, int64_t now);

/* Failures remembered at now (0 when none): of addr, of user from addr, of
 * user from anywhere. */
long auth_penalty_failures(auth_penalty_t *p, const char *addr, int64_t now);
long auth_penalty_pair_failures(auth_penalty_t *p, const char *addr,
				const char *user, int64_t now);
long auth_penalty_user_failures(auth_penalty_t *p, const char *user,
				int64_t now);
/* Entries in one table (expired ones included until the next call that
 * takes a time). */
size_t auth_penalty_size(const auth_penalty_t *p, enum auth_penalty_table t);

/* The table key of a client address: IPv6 reduced to its /64, IPv4 (also
 * IPv4-mapped IPv6) and anything unparsable kept as given. */
void auth_penalty_key(const char *addr, buf_t *key);
/* The table key of a user name: lower case; AUTH_PENALTY_NOT_A_USER for a
 * name that cannot be a stored user. */
void auth_penalty_user_key(const char *user, buf_t *key);
#define AUTH_PENALTY_NOT_A_USER "(not-a-user)"

#endif

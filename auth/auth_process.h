/* auth_process.h - a failure budget per login process.
 *
 * The address a login process names in a verify request is only as true
 * as that process: one that was taken over could name a new address with
 * every guess and so escape the per-address limit, or ask for lookups to
 * learn which users exist.  auth therefore also counts, per login process
 * (the peer's pid from SO_PEERCRED, which the process cannot choose), its
 * failed verifications and every lookup it asks for (a login process has
 * no use for one), and refuses the process once `limit` of them came within
 * `window`.  Never a cap per uid: every login process shares login_user,
 * and one process's clients must not pay for another's.  Pure
 * bookkeeping, times passed in, bounded: when full, the process seen least
 * recently is forgotten.
 */
#ifndef TERN_AUTH_PROCESS_H
#define TERN_AUTH_PROCESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct auth_process auth_process_t;

/* limit 0: no budget. */
auth_process_t *auth_process_new(long limit, long window_ms, size_t max_entries);
void auth_process_free(auth_process_t **pp);
/* 1 when pid has spent its budget at now. */
int auth_process_over(auth_process_t *p, pid_t pid, int64_t now);
/* Count one failure (or lookup) of pid at now; returns its count. */
long auth_process_spend(auth_process_t *p, pid_t pid, int64_t now);

#endif

/* auth_queue.h - the order in which auth checks passwords.
 *
 * A password check is the one slow thing auth does (a yescrypt hash:
 * tens of milliseconds of CPU), and auth does it in its one process.
 * Checked in arrival order, a burst of guesses from a few addresses,
 * sent concurrently, made every other login wait behind all of them, and
 * each guess was hashed before the failures before it had been counted,
 * so the per-address limit did not bound the work (audit i12-10).  So
 * verify requests wait here, and auth checks one per round of its event
 * loop (lookups and token redemptions are answered as they come, between
 * checks), taking turns by client address: the next check belongs to the
 * address whose turn it is, which then goes to the back of the line.  An
 * address's next guess is checked only after its previous one was
 * counted, and a legitimate login waits for one check per address that
 * has requests waiting, not for every request.  Keys are what
 * auth_penalty_key() makes (IPv6 by /64).
 *
 * Pure bookkeeping of opaque items; bounded by auth's connections (one
 * request each).
 */
#ifndef TERN_AUTH_QUEUE_H
#define TERN_AUTH_QUEUE_H

#include <stddef.h>

typedef struct auth_queue auth_queue_t;

auth_queue_t *auth_queue_new(void);
void auth_queue_free(auth_queue_t **qp);
/* item waits behind the other items of key. */
void auth_queue_add(auth_queue_t *q, const char *key, void *item);
/* The item whose turn it is, taken out; NULL when none waits. */
void *auth_queue_next(auth_queue_t *q);
/* Take item out wherever it waits (its connection closed); 0 when it
 * was not there. */
int auth_queue_remove(auth_queue_t *q, void *item);
size_t auth_queue_count(const auth_queue_t *q);

#endif

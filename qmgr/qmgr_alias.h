/* qmgr_alias.h - alias expansion of a message's recipients (architecture §3).
 *
 * Pure logic over a lookup callback, so the unit tests can drive it with a
 * table and qmgr with the alias_maps databases.  The expansion is written
 * to the queue file as "add"/"expand" records (queue.h) before anything is
 * delivered, so a crash can never expand a message twice differently.
 */
#ifndef TERN_QMGR_ALIAS_H
#define TERN_QMGR_ALIAS_H

#include "alias.h"
#include "buf.h"
#include "queue.h"

/*
 * Expand every recipient of m that is not final: an alias is replaced by
 * its targets ("add" records, then "expand"), recursively, looked up under
 * the keys of alias_lookup().  An address already in its own chain of
 * aliases is not expanded again (a self-reference delivers to the user,
 * a loop ends); a target equal to another recipient of the message is
 * dropped.  Bare targets get the domain of the alias they came from, and
 * targets longer than a queue file holds (QUEUE_MAX_ADDR) are ignored;
 * nesting ends at ALIAS_MAX_DEPTH.  A message grows to at most the
 * recipients a queue file holds (QUEUE_MAX_TOTAL_RCPTS): an alias whose
 * expansion would go past that fails (5.2.4) and is returned to the sender.
 * Records go to fd unsynced; m is updated to match.  0, or -1 when a
 * lookup failed (try the message again later); *err_r says why.
 */
int qmgr_alias_expand(queue_msg_t *m, int fd, const alias_conf_t *conf,
		      const char **err_r);

#endif

/* qmgr_alias.h - alias expansion of a message's recipients (architecture §3).
 *
 * Pure logic over a lookup callback, so the unit tests can drive it with a
 * table and qmgr with the alias_maps databases.  The expansion is written
 * to the queue file as "add"/"expand" records (queue.h) before anything is
 * delivered, so a crash can never expand a message twice differently.
 */
#ifndef TERN_QMGR_ALIAS_H
#define TERN_QMGR_ALIAS_H

#include "buf.h"
#include "queue.h"

/* Nesting depth.  The recipients one message may grow to are those a
 * queue file holds (QUEUE_MAX_TOTAL_RCPTS): an alias whose expansion
 * would go past that fails (5.2.4) and is returned to the sender. */
#define QMGR_ALIAS_MAX_DEPTH 20

typedef struct qmgr_alias_conf {
	char *const *local_domains;	/* mydestination */
	const char *delimiter;		/* recipient_delimiter */
	const char *origin;		/* domain of bare addresses */
	/* 1 found (targets in value_r), 0 not found, -1 temporary error. */
	int (*lookup)(const char *key, buf_t *value_r, void *ctx);
	void *ctx;
} qmgr_alias_conf_t;

/*
 * Expand every recipient of m that is not final: an alias is replaced by
 * its targets ("add" records, then "expand"), recursively.  Keys tried, in
 * lower case: local@domain, base@domain (extension removed), and for
 * local domains local, then base.  An address already in its own chain of
 * aliases is not expanded again (a self-reference delivers to the user,
 * a loop ends); a target equal to another recipient of the message is
 * dropped.  Bare targets get the domain of the alias they came from, and
 * targets longer than a queue file holds (QUEUE_MAX_ADDR) are ignored.
 * Records go to fd unsynced; m is updated to match.  0, or -1 when a
 * lookup failed (try the message again later); *err_r says why.
 */
int qmgr_alias_expand(queue_msg_t *m, int fd, const qmgr_alias_conf_t *conf,
		      const char **err_r);

/* addr in lower case with a domain (origin when it has none). */
void qmgr_alias_canon(const char *addr, const char *origin, buf_t *out);

#endif

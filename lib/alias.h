/* alias.h - what an alias is (architecture §3): the keys an address is
 * looked up under, how an alias's targets are read, and where an address
 * ends up once every alias on the way has been followed.
 *
 * Pure logic over a lookup callback.  qmgr expands each message's
 * recipients with it (qmgr_alias.c, which also records the expansion in
 * the queue file); `mailctl check` follows postmaster with it, so the two
 * always agree on where postmaster's mail goes.  The alias_maps databases
 * are one such callback (alias_db.h).
 */
#ifndef TERN_ALIAS_H
#define TERN_ALIAS_H

#include <stddef.h>

#include "buf.h"

/* Nesting depth: an address this deep in aliases is not expanded again. */
#define ALIAS_MAX_DEPTH 20

/* What separates the targets of an alias. */
#define ALIAS_TARGET_SEPARATORS ", \t\r\n"

typedef struct alias_conf {
	char *const *local_domains;	/* mydestination */
	const char *delimiter;		/* recipient_delimiter */
	const char *origin;		/* domain of bare addresses */
	/* 1 found (targets in value_r), 0 not found, -1 temporary error. */
	int (*lookup)(const char *key, buf_t *value_r, void *ctx);
	void *ctx;
} alias_conf_t;

/* addr in lower case with a domain (origin when it has none). */
void alias_canon(const char *addr, const char *origin, buf_t *out);

/*
 * Look up canon (an alias_canon() form) under each of its keys, in lower
 * case: local@domain, base@domain (the recipient_delimiter extension
 * removed), and for local domains local, then base.  The value of the
 * first hit goes to value_r.  1 found, 0 not, -1 when a lookup failed.
 */
int alias_lookup(const alias_conf_t *conf, const char *canon, buf_t *value_r);

/*
 * One target of an alias, the n octets at t: "<addr>" and "addr" forms;
 * a bare local part takes domain (the alias's own).  0 with the address
 * in out, -1 when it is no usable address.
 */
int alias_target(const char *t, size_t n, const char *domain, buf_t *out);

/*
 * Follow addr through every alias, as delivery would: final() is called
 * with the canonical form of each address that is no alias (and of one
 * reached again through its own aliases, which delivers to that user, or
 * nested ALIAS_MAX_DEPTH deep).  An alias with no usable target is final
 * itself.  0, or -1 when a lookup failed.
 */
int alias_resolve(const alias_conf_t *conf, const char *addr,
		  void (*final)(const char *canon, void *ctx), void *ctx);

#endif

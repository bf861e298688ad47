/* alias_db.h - alias lookups in the alias_maps databases: the lookup
 * callback of alias.h for qmgr and `mailctl check`.
 *
 * Each file of alias_maps is compiled by mailctl into FILE.db and replaced
 * by rename; a database that was replaced is reopened before the next
 * lookup, so `mailctl alias add` takes effect without a restart.  A map
 * whose database does not exist holds no aliases; one that exists but
 * cannot be read is a temporary error (mail waits), never a silent "no
 * such alias".
 */
#ifndef TERN_ALIAS_DB_H
#define TERN_ALIAS_DB_H

#include "buf.h"

typedef struct alias_db alias_db_t;

/* The databases of files (NULL-terminated text map paths); each is opened
 * at its first lookup. */
alias_db_t *alias_db_new(char *const *files);
void alias_db_free(alias_db_t **dbp);
/* The alias_conf_t lookup: ctx is the alias_db_t.  The first database
 * that has key answers.  1 found, 0 not, -1 a database cannot be read
 * (logged as a warning). */
int alias_db_lookup(const char *key, buf_t *value_r, void *ctx);

#endif

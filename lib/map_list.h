/* map_list.h - the databases of a list parameter of text maps
 * (transport_maps, smtp_sasl_password_maps), looked up in order.
 *
 * Each FILE of the list is compiled by mailctl into FILE.db and replaced
 * by rename; a database that was replaced is reopened before the next
 * lookup (map_changed), so `mailctl transport add` takes effect without
 * a restart.  A FILE.db that does not exist holds no entries; one that
 * exists and cannot be read is an error (the caller defers its mail),
 * never a silent "not found".  This is what alias_db.c does for
 * alias_maps, for maps whose callers need no alias_conf_t.
 */
#ifndef TERN_MAP_LIST_H
#define TERN_MAP_LIST_H

#include "buf.h"

typedef struct map_list map_list_t;

/* The databases of files (NULL-terminated text map paths, FILE.db each),
 * opened now.  NULL with *err_r (mem-allocated) when a database exists
 * and cannot be opened. */
map_list_t *map_list_open(char *const *files, char **err_r);
void map_list_free(map_list_t **lp);
/* Keep the databases open now for good, never looking at the paths
 * again: for a process that chroots after opening them (smtp-out), which
 * could no longer tell a replaced database from a missing one.  Changes
 * reach the processes started after them. */
void map_list_fix(map_list_t *l);

/* The value of key in the first database that has it: 1 found (with the
 * database's path in *path_r unless path_r is NULL), 0 in none, -1 a
 * database cannot be read (logged as a warning). */
int map_list_get(map_list_t *l, const char *key, buf_t *value_r,
		 const char **path_r);

#endif

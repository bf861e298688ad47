/* map.h - the lookup interface of every map and index (architecture §3).
 *
 * open/get/put/del/iterate/close over Berkeley DB as the first backend, so
 * another backend (LMDB) can be added behind the same calls.  Maps are text
 * files compiled into a database file that is replaced by rename, never
 * edited in place; readers reopen it when map_changed() says the file was
 * replaced.  Keys are strings (stored without the NUL); values are bytes.
 */
#ifndef TERN_MAP_H
#define TERN_MAP_H

#include <stddef.h>

#include "buf.h"

typedef struct map map_t;

#define MAP_RDONLY 0
#define MAP_RDWR   1
#define MAP_CREATE 2	/* with MAP_RDWR: create when missing */

/* path is the database file itself ("DIR/users.db").  NULL with *err_r. */
map_t *map_open(const char *path, int flags, char **err_r);
void map_close(map_t **mp);

/* 1 found (value in value_r), 0 not found, -1 error (logged). */
int map_get(map_t *m, const char *key, buf_t *value_r);
int map_put(map_t *m, const char *key, const void *value, size_t len);
/* 1 deleted, 0 not there, -1 error. */
int map_del(map_t *m, const char *key);
/* Calls cb for each entry until it returns non-zero (which is returned). */
int map_iterate(map_t *m, int (*cb)(const char *key, size_t klen,
				    const char *value, size_t vlen, void *ctx),
		void *ctx);
/* Write changes to disk (fsync).  0 or -1. */
int map_sync(map_t *m);
/* 1 when the file at the map's path is no longer the one opened. */
int map_changed(map_t *m);
const char *map_path(const map_t *m);

/*
 * Compile a text map into dbpath atomically: build "dbpath.tmp<pid>", fsync,
 * rename over dbpath.  Each non-blank, non-comment line of src is
 * "key<sep>value" where sep is white space, or ':' followed by white space
 * when colon is set (aliases).  Continuation lines start with white space.
 * lower_keys folds keys to lower case.  Returns entries written, or -1 with
 * *err_r naming the file and line.
 */
int map_compile(const char *src, const char *dbpath, int colon,
		int lower_keys, char **err_r);

#endif

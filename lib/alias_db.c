/* alias_db.c - alias lookups in the alias_maps databases; see alias_db.h. */
#include <errno.h>
#include <unistd.h>

#include "alias_db.h"
#include "log.h"
#include "map.h"
#include "mem.h"

struct alias_db {
	char **paths;		/* FILE.db of each alias_maps file */
	map_t **maps;		/* NULL: not open, or absent */
	size_t count;
};

alias_db_t *alias_db_new(char *const *files)
{
	alias_db_t *db = MEM_NEW(alias_db_t);

	while (files[db->count] != NULL)
		db->count++;
	db->paths = mem_reallocarray(NULL, db->count + 1, sizeof(char *));
	db->maps = mem_zalloc((db->count + 1) * sizeof(map_t *));
	for (size_t i = 0; i < db->count; i++)
		db->paths[i] = mem_printf("%s.db", files[i]);
	return db;
}

void alias_db_free(alias_db_t **dbp)
{
	alias_db_t *db = *dbp;

	if (db == NULL)
		return;
	for (size_t i = 0; i < db->count; i++) {
		map_close(&db->maps[i]);
		mem_free(db->paths[i]);
	}
	mem_free(db->maps);
	mem_free(db->paths);
	MEM_FREE(*dbp);
}

/* 0 with the map open (or absent: NULL), -1 when it cannot be read. */
static int alias_db_reopen(alias_db_t *db, size_t i)
{
	map_t **m = &db->maps[i];
	char *err = NULL;

	if (*m != NULL && !map_changed(*m))
		return 0;
	map_close(m);
	if (access(db->paths[i], F_OK) < 0 && errno == ENOENT)
		return 0;
	*m = map_open(db->paths[i], MAP_RDONLY, &err);
	if (*m == NULL) {
		log_warn("%s", err);
		mem_free(err);
		return -1;
	}
	return 0;
}

int alias_db_lookup(const char *key, buf_t *value_r, void *ctx)
{
	alias_db_t *db = ctx;

	for (size_t i = 0; i < db->count; i++) {
		int r;

		if (alias_db_reopen(db, i) < 0)
			return -1;
		if (db->maps[i] == NULL)
			continue;
		r = map_get(db->maps[i], key, value_r);
		if (r != 0)
			return r;
	}
	return 0;
}

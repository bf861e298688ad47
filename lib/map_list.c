/* map_list.c - the databases of a list of text maps; see map_list.h. */
#include <errno.h>
#include <unistd.h>

#include "log.h"
#include "map.h"
#include "map_list.h"
#include "mem.h"

struct map_list {
	char **paths;		/* FILE.db of each file */
	map_t **maps;		/* NULL: not open, or absent */
	size_t count;
	int fixed;		/* never reopened (map_list_fix) */
};

/* 0 with the map open (or absent: NULL), -1 with *err_r when it exists
 * and cannot be opened. */
static int map_list_reopen(map_list_t *l, size_t i, char **err_r)
{
	map_t **m = &l->maps[i];

	if (l->fixed || (*m != NULL && !map_changed(*m)))
		return 0;
	map_close(m);
	if (access(l->paths[i], F_OK) < 0 && errno == ENOENT)
		return 0;
	*m = map_open(l->paths[i], MAP_RDONLY, err_r);
	return *m == NULL ? -1 : 0;
}

map_list_t *map_list_open(char *const *files, char **err_r)
{
	map_list_t *l = MEM_NEW(map_list_t);

	while (files[l->count] != NULL)
		l->count++;
	l->paths = mem_reallocarray(NULL, l->count + 1, sizeof(char *));
	l->maps = mem_zalloc((l->count + 1) * sizeof(map_t *));
	for (size_t i = 0; i < l->count; i++)
		l->paths[i] = mem_printf("%s.db", files[i]);
	for (size_t i = 0; i < l->count; i++) {
		if (map_list_reopen(l, i, err_r) < 0) {
			map_list_free(&l);
			return NULL;
		}
	}
	return l;
}

void map_list_fix(map_list_t *l)
{
	l->fixed = 1;
}

void map_list_free(map_list_t **lp)
{
	map_list_t *l = *lp;

	if (l == NULL)
		return;
	for (size_t i = 0; i < l->count; i++) {
		map_close(&l->maps[i]);
		mem_free(l->paths[i]);
	}
	mem_free(l->maps);
	mem_free(l->paths);
	MEM_FREE(*lp);
}

int map_list_get(map_list_t *l, const char *key, buf_t *value_r,
		 const char **path_r)
{
	for (size_t i = 0; i < l->count; i++) {
		char *err = NULL;
		int r;

		if (map_list_reopen(l, i, &err) < 0) {
			log_warn("%s", err);
			mem_free(err);
			return -1;
		}
		if (l->maps[i] == NULL)
			continue;
		r = map_get(l->maps[i], key, value_r);
		if (r > 0 && path_r != NULL)
			*path_r = l->paths[i];
		if (r != 0)
			return r;
	}
	return 0;
}

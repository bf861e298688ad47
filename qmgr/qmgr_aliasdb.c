/* qmgr_aliasdb.c - alias lookups in the alias_maps databases.
 *
 * Each file of alias_maps is compiled by mailctl into FILE.db and
 * replaced by rename; a database that was replaced is reopened before the
 * next lookup, so `mailctl alias add` takes effect without a restart.  A
 * map whose database does not exist holds no aliases; one that exists
 * but cannot be read is a temporary error (the message waits), never a
 * silent "no such alias".
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "map.h"
#include "mem.h"
#include "qmgr.h"
#include "qmgr_alias.h"

static char **qmgr_aliasdb_paths;
static map_t **qmgr_aliasdb_maps;
static size_t qmgr_aliasdb_count;

static int qmgr_aliasdb_lookup(const char *key, buf_t *value_r, void *ctx);

struct qmgr_alias_conf qmgr_alias_conf = { .lookup = qmgr_aliasdb_lookup };

/* 0 with the map open (or absent: NULL), -1 when it cannot be read. */
static int qmgr_aliasdb_reopen(size_t i)
{
	map_t **m = &qmgr_aliasdb_maps[i];
	char *err = NULL;

	if (*m != NULL && !map_changed(*m))
		return 0;
	map_close(m);
	if (access(qmgr_aliasdb_paths[i], F_OK) < 0 && errno == ENOENT)
		return 0;
	*m = map_open(qmgr_aliasdb_paths[i], MAP_RDONLY, &err);
	if (*m == NULL) {
		log_warn("%s", err);
		mem_free(err);
		return -1;
	}
	return 0;
}

static int qmgr_aliasdb_lookup(const char *key, buf_t *value_r, void *ctx)
{
	(void) ctx;
	for (size_t i = 0; i < qmgr_aliasdb_count; i++) {
		int r;

		if (qmgr_aliasdb_reopen(i) < 0)
			return -1;
		if (qmgr_aliasdb_maps[i] == NULL)
			continue;
		r = map_get(qmgr_aliasdb_maps[i], key, value_r);
		if (r != 0)
			return r;
	}
	return 0;
}

void qmgr_aliasdb_init(void)
{
	char **files = config_list("alias_maps");

	for (size_t i = 0; files[i]; i++) {
		qmgr_aliasdb_paths = mem_reallocarray(qmgr_aliasdb_paths, i + 1,
						      sizeof(char *));
		qmgr_aliasdb_paths[i] = mem_printf("%s.db", files[i]);
		qmgr_aliasdb_count = i + 1;
	}
	qmgr_aliasdb_maps = mem_zalloc((qmgr_aliasdb_count + 1) * sizeof(map_t *));
	config_list_free(&files);
	qmgr_alias_conf.local_domains = qmgr_conf.mydestination;
	qmgr_alias_conf.delimiter = qmgr_conf.delimiter;
	qmgr_alias_conf.origin = qmgr_conf.myorigin;
}

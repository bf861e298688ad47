/* auth_db.c - auth's handle on users.db (architecture §3).
 *
 * The database is "$user_database.db", compiled by mailctl and replaced by
 * rename, never edited in place.  It is opened before the privilege drop
 * and, whenever map_changed() says the file was replaced, opened again as
 * auth_owner; until the new file opens, the old one keeps serving, so a
 * half-made change never locks everyone out.  Without any open database
 * every request is a temporary failure, and opening is retried at most
 * once a second.
 *
 * Values hold password hashes and APOP secrets: they are wiped from
 * memory as soon as they are parsed.
 */
#include <string.h>

#include "auth.h"
#include "config.h"
#include "event.h"
#include "log.h"
#include "map.h"
#include "mem.h"

#define AUTH_DB_RETRY_MS 1000

static struct {
	map_t *map;
	char *path;
	int64_t last_try;
	int failing;		/* the last open failed (logged once) */
} db;

/* Open db.path; on success it replaces the map in use. */
static void auth_db_try_open(void)
{
	char *err = NULL;
	map_t *m;

	db.last_try = event_now_ms();
	m = map_open(db.path, MAP_RDONLY, &err);
	if (m == NULL) {
		if (!db.failing)
			log_error("users database %s%s", err, db.map != NULL ?
				  "; the previous version stays in use" :
				  "; every login fails temporarily");
		db.failing = 1;
		mem_free(err);
		return;
	}
	if (db.map != NULL) {
		map_close(&db.map);
		log_info("users database %s reopened", db.path);
	} else if (db.failing) {
		log_info("users database %s opened", db.path);
	}
	db.failing = 0;
	db.map = m;
}

void auth_db_open(void)
{
	db.path = mem_printf("%s.db", config_str("user_database"));
	auth_db_try_open();
}

static void auth_db_refresh(void)
{
	if (db.map != NULL && !map_changed(db.map))
		return;
	if (db.failing && event_now_ms() - db.last_try < AUTH_DB_RETRY_MS)
		return;
	auth_db_try_open();
}

int auth_db_get(const char *address, users_entry_t *e)
{
	buf_t value = BUF_INIT;
	const char *why;
	int r;

	memset(e, 0, sizeof(*e));
	auth_db_refresh();
	if (db.map == NULL)
		return -1;
	r = map_get(db.map, address, &value);
	if (r == 1 && users_parse_value(address, value.data, value.len, e,
					&why) < 0) {
		log_error("users database %s: entry of %s: %s", db.path,
			  auth_request_loggable(address), why);
		r = -1;
	}
	if (value.data != NULL)
		explicit_bzero(value.data, value.len);
	buf_release(&value);
	return r;
}

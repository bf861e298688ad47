/* qmgr_aliasdb.c - qmgr's alias expansion settings: the alias_maps
 * databases (lib/alias_db.h) and the domains of main.conf. */
#include "alias_db.h"
#include "config.h"
#include "qmgr.h"
#include "qmgr_alias.h"

alias_conf_t qmgr_alias_conf = { .lookup = alias_db_lookup };

void qmgr_aliasdb_init(void)
{
	char **files = config_list("alias_maps");

	qmgr_alias_conf.ctx = alias_db_new(files);
	config_list_free(&files);
	qmgr_alias_conf.local_domains = qmgr_conf.mydestination;
	qmgr_alias_conf.delimiter = qmgr_conf.delimiter;
	qmgr_alias_conf.origin = qmgr_conf.myorigin;
}

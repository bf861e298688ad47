/* transport_maps.c - lookups of a domain's route in transport_maps; see
 * transport.h for the order of the keys.
 *
 * A value that does not parse is logged and answered with -1, so qmgr
 * defers the mail (4.3.5) until the administrator fixes the map, rather
 * than sending it where the map did not say.
 */
#include <string.h>

#include "config.h"
#include "log.h"
#include "map_list.h"
#include "mem.h"
#include "transport.h"

struct transport_maps {
	map_list_t *list;
};

/* One key in whatever the lookup searches: 1, 0 or -1 as map_get, with
 * the database's path in *path_r. */
typedef int transport_get_fn(void *ctx, const char *key, buf_t *value_r,
			     const char **path_r);

static int transport_get_map(void *ctx, const char *key, buf_t *value_r,
			     const char **path_r)
{
	map_t *m = ctx;

	*path_r = map_path(m);
	return map_get(m, key, value_r);
}

static int transport_get_list(void *ctx, const char *key, buf_t *value_r,
			      const char **path_r)
{
	return map_list_get(ctx, key, value_r, path_r);
}

/* The value found for key as a route, or -1 (logged). */
static int transport_found(const char *path, const char *key,
			   const buf_t *value, transport_route_t *r)
{
	const char *err;

	if (memchr(value->data, '\0', value->len) != NULL) {
		log_warn("%s: value of key \"%s\" holds a NUL byte", path, key);
		return -1;
	}
	if (transport_route_parse(buf_str(value), r, &err) < 0) {
		log_warn("%s: key \"%s\": bad route \"%s\": %s", path, key,
			 buf_str(value), err);
		return -1;
	}
	r->key = mem_strdup(key);
	return 1;
}

static int transport_find(transport_get_fn *get, void *ctx,
			  const char *domain, transport_route_t *r)
{
	buf_t value = BUF_INIT;
	char *lower = mem_strdup(domain), *key = NULL;
	const char *path = NULL, *parent;
	int found;

	memset(r, 0, sizeof(*r));
	for (char *c = lower; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char) (*c - 'A' + 'a');
	/* A final dot names the same domain. */
	if (*lower != '\0' && lower[strlen(lower) - 1] == '.')
		lower[strlen(lower) - 1] = '\0';
	found = *lower != '\0' ? get(ctx, lower, &value, &path) : 0;
	if (found != 0) {
		key = mem_strdup(lower);
	} else if (lower[0] != '[') {
		/* Parents: ".b.example.com", ".example.com", ".com" (an
		 * address literal has none). */
		for (parent = strchr(lower, '.'); found == 0 && parent != NULL;
		     parent = strchr(parent + 1, '.')) {
			if (parent[1] == '\0')
				break;
			found = get(ctx, parent, &value, &path);
			if (found != 0)
				key = mem_strdup(parent);
		}
	}
	if (found > 0)
		found = transport_found(path, key, &value, r);
	mem_free(key);
	mem_free(lower);
	buf_release(&value);
	return found;
}

int transport_lookup(map_t *m, const char *domain, transport_route_t *r)
{
	return transport_find(transport_get_map, m, domain, r);
}

transport_maps_t *transport_maps_open(char *const *files, char **err_r)
{
	map_list_t *list = map_list_open(files, err_r);
	transport_maps_t *t;

	if (list == NULL)
		return NULL;
	t = MEM_NEW(transport_maps_t);
	t->list = list;
	return t;
}

transport_maps_t *transport_maps_from_config(char **err_r)
{
	char **files = config_list("transport_maps");
	transport_maps_t *t = transport_maps_open(files, err_r);

	config_list_free(&files);
	return t;
}

void transport_maps_free(transport_maps_t **tp)
{
	if (*tp == NULL)
		return;
	map_list_free(&(*tp)->list);
	MEM_FREE(*tp);
}

int transport_maps_lookup(transport_maps_t *t, const char *domain,
			  transport_route_t *r)
{
	return transport_find(transport_get_list, t->list, domain, r);
}

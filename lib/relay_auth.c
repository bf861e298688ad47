/* relay_auth.c - the credentials for a relay host from
 * smtp_sasl_password_maps; see relay_auth.h. */
#include <arpa/inet.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "mem.h"
#include "relay_auth.h"

map_list_t *relay_auth_from_config(char **err_r)
{
	char **files = config_list("smtp_sasl_password_maps");
	map_list_t *maps = map_list_open(files, err_r);

	config_list_free(&files);
	return maps;
}

int relay_auth_split(const char *value, size_t len, char **user_r,
		     char **pass_r, const char **err_r)
{
	const char *colon = memchr(value, ':', len);

	for (size_t i = 0; i < len; i++) {
		if ((unsigned char) value[i] < 0x20 || value[i] == 0x7f) {
			*err_r = "control character in user:password";
			return -1;
		}
	}
	if (colon == NULL) {
		*err_r = "no ':' between user and password";
		return -1;
	}
	if (colon == value) {
		*err_r = "empty user name";
		return -1;
	}
	if (colon + 1 == value + len) {
		*err_r = "empty password";
		return -1;
	}
	*user_r = mem_strndup(value, (size_t) (colon - value));
	*pass_r = mem_strndup(colon + 1, (size_t) (value + len - colon - 1));
	return 0;
}

static int relay_auth_get(map_list_t *maps, const char *key, buf_t *value,
			  char **user_r, char **pass_r)
{
	const char *path = NULL, *err;
	int r = map_list_get(maps, key, value, &path);

	if (r <= 0)
		return r;
	if (relay_auth_split(value->data, value->len, user_r, pass_r,
			     &err) < 0) {
		log_warn("%s: key \"%s\": bad value: %s", path, key, err);
		return -1;
	}
	return 1;
}

int relay_auth_lookup(map_list_t *maps, const transport_nexthop_t *nh,
		      char **user_r, char **pass_r)
{
	buf_t value = BUF_INIT_SECRET;
	char *key = transport_nexthop_format(nh);
	int r;

	*user_r = *pass_r = NULL;
	r = relay_auth_get(maps, key, &value, user_r, pass_r);
	if (r == 0 && strcmp(key, nh->host) != 0)
		r = relay_auth_get(maps, nh->host, &value, user_r, pass_r);
	buf_release(&value);
	mem_free(key);
	return r;
}

char *relay_auth_key(const char *text, const char **err_r)
{
	transport_nexthop_t nh;
	unsigned char addr[sizeof(struct in6_addr)];
	char canon[INET6_ADDRSTRLEN];
	char *key;

	if (inet_pton(AF_INET, text, addr) == 1 &&
	    inet_ntop(AF_INET, addr, canon, sizeof(canon)) != NULL)
		return mem_strdup(canon);
	if (inet_pton(AF_INET6, text, addr) == 1 &&
	    inet_ntop(AF_INET6, addr, canon, sizeof(canon)) != NULL)
		return mem_strdup(canon);
	if (transport_nexthop_parse(text, &nh, err_r) < 0)
		return NULL;
	key = transport_nexthop_format(&nh);
	transport_nexthop_free(&nh);
	return key;
}

/* fuzz_transport.c - libFuzzer target for the route and next-hop parsers
 * (lib/transport.c) and the relay credential keys and values
 * (lib/relay_auth.c), fed what an administrator writes in transport_maps,
 * relayhost and smtp_sasl_password_maps.
 *
 * Whatever parses must format to a canonical form that parses again to
 * the same form; a next hop's host is lower case and its port in range;
 * an error route's code is 4.x.y or 5.x.y and its text printable ASCII.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "relay_auth.h"
#include "transport.h"

static void check_nexthop(const char *in)
{
	transport_nexthop_t nh, again;
	const char *err;
	char *canon, *canon2;

	if (transport_nexthop_parse(in, &nh, &err) < 0) {
		if (nh.host != NULL || err == NULL)
			abort();
		return;
	}
	if (nh.port < 0 || nh.port > 65535 || nh.host == NULL || *nh.host == '\0')
		abort();
	for (const char *c = nh.host; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			abort();
	canon = transport_nexthop_format(&nh);
	if (transport_nexthop_parse(canon, &again, &err) < 0)
		abort();
	canon2 = transport_nexthop_format(&again);
	if (strcmp(canon, canon2) != 0 || again.mx != nh.mx ||
	    again.port != nh.port)
		abort();
	transport_nexthop_free(&nh);
	transport_nexthop_free(&again);
	mem_free(canon);
	mem_free(canon2);
}

static void check_route(const char *in)
{
	transport_route_t r, again;
	const char *err;
	char *canon, *canon2;

	if (transport_route_parse(in, &r, &err) < 0)
		return;
	if (r.kind == TRANSPORT_ERROR) {
		if ((r.dsn[0] != '4' && r.dsn[0] != '5') || r.text == NULL ||
		    r.temporary != (r.dsn[0] == '4') ||
		    strlen(r.text) > TRANSPORT_TEXT_MAX)
			abort();
		for (const char *c = r.text; *c; c++)
			if (*c < 0x20 || *c > 0x7e)
				abort();
	}
	canon = transport_route_format(&r);
	if (transport_route_parse(canon, &again, &err) < 0)
		abort();
	canon2 = transport_route_format(&again);
	if (strcmp(canon, canon2) != 0 || again.kind != r.kind)
		abort();
	transport_route_free(&r);
	transport_route_free(&again);
	mem_free(canon);
	mem_free(canon2);
}

static void check_relay_auth(const char *in, size_t len)
{
	const char *err;
	char *user, *pass, *key, *key2;

	if (relay_auth_split(in, len, &user, &pass, &err) == 0) {
		if (*user == '\0' || *pass == '\0' || strchr(user, ':') != NULL ||
		    strlen(user) + strlen(pass) + 1 != len)
			abort();
		mem_free(user);
		mem_free(pass);
	}
	key = relay_auth_key(in, &err);
	if (key == NULL)
		return;
	key2 = relay_auth_key(key, &err);
	if (key2 == NULL || strcmp(key, key2) != 0)
		abort();
	mem_free(key);
	mem_free(key2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	transport_nexthop_t nh;
	const char *err;
	char *in;

	if (size > 4096)
		return 0;
	in = mem_strndup((const char *) data, size);
	check_nexthop(in);
	check_route(in);
	check_relay_auth(in, strlen(in));
	if (transport_relayhost_parse(in, &nh, &err) > 0)
		transport_nexthop_free(&nh);
	(void) transport_key_check(in, &err);
	mem_free(in);
	return 0;
}

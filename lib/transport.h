/* transport.h - where mail for a remote domain goes: the route syntax of
 * transport_maps values and relayhost, and lookups in transport_maps.
 *
 * qmgr chooses a recipient's route in this order (transport(5)): an entry
 * of transport_maps for its domain, else relayhost, else the domain's MX
 * records (dns_route.h).  A route is one of (words in any case):
 *
 *   smtp:[host]:port  smtp:[host]   host's own addresses, no MX lookup;
 *                                   host may be an IP address, IPv6 too
 *                                   ([::1], [IPv6:::1])
 *   smtp:host:port    smtp:host     the hosts host's MX records name
 *   smtp:  (or smtp)                the recipient domain's MX records
 *   local                           local delivery, as for mydestination
 *   error:TEXT                      refuse: TEXT may start with an
 *                                   enhanced status code "5.x.y " or
 *                                   "4.x.y " (temporary); default 5.0.0
 *
 * A port is 1 to 65535; without one the caller uses smtp_tcp_port.  A
 * bare IP address (no brackets) is refused: it has no MX records, and
 * "[192.0.2.1]" says what is meant.  relayhost is a next hop alone,
 * without "smtp:", as in Postfix.
 *
 * transport_maps keys are a domain ("example.com", that domain only) or
 * ".domain" (every subdomain of it, not the domain itself), stored in
 * lower case.  A domain is looked up as itself, then as ".parent" for
 * each parent from the nearest up (a.b.example.com: a.b.example.com,
 * .b.example.com, .example.com, .com); each key is tried in every map of
 * the list before the next key, so an exact entry in a later map beats a
 * parent entry in an earlier one.
 *
 * Parsing is pure (transport.c, fuzzed by tests/fuzz/fuzz_transport.c);
 * the lookups (transport_maps.c) read the Berkeley DB files mailctl
 * compiles, and reopen one that was replaced.
 */
#ifndef TERN_TRANSPORT_H
#define TERN_TRANSPORT_H

#include "map.h"

/* "5.123.456" */
#define TRANSPORT_DSN_MAX	9
/* error:TEXT: TEXT goes into bounces and replies; longer is refused. */
#define TRANSPORT_TEXT_MAX	400

typedef struct transport_nexthop {
	/* Lower case, without brackets or a final dot; an IP address in
	 * inet_ntop's form ("::1", not "0::1"). */
	char *host;
	int port;	/* 1-65535; 0: none given (smtp_tcp_port) */
	int mx;		/* 1: look up host's MX records; 0: [host] */
} transport_nexthop_t;

/* "[host]:port", "[host]", "host:port" or "host" into out (released by
 * transport_nexthop_free).  0, or -1 with *err_r (static text). */
int transport_nexthop_parse(const char *text, transport_nexthop_t *out,
			    const char **err_r);
void transport_nexthop_free(transport_nexthop_t *nh);
/* The canonical form, the destination's key (mem-allocated):
 * "[127.0.0.1]:2525", "[::1]", "example.com", "mx.example.com:2525". */
char *transport_nexthop_format(const transport_nexthop_t *nh);

/* relayhost (without "smtp:"): 1 with out filled, 0 when text is empty
 * (no relayhost: mail goes by MX), -1 with *err_r. */
int transport_relayhost_parse(const char *text, transport_nexthop_t *out,
			      const char **err_r);

enum transport_kind {
	TRANSPORT_SMTP,
	TRANSPORT_LOCAL,
	TRANSPORT_ERROR,
};

typedef struct transport_route {
	enum transport_kind kind;
	/* SMTP: the canonical next hop (transport_nexthop_format), or NULL
	 * for the recipient domain's MX records. */
	char *nexthop;
	/* ERROR: the enhanced status code ("5.0.0" when none was given) and
	 * the text after it; temporary when the code is 4.x.y. */
	char dsn[TRANSPORT_DSN_MAX + 1];
	char *text;
	int temporary;
	/* Set by the lookups: the key that matched ("example.com",
	 * ".example.com"); NULL from transport_route_parse. */
	char *key;
} transport_route_t;

/* A route as written above into r (released by transport_route_free).
 * 0, or -1 with *err_r (static text) and nothing to release. */
int transport_route_parse(const char *value, transport_route_t *r,
			  const char **err_r);
void transport_route_free(transport_route_t *r);
/* The canonical form (mem-allocated): "smtp:[127.0.0.1]:2525", "smtp:",
 * "local", "error:5.1.1 TEXT". */
char *transport_route_format(const transport_route_t *r);

/* A transport_maps key, "domain" or ".domain": 0, or -1 with *err_r. */
int transport_key_check(const char *key, const char **err_r);

/* Lookups, transport_maps.c.  1 found (r filled), 0 no entry, -1 the
 * map cannot be read or its value does not parse (logged): the caller
 * defers the mail (4.3.5, a configuration error). */
int transport_lookup(map_t *m, const char *domain, transport_route_t *r);

/* The databases of transport_maps (FILE.db of each file), opened now,
 * reopened when mailctl replaced one.  A missing FILE.db has no entries.
 * NULL with *err_r (mem-allocated) when one exists and cannot be
 * opened. */
typedef struct transport_maps transport_maps_t;
transport_maps_t *transport_maps_open(char *const *files, char **err_r);
/* The same for the files of the transport_maps parameter. */
transport_maps_t *transport_maps_from_config(char **err_r);
void transport_maps_free(transport_maps_t **tp);
int transport_maps_lookup(transport_maps_t *t, const char *domain,
			  transport_route_t *r);

#endif

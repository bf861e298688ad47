/* mailctl_route.c - `mailctl route DOMAIN`: where mail for a domain goes.
 *
 * Prints the hosts and addresses in the order smtp-out tries them, found
 * with the instance's own resolver settings (dns_nameservers,
 * dns_timeout, smtp_tcp_port, smtp_mx_address_limit; lib/dns_route.h),
 * or the permanent or
 * temporary failure mail for the domain would meet.  For administrators
 * checking their DNS, and for the tests, which drive routing through it.
 * `mailctl check` holds dns_nameservers to its syntax here too.
 *
 *   DOMAIN: N addresses by MX | by address record (no MX)
 *   PREF HOST [ADDRESS]:PORT          one line per address, in order
 *   PREF HOST none: WHY               a host without an address
 *   DOMAIN: permanent failure 5.1.10: WHY       (exit 1)
 *   DOMAIN: temporary failure 4.4.3: WHY        (exit 75, EX_TEMPFAIL)
 */
#include <getopt.h>
#include <stdio.h>

#include "config.h"
#include "dns.h"
#include "dns_route.h"
#include "log.h"
#include "mailctl.h"
#include "mem.h"

static void mailctl_route_print(const char *domain, const dns_route_t *route,
				long port)
{
	size_t addrs = 0;

	for (size_t i = 0; i < route->count; i++)
		addrs += route->host[i].addr_count;
	printf("%s: %zu address%s by %s\n", domain, addrs, addrs == 1 ? "" : "es",
	       route->implicit_mx ? "address record (no MX)" : "MX");
	for (size_t i = 0; i < route->count; i++) {
		const dns_route_host_t *h = &route->host[i];

		if (h->addr_count == 0)
			printf("%u %s none: %s\n", h->pref, h->name, h->why);
		for (size_t j = 0; j < h->addr_count; j++)
			printf("%u %s [%s]:%ld\n", h->pref, h->name, h->addr[j].text,
			       port);
	}
}

void mailctl_route_check(mailctl_check_t *c)
{
	char **servers = config_list("dns_nameservers");
	buf_t unused = BUF_INIT;

	for (size_t i = 0; servers[i] != NULL; i++) {
		char *err = NULL;

		if (dns_nameserver_parse(servers[i], &unused, &err) < 0) {
			buf_printf(&c->errors, "dns_nameservers: %s\n", err);
			mem_free(err);
		}
	}
	buf_release(&unused);
	config_list_free(&servers);
}

int mailctl_cmd_route(int argc, char **argv)
{
	dns_route_t route;
	dns_ctx_t *ctx;
	const char *why;
	char *err = NULL;
	int status = MAILCTL_OK;

	if (mailctl_getopt(argc, argv, "", NULL) != -1 || optind != argc - 1)
		mailctl_usage_error("route: give one domain");
	if (dns_name_check(argv[optind], &why) < 0)
		mailctl_usage_error("route: \"%s\": %s", argv[optind], why);
	ctx = dns_ctx_from_config(&err);
	if (ctx == NULL)
		log_fatal("%s", err);
	switch (dns_route_lookup(ctx, argv[optind],
				 (size_t) config_int("smtp_mx_address_limit"), &route)) {
	case DNS_ROUTE_OK:
		mailctl_route_print(argv[optind], &route,
				    config_int("smtp_tcp_port"));
		break;
	case DNS_ROUTE_PERMANENT:
		printf("%s: permanent failure %s: %s\n", argv[optind], route.dsn,
		       route.reason);
		status = MAILCTL_FAIL;
		break;
	case DNS_ROUTE_TEMPORARY:
		printf("%s: temporary failure %s: %s\n", argv[optind], route.dsn,
		       route.reason);
		status = MAILCTL_TEMPFAIL;
		break;
	}
	dns_route_free(&route);
	dns_ctx_free(&ctx);
	return status;
}

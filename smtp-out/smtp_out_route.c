/* smtp_out_route.c - from qmgr's nexthop to the servers to try.
 *
 * A nexthop is what qmgr's routing chose, in transport(5)'s canonical
 * form (lib/transport.c parses it): a mail domain, looked up by MX (RFC
 * 5321 §5.1, lib/dns_route.c); "host:port", the same with another port;
 * "[host]" or "[host]:port", that host's own addresses with no MX lookup
 * (relayhost's usual form), or an address literal.
 *
 * Mail loops (RFC 5321 §5.1: a server must not send mail to itself when
 * it is the best MX).  A server whose address and port is one of this
 * instance's own SMTP listeners (master.conf inet services on
 * inet_interfaces; ::ffff:a.b.c.d counted as a.b.c.d), and the
 * unspecified address (0.0.0.0, ::, which reaches this host), are left
 * out of the route; when that leaves no server,
 * the mail bounces with 5.4.6 (RFC 3463: routing loop detected).  The
 * second check, a server that greets or answers EHLO with myhostname, is
 * smtp_out_session.c's.  Two instances on 127.0.0.1 with different ports
 * are not a loop: the port is part of the comparison.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "dns.h"
#include "dns_route.h"
#include "log.h"
#include "master_conf.h"
#include "mem.h"
#include "smtp_out.h"
#include "transport.h"

/* This instance's listeners: addresses (any = all local ones) x ports. */
static struct {
	dns_addr_t *addr;
	size_t naddr;
	int any;		/* inet_interfaces = all */
	int *port;
	size_t nport;
} smtp_out_me;

static int smtp_out_addr_parse(const char *text, dns_addr_t *out)
{
	char tmp[64];
	size_t n = strlen(text);

	if (n >= 2 && text[0] == '[' && text[n - 1] == ']' && n - 2 < sizeof(tmp)) {
		memcpy(tmp, text + 1, n - 2);
		tmp[n - 2] = '\0';
		text = tmp;
	}
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, text, out->bytes) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, text, out->bytes) == 1)
		out->family = AF_INET6;
	else
		return -1;
	inet_ntop(out->family, out->bytes, out->text, sizeof(out->text));
	return 0;
}

static void smtp_out_me_add_addr(const dns_addr_t *a)
{
	smtp_out_me.addr = mem_reallocarray(smtp_out_me.addr, smtp_out_me.naddr + 1,
					    sizeof(dns_addr_t));
	smtp_out_me.addr[smtp_out_me.naddr++] = *a;
}

/* The ports of master.conf's inet services; read as root, before the
 * drop, like every file smtp-out needs. */
static void smtp_out_me_ports(void)
{
	char *path = mem_printf("%s/master.conf", config_str("config_directory"));
	master_conf_t conf = { NULL, 0 };
	buf_t text = BUF_INIT, problems = BUF_INIT;
	FILE *f = fopen(path, "r");
	char chunk[4096];
	size_t n;

	if (f == NULL) {
		log_warn("cannot read %s: the loop check knows no ports", path);
		mem_free(path);
		return;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&text, chunk, n);
	fclose(f);
	master_conf_parse(text.data ? text.data : "", text.len,
			  config_str("daemon_directory"), &conf, &problems);
	for (int i = 0; i < conf.count; i++) {
		if (conf.defs[i]->type != MASTER_INET)
			continue;
		smtp_out_me.port = mem_reallocarray(smtp_out_me.port,
						    smtp_out_me.nport + 1, sizeof(int));
		smtp_out_me.port[smtp_out_me.nport++] = conf.defs[i]->port;
	}
	master_conf_free(&conf);
	buf_release(&text);
	buf_release(&problems);
	mem_free(path);
}

void smtp_out_route_init(void)
{
	char **list = config_list("inet_interfaces");

	for (size_t i = 0; list[i]; i++) {
		dns_addr_t a;

		if (strcasecmp(list[i], "all") == 0 || strcmp(list[i], "*") == 0 ||
		    strcmp(list[i], "[::]") == 0 || strcmp(list[i], "0.0.0.0") == 0)
			smtp_out_me.any = 1;
		else if (smtp_out_addr_parse(list[i], &a) == 0)
			smtp_out_me_add_addr(&a);
	}
	config_list_free(&list);
	smtp_out_me_ports();
}

/* Is a one of this host's addresses (for inet_interfaces = all, and the
 * loopback addresses, which reach this host whatever it listens on)? */
static int smtp_out_addr_local(const dns_addr_t *a)
{
	struct ifaddrs *ifs, *i;
	int found = 0;

	if (a->family == AF_INET && a->bytes[0] == 127)
		return 1;
	if (a->family == AF_INET6 && memcmp(a->bytes, &in6addr_loopback, 16) == 0)
		return 1;
	if (getifaddrs(&ifs) < 0)
		return 0;
	for (i = ifs; i != NULL && !found; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != a->family)
			continue;
		if (a->family == AF_INET)
			found = memcmp(&((struct sockaddr_in *) i->ifa_addr)->sin_addr,
				       a->bytes, 4) == 0;
		else
			found = memcmp(&((struct sockaddr_in6 *) i->ifa_addr)->sin6_addr,
				       a->bytes, 16) == 0;
	}
	freeifaddrs(ifs);
	return found;
}

static int smtp_out_is_listener(const dns_addr_t *in, int port)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
						  0xff, 0xff };
	static const unsigned char zero[16];
	const dns_addr_t *a = in;
	dns_addr_t v4;
	size_t i;

	/* The unspecified address (0.0.0.0, ::) reaches this host, on any
	 * port: never a route. */
	if (memcmp(in->bytes, zero, in->family == AF_INET ? 4 : 16) == 0)
		return 1;
	/* ::ffff:a.b.c.d is a.b.c.d. */
	if (in->family == AF_INET6 && memcmp(in->bytes, mapped, 12) == 0) {
		memset(&v4, 0, sizeof(v4));
		v4.family = AF_INET;
		memcpy(v4.bytes, in->bytes + 12, 4);
		a = &v4;
	}
	for (i = 0; i < smtp_out_me.nport; i++)
		if (smtp_out_me.port[i] == port)
			break;
	if (i == smtp_out_me.nport)
		return 0;
	if (smtp_out_me.any)
		return smtp_out_addr_local(a);
	for (i = 0; i < smtp_out_me.naddr; i++)
		if (smtp_out_me.addr[i].family == a->family &&
		    memcmp(smtp_out_me.addr[i].bytes, a->bytes,
			   a->family == AF_INET ? 4 : 16) == 0)
			return 1;
	return 0;
}

int smtp_out_route_is_me(const char *name)
{
	return strcasecmp(name, smtp_out_conf.myhostname) == 0;
}

static void smtp_out_route_fail(smtp_out_route_t *route, const char *dsn, char *why)
{
	snprintf(route->dsn, sizeof(route->dsn), "%s", dsn);
	route->why = why;
}

static void smtp_out_route_add(smtp_out_route_t *route, const char *host,
			       const dns_addr_t *a, int port, size_t *loops)
{
	smtp_out_target_t *t;

	if (smtp_out_is_listener(a, port)) {
		(*loops)++;
		return;
	}
	route->target = mem_reallocarray(route->target, route->count + 1,
					 sizeof(*route->target));
	t = &route->target[route->count++];
	t->host = mem_strdup(host);
	t->addr = *a;
	t->port = port;
}

/* [host]: the host's own addresses, AAAA then A (as dns_route.c). */
static void smtp_out_route_host(const char *host, int port, smtp_out_route_t *route,
			       size_t *loops)
{
	static const enum dns_type types[] = { DNS_TYPE_AAAA, DNS_TYPE_A };
	int temp = 0;
	buf_t why = BUF_INIT;

	for (size_t k = 0; k < 2; k++) {
		dns_result_t r;

		dns_lookup(smtp_out_conf.dns, host, types[k], &r);
		if (r.status == DNS_FOUND)
			for (size_t i = 0; i < r.count; i++)
				smtp_out_route_add(route, host, &r.addr[i], port, loops);
		else
			buf_printf(&why, "%s%s: %s", why.len ? "; " : "",
				   k == 0 ? "AAAA" : "A", r.reason);
		temp |= r.status == DNS_TEMPFAIL;
		dns_result_free(&r);
	}
	if (route->count == 0 && *loops == 0)
		smtp_out_route_fail(route, temp ? "4.4.3" : "5.4.4",
				    mem_printf("cannot find the address of %s (%s)",
					       host, buf_str(&why)));
	buf_release(&why);
}

static void smtp_out_route_mx(const char *domain, int port, smtp_out_route_t *route,
			     size_t *loops)
{
	dns_route_t r;

	if (dns_route_lookup(smtp_out_conf.dns, domain,
			     (size_t) smtp_out_conf.address_limit, &r) != DNS_ROUTE_OK) {
		smtp_out_route_fail(route, r.dsn, mem_printf("%s", r.reason));
		dns_route_free(&r);
		return;
	}
	for (size_t h = 0; h < r.count; h++)
		for (size_t i = 0; i < r.host[h].addr_count; i++)
			smtp_out_route_add(route, r.host[h].name, &r.host[h].addr[i],
					   port, loops);
	dns_route_free(&r);
}

int smtp_out_route_find(const char *nexthop, smtp_out_route_t *route)
{
	transport_nexthop_t nh;
	size_t loops = 0;
	dns_addr_t literal;
	const char *why;
	int port;

	memset(route, 0, sizeof(*route));
	if (transport_nexthop_parse(nexthop, &nh, &why) < 0) {
		smtp_out_route_fail(route, "4.3.5", mem_printf("bad nexthop \"%s\": %s",
							       nexthop, why));
		return -1;
	}
	port = nh.port ? nh.port : smtp_out_conf.default_port;
	if (!nh.mx && smtp_out_addr_parse(nh.host, &literal) == 0)
		smtp_out_route_add(route, nh.host, &literal, port, &loops);
	else if (nh.mx)
		smtp_out_route_mx(nh.host, port, route, &loops);
	else
		smtp_out_route_host(nh.host, port, route, &loops);
	if (route->count == 0 && loops > 0 && route->why == NULL)
		smtp_out_route_fail(route, "5.4.6",
				    mem_printf("mail for %s loops back to myself",
					       nexthop));
	transport_nexthop_free(&nh);
	return route->count ? 0 : -1;
}

void smtp_out_route_free(smtp_out_route_t *route)
{
	for (size_t i = 0; i < route->count; i++)
		mem_free(route->target[i].host);
	mem_free(route->target);
	mem_free(route->why);
	memset(route, 0, sizeof(*route));
}

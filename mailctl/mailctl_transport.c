/* mailctl_transport.c - `mailctl transport add|del|list|lookup|compile`: the
 * routes of transport_maps (transport(5), lib/transport.h).
 *
 * add, del and list work on the first file of transport_maps, a "DOMAIN
 * ROUTE" text map: add validates both and stores the route in its
 * canonical form, replacing an entry for the same key; the file (created
 * when missing, root's, mode 0644 like the alias files: it routes mail)
 * is replaced atomically and FILE.db recompiled, which qmgr reopens
 * before its next lookup; compile compiles every file of transport_maps
 * after edits by hand.  lookup asks the compiled databases of every
 * file, as qmgr does, and prints the route mail for a domain takes:
 *
 *   DOMAIN ROUTE (KEY)                   exit 0
 *   DOMAIN: no entry in transport_maps   exit 1 (relayhost or MX decide)
 *   a database or value qmgr cannot use: exit 75 (qmgr defers the mail)
 *
 * `mailctl check` holds relayhost and every entry of every file to the
 * route syntax here.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "dns_wire.h"
#include "log.h"
#include "mailctl.h"
#include "mailctl_textmap.h"
#include "mem.h"
#include "transport.h"

static char *mailctl_transport_file(void)
{
	return mailctl_textmap_first("transport_maps", "transport map");
}

/* DOMAIN or .DOMAIN in lower case; a usage error when it is neither. */
static char *mailctl_transport_key(const char *arg)
{
	char *key = mem_strdup(arg);
	const char *why;

	for (char *c = key; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char) (*c - 'A' + 'a');
	if (transport_key_check(key, &why) < 0)
		mailctl_usage_error("transport: \"%s\" is no DOMAIN or .DOMAIN: "
				    "%s", arg, why);
	return key;
}

/* Is key a domain of mydestination?  Its mail is delivered locally before
 * qmgr asks the transport map, so the entry would never be used. */
static int mailctl_transport_local(const char *key)
{
	char **local = config_list("mydestination");
	int found = 0;

	for (size_t i = 0; local[i] != NULL && !found; i++)
		found = strcasecmp(local[i], key) == 0;
	config_list_free(&local);
	return found;
}

static int mailctl_transport_edit(int add, const char *domain,
				  const char *value)
{
	char *path = mailctl_transport_file(), *key, *canon = NULL;
	mailctl_textmap_t *m;
	transport_route_t r;
	const char *why;
	int lock, status = MAILCTL_OK, replaced;

	key = mailctl_transport_key(domain);
	if (add) {
		if (transport_route_parse(value, &r, &why) < 0)
			mailctl_usage_error("transport add: bad route \"%s\": %s",
					    value, why);
		canon = transport_route_format(&r);
		transport_route_free(&r);
	}
	lock = mailctl_textmap_lock(path);
	m = mailctl_textmap_load(path, 0);
	if (add) {
		replaced = mailctl_textmap_get(m, key) != NULL;
		mailctl_textmap_set(m, key, canon);
		mailctl_textmap_save(m, 0644, 0, 0, 0);
		log_info("transport %s: %s %s", key, replaced ? "now" : "added",
			 canon);
		if (mailctl_transport_local(key))
			log_warn("transport %s: the domain is in mydestination, "
				 "so its mail is delivered locally and this "
				 "entry is not used", key);
	} else
		status = mailctl_textmap_remove(m, "transport", key, 0644, 0, 0, 0);
	mailctl_textmap_free(&m);
	close(lock);
	mem_free(canon);
	mem_free(key);
	mem_free(path);
	return status;
}

static int mailctl_transport_list(void)
{
	char *path = mailctl_transport_file();
	mailctl_textmap_t *m = mailctl_textmap_load(path, 0);
	const char *key, *value;
	size_t pos = 0;

	while (mailctl_textmap_next(m, &pos, &key, &value, NULL))
		printf("%s %s\n", key, value);
	mailctl_textmap_free(&m);
	mem_free(path);
	return MAILCTL_OK;
}

static int mailctl_transport_lookup(const char *domain)
{
	transport_maps_t *t;
	transport_route_t r;
	char *err = NULL, *canon;
	const char *why;
	int found;

	if (*domain != '[' && dns_name_check(domain, &why) < 0)
		mailctl_usage_error("transport lookup: \"%s\": %s", domain, why);
	t = transport_maps_from_config(&err);
	if (t == NULL) {
		log_error("%s", err);
		mem_free(err);
		return MAILCTL_TEMPFAIL;
	}
	found = transport_maps_lookup(t, domain, &r);
	transport_maps_free(&t);
	if (found < 0) {
		log_error("transport_maps cannot route %s now: qmgr defers its "
			  "mail (4.3.5) until the map is fixed", domain);
		return MAILCTL_TEMPFAIL;
	}
	if (found == 0) {
		printf("%s: no entry in transport_maps\n", domain);
		return MAILCTL_FAIL;
	}
	canon = transport_route_format(&r);
	printf("%s %s (%s)\n", domain, canon, r.key);
	mem_free(canon);
	transport_route_free(&r);
	return MAILCTL_OK;
}

static int mailctl_transport_compile(void)
{
	char **files = config_list("transport_maps");

	for (size_t i = 0; files[i] != NULL; i++) {
		int lock = mailctl_textmap_lock(files[i]);
		int n = mailctl_map_compile(files[i], 0);

		close(lock);
		log_info("%s: %d route%s", files[i], n, n == 1 ? "" : "s");
	}
	config_list_free(&files);
	return MAILCTL_OK;
}

void mailctl_transport_check(mailctl_check_t *c)
{
	char **files = config_list("transport_maps");
	transport_nexthop_t nh;
	const char *why;

	if (transport_relayhost_parse(config_str("relayhost"), &nh, &why) < 0)
		buf_printf(&c->errors, "relayhost \"%s\": %s\n",
			   config_str("relayhost"), why);
	else
		transport_nexthop_free(&nh);
	for (size_t i = 0; files[i] != NULL; i++) {
		mailctl_textmap_t *m;
		const char *key, *value;
		size_t pos = 0;
		int line;

		if (access(files[i], F_OK) < 0 && errno == ENOENT)
			continue;
		mailctl_check_map("transport_maps", files[i],
				  "transport compile", &c->warnings, c);
		m = mailctl_textmap_load(files[i], 0);
		while (mailctl_textmap_next(m, &pos, &key, &value, &line)) {
			transport_route_t r;

			if (transport_key_check(key, &why) < 0)
				buf_printf(&c->errors, "%s line %d: key \"%s\" "
					   "is no DOMAIN or .DOMAIN: %s\n",
					   files[i], line, key, why);
			else if (mailctl_transport_local(key))
				buf_printf(&c->warnings, "%s line %d: %s is in "
					   "mydestination, so its mail is "
					   "delivered locally and the entry is "
					   "not used\n", files[i], line, key);
			else if (transport_route_parse(value, &r, &why) < 0)
				buf_printf(&c->errors, "%s line %d: bad route "
					   "\"%s\" for %s (its mail waits): "
					   "%s\n", files[i], line, value, key,
					   why);
			else
				transport_route_free(&r);
		}
		mailctl_textmap_free(&m);
	}
	config_list_free(&files);
}

int mailctl_cmd_transport(int argc, char **argv)
{
	const char *sub;
	int n;

	if (mailctl_getopt(argc, argv, "", NULL) != -1 || optind >= argc)
		mailctl_usage_error("transport: give add, del, list, lookup or "
				    "compile");
	sub = argv[optind];
	n = argc - optind - 1;
	if (strcmp(sub, "add") == 0) {
		if (n != 2)
			mailctl_usage_error("transport add: give DOMAIN and ROUTE");
		return mailctl_transport_edit(1, argv[optind + 1],
					      argv[optind + 2]);
	}
	if (strcmp(sub, "del") == 0) {
		if (n != 1)
			mailctl_usage_error("transport del: give one DOMAIN");
		return mailctl_transport_edit(0, argv[optind + 1], NULL);
	}
	if (strcmp(sub, "list") == 0) {
		if (n != 0)
			mailctl_usage_error("transport list takes no arguments");
		return mailctl_transport_list();
	}
	if (strcmp(sub, "compile") == 0) {
		if (n != 0)
			mailctl_usage_error("transport compile takes no arguments");
		return mailctl_transport_compile();
	}
	if (strcmp(sub, "lookup") == 0) {
		if (n != 1)
			mailctl_usage_error("transport lookup: give one domain");
		return mailctl_transport_lookup(argv[optind + 1]);
	}
	mailctl_usage_error("transport: unknown subcommand \"%s\"", sub);
}

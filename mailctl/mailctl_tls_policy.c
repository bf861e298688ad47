/* mailctl_tls_policy.c - `mailctl tls-policy add|del|list`: the TLS level
 * smtp-out uses per destination (smtp_tls_policy_maps, smtp-out(8)).
 *
 * The first file of smtp_tls_policy_maps is a "KEY LEVEL" text map:
 * KEY is a next hop as transport(5) writes it ("[mx.example.com]:587",
 * "example.com"), stored in that canonical form, or ".DOMAIN" for the
 * domain's subdomains; LEVEL one of none, may, encrypt, verify.  The
 * file (root's, mode 0644: it says how mail travels, nothing secret) is
 * replaced atomically and FILE.db recompiled; smtp-out processes started
 * after `mailctl reload` use it.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "mailctl.h"
#include "mailctl_textmap.h"
#include "mem.h"
#include "transport.h"

static const char *const mailctl_tls_levels[] = {
	"none", "may", "encrypt", "verify", NULL,
};

/* The key in the form smtp-out looks up; a usage error when it is none. */
static char *mailctl_tls_policy_key(const char *arg)
{
	transport_nexthop_t nh;
	const char *why;
	char *key;

	if (arg[0] == '.') {
		key = mem_strdup(arg);
		for (char *c = key; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char) (*c - 'A' + 'a');
		if (transport_key_check(key, &why) < 0)
			mailctl_usage_error("tls-policy: \"%s\": %s", arg, why);
		return key;
	}
	if (transport_nexthop_parse(arg, &nh, &why) < 0)
		mailctl_usage_error("tls-policy: \"%s\" is no next hop: %s", arg, why);
	key = transport_nexthop_format(&nh);
	transport_nexthop_free(&nh);
	return key;
}

static const char *mailctl_tls_policy_level(const char *arg)
{
	for (size_t i = 0; mailctl_tls_levels[i] != NULL; i++)
		if (strcasecmp(arg, mailctl_tls_levels[i]) == 0)
			return mailctl_tls_levels[i];
	mailctl_usage_error("tls-policy: \"%s\" is no level (none, may, "
			    "encrypt, verify)", arg);
}

static int mailctl_tls_policy_edit(const char *arg, const char *level)
{
	char *path = mailctl_textmap_first("smtp_tls_policy_maps", "policy map");
	char *key = mailctl_tls_policy_key(arg);
	mailctl_textmap_t *m;
	int lock, status = MAILCTL_OK;

	lock = mailctl_textmap_lock(path);
	m = mailctl_textmap_load(path, 0);
	if (level != NULL) {
		mailctl_textmap_set(m, key, level);
		mailctl_textmap_save(m, 0644, 0, 0, 0);
		log_info("tls-policy %s: %s", key, level);
	} else
		status = mailctl_textmap_remove(m, "tls-policy", key, 0644, 0, 0, 0);
	mailctl_textmap_free(&m);
	close(lock);
	mem_free(key);
	mem_free(path);
	return status;
}

static int mailctl_tls_policy_list(void)
{
	char *path = mailctl_textmap_first("smtp_tls_policy_maps", "policy map");
	mailctl_textmap_t *m = mailctl_textmap_load(path, 0);
	const char *key, *value;
	size_t pos = 0;

	while (mailctl_textmap_next(m, &pos, &key, &value, NULL))
		printf("%s %s\n", key, value);
	mailctl_textmap_free(&m);
	mem_free(path);
	return MAILCTL_OK;
}

int mailctl_cmd_tls_policy(int argc, char **argv)
{
	const char *sub;
	int n;

	if (mailctl_getopt(argc, argv, "", NULL) != -1 || optind >= argc)
		mailctl_usage_error("tls-policy: give add, del or list");
	sub = argv[optind];
	n = argc - optind - 1;
	if (strcmp(sub, "add") == 0 && n == 2)
		return mailctl_tls_policy_edit(argv[optind + 1],
					       mailctl_tls_policy_level(argv[optind + 2]));
	if (strcmp(sub, "del") == 0 && n == 1)
		return mailctl_tls_policy_edit(argv[optind + 1], NULL);
	if (strcmp(sub, "list") == 0 && n == 0)
		return mailctl_tls_policy_list();
	mailctl_usage_error("tls-policy: add NEXTHOP LEVEL, del NEXTHOP or list");
}

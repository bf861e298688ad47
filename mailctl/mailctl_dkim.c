/* mailctl_dkim.c - `mailctl dkim keygen|list|show`: the DKIM keys that
 * dkim-sign(8) signs with, and the DNS records that publish them.
 *
 * keygen DOMAIN [SELECTOR] [--algorithm rsa|ed25519] [--bits N] makes a
 * key (RSA 2048 bits by default) as dkim_key_directory/DOMAIN/SELECTOR.key
 * and prints the TXT record to publish; the default selector is the
 * algorithm and the date, "rsa-20261207" or "ed25519-20261207", so keys
 * made on different days or of the two algorithms never collide and a
 * rotation is one more keygen.  An existing key is never replaced.  list
 * names every key; show DOMAIN prints the records of a domain's keys
 * again.  Signing with new keys starts at `mailctl reload`.
 *
 * SECURITY: a key is written as dkim_owner's, mode 0600 from its first
 * byte (mailctl_file_replace_as), in directories that are dkim_owner's
 * with mode 0700; run by a user other than root (an instance of `mailctl
 * init`), they are that user's.  Reading keys for list and show needs
 * root or that owner; nothing prints a private key.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "dkim_key.h"
#include "dkim_msg.h"
#include "log.h"
#include "mailctl.h"
#include "mem.h"

static void mailctl_dkim_ids(uid_t *uid_r, gid_t *gid_r)
{
	*uid_r = (uid_t) -1;
	*gid_r = (gid_t) -1;
	if (geteuid() == 0 && mailctl_sysuser_ids("dkim_owner", uid_r, gid_r) < 0)
		log_fatal("dkim_owner: no system user \"%s\" (mailctl setup "
			  "creates it)", config_str("dkim_owner"));
}

static const char *mailctl_dkim_domain(const char *arg)
{
	for (const char *p = arg; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			mailctl_usage_error("dkim: give the domain \"%s\" in lower "
					    "case", arg);
	if (!dkim_domain_ok(arg))
		mailctl_usage_error("dkim: \"%s\" is not a domain name", arg);
	return arg;
}

/* The zone line of one key file; 0, or -1 (logged). */
static int mailctl_dkim_record(const char *domain, const char *selector,
			       buf_t *line_r, enum dkim_alg *alg_r)
{
	char *path = mem_printf("%s/%s/%s.key", config_str("dkim_key_directory"),
				domain, selector);
	buf_t pem = BUF_INIT, rec = BUF_INIT;
	char *err = NULL;
	EVP_PKEY *key = NULL;
	int r = -1;

	buf_set_secret(&pem);
	if (mailctl_file_read(path, &pem, &err) < 0) {
		log_error("%s", err);
		mem_free(err);
	} else if ((key = dkim_key_from_pem(pem.data, pem.len)) == NULL ||
		   dkim_key_record(key, &rec) < 0 || dkim_key_alg(key, alg_r) < 0) {
		log_error("%s: not an RSA or Ed25519 private key", path);
	} else {
		buf_reset(line_r);
		dkim_key_dns_line(selector, domain, buf_str(&rec), line_r);
		r = 0;
	}
	EVP_PKEY_free(key);
	buf_release(&pem);
	buf_release(&rec);
	mem_free(path);
	return r;
}

static int mailctl_dkim_keygen(const char *domain, const char *selector,
			       enum dkim_alg alg, int bits)
{
	const char *dir = config_str("dkim_key_directory");
	char *ddir = mem_printf("%s/%s", dir, domain), *path, *err = NULL;
	char date[16], *made = NULL;
	buf_t pem = BUF_INIT, line = BUF_INIT;
	const char *why;
	EVP_PKEY *key;
	enum dkim_alg got;
	uid_t uid;
	gid_t gid;
	time_t now = time(NULL);

	mailctl_dkim_ids(&uid, &gid);
	if (selector == NULL) {
		strftime(date, sizeof(date), "%Y%m%d", localtime(&now));
		selector = made = mem_printf("%s-%s", dkim_alg_name(alg), date);
	}
	if (!dkim_selector_ok(selector))
		mailctl_usage_error("dkim keygen: \"%s\" is not a selector "
				    "(lower-case letters, digits, '-' inside)",
				    selector);
	path = mem_printf("%s/%s.key", ddir, selector);
	if (access(path, F_OK) == 0)
		log_fatal("%s exists: a key is never replaced; choose another "
			  "selector", path);
	if (mailctl_dir_make(dir, 0700, uid, gid, &err) < 0 ||
	    mailctl_dir_make(ddir, 0700, uid, gid, &err) < 0)
		log_fatal("%s", err);
	if ((key = dkim_key_generate(alg, bits, &why)) == NULL)
		log_fatal("dkim keygen: %s", why);
	buf_set_secret(&pem);
	if (dkim_key_pem(key, &pem) < 0)
		log_fatal("dkim keygen: cannot write the key as PEM");
	if (mailctl_file_replace_as(path, pem.data, pem.len, 0600, uid, gid,
				    &err) < 0)
		log_fatal("%s", err);
	EVP_PKEY_free(key);
	log_info("dkim: made key %s (%s)", path, dkim_alg_sig_name(alg));
	if (mailctl_dkim_record(domain, selector, &line, &got) < 0)
		return MAILCTL_FAIL;
	printf("%s\n", buf_str(&line));
	fprintf(stderr, "publish the record above in the DNS of %s, then: "
		"mailctl reload\n", domain);
	buf_release(&pem);
	buf_release(&line);
	mem_free(path);
	mem_free(ddir);
	mem_free(made);
	return MAILCTL_OK;
}

static int mailctl_dkim_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The entries of dir, sorted, that pass ok (with ".key" cut off when
 * keys); NULL-ended. */
static char **mailctl_dkim_names(const char *dir, int keys)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	if (d == NULL) {
		if (errno != ENOENT)
			log_error("%s: %s", dir, strerror(errno));
		names = mem_zalloc(sizeof(*names));
		return names;
	}
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		char *name;

		if (keys && (len < 5 || strcmp(e->d_name + len - 4, ".key") != 0))
			continue;
		name = mem_strndup(e->d_name, keys ? len - 4 : len);
		if (keys ? !dkim_selector_ok(name) : !dkim_domain_ok(name)) {
			mem_free(name);
			continue;
		}
		names = mem_reallocarray(names, n + 2, sizeof(*names));
		names[n++] = name;
	}
	closedir(d);
	if (names == NULL)
		names = mem_zalloc(sizeof(*names));
	names[n] = NULL;
	qsort(names, n, sizeof(*names), mailctl_dkim_name_cmp);
	return names;
}

static void mailctl_dkim_names_free(char **names)
{
	for (size_t i = 0; names[i] != NULL; i++)
		mem_free(names[i]);
	mem_free(names);
}

/* list (domain NULL): "DOMAIN SELECTOR ALGORITHM" per key; show: the
 * zone lines of domain's keys. */
static int mailctl_dkim_each(const char *domain)
{
	const char *dir = config_str("dkim_key_directory");
	char **domains = mailctl_dkim_names(dir, 0);
	buf_t line = BUF_INIT;
	int r = MAILCTL_OK, shown = 0;

	for (size_t i = 0; domains[i] != NULL; i++) {
		char *ddir = mem_printf("%s/%s", dir, domains[i]);
		char **sels;

		if (domain != NULL && strcmp(domain, domains[i]) != 0) {
			mem_free(ddir);
			continue;
		}
		sels = mailctl_dkim_names(ddir, 1);
		for (size_t j = 0; sels[j] != NULL; j++) {
			enum dkim_alg alg;

			if (mailctl_dkim_record(domains[i], sels[j], &line, &alg) < 0) {
				r = MAILCTL_FAIL;
				continue;
			}
			shown++;
			if (domain == NULL)
				printf("%s %s %s\n", domains[i], sels[j],
				       dkim_alg_sig_name(alg));
			else
				printf("%s\n", buf_str(&line));
		}
		mailctl_dkim_names_free(sels);
		mem_free(ddir);
	}
	if (domain != NULL && shown == 0 && r == MAILCTL_OK) {
		fprintf(stderr, "mailctl: dkim: no key for %s\n", domain);
		r = MAILCTL_FAIL;
	}
	mailctl_dkim_names_free(domains);
	buf_release(&line);
	return r;
}

int mailctl_cmd_dkim(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "algorithm", required_argument, NULL, 'a' },
		{ "bits", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	enum dkim_alg alg = DKIM_ALG_RSA;
	int bits = DKIM_RSA_BITS_DEFAULT, given = 0, n, c;
	const char *sub;
	char *end;

	while ((c = mailctl_getopt(argc, argv, "", longopts)) != -1) {
		given = 1;
		if (c == 'a' && strcmp(optarg, "rsa") == 0) {
			alg = DKIM_ALG_RSA;
		} else if (c == 'a' && strcmp(optarg, "ed25519") == 0) {
			alg = DKIM_ALG_ED25519;
		} else if (c == 'a') {
			mailctl_usage_error("dkim keygen: --algorithm is rsa or ed25519");
		} else {
			bits = (int) strtol(optarg, &end, 10);
			if (*end || bits < DKIM_RSA_BITS_MIN || bits > 8192)
				mailctl_usage_error("dkim keygen: --bits from %d to 8192",
						    DKIM_RSA_BITS_MIN);
		}
	}
	if (optind >= argc)
		mailctl_usage_error("dkim: give keygen, list or show");
	sub = argv[optind];
	n = argc - optind - 1;
	if (strcmp(sub, "keygen") == 0) {
		if (n < 1 || n > 2)
			mailctl_usage_error("dkim keygen: give DOMAIN [SELECTOR]");
		return mailctl_dkim_keygen(mailctl_dkim_domain(argv[optind + 1]),
					   n == 2 ? argv[optind + 2] : NULL, alg, bits);
	}
	if (given)
		mailctl_usage_error("dkim: --algorithm and --bits go with keygen");
	if (strcmp(sub, "list") == 0) {
		if (n != 0)
			mailctl_usage_error("dkim list takes no arguments");
		return mailctl_dkim_each(NULL);
	}
	if (strcmp(sub, "show") == 0) {
		if (n != 1)
			mailctl_usage_error("dkim show: give one DOMAIN");
		return mailctl_dkim_each(mailctl_dkim_domain(argv[optind + 1]));
	}
	mailctl_usage_error("dkim: unknown subcommand \"%s\"", sub);
}

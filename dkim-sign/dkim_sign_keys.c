/* dkim_sign_keys.c - the private keys of dkim-sign, loaded once when the
 * process starts (a reload starts new processes, so `mailctl reload`
 * brings new keys into use).
 *
 * dkim_key_directory holds one directory per domain, named as the domain
 * in lower case, and in it one file per key, SELECTOR.key: an unencrypted
 * PKCS#8 PEM key (dkim_key.h) that `mailctl dkim keygen` made.  A file is
 * used only when it is a regular file (not followed through a link),
 * owned by this process's user and readable by nobody else: a key that
 * others could read is a key to replace, and saying so beats signing
 * with it.  Names that are not a domain or a selector are skipped, so
 * nothing in the directory can make the service open a path elsewhere.
 *
 * SECURITY: this is the only code in tern that reads DKIM private keys;
 * it runs as dkim_owner, after the privilege drop.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "dkim_msg.h"
#include "dkim_sign.h"
#include "log.h"
#include "mem.h"

#define DKIM_KEY_FILE_MAX (64 * 1024)	/* a PEM key is far smaller */

static dkim_sign_key_t *keys;
static size_t nkeys;

/* Read a key file below the directory descriptor dfd; NULL when it is
 * not one to use (logged). */
static EVP_PKEY *dkim_sign_key_read(int dfd, const char *path, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	buf_t pem = BUF_INIT;
	EVP_PKEY *key = NULL;

	if (fd < 0) {
		log_warn("dkim key %s/%s: %s", path, name, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_warn("dkim key %s/%s: not a regular file", path, name);
	} else if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		log_warn("dkim key %s/%s: must be owned by uid %ld and readable "
			 "by nobody else (owner %ld, mode %04o); not used", path,
			 name, (long) geteuid(), (long) st.st_uid,
			 (unsigned) (st.st_mode & 07777));
	} else if (st.st_size > DKIM_KEY_FILE_MAX) {
		log_warn("dkim key %s/%s: too large", path, name);
	} else {
		ssize_t n;

		buf_reserve(&pem, (size_t) st.st_size + 1);
		buf_set_secret(&pem);
		n = read(fd, pem.data, (size_t) st.st_size);
		if (n == st.st_size) {
			pem.len = (size_t) n;
			key = dkim_key_from_pem(pem.data, pem.len);
		}
		if (key == NULL)
			log_warn("dkim key %s/%s: not a PEM RSA (1024 bits or more) "
				 "or Ed25519 private key", path, name);
	}
	buf_release(&pem);
	close(fd);
	return key;
}

static void dkim_sign_keys_domain(int topfd, const char *top, const char *domain)
{
	int dfd = openat(topfd, domain, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char *path = mem_printf("%s/%s", top, domain);
	DIR *d;
	struct dirent *e;

	if (dfd < 0 || (d = fdopendir(dfd)) == NULL) {
		log_warn("dkim keys %s: %s", path, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		mem_free(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		char *selector;
		dkim_sign_key_t *k;
		EVP_PKEY *pkey;

		if (len < 5 || strcmp(e->d_name + len - 4, ".key") != 0)
			continue;
		selector = mem_strndup(e->d_name, len - 4);
		if (!dkim_selector_ok(selector) || nkeys == DKIM_SIGN_MAX_KEYS) {
			log_warn("dkim key %s/%s: %s; not used", path, e->d_name,
				 nkeys == DKIM_SIGN_MAX_KEYS ? "too many keys" :
				 "the name is not SELECTOR.key");
			mem_free(selector);
			continue;
		}
		if ((pkey = dkim_sign_key_read(dirfd(d), path, e->d_name)) == NULL) {
			mem_free(selector);
			continue;
		}
		keys = mem_reallocarray(keys, nkeys + 1, sizeof(*keys));
		k = &keys[nkeys++];
		k->domain = mem_strdup(domain);
		k->selector = selector;
		k->pkey = pkey;
		(void) dkim_key_alg(pkey, &k->alg);
	}
	closedir(d);
	mem_free(path);
}

static int dkim_sign_key_cmp(const void *a, const void *b)
{
	const dkim_sign_key_t *x = a, *y = b;
	int c = strcmp(x->domain, y->domain);

	return c != 0 ? c : strcmp(x->selector, y->selector);
}

void dkim_sign_keys_load(const char *dir)
{
	int topfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *e;

	if (topfd < 0 || (d = fdopendir(topfd)) == NULL) {
		/* No directory: no keys, nothing signed; not an error. */
		if (errno != ENOENT)
			log_warn("dkim_key_directory %s: %s", dir, strerror(errno));
		if (topfd >= 0)
			close(topfd);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		int lower = 1;

		for (const char *p = e->d_name; *p; p++)
			lower &= !(*p >= 'A' && *p <= 'Z');
		if (e->d_name[0] == '.')
			continue;
		if (!lower || !dkim_domain_ok(e->d_name)) {
			log_warn("dkim_key_directory %s: %s is not a domain name "
				 "in lower case; skipped", dir, e->d_name);
			continue;
		}
		dkim_sign_keys_domain(dirfd(d), dir, e->d_name);
	}
	closedir(d);
	if (nkeys > 0)
		qsort(keys, nkeys, sizeof(*keys), dkim_sign_key_cmp);
	log_info("%zu DKIM key%s loaded from %s", nkeys, nkeys == 1 ? "" : "s",
		 dir);
}

size_t dkim_sign_keys_of(const char *domain, const dkim_sign_key_t **keys_r)
{
	size_t first = nkeys, n = 0;

	for (size_t i = 0; i < nkeys; i++) {
		if (strcmp(keys[i].domain, domain) != 0)
			continue;
		if (n++ == 0)
			first = i;
	}
	*keys_r = n > 0 ? &keys[first] : NULL;
	return n;
}

size_t dkim_sign_keys_count(void)
{
	return nkeys;
}

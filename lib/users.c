/* users.c - parsing users-file lines and users.db values, password hashes.
 *
 * See users.h.  The address rules are deliberately narrower than RFC 5321:
 * a stored user is a mailbox name that also becomes a directory name under
 * mail_directory, so quoting, white space, control characters and path
 * separators are refused here rather than escaped later.
 */
#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "users.h"

#define USERS_LOCAL_MAX 64
#define USERS_LABEL_MAX 63

static int users_is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Characters that have a meaning in addresses, in our file formats or in
 * path names; everything else printable (and UTF-8) may be a local part. */
static int users_local_char_ok(unsigned char c)
{
	if (c <= 0x20 || c == 0x7f)
		return 0;
	return strchr("\"(),:;<>@[\\]/", c) == NULL;
}

static int users_domain_check(const char *d, const char **why_r)
{
	size_t label = 0;

	if (*d == '\0') {
		*why_r = "empty domain";
		return -1;
	}
	if (strlen(d) > 255) {
		*why_r = "domain too long";
		return -1;
	}
	for (const char *p = d; ; p++) {
		unsigned char c = (unsigned char) *p;

		if (c == '.' || c == '\0') {
			if (label == 0) {
				*why_r = "empty label in domain";
				return -1;
			}
			/* p - label, not p[-label]: negating a size_t would
			 * wrap (found by tests/fuzz/fuzz_users.c). */
			if (p[-1] == '-' || *(p - label) == '-') {
				*why_r = "domain label starts or ends with '-'";
				return -1;
			}
			if (c == '\0')
				return 0;
			label = 0;
			continue;
		}
		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !(c >= '0' && c <= '9') && c != '-' && c < 0x80) {
			*why_r = "invalid character in domain";
			return -1;
		}
		if (++label > USERS_LABEL_MAX) {
			*why_r = "domain label too long";
			return -1;
		}
	}
}

int users_address_check(const char *addr, const char **why_r)
{
	const char *at = strchr(addr, '@');

	if (at == NULL) {
		*why_r = "no '@domain'";
		return -1;
	}
	if (strchr(at + 1, '@') != NULL) {
		*why_r = "more than one '@'";
		return -1;
	}
	if (strlen(addr) > USERS_ADDRESS_MAX) {
		*why_r = "address too long";
		return -1;
	}
	if (at == addr) {
		*why_r = "empty local part";
		return -1;
	}
	if ((size_t) (at - addr) > USERS_LOCAL_MAX) {
		*why_r = "local part too long";
		return -1;
	}
	/* "." and ".." would be directory names of their own. */
	if (addr[0] == '.' || at[-1] == '.') {
		*why_r = "local part starts or ends with '.'";
		return -1;
	}
	if (addr[0] == '#') {
		*why_r = "address starts with '#'";
		return -1;
	}
	for (const char *p = addr; p < at; p++) {
		if (p[0] == '.' && p[1] == '.') {
			*why_r = "'..' in local part";
			return -1;
		}
		if (!users_local_char_ok((unsigned char) *p)) {
			*why_r = "invalid character in local part";
			return -1;
		}
	}
	return users_domain_check(at + 1, why_r);
}

void users_address_lower(char *addr)
{
	for (char *p = addr; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char) (*p - 'A' + 'a');
}

/* Next white-space separated word of [*pp, end), or 0 when none is left. */
static int users_next_word(const char **pp, const char *end,
			   const char **word_r, size_t *len_r)
{
	const char *p = *pp;

	while (p < end && users_is_space((unsigned char) *p))
		p++;
	if (p == end)
		return 0;
	*word_r = p;
	while (p < end && !users_is_space((unsigned char) *p))
		p++;
	*len_r = (size_t) (p - *word_r);
	*pp = p;
	return 1;
}

/* hash [apop] from [p, end) into e; e->address already set. */
static int users_parse_fields(const char *p, const char *end,
			      users_entry_t *e, const char **why_r)
{
	const char *w;
	size_t n;

	for (const char *q = p; q < end; q++) {
		if (*q == '\0' || *q == '\n') {
			*why_r = "NUL or newline in entry";
			return -1;
		}
	}
	if (!users_next_word(&p, end, &w, &n)) {
		*why_r = "no password hash";
		return -1;
	}
	e->hash = mem_strndup(w, n);
	if (users_next_word(&p, end, &w, &n))
		e->apop = mem_strndup(w, n);
	if (users_next_word(&p, end, &w, &n)) {
		*why_r = "too many fields (address hash [apop-secret])";
		return -1;
	}
	return 1;
}

int users_parse_line(const char *line, users_entry_t *e, const char **why_r)
{
	const char *p = line, *end = line + strlen(line), *w;
	const char *why;
	size_t n;

	memset(e, 0, sizeof(*e));
	if (!users_next_word(&p, end, &w, &n) || *w == '#')
		return 0;
	e->address = mem_strndup(w, n);
	users_address_lower(e->address);
	if (users_address_check(e->address, &why) < 0) {
		*why_r = why;
		users_entry_clear(e);
		return -1;
	}
	if (users_parse_fields(p, end, e, why_r) < 0) {
		users_entry_clear(e);
		return -1;
	}
	return 1;
}

int users_parse_value(const char *address, const char *value, size_t len,
		      users_entry_t *e, const char **why_r)
{
	memset(e, 0, sizeof(*e));
	e->address = mem_strdup(address);
	users_address_lower(e->address);
	if (users_parse_fields(value, value + len, e, why_r) < 0) {
		users_entry_clear(e);
		return -1;
	}
	return 1;
}

void users_entry_clear(users_entry_t *e)
{
	MEM_FREE(e->address);
	if (e->hash != NULL)
		explicit_bzero(e->hash, strlen(e->hash));
	MEM_FREE(e->hash);
	if (e->apop != NULL)
		explicit_bzero(e->apop, strlen(e->apop));
	MEM_FREE(e->apop);
}

/* crypt_r into a heap crypt_data (it is about 32 KB, too big for stacks of
 * small threads), returning a copy of the result or NULL. */
static char *users_crypt(const char *password, const char *setting)
{
	struct crypt_data *cd = mem_zalloc(sizeof(*cd));
	const char *r = crypt_r(password, setting, cd);
	char *out = NULL;

	/* libxcrypt marks failure with a string starting with '*'. */
	if (r != NULL && r[0] != '*')
		out = mem_strdup(r);
	explicit_bzero(cd, sizeof(*cd));
	mem_free(cd);
	return out;
}

char *users_password_hash(const char *password, char **err_r)
{
	static const char *const prefixes[] = { "$y$", "$6$" };

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		char *salt = crypt_gensalt_ra(prefixes[i], 0, NULL, 0);
		char *hash;

		if (salt == NULL)
			continue;
		hash = users_crypt(password, salt);
		free(salt);
		if (hash != NULL)
			return hash;
	}
	*err_r = mem_printf("crypt: neither yescrypt nor SHA-512 is available: %s",
			    strerror(errno));
	return NULL;
}

int users_password_verify(const char *password, const char *hash)
{
	char *mine;
	size_t n;
	unsigned char diff = 0;

	/* A hash that is not a crypt(3) setting ("*", "!", "") never matches. */
	if (hash[0] != '$')
		return 0;
	mine = users_crypt(password, hash);
	if (mine == NULL)
		return 0;
	n = strlen(hash);
	if (strlen(mine) != n) {
		mem_free(mine);
		return 0;
	}
	/* Compare in constant time: the hash is secret to all but auth. */
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char) (mine[i] ^ hash[i]);
	explicit_bzero(mine, n);
	mem_free(mine);
	return diff == 0;
}

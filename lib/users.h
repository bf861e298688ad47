/* users.h - the virtual users file and its entries (architecture §3).
 *
 * The users file has one line per user, `address hash [apop-secret]`,
 * white-space separated, `#` comment lines and blank lines allowed.  mailctl
 * edits it and compiles it into users.db (key: the lower-case address, value:
 * "hash [apop-secret]"), which auth reads.  Both sides parse through this
 * module, so the two can never disagree about the format, and both hash and
 * verify passwords here: crypt(3) yescrypt, SHA-512 where yescrypt is
 * unavailable.
 */
#ifndef TERN_USERS_H
#define TERN_USERS_H

#include <stddef.h>

/* Longest address accepted (RFC 5321 path limit without the brackets). */
#define USERS_ADDRESS_MAX 254

typedef struct users_entry {
	char *address;		/* lower-case */
	char *hash;		/* crypt(3) string */
	char *apop;		/* APOP shared secret, NULL when none */
} users_entry_t;

/* Is addr a plain local@domain address tern can store (no quoting, no
 * white space or control characters, one '@', a domain of dot-separated
 * labels)?  0 yes, -1 no with a static reason in *why_r. */
int users_address_check(const char *addr, const char **why_r);
/* ASCII lower-casing in place (addresses are looked up case-insensitively). */
void users_address_lower(char *addr);

/* One line of the users file, without its newline.  1: an entry in *e (free
 * with users_entry_clear); 0: blank or comment; -1: malformed (*why_r). */
int users_parse_line(const char *line, users_entry_t *e, const char **why_r);
/* The users.db value of address: "hash [apop-secret]".  1 or -1 as above. */
int users_parse_value(const char *address, const char *value, size_t len,
		      users_entry_t *e, const char **why_r);
void users_entry_clear(users_entry_t *e);

/* A fresh crypt(3) hash of password, mem-allocated; NULL with *err_r. */
char *users_password_hash(const char *password, char **err_r);
/* 1 when password matches hash, else 0 (also for a locked or bad hash). */
int users_password_verify(const char *password, const char *hash);

#endif

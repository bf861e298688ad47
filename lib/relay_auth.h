/* relay_auth.h - the credentials smtp-out gives a relay host with AUTH:
 * the databases of smtp_sasl_password_maps.
 *
 * Each entry is "KEY user:password" (the password may hold ':'; the
 * user may not).  KEY is a next hop in its canonical form
 * (transport_nexthop_format: "[smtp.example.com]:587", "example.com")
 * or a host alone ("smtp.example.com", "192.0.2.1"), lower case.  A
 * lookup tries the next hop's canonical form, then its host alone, so
 * one entry can serve every port of a host.  `mailctl relay-auth`
 * edits the first file and keeps it and its .db mode 0600, owned by
 * mail_owner, the only user that reads them (smtp-out).
 *
 * SECURITY: passwords are stored in the clear, since they must be sent;
 * the values are never logged, and the buffers that held them are wiped.
 */
#ifndef TERN_RELAY_AUTH_H
#define TERN_RELAY_AUTH_H

#include "map_list.h"
#include "transport.h"

/* The databases of smtp_sasl_password_maps (map_list_open: NULL with
 * *err_r when one exists and cannot be opened).  A replaced database
 * is reopened by its path, which a chrooted process must still see. */
map_list_t *relay_auth_from_config(char **err_r);

/* Credentials for nh: 1 with *user_r and *pass_r (mem-allocated; wipe
 * the password with explicit_bzero before mem_free), 0 when none, -1
 * when a database cannot be read or the value is no "user:password"
 * (logged without the value). */
int relay_auth_lookup(map_list_t *maps, const transport_nexthop_t *nh,
		      char **user_r, char **pass_r);

/* An entry's value split at its first ':'.  0, or -1 with *err_r: no
 * ':', an empty user or password, or a control character. */
int relay_auth_split(const char *value, size_t len, char **user_r,
		     char **pass_r, const char **err_r);

/* A key as mailctl stores it: a next hop (made canonical) or an IP
 * address alone (in inet_ntop's form).  The key mem-allocated, or NULL
 * with *err_r. */
char *relay_auth_key(const char *text, const char **err_r);

#endif

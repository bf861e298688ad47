/* cidr.h - address lists such as mynetworks: "127.0.0.0/8 [::1]/128".
 *
 * Entries are IPv4 or IPv6 networks with an optional prefix length (a bare
 * address is a host); IPv6 entries may be written in brackets.  Matching
 * takes an IPv4-mapped IPv6 client address as the IPv4 address it maps.
 */
#ifndef TERN_CIDR_H
#define TERN_CIDR_H

typedef struct cidr_list cidr_list_t;

/* NULL with *err_r (mem-allocated) naming the bad entry. */
cidr_list_t *cidr_parse(const char *text, char **err_r);
void cidr_free(cidr_list_t **lp);
/* 1 when the numeric address addr lies in one of the networks. */
int cidr_match(const cidr_list_t *l, const char *addr);

#endif

/* dns_wire.h - DNS record data in wire format, parsed without I/O.
 *
 * libunbound (lib/dns.c) hands over each record's RDATA as it came in the
 * answer, with the names in it uncompressed (RFC 1035 §3.3, §4.1.4: a
 * resolver stores them so).  These functions turn that into what routing
 * needs: an MX record's preference and exchange host (RFC 1035 §3.3.9),
 * an A or AAAA record's address (RFC 1035 §3.4.1, RFC 3596 §2.2).  They
 * take bytes and give values; dns.c does the lookups.
 *
 * A name comes out in lower case, without the final dot, "." for the root
 * (the null MX of RFC 7505).  Only host names are accepted: every label
 * letters, digits, '-' and '_' (which some real host names carry); a
 * label holding a dot, a space or a control byte could not be a host to
 * connect to and would make an unsafe log line, so such a name is refused.
 */
#ifndef TERN_DNS_WIRE_H
#define TERN_DNS_WIRE_H

#include <stddef.h>

#include "buf.h"

#define DNS_NAME_MAX	253	/* text form, without the final dot */
#define DNS_LABEL_MAX	63

/* RR types (RFC 1035 §3.2.2, RFC 3596). */
enum dns_type {
	DNS_TYPE_A = 1,
	DNS_TYPE_MX = 15,
	DNS_TYPE_AAAA = 28,
};

/* An address from an A or AAAA record, with its text form. */
typedef struct dns_addr {
	int family;			/* AF_INET or AF_INET6 */
	unsigned char bytes[16];	/* 4 used for AF_INET */
	char text[46];			/* INET6_ADDRSTRLEN */
} dns_addr_t;

/* The name starting at p (at most len bytes) into out (reset first);
 * *used_r is set to the bytes it took.  0, or -1 with *why_r (a static
 * string) when it is malformed, longer than the limits, compressed (no
 * pointer may be left in stored RDATA) or not a host name. */
int dns_wire_name(const unsigned char *p, size_t len, size_t *used_r,
		  buf_t *out, const char **why_r);
/* MX RDATA: preference and exchange, nothing after the name.  0 or -1
 * with *why_r. */
int dns_wire_mx(const unsigned char *rdata, size_t len, unsigned *pref_r,
		buf_t *host_r, const char **why_r);
/* A (type DNS_TYPE_A, 4 bytes) or AAAA (16 bytes) RDATA.  0 or -1 with
 * *why_r. */
int dns_wire_addr(enum dns_type type, const unsigned char *rdata,
		  size_t len, dns_addr_t *out, const char **why_r);

/* Is text a domain name tern may look up (a mail domain given by a
 * person or an address): host-name labels of 1..63 bytes, at most 253 in
 * all, one final dot allowed?  0, or -1 with *why_r. */
int dns_name_check(const char *text, const char **why_r);

#endif

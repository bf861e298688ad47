/* dns.h - DNS lookups of MX, A and AAAA records through libunbound.
 *
 * Why libunbound: it is a validating resolver, so DANE (RFC 7672) can
 * follow on the same context once a trust anchor is given, and it
 * decodes and checks the packets itself; tern then parses only the
 * record data of the answers (dns_wire.h) and maps each answer to one of
 * four outcomes (dns_result.c).  glibc's res_nquery would leave the
 * packet parsing and any validation to us.
 *
 * A context is made once per process, from `dns_nameservers` and
 * `dns_timeout` (dns_ctx_from_config).  With nameservers given, the
 * resolver forwards every query to them and to nothing else: no
 * recursion from the root hints, no fallback to /etc/resolv.conf (a
 * forward zone for "." with forward-first off; t_dns proves it with
 * strace).  Without, it forwards to the nameservers of /etc/resolv.conf
 * and answers names of /etc/hosts itself.  Every file libunbound reads
 * is read by dns_ctx_create, so a process makes its context before it
 * chroots or drops privileges; the resolver's thread starts at the first
 * lookup, so the process that looks up makes the context (after any
 * fork).
 *
 * Every lookup has a deadline (`dns_timeout`): a nameserver that does
 * not answer gives a temporary failure then, whatever libunbound would
 * still try.
 */
#ifndef TERN_DNS_H
#define TERN_DNS_H

#include "buf.h"
#include "dns_wire.h"

typedef struct dns_ctx dns_ctx_t;

/* The outcome of a lookup: records found; the name does not exist
 * (permanent); it exists without records of the type (the fallback of
 * RFC 5321 §5.1); no answer now (SERVFAIL, REFUSED, a timeout, a failed
 * DNSSEC validation, a malformed record). */
enum dns_status {
	DNS_FOUND,
	DNS_NXDOMAIN,
	DNS_NODATA,
	DNS_TEMPFAIL,
};

typedef struct dns_mx {
	unsigned pref;
	char *host;		/* "." for the null MX (RFC 7505) */
} dns_mx_t;

typedef struct dns_result {
	enum dns_status status;
	/* What happened in words ("NXDOMAIN", "SERVFAIL", "no answer in
	 * 10s"); mem-allocated, NULL for DNS_FOUND. */
	char *reason;
	int secure;		/* DNSSEC-validated (none yet: no trust anchor) */
	size_t count;		/* DNS_FOUND: records, in the answer's order */
	dns_mx_t *mx;		/* an MX lookup's records */
	dns_addr_t *addr;	/* an A or AAAA lookup's records */
} dns_result_t;

/* nameservers: NULL-terminated `address[:port]` texts (dns_nameservers);
 * NULL or empty: the system's resolver.  timeout: seconds per lookup.
 * NULL with *err_r (mem-allocated) when an entry is bad or libunbound
 * refuses its setup. */
dns_ctx_t *dns_ctx_create(char *const *nameservers, long timeout,
			  char **err_r);
/* The same from dns_nameservers and dns_timeout of main.conf. */
dns_ctx_t *dns_ctx_from_config(char **err_r);
void dns_ctx_free(dns_ctx_t **ctxp);

/* One `address[:port]` entry (IPv4 `a.b.c.d[:port]`, IPv6 `[addr]:port`,
 * `[addr]` or a bare `addr`) in libunbound's form "addr@port" (port 53
 * when none is given) into out.  0, or -1 with *err_r (mem-allocated). */
int dns_nameserver_parse(const char *text, buf_t *out, char **err_r);

/* Look up name's records of one type, waiting at most the context's
 * timeout.  Fills r, which dns_result_free releases.  Returns r->status. */
enum dns_status dns_lookup(dns_ctx_t *ctx, const char *name,
			   enum dns_type type, dns_result_t *r);
void dns_result_free(dns_result_t *r);

/* dns_result.c: libunbound's answer (err its error code, ub its result,
 * NULL when err is set) as a dns_result_t; unit-tested from made answers. */
struct ub_result;
void dns_result_from_unbound(enum dns_type type, int err,
			     const struct ub_result *ub, dns_result_t *r);

#endif

/* dns_result.c - libunbound's answer as one of four outcomes (dns.h).
 *
 * No I/O: it reads the result structure libunbound filled and parses
 * each record's data through dns_wire.c, so tests/unit/test_dns_result.c
 * checks every outcome from answers it makes itself.  A record tern
 * cannot use (an MX naming no host name, an A record of 5 bytes) makes
 * the whole answer a temporary failure: a broken zone is its owner's to
 * fix, and mail waits rather than bounce or go to a guessed host.
 */
#include <string.h>
#include <unbound.h>

#include "dns.h"
#include "mem.h"

/* RCODEs of RFC 1035 §4.1.1 and RFC 6895 that an answer may carry. */
static const char *dns_rcode_name(int rcode)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
		"NOTZONE",
	};

	return rcode >= 0 && rcode < (int) (sizeof(names) / sizeof(names[0])) ?
		names[rcode] : "unknown RCODE";
}

static const char *dns_type_name(enum dns_type type)
{
	return type == DNS_TYPE_MX ? "MX" : type == DNS_TYPE_A ? "A" : "AAAA";
}

static void dns_result_fail(dns_result_t *r, enum dns_status status, char *reason)
{
	dns_result_free(r);
	r->status = status;
	r->reason = reason;
}

static void dns_result_records(enum dns_type type, const struct ub_result *ub,
			       dns_result_t *r)
{
	buf_t host = BUF_INIT;
	const char *why = NULL;
	size_t n = 0;

	while (ub->data[n] != NULL)
		n++;
	if (type == DNS_TYPE_MX)
		r->mx = mem_reallocarray(NULL, n, sizeof(*r->mx));
	else
		r->addr = mem_reallocarray(NULL, n, sizeof(*r->addr));
	for (size_t i = 0; i < n; i++) {
		const unsigned char *rd = (const unsigned char *) ub->data[i];
		size_t len = ub->len[i] < 0 ? 0 : (size_t) ub->len[i];
		int rc;

		if (type == DNS_TYPE_MX) {
			rc = dns_wire_mx(rd, len, &r->mx[i].pref, &host, &why);
			if (rc == 0)
				r->mx[i].host = buf_steal(&host);
		} else {
			rc = dns_wire_addr(type, rd, len, &r->addr[i], &why);
		}
		if (rc < 0) {
			dns_result_fail(r, DNS_TEMPFAIL,
					mem_printf("malformed %s record: %s",
						   dns_type_name(type), why));
			break;
		}
		r->count = i + 1;
	}
	buf_release(&host);
}

void dns_result_from_unbound(enum dns_type type, int err,
			     const struct ub_result *ub, dns_result_t *r)
{
	memset(r, 0, sizeof(*r));
	r->status = DNS_TEMPFAIL;
	if (err != 0 || ub == NULL) {
		r->reason = mem_printf("resolver: %s", ub_strerror(err));
		return;
	}
	if (ub->bogus) {
		r->reason = mem_printf("DNSSEC validation failed: %s",
				       ub->why_bogus ? ub->why_bogus : "bogus answer");
		return;
	}
	if (ub->nxdomain || ub->rcode == 3) {
		r->status = DNS_NXDOMAIN;
		r->reason = mem_strdup("NXDOMAIN");
		return;
	}
	if (ub->rcode != 0) {
		r->reason = mem_strdup(dns_rcode_name(ub->rcode));
		return;
	}
	r->secure = ub->secure;
	if (!ub->havedata || ub->data == NULL || ub->data[0] == NULL) {
		r->status = DNS_NODATA;
		r->reason = mem_printf("no %s record", dns_type_name(type));
		return;
	}
	r->status = DNS_FOUND;
	dns_result_records(type, ub, r);
}

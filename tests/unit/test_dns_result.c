/* test_dns_result.c - unit tests for lib/dns_result.c: libunbound's
 * answers, made here as it fills them (record data as in the answers it
 * got), mapped to found / NXDOMAIN / no data / temporary failure. */
#include <sys/socket.h>
#include <unbound.h>

#include "../../lib/dns.h"
#include "test.h"

/* An answer with up to three records of the given data. */
struct test_ub {
	struct ub_result ub;
	char *data[4];
	int len[4];
	char store[3][64];	/* libunbound's data is not const */
};

static void test_ub_make(struct test_ub *t, int rcode, int nxdomain,
			 const void *const *rd, const int *len, int n)
{
	memset(t, 0, sizeof(*t));
	t->ub.rcode = rcode;
	t->ub.nxdomain = nxdomain;
	for (int i = 0; i < n; i++) {
		memcpy(t->store[i], rd[i], (size_t) len[i]);
		t->data[i] = t->store[i];
		t->len[i] = len[i];
	}
	t->ub.data = t->data;
	t->ub.len = t->len;
	t->ub.havedata = n > 0;
}

static void test_dns_result_found(void)
{
	static const unsigned char mx1[] = { 0, 10, 2, 'm', 'x', 7, 'e', 'x', 'a',
		'm', 'p', 'l', 'e', 0 };
	static const unsigned char mx2[] = { 0, 20, 3, 'm', 'x', '2', 7, 'e', 'x',
		'a', 'm', 'p', 'l', 'e', 0 };
	static const unsigned char a[] = { 127, 0, 0, 2 };
	const void *mxs[] = { mx1, mx2 }, *as[] = { a };
	const int mxl[] = { sizeof(mx1), sizeof(mx2) }, al[] = { sizeof(a) };
	struct test_ub t;
	dns_result_t r;

	test_begin("dns_result: MX and A records found, in the answer's order");
	test_ub_make(&t, 0, 0, mxs, mxl, 2);
	dns_result_from_unbound(DNS_TYPE_MX, 0, &t.ub, &r);
	test_assert_int(r.status, DNS_FOUND);
	test_assert(r.reason == NULL);
	test_assert_int(r.count, 2);
	test_assert_int(r.mx[0].pref, 10);
	test_assert_str(r.mx[0].host, "mx.example");
	test_assert_int(r.mx[1].pref, 20);
	test_assert_str(r.mx[1].host, "mx2.example");
	dns_result_free(&r);
	test_assert(r.mx == NULL && r.count == 0);

	test_ub_make(&t, 0, 0, as, al, 1);
	t.ub.secure = 1;
	dns_result_from_unbound(DNS_TYPE_A, 0, &t.ub, &r);
	test_assert_int(r.status, DNS_FOUND);
	test_assert_int(r.count, 1);
	test_assert_int(r.secure, 1);
	test_assert_str(r.addr[0].text, "127.0.0.2");
	test_assert_int(r.addr[0].family, AF_INET);
	dns_result_free(&r);
	test_end();
}

static void test_dns_result_negative(void)
{
	static const unsigned char bad_mx[] = { 0, 10, 3, 'a', ' ', 'b', 0 };
	static const unsigned char good_mx[] = { 0, 5, 1, 'a', 0 };
	const void *rds[] = { good_mx, bad_mx };
	const int lens[] = { sizeof(good_mx), sizeof(bad_mx) };
	struct test_ub t;
	dns_result_t r;

	test_begin("dns_result: NXDOMAIN, NODATA, SERVFAIL, REFUSED, bogus, errors, bad records");
	test_ub_make(&t, 3, 1, NULL, NULL, 0);
	dns_result_from_unbound(DNS_TYPE_MX, 0, &t.ub, &r);
	test_assert_int(r.status, DNS_NXDOMAIN);
	test_assert_str(r.reason, "NXDOMAIN");
	dns_result_free(&r);

	test_ub_make(&t, 0, 0, NULL, NULL, 0);
	dns_result_from_unbound(DNS_TYPE_AAAA, 0, &t.ub, &r);
	test_assert_int(r.status, DNS_NODATA);
	test_assert_str(r.reason, "no AAAA record");
	dns_result_free(&r);

	test_ub_make(&t, 2, 0, NULL, NULL, 0);
	dns_result_from_unbound(DNS_TYPE_MX, 0, &t.ub, &r);
	test_assert_int(r.status, DNS_TEMPFAIL);
	test_assert_str(r.reason, "SERVFAIL");
	dns_result_free(&r);

	test_ub_make(&t, 5, 0, NULL, NULL, 0);
	dns_result_from_unbound(DNS_TYPE_MX, 0, &t.ub, &r);
	test_assert_int(r.status, DNS_TEMPFAIL);
	test_assert_str(r.reason, "REFUSED");
	dns_result_free(&r);

	test_ub_make(&t, 2, 0, NULL, NULL, 0);
	t.ub.bogus = 1;
	t.ub.why_bogus = (char *) "signature expired";
	dns_result_from_unbound(DNS_TYPE_MX, 0, &t.ub, &r);
	test_assert_int(r.status, DNS_TEMPFAIL);
	test_assert_str(r.reason, "DNSSEC validation failed: signature expired");
	dns_result_free(&r);

	dns_result_from_unbound(DNS_TYPE_A, UB_SERVFAIL, NULL, &r);
	test_assert_int(r.status, DNS_TEMPFAIL);
	test_assert(r.reason != NULL && strncmp(r.reason, "resolver: ", 10) == 0);
	dns_result_free(&r);

	/* one record that names no host: the whole answer waits */
	test_ub_make(&t, 0, 0, rds, lens, 2);
	dns_result_from_unbound(DNS_TYPE_MX, 0, &t.ub, &r);
	test_assert_int(r.status, DNS_TEMPFAIL);
	test_assert_str(r.reason, "malformed MX record: name is no host name");
	test_assert(r.mx == NULL && r.count == 0);
	dns_result_free(&r);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_dns_result_found, test_dns_result_negative, NULL,
	};
	return test_main(tests);
}

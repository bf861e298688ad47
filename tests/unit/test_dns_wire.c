/* test_dns_wire.c - unit tests for lib/dns_wire.c: MX, A and AAAA record
 * data as libunbound stores it from an answer (names uncompressed), and
 * the domain-name check. */
#include <sys/socket.h>

#include "../../lib/dns_wire.h"
#include "test.h"

/* RDATA recorded from answers: "10 mx1.example.org." and the null MX
 * "0 ." (RFC 7505), as the MX records of real zones carry them. */
static const unsigned char test_mx_rdata[] = {
	0x00, 0x0a, 3, 'm', 'x', '1', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e',
	3, 'o', 'r', 'g', 0,
};
static const unsigned char test_null_mx_rdata[] = { 0x00, 0x00, 0x00 };

static void test_dns_wire_mx(void)
{
	buf_t host = BUF_INIT;
	const char *why = NULL;
	unsigned pref = 99;

	test_begin("dns_wire: MX preference and host, lower case, null MX");
	test_assert_int(dns_wire_mx(test_mx_rdata, sizeof(test_mx_rdata), &pref,
				    &host, &why), 0);
	test_assert_int(pref, 10);
	test_assert_str(buf_str(&host), "mx1.example.org");
	test_assert_int(dns_wire_mx(test_null_mx_rdata, sizeof(test_null_mx_rdata),
				    &pref, &host, &why), 0);
	test_assert_int(pref, 0);
	test_assert_str(buf_str(&host), ".");
	{
		/* the highest preference, 65535 */
		unsigned char hi[] = { 0xff, 0xff, 1, 'a', 0 };

		test_assert_int(dns_wire_mx(hi, sizeof(hi), &pref, &host, &why), 0);
		test_assert_int(pref, 65535);
		test_assert_str(buf_str(&host), "a");
	}
	buf_release(&host);
	test_end();
}

static void test_dns_wire_mx_bad(void)
{
	buf_t host = BUF_INIT;
	const char *why = NULL;
	unsigned pref;
	unsigned char rd[300];

	test_begin("dns_wire: every truncation, trailing bytes, pointers, bad bytes refused");
	for (size_t n = 0; n < sizeof(test_mx_rdata); n++) {
		/* a copy of exactly n bytes, so ASan sees any read past it */
		unsigned char *cut = malloc(n ? n : 1);

		memcpy(cut, test_mx_rdata, n);
		why = NULL;
		test_assert_int(dns_wire_mx(cut, n, &pref, &host, &why), -1);
		test_assert(why != NULL);
		free(cut);
	}
	memcpy(rd, test_mx_rdata, sizeof(test_mx_rdata));
	rd[sizeof(test_mx_rdata)] = 0;
	test_assert_int(dns_wire_mx(rd, sizeof(test_mx_rdata) + 1, &pref, &host, &why), -1);
	test_assert_str(why, "bytes after the MX name");
	{
		/* a compression pointer (0xc0 0x0c) has no place in stored data */
		unsigned char ptr[] = { 0, 5, 3, 'm', 'x', '1', 0xc0, 0x0c };

		test_assert_int(dns_wire_mx(ptr, sizeof(ptr), &pref, &host, &why), -1);
		test_assert_str(why, "compressed name in stored data");
	}
	{
		/* labels with a dot, a space, a control byte: no host name */
		unsigned char dot[] = { 0, 5, 3, 'a', '.', 'b', 0 };
		unsigned char sp[] = { 0, 5, 3, 'a', ' ', 'b', 0 };
		unsigned char nl[] = { 0, 5, 3, 'a', '\n', 'b', 0 };

		test_assert_int(dns_wire_mx(dot, sizeof(dot), &pref, &host, &why), -1);
		test_assert_int(dns_wire_mx(sp, sizeof(sp), &pref, &host, &why), -1);
		test_assert_int(dns_wire_mx(nl, sizeof(nl), &pref, &host, &why), -1);
		test_assert_str(why, "name is no host name");
	}
	{
		/* 5 labels of 63 bytes: 319 bytes of text, over 253 */
		size_t off = 2;

		rd[0] = rd[1] = 0;
		for (int l = 0; l < 4; l++) {
			rd[off++] = 63;
			memset(rd + off, 'a', 63);
			off += 63;
		}
		rd[off++] = 0;
		test_assert_int(dns_wire_mx(rd, off, &pref, &host, &why), -1);
		test_assert_str(why, "name longer than 253 bytes");
	}
	buf_release(&host);
	test_end();
}

static void test_dns_wire_addr(void)
{
	static const unsigned char a[] = { 127, 0, 0, 2 };
	static const unsigned char aaaa[] = {
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53,
	};
	dns_addr_t out;
	const char *why = NULL;

	test_begin("dns_wire: A and AAAA records, wrong lengths refused");
	test_assert_int(dns_wire_addr(DNS_TYPE_A, a, sizeof(a), &out, &why), 0);
	test_assert_int(out.family, AF_INET);
	test_assert_str(out.text, "127.0.0.2");
	test_assert_int(dns_wire_addr(DNS_TYPE_AAAA, aaaa, sizeof(aaaa), &out, &why), 0);
	test_assert_int(out.family, AF_INET6);
	test_assert_str(out.text, "2001:db8::53");
	test_assert(memcmp(out.bytes, aaaa, 16) == 0);
	test_assert_int(dns_wire_addr(DNS_TYPE_A, aaaa, sizeof(aaaa), &out, &why), -1);
	test_assert_str(why, "A record is not 4 bytes");
	test_assert_int(dns_wire_addr(DNS_TYPE_AAAA, a, sizeof(a), &out, &why), -1);
	test_assert_int(dns_wire_addr(DNS_TYPE_MX, a, sizeof(a), &out, &why), -1);
	test_end();
}

static void test_dns_name_check(void)
{
	static const char *const good[] = {
		"example.org", "EXAMPLE.org.", "a", "mx-1.sub_domain.example", "1.2.3.4",
	};
	static const char *const bad[] = {
		"", ".", "a..b", ".a", "a b", "a/b", "a@b", "[127.0.0.1]", "a\nb",
	};
	char long_label[80], long_name[300];
	const char *why;

	test_begin("dns_name_check: host names only, label and name lengths");
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		test_assert_int(dns_name_check(good[i], &why), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		test_assert_int(dns_name_check(bad[i], &why), -1);
	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	test_assert_int(dns_name_check(long_label, &why), -1);
	long_label[63] = '\0';
	test_assert_int(dns_name_check(long_label, &why), 0);
	for (size_t i = 0; i < 254; i++)
		long_name[i] = i % 2 ? '.' : 'a';
	long_name[253] = '\0';		/* "a.a. ... a": 253 bytes */
	test_assert_int(dns_name_check(long_name, &why), 0);
	long_name[253] = '.';		/* a final dot does not count */
	long_name[254] = '\0';
	test_assert_int(dns_name_check(long_name, &why), 0);
	long_name[253] = 'a';
	long_name[254] = 'a';
	long_name[255] = '\0';
	test_assert_int(dns_name_check(long_name, &why), -1);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_dns_wire_mx, test_dns_wire_mx_bad, test_dns_wire_addr,
		test_dns_name_check, NULL,
	};
	return test_main(tests);
}

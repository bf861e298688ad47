/* test_dns.c - unit tests for lib/dns.c: the dns_nameservers entries;
 * a lookup whose only nameserver (a loopback port nobody answers on)
 * gives a temporary failure by the deadline, never an answer from
 * elsewhere, while libunbound's thread takes no signal; and answer
 * packets as nameservers send them, replayed by a responder on
 * loopback, each ending as the outcome it means. */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>

#include "../../lib/dns.h"
#include "../../lib/mem.h"
#include "test.h"

static void test_dns_nameserver_parse(void)
{
	static const char *const good[][2] = {
		{ "127.0.0.1", "127.0.0.1@53" },
		{ "127.0.0.1:5353", "127.0.0.1@5353" },
		{ "[::1]:5300", "::1@5300" },
		{ "[::1]", "::1@53" },
		{ "::1", "::1@53" },
		{ "2001:db8::53", "2001:db8::53@53" },
		{ "192.0.2.1:65535", "192.0.2.1@65535" },
	};
	static const char *const bad[] = {
		"", "localhost", "ns.example:53", "127.0.0.1:", "127.0.0.1:0",
		"127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:+5", "127.0.0.1:5x",
		"[::1", "[::1]53", "[127.0.0.1]:53", "::1:99999x", "1.2.3.4.5",
		"[::1]:", "fe80::1%eth0",
	};
	buf_t out = BUF_INIT;
	char *err;

	test_begin("dns_nameserver_parse: address[:port] forms, bad ones named");
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		err = NULL;
		test_assert_int(dns_nameserver_parse(good[i][0], &out, &err), 0);
		test_assert_str(buf_str(&out), good[i][1]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		test_assert_int(dns_nameserver_parse(bad[i], &out, &err), -1);
		test_assert(err != NULL && strstr(err, bad[i]) != NULL);
		mem_free(err);
	}
	buf_release(&out);
	test_end();
}

/* A UDP port on 127.0.0.1 that nothing listens on: bound, read, closed. */
static int test_unused_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), port;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *) &sin, sizeof(sin)) < 0 ||
	    getsockname(fd, (struct sockaddr *) &sin, &len) < 0)
		return -1;
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* How many threads of this process, other than the main one, have
 * SIGHUP, SIGALRM and SIGTERM blocked (*blocked_r), of how many. */
static int test_other_threads(int *blocked_r)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	*blocked_r = 0;
	while (d != NULL && (e = readdir(d)) != NULL) {
		char path[300], line[256];
		unsigned long long mask = 0;
		FILE *f;

		if (e->d_name[0] == '.' || atoi(e->d_name) == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/status", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, "SigBlk:", 7) == 0)
				mask = strtoull(line + 7, NULL, 16);
		fclose(f);
		n++;
		if ((mask >> (SIGHUP - 1) & 1) && (mask >> (SIGALRM - 1) & 1) &&
		    (mask >> (SIGTERM - 1) & 1))
			(*blocked_r)++;
	}
	if (d != NULL)
		closedir(d);
	return n;
}

static void test_dns_lookup_unanswered(void)
{
	char server[32], *err = NULL;
	char *servers[] = { server, NULL };
	struct timespec t0, t1;
	dns_result_t r;
	dns_ctx_t *ctx;
	int port = test_unused_port();
	double took;

	test_begin("dns_lookup: only the configured nameserver; none answers: temporary failure; "
		   "the resolver thread blocks signals");
	test_assert(port > 0);
	snprintf(server, sizeof(server), "127.0.0.1:%d", port);
	ctx = dns_ctx_create(servers, 1, &err);
	test_assert(ctx != NULL);
	if (ctx == NULL) {
		test_end();
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	test_assert_int(dns_lookup(ctx, "example.org", DNS_TYPE_MX, &r), DNS_TEMPFAIL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	took = (double) (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	test_assert(r.reason != NULL);
	test_assert(r.count == 0 && r.mx == NULL);
	/* by the deadline of 1 s, with some slack for a loaded machine */
	test_assert(took < 3.0);
	dns_result_free(&r);
	{
		/* the resolver's thread takes none of the process's signals */
		int blocked, threads = test_other_threads(&blocked);

		test_assert(threads >= 1);
		test_assert_int(blocked, threads);
	}
	dns_ctx_free(&ctx);
	test_assert(ctx == NULL);
	test_end();
}

/* Answers as a nameserver sends them (compressed names, an EDNS OPT
 * record), for the responder below: from the query's name and type to
 * the packet, whose ID is set to the query's. */
/* an MX answer: two records, exchange names compressed against the question */
static const char test_pkt_mx[] =
	  "\x00\x00\x81\x80\x00\x01\x00\x02\x00\x00\x00\x01\x07\x65\x78\x61"
	  "\x6d\x70\x6c\x65\x03\x6e\x65\x74\x00\x00\x0f\x00\x01\xc0\x0c\x00"
	  "\x0f\x00\x01\x00\x00\x01\x2c\x00\x08\x00\x0a\x03\x6d\x78\x31\xc0"
	  "\x0c\xc0\x0c\x00\x0f\x00\x01\x00\x00\x01\x2c\x00\x08\x00\x14\x03"
	  "\x6d\x78\x32\xc0\x0c\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00";
/* NXDOMAIN, the SOA of the zone in the authority section */
static const char test_pkt_nx[] =
	  "\x00\x00\x81\x83\x00\x01\x00\x00\x00\x01\x00\x01\x02\x6e\x78\x07"
	  "\x65\x78\x61\x6d\x70\x6c\x65\x03\x6e\x65\x74\x00\x00\x0f\x00\x01"
	  "\xc0\x0f\x00\x06\x00\x01\x00\x00\x01\x2c\x00\x26\x02\x6e\x73\xc0"
	  "\x0f\x0a\x68\x6f\x73\x74\x6d\x61\x73\x74\x65\x72\xc0\x0f\x78\xc4"
	  "\x25\xfd\x00\x00\x1c\x20\x00\x00\x0e\x10\x00\x12\x75\x00\x00\x00"
	  "\x01\x2c\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00";
/* NOERROR without answers, the SOA in the authority section: NODATA */
static const char test_pkt_nodata[] =
	  "\x00\x00\x81\x80\x00\x01\x00\x00\x00\x01\x00\x01\x07\x65\x78\x61"
	  "\x6d\x70\x6c\x65\x03\x6e\x65\x74\x00\x00\x1c\x00\x01\xc0\x0c\x00"
	  "\x06\x00\x01\x00\x00\x01\x2c\x00\x26\x02\x6e\x73\xc0\x0c\x0a\x68"
	  "\x6f\x73\x74\x6d\x61\x73\x74\x65\x72\xc0\x0c\x78\xc4\x25\xfd\x00"
	  "\x00\x1c\x20\x00\x00\x0e\x10\x00\x12\x75\x00\x00\x00\x01\x2c\x00"
	  "\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00";
/* SERVFAIL */
static const char test_pkt_servfail[] =
	  "\x00\x00\x81\x82\x00\x01\x00\x00\x00\x00\x00\x01\x06\x62\x72\x6f"
	  "\x6b\x65\x6e\x07\x65\x78\x61\x6d\x70\x6c\x65\x03\x6e\x65\x74\x00"
	  "\x00\x0f\x00\x01\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00";
/* a CNAME and the A record of its target in one answer, the A
 * record's owner a pointer into the CNAME's data */
static const char test_pkt_cname[] =
	  "\x00\x00\x81\x80\x00\x01\x00\x02\x00\x00\x00\x01\x03\x77\x77\x77"
	  "\x07\x65\x78\x61\x6d\x70\x6c\x65\x03\x6e\x65\x74\x00\x00\x01\x00"
	  "\x01\xc0\x0c\x00\x05\x00\x01\x00\x00\x01\x2c\x00\x07\x04\x68\x6f"
	  "\x73\x74\xc0\x10\xc0\x2d\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04"
	  "\xc0\x00\x02\x0a\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00";
/* the A record of the CNAME's target, which libunbound asks for in a
 * query of its own rather than take it from the CNAME's answer */
static const char test_pkt_host[] =
	  "\x00\x00\x81\x80\x00\x01\x00\x01\x00\x00\x00\x01\x04\x68\x6f\x73"
	  "\x74\x07\x65\x78\x61\x6d\x70\x6c\x65\x03\x6e\x65\x74\x00\x00\x01"
	  "\x00\x01\xc0\x0c\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04\xc0\x00"
	  "\x02\x0a\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00";
/* an MX naming "mail server.example.net", which no host can be */
static const char test_pkt_badmx[] =
	  "\x00\x00\x81\x80\x00\x01\x00\x01\x00\x00\x00\x01\x03\x6f\x64\x64"
	  "\x07\x65\x78\x61\x6d\x70\x6c\x65\x03\x6e\x65\x74\x00\x00\x0f\x00"
	  "\x01\xc0\x0c\x00\x0f\x00\x01\x00\x00\x01\x2c\x00\x10\x00\x0a\x0b"
	  "\x6d\x61\x69\x6c\x20\x73\x65\x72\x76\x65\x72\xc0\x10\x00\x00\x29"
	  "\x04\xd0\x00\x00\x00\x00\x00\x00";


static const struct test_packet {
	const char *qname;
	enum dns_type qtype;
	const char *bytes;
	size_t len;
} test_packets[] = {
	{ "example.net", DNS_TYPE_MX, test_pkt_mx, sizeof(test_pkt_mx) - 1 },
	{ "nx.example.net", DNS_TYPE_MX, test_pkt_nx, sizeof(test_pkt_nx) - 1 },
	{ "example.net", DNS_TYPE_AAAA, test_pkt_nodata, sizeof(test_pkt_nodata) - 1 },
	{ "broken.example.net", DNS_TYPE_MX, test_pkt_servfail, sizeof(test_pkt_servfail) - 1 },
	{ "www.example.net", DNS_TYPE_A, test_pkt_cname, sizeof(test_pkt_cname) - 1 },
	{ "host.example.net", DNS_TYPE_A, test_pkt_host, sizeof(test_pkt_host) - 1 },
	{ "odd.example.net", DNS_TYPE_MX, test_pkt_badmx, sizeof(test_pkt_badmx) - 1 },
	{ NULL, 0, NULL, 0 },
};

/* The responder: a child answering on fd from test_packets, until killed. */
static void test_responder(int fd)
{
	unsigned char q[512], out[512];

	for (;;) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		ssize_t n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *) &peer, &plen);
		char name[256];
		size_t off = 12, nl = 0;
		unsigned qtype;

		if (n < 17)
			continue;
		while (off < (size_t) n && q[off] != 0 && q[off] < 64 &&
		       off + 1 + q[off] < (size_t) n && nl + q[off] + 2 < sizeof(name)) {
			if (nl > 0)
				name[nl++] = '.';
			for (size_t i = 0; i < q[off]; i++)
				name[nl++] = (char) tolower(q[off + 1 + i]);
			off += 1 + q[off];
		}
		name[nl] = '\0';
		if (off + 3 > (size_t) n - 1)
			continue;
		qtype = (unsigned) q[off + 1] << 8 | q[off + 2];
		for (const struct test_packet *p = test_packets; p->qname != NULL; p++) {
			if (strcmp(p->qname, name) != 0 || p->qtype != qtype ||
			    p->len > sizeof(out))
				continue;
			memcpy(out, p->bytes, p->len);
			out[0] = q[0];
			out[1] = q[1];
			sendto(fd, out, p->len, 0, (struct sockaddr *) &peer, plen);
		}
	}
}

static void test_dns_lookup_packets(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	char server[32], *err = NULL;
	char *servers[] = { server, NULL };
	dns_ctx_t *ctx;
	dns_result_t r;
	pid_t child;
	int fd;

	test_begin("dns_lookup: answers as nameservers send them, through libunbound");
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *) &sin, sizeof(sin)) < 0 ||
	    getsockname(fd, (struct sockaddr *) &sin, &len) < 0) {
		test_skip("no UDP socket on 127.0.0.1");
		return;
	}
	child = fork();
	if (child == 0)
		test_responder(fd);
	close(fd);
	test_assert(child > 0);
	snprintf(server, sizeof(server), "127.0.0.1:%d", ntohs(sin.sin_port));
	ctx = dns_ctx_create(servers, 5, &err);
	test_assert(ctx != NULL);
	if (ctx == NULL || child <= 0)
		goto out;

	test_assert_int(dns_lookup(ctx, "example.net", DNS_TYPE_MX, &r), DNS_FOUND);
	test_assert_int(r.count, 2);
	if (r.count == 2) {
		/* the two in either order: the resolver may rotate them */
		int first = r.mx[0].pref == 10 ? 0 : 1;

		test_assert_int(r.mx[first].pref, 10);
		test_assert_str(r.mx[first].host, "mx1.example.net");
		test_assert_int(r.mx[1 - first].pref, 20);
		test_assert_str(r.mx[1 - first].host, "mx2.example.net");
	}
	dns_result_free(&r);

	test_assert_int(dns_lookup(ctx, "nx.example.net", DNS_TYPE_MX, &r), DNS_NXDOMAIN);
	dns_result_free(&r);
	test_assert_int(dns_lookup(ctx, "example.net", DNS_TYPE_AAAA, &r), DNS_NODATA);
	test_assert_str(r.reason, "no AAAA record");
	dns_result_free(&r);
	test_assert_int(dns_lookup(ctx, "broken.example.net", DNS_TYPE_MX, &r), DNS_TEMPFAIL);
	test_assert_str(r.reason, "SERVFAIL");
	dns_result_free(&r);

	test_assert_int(dns_lookup(ctx, "www.example.net", DNS_TYPE_A, &r), DNS_FOUND);
	test_assert_int(r.count, 1);
	if (r.count == 1)
		test_assert_str(r.addr[0].text, "192.0.2.10");
	dns_result_free(&r);

	test_assert_int(dns_lookup(ctx, "odd.example.net", DNS_TYPE_MX, &r), DNS_TEMPFAIL);
	test_assert_str(r.reason, "malformed MX record: name is no host name");
	dns_result_free(&r);
out:
	dns_ctx_free(&ctx);
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	test_end();
}

static void test_dns_ctx_bad(void)
{
	char *servers[] = { (char *) "127.0.0.1", (char *) "ns.example", NULL };
	char *err = NULL;
	dns_ctx_t *ctx = dns_ctx_create(servers, 1, &err);

	test_begin("dns_ctx_create: a bad entry is refused by name");
	test_assert(ctx == NULL);
	test_assert(err != NULL && strstr(err, "\"ns.example\"") != NULL);
	mem_free(err);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_dns_nameserver_parse, test_dns_lookup_unanswered,
		test_dns_lookup_packets, test_dns_ctx_bad, NULL,
	};
	return test_main(tests);
}

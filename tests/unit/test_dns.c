/* test_dns.c - unit tests for lib/dns.c: the dns_nameservers entries,
 * and a lookup whose only nameserver (a loopback port nobody answers on)
 * gives a temporary failure by the deadline, never an answer from
 * elsewhere. */
#include <arpa/inet.h>
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

static void test_dns_lookup_unanswered(void)
{
	char server[32], *err = NULL;
	char *servers[] = { server, NULL };
	struct timespec t0, t1;
	dns_result_t r;
	dns_ctx_t *ctx;
	int port = test_unused_port();
	double took;

	test_begin("dns_lookup: only the configured nameserver; none answers: temporary failure");
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
	dns_ctx_free(&ctx);
	test_assert(ctx == NULL);
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
		test_dns_ctx_bad, NULL,
	};
	return test_main(tests);
}

/* test_pop3d_dot.c - unit tests for pop3d/pop3d_dot.c: LF to CRLF,
 * dot-stuffing, the final ".", TOP's header and line count, with input fed
 * whole, in pieces of 1, 2, 3 and 7 bytes, and split at every point. */
#include <stdint.h>
#include <sys/socket.h>

#include "../../lib/mem.h"
#include "../../lib/stream.h"
#include "../../pop3d/session/pop3d_session.h"
#include "test.h"

static void dot_feed(const char *p, size_t n, void *ctx)
{
	pop3d_dot_write(ctx, p, n);
}

/* Run the message through pop3d_dot in pieces of `step` bytes (0: whole),
 * or, with cut <= its length, in two pieces split there; return what went
 * out on the wire. */
static char *dot(const char *msg, long top, size_t step, size_t cut,
		 long long *octets_r)
{
	int sv[2];
	stream_t *s;
	pop3d_dot_t d;
	buf_t out = BUF_INIT;
	size_t len = strlen(msg);
	char chunk[4096];
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return mem_strdup("socketpair failed");
	s = stream_open(sv[0]);
	pop3d_dot_init(&d, s, top);
	if (cut <= len)
		test_feed_split(msg, len, cut, dot_feed, &d);
	else
		test_feed(msg, len, step, dot_feed, &d);
	pop3d_dot_end(&d);
	stream_flush(s);
	stream_close(&s);
	while ((n = read(sv[1], chunk, sizeof(chunk))) > 0)
		buf_append(&out, chunk, (size_t) n);
	close(sv[1]);
	if (octets_r)
		*octets_r = d.octets;
	return buf_steal(&out);
}

static void check(const char *msg, long top, const char *want, long long octets)
{
	size_t steps[] = { 0, 1, 2, 3, 7 };

	size_t len = strlen(msg);

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		long long got_octets = -1;
		char *got = dot(msg, top, steps[i], SIZE_MAX, &got_octets);

		test_assert_str(got, want);
		if (octets >= 0)
			test_assert_int(got_octets, octets);
		mem_free(got);
	}
	for (size_t cut = 0; cut <= len; cut++) {
		char *got = dot(msg, top, 0, cut, NULL);

		if (strcmp(got, want) != 0) {
			printf("  split at %zu: \"%s\"\n", cut, got);
			test_case_failed = 1;
		}
		mem_free(got);
	}
}

static void test_dot_retr(void)
{
	test_begin("pop3d_dot: CRLF, dot-stuffing, final dot");
	check("", -1, ".\r\n", 0);
	check("a\n", -1, "a\r\n.\r\n", 3);
	check("Subject: x\n\nbody\n", -1, "Subject: x\r\n\r\nbody\r\n.\r\n", 20);
	check(".\n..\n.x\nx.\n", -1, "..\r\n...\r\n..x\r\nx.\r\n.\r\n", 15);
	/* no LF at the end: CRLF before the dot */
	check("a\nlast", -1, "a\r\nlast\r\n.\r\n", 7);
	check(".", -1, "..\r\n.\r\n", 1);
	/* every stored LF and every stored CR is a line end and becomes
	 * CRLF, as ,W= counts it and IMAP sends it (mime_wire.h) */
	check("cr\r\n", -1, "cr\r\n\r\n.\r\n", 6);
	check("a\rb\n", -1, "a\r\nb\r\n.\r\n", 6);
	check("\n\n", -1, "\r\n\r\n.\r\n", 4);
	test_end();
}

static void test_dot_top(void)
{
	static const char msg[] = "From: a\nSubject: s\n\n.one\ntwo\nthree\n";

	test_begin("pop3d_dot: TOP header and body lines");
	check(msg, 0, "From: a\r\nSubject: s\r\n\r\n.\r\n", -1);
	check(msg, 1, "From: a\r\nSubject: s\r\n\r\n..one\r\n.\r\n", -1);
	check(msg, 2, "From: a\r\nSubject: s\r\n\r\n..one\r\ntwo\r\n.\r\n", -1);
	check(msg, 3, "From: a\r\nSubject: s\r\n\r\n..one\r\ntwo\r\nthree\r\n.\r\n", -1);
	check(msg, 99, "From: a\r\nSubject: s\r\n\r\n..one\r\ntwo\r\nthree\r\n.\r\n", -1);
	/* blank lines in the body count as lines */
	check("H: 1\n\n\n\nx\n", 2, "H: 1\r\n\r\n\r\n\r\n.\r\n", -1);
	/* no blank line: all header */
	check("H: 1\nH: 2\n", 0, "H: 1\r\nH: 2\r\n.\r\n", -1);
	/* a last body line without LF */
	check("H: 1\n\nend", 5, "H: 1\r\n\r\nend\r\n.\r\n", -1);
	/* header only, ends without LF */
	check("H: 1", 0, "H: 1\r\n.\r\n", -1);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = { test_dot_retr, test_dot_top, NULL };

	return test_main(tests);
}

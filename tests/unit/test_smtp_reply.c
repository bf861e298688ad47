/* test_smtp_reply.c - unit tests for lib/smtp_reply.c: single and
 * multi-line replies, bare codes, pipelined replies in one read, enhanced
 * status codes (on, off, wrong class, 3xx), and every malformed case of
 * smtp_reply.h including the line length and line count limits.
 *
 * Every input is fed whole, one octet at a time, in pieces of 3, and cut
 * in two at every point: the outcome must be the same each way.
 */
#include <string.h>

#include "../../lib/buf.h"
#include "../../lib/smtp_reply.h"
#include "test.h"

/* Feed in[0..len) to r (first piece cut octets when cut > 0, then pieces
 * of step, 0: the rest whole) until a reply ends or is bad; the octets
 * used returned, the status in *st. */
static size_t reply_run(smtp_reply_t *r, const char *in, size_t len,
			size_t cut, size_t step, enum smtp_reply_status *st)
{
	size_t off = 0;

	*st = SMTP_REPLY_MORE;
	do {
		size_t n = off == 0 && cut > 0 ? cut : step > 0 ? step : len - off;

		if (n > len - off)
			n = len - off;
		off += smtp_reply_feed(r, in + off, n, st);
	} while (off < len && *st == SMTP_REPLY_MORE);
	return off;
}

/* Check one input every way: the status, the summary (for DONE), the
 * enhanced code, the number of lines and the octets used. */
static void reply_check(const char *in, int enhanced, enum smtp_reply_status want_st,
			const char *want_summary, const char *want_enh,
			size_t want_lines, size_t want_used)
{
	static const size_t steps[] = { 0, 1, 3 };
	size_t len = strlen(in);
	buf_t sum = BUF_INIT;

	for (size_t way = 0; way < 3 + len; way++) {
		smtp_reply_t r;
		enum smtp_reply_status st;
		size_t cut = way < 3 ? 0 : way - 3;
		size_t used;

		smtp_reply_init(&r, 0, 0);
		smtp_reply_set_enhanced(&r, enhanced);
		used = reply_run(&r, in, len, cut, way < 3 ? steps[way] : 0, &st);
		buf_reset(&sum);
		if (st == SMTP_REPLY_DONE)
			smtp_reply_summary(&r, &sum);
		if (st != want_st || (st == SMTP_REPLY_DONE &&
		    (strcmp(buf_str(&sum), want_summary) != 0 ||
		     strcmp(r.enhanced, want_enh) != 0 || r.nlines != want_lines ||
		     used != want_used)) ||
		    (st == SMTP_REPLY_BAD && r.error == NULL)) {
			printf("  way %zu: status %d summary \"%s\" enhanced \"%s\" "
			       "lines %zu used %zu\n", way, st, buf_str(&sum),
			       r.enhanced, r.nlines, used);
			test_case_failed = 1;
		}
		smtp_reply_release(&r);
	}
	buf_release(&sum);
}

static void test_reply_single(void)
{
	test_begin("smtp_reply single-line replies");
	reply_check("250 OK\r\n", 0, SMTP_REPLY_DONE, "250 OK", "", 1, 8);
	reply_check("220 mx.example ESMTP\r\n", 0, SMTP_REPLY_DONE,
		    "220 mx.example ESMTP", "", 1, 22);
	/* a bare code, with or without its space (§4.2) */
	reply_check("354\r\n", 0, SMTP_REPLY_DONE, "354", "", 1, 5);
	reply_check("250 \r\n", 0, SMTP_REPLY_DONE, "250", "", 1, 6);
	/* LF alone ends a line too */
	reply_check("421 bye\n", 0, SMTP_REPLY_DONE, "421 bye", "", 1, 8);
	/* 8-bit text is kept */
	reply_check("550 nein \xc3\xa4\r\n", 0, SMTP_REPLY_DONE,
		    "550 nein \xc3\xa4", "", 1, 13);
	/* no line end yet: more */
	reply_check("250 OK", 0, SMTP_REPLY_MORE, "", "", 0, 0);
	reply_check("250 OK\r", 0, SMTP_REPLY_MORE, "", "", 0, 0);
	test_end();
}

static void test_reply_multi(void)
{
	const char *ehlo = "250-mx.example\r\n250-PIPELINING\r\n250-SIZE 1000\r\n"
			   "250 8BITMIME\r\n";
	smtp_reply_t r;
	enum smtp_reply_status st;
	size_t n;
	const char *s;

	test_begin("smtp_reply multi-line replies");
	reply_check(ehlo, 0, SMTP_REPLY_DONE,
		    "250 mx.example PIPELINING SIZE 1000 8BITMIME", "", 4, strlen(ehlo));
	reply_check("250-\r\n250 \r\n", 0, SMTP_REPLY_DONE, "250", "", 2, 12);
	reply_check("250-a\r\n250\r\n", 0, SMTP_REPLY_DONE, "250 a", "", 2, 12);
	reply_check("250-a\r\n250-b\r\n", 0, SMTP_REPLY_MORE, "", "", 0, 0);

	smtp_reply_init(&r, 0, 0);
	reply_run(&r, ehlo, strlen(ehlo), 0, 0, &st);
	test_assert_int(st, SMTP_REPLY_DONE);
	test_assert_int(r.code, 250);
	s = smtp_reply_line(&r, 0, &n);
	test_assert(n == 10 && memcmp(s, "mx.example", n) == 0);
	s = smtp_reply_line(&r, 2, &n);
	test_assert(n == 9 && memcmp(s, "SIZE 1000", n) == 0);
	s = smtp_reply_line(&r, 3, &n);
	test_assert(n == 8 && memcmp(s, "8BITMIME", n) == 0);
	smtp_reply_release(&r);
	test_end();
}

/* Pipelined replies in one read: each reply uses its own octets only. */
static void test_reply_pipelined(void)
{
	const char *in = "250 2.1.0 Ok\r\n250-2.1.5 first\r\n250 2.1.5 Ok\r\n"
			 "354 go ahead\r\n";
	smtp_reply_t r;
	enum smtp_reply_status st;
	size_t off = 0, len = strlen(in);
	buf_t sum = BUF_INIT;

	test_begin("smtp_reply pipelined replies");
	smtp_reply_init(&r, 0, 0);
	smtp_reply_set_enhanced(&r, 1);
	off += smtp_reply_feed(&r, in + off, len - off, &st);
	test_assert_int(st, SMTP_REPLY_DONE);
	test_assert_int(off, 14);
	smtp_reply_summary(&r, &sum);
	test_assert_str(buf_str(&sum), "250 2.1.0 Ok");
	off += smtp_reply_feed(&r, in + off, len - off, &st);
	test_assert_int(st, SMTP_REPLY_DONE);
	test_assert_int(off, 45);
	buf_reset(&sum);
	smtp_reply_summary(&r, &sum);
	test_assert_str(buf_str(&sum), "250 2.1.5 first Ok");
	test_assert_int(r.nlines, 2);
	off += smtp_reply_feed(&r, in + off, len - off, &st);
	test_assert_int(st, SMTP_REPLY_DONE);
	test_assert_int(off, len);
	test_assert_int(r.code, 354);
	test_assert_str(r.enhanced, "");
	/* nothing left: a new reply that has not started */
	off += smtp_reply_feed(&r, in + off, 0, &st);
	test_assert_int(st, SMTP_REPLY_MORE);
	test_assert_int(r.nlines, 0);
	smtp_reply_release(&r);
	buf_release(&sum);
	test_end();
}

static void test_reply_enhanced(void)
{
	test_begin("smtp_reply enhanced status codes");
	reply_check("250 2.1.5 Ok\r\n", 1, SMTP_REPLY_DONE, "250 2.1.5 Ok", "2.1.5", 1, 14);
	reply_check("550 5.1.1   no such user\r\n", 1, SMTP_REPLY_DONE,
		    "550 5.1.1 no such user", "5.1.1", 1, 26);
	reply_check("452 4.123.456\r\n", 1, SMTP_REPLY_DONE, "452 4.123.456",
		    "4.123.456", 1, 15);
	/* each line's code is taken off its text */
	reply_check("550-5.7.1 policy\r\n550 5.7.1 see url\r\n", 1, SMTP_REPLY_DONE,
		    "550 5.7.1 policy see url", "5.7.1", 2, 37);
	/* not announced: the text is kept whole */
	reply_check("250 2.1.5 Ok\r\n", 0, SMTP_REPLY_DONE, "250 2.1.5 Ok", "", 1, 14);
	/* the class must agree with the reply code (RFC 2034 §4) */
	reply_check("550 2.1.5 Ok\r\n", 1, SMTP_REPLY_DONE, "550 2.1.5 Ok", "", 1, 14);
	/* none in 3xx replies */
	reply_check("354 3.0.0 go\r\n", 1, SMTP_REPLY_DONE, "354 3.0.0 go", "", 1, 14);
	/* not status codes */
	reply_check("250 2.1.5x\r\n", 1, SMTP_REPLY_DONE, "250 2.1.5x", "", 1, 12);
	reply_check("250 2.1234.5 a\r\n", 1, SMTP_REPLY_DONE, "250 2.1234.5 a", "", 1, 16);
	reply_check("250 2.1 a\r\n", 1, SMTP_REPLY_DONE, "250 2.1 a", "", 1, 11);
	reply_check("250 2..5 a\r\n", 1, SMTP_REPLY_DONE, "250 2..5 a", "", 1, 12);
	reply_check("250 2.1.\r\n", 1, SMTP_REPLY_DONE, "250 2.1.", "", 1, 10);
	/* only the first line's code is the reply's */
	reply_check("250-ok\r\n250 2.0.0 x\r\n", 1, SMTP_REPLY_DONE,
		    "250 ok x", "", 2, 21);
	test_end();
}

static void test_reply_malformed(void)
{
	test_begin("smtp_reply malformed replies");
	reply_check("hello\r\n", 0, SMTP_REPLY_BAD, "", "", 0, 0);
	reply_check("\r\n", 0, SMTP_REPLY_BAD, "", "", 0, 0);
	reply_check("25 x\r\n", 0, SMTP_REPLY_BAD, "", "", 0, 0);
	reply_check("250x\r\n", 0, SMTP_REPLY_BAD, "", "", 0, 0);
	reply_check("250\tx\r\n", 0, SMTP_REPLY_BAD, "", "", 0, 0);
	reply_check("150 x\r\n", 0, SMTP_REPLY_BAD, "", "", 0, 0);
	reply_check("650 x\r\n", 0, SMTP_REPLY_BAD, "", "", 0, 0);
	reply_check("2a0 x\r\n", 0, SMTP_REPLY_BAD, "", "", 0, 0);
	reply_check("250-a\r\n251 b\r\n", 0, SMTP_REPLY_BAD, "", "", 0, 0);
	reply_check("250 a\rb\r\n", 0, SMTP_REPLY_BAD, "", "", 0, 0);
	reply_check("250 a\r\r\n", 0, SMTP_REPLY_BAD, "", "", 0, 0);
	{
		static const char nul[] = "250 a\0b\r\n";
		smtp_reply_t r;
		enum smtp_reply_status st;

		smtp_reply_init(&r, 0, 0);
		smtp_reply_feed(&r, nul, sizeof(nul) - 1, &st);
		test_assert_int(st, SMTP_REPLY_BAD);
		/* bad stays bad */
		smtp_reply_feed(&r, "250 ok\r\n", 8, &st);
		test_assert_int(st, SMTP_REPLY_BAD);
		smtp_reply_release(&r);
	}
	test_end();
}

static void test_reply_limits(void)
{
	buf_t in = BUF_INIT;
	smtp_reply_t r;
	enum smtp_reply_status st;

	test_begin("smtp_reply line length and line count limits");
	/* a line of exactly line_max octets with its CRLF is fine ... */
	for (size_t cut = 0; cut < 2; cut++) {
		buf_set(&in, "250 ");
		while (in.len < 20 - 2)
			buf_putc(&in, 'x');
		buf_puts(&in, "\r\n");
		smtp_reply_init(&r, 20, 0);
		reply_run(&r, in.data, in.len, cut ? 7 : 0, 0, &st);
		test_assert_int(st, SMTP_REPLY_DONE);
		smtp_reply_release(&r);
		/* ... one more is not, even before its line end arrives */
		buf_truncate(&in, 18);
		buf_puts(&in, "x");
		smtp_reply_init(&r, 20, 0);
		reply_run(&r, in.data, in.len, cut ? 7 : 0, 0, &st);
		test_assert_int(st, SMTP_REPLY_MORE);
		reply_run(&r, "\r\n", 2, 0, 0, &st);
		test_assert_int(st, SMTP_REPLY_BAD);
		smtp_reply_release(&r);
		buf_truncate(&in, 18);
		buf_puts(&in, "xxxxxxxxxxxx");
		smtp_reply_init(&r, 20, 0);
		reply_run(&r, in.data, in.len, cut ? 7 : 0, 1, &st);
		test_assert_int(st, SMTP_REPLY_BAD);
		smtp_reply_release(&r);
	}
	/* lines_max lines are fine, one more is not */
	buf_reset(&in);
	for (int i = 0; i < 4; i++)
		buf_puts(&in, "250-x\r\n");
	buf_puts(&in, "250 x\r\n");
	smtp_reply_init(&r, 0, 5);
	reply_run(&r, in.data, in.len, 0, 0, &st);
	test_assert_int(st, SMTP_REPLY_DONE);
	test_assert_int(r.nlines, 5);
	smtp_reply_release(&r);
	smtp_reply_init(&r, 0, 4);
	reply_run(&r, in.data, in.len, 0, 1, &st);
	test_assert_int(st, SMTP_REPLY_BAD);
	smtp_reply_release(&r);
	/* the defaults */
	smtp_reply_init(&r, 0, 0);
	test_assert_int(r.line_max, SMTP_REPLY_LINE_MAX);
	test_assert_int(r.lines_max, SMTP_REPLY_LINES_MAX);
	smtp_reply_release(&r);
	buf_release(&in);
	test_end();
}

static void test_reply_dsn(void)
{
	static const struct {
		const char *in;
		int enhanced;
		const char *dsn;
	} cases[] = {
		{ "250 2.1.5 Ok\r\n", 1, "2.1.5" },
		{ "250 Ok\r\n", 1, "2.0.0" },
		{ "354 go\r\n", 1, "2.0.0" },
		{ "451 4.7.1 later\r\n", 0, "4.0.0" },
		{ "452 4.5.3 too many\r\n", 1, "4.5.3" },
		{ "554 no\r\n", 1, "5.0.0" },
	};

	test_begin("smtp_reply status code for the queue");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		smtp_reply_t r;
		enum smtp_reply_status st;

		smtp_reply_init(&r, 0, 0);
		smtp_reply_set_enhanced(&r, cases[i].enhanced);
		smtp_reply_feed(&r, cases[i].in, strlen(cases[i].in), &st);
		test_assert_int(st, SMTP_REPLY_DONE);
		test_assert_str(smtp_reply_dsn(&r), cases[i].dsn);
		smtp_reply_release(&r);
	}
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_reply_single,
		test_reply_multi,
		test_reply_pipelined,
		test_reply_enhanced,
		test_reply_malformed,
		test_reply_limits,
		test_reply_dsn,
		NULL,
	};

	return test_main(tests);
}

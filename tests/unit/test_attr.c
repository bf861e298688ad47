/* test_attr.c - unit tests for lib/attr.c: the IPC record format, its
 * limits (also caller-chosen ones, as queue files use), stream reading
 * (also a byte at a time) and descriptor passing. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>

#include "../../lib/attr.h"
#include "../../lib/event.h"
#include "../../lib/mem.h"
#include "test.h"

static int decode_str(const char *s, attr_t *a)
{
	return attr_decode(s, strlen(s), a);
}

static void test_attr_encode_golden(void)
{
	static const char want[] =
		"user=alice\n"
		"v=a%25b%0D%0A%00z=\n"
		"rcpt=a@example.org\n"
		"rcpt=b@example.org\n"
		"empty=\n"
		"size=-42\n"
		"\n";
	attr_t *a = attr_new();
	buf_t out = BUF_INIT;

	test_begin("attr encode golden output");
	attr_add(a, "user", "alice");
	attr_add_n(a, "v", "a%b\r\n\0z=", 8);
	attr_add(a, "rcpt", "a@example.org");
	attr_addf(a, "rcpt", "%s@%s", "b", "example.org");
	attr_add(a, "empty", "");
	attr_add_long(a, "size", -42);
	attr_encode(a, &out);
	test_assert_int(out.len, sizeof(want) - 1);
	test_assert(memcmp(out.data, want, sizeof(want) - 1) == 0);

	buf_reset(&out);
	attr_clear(a);
	test_assert_int(a->count, 0);
	attr_encode(a, &out);
	test_assert_str(buf_str(&out), "\n");
	test_assert_int(decode_str("\n", a), ATTR_OK);
	test_assert_int(a->count, 0);
	buf_release(&out);
	attr_free(&a);
	test_assert(a == NULL);
	test_end();
}

static void test_attr_round_trip(void)
{
	attr_t *a = attr_new(), *b = attr_new();
	buf_t out = BUF_INIT;
	char all[256];

	test_begin("attr round trip of every byte value");
	for (int i = 0; i < 256; i++)
		all[i] = (char) i;
	attr_add_n(a, "all", all, sizeof(all));
	attr_add(a, "eq", "a=b==c");
	attr_add_n(a, "nul", "", 1);
	attr_encode(a, &out);
	test_assert(memchr(out.data, '\r', out.len) == NULL);
	test_assert(memchr(out.data, '\0', out.len) == NULL);
	test_assert_int(attr_decode(out.data, out.len, b), ATTR_OK);
	test_assert_int(b->count, 3);
	test_assert_str(b->names[0], "all");
	test_assert_int(b->values_len[0], 256);
	test_assert(memcmp(b->values[0], all, 256) == 0);
	test_assert(b->values[0][256] == '\0');
	test_assert_str(attr_get(b, "eq"), "a=b==c");
	test_assert_int(b->values_len[2], 1);
	test_assert(b->values[2][0] == '\0');
	/* Lower-case and needless escapes decode too. */
	test_assert_int(decode_str("x=%0a%41%7e\n\n", b), ATTR_OK);
	test_assert_str(attr_get(b, "x"), "\nA~");
	buf_release(&out);
	attr_free(&a);
	attr_free(&b);
	test_end();
}

static void test_attr_lists(void)
{
	attr_t *a = attr_new();

	test_begin("attr lists: repeated names in order");
	test_assert_int(decode_str("r=1\nx=y\nr=2\nr=3\n\n", a), ATTR_OK);
	test_assert_int(attr_count_of(a, "r"), 3);
	test_assert_int(attr_count_of(a, "x"), 1);
	test_assert_int(attr_count_of(a, "nope"), 0);
	test_assert_str(attr_get(a, "r"), "1");
	test_assert_str(attr_get_nth(a, "r", 0), "1");
	test_assert_str(attr_get_nth(a, "r", 1), "2");
	test_assert_str(attr_get_nth(a, "r", 2), "3");
	test_assert(attr_get_nth(a, "r", 3) == NULL);
	test_assert(attr_get(a, "nope") == NULL);
	test_assert(attr_get(a, "") == NULL);
	attr_free(&a);
	test_end();
}

static void test_attr_get_long(void)
{
	static const char *const bad[] = {
		"", "-", "12x", " 5", "+5", "5 ", "0x10", "99999999999999999999",
	};
	attr_t *a = attr_new();
	int ok = -1;

	test_begin("attr get_long accepts only plain decimal numbers");
	attr_add(a, "n", "42");
	attr_add(a, "neg", "-7");
	attr_add_long(a, "max", 9223372036854775807L);
	attr_add_long(a, "min", -9223372036854775807L - 1);
	attr_add_n(a, "nul", "7\0", 2);
	test_assert_int(attr_get_long(a, "n", &ok), 42);
	test_assert_int(ok, 1);
	test_assert_int(attr_get_long(a, "neg", &ok), -7);
	test_assert_int(ok, 1);
	test_assert(attr_get_long(a, "max", &ok) == 9223372036854775807L && ok);
	test_assert(attr_get_long(a, "min", &ok) == -9223372036854775807L - 1 && ok);
	test_assert_int(attr_get_long(a, "nul", &ok), 0);
	test_assert_int(ok, 0);
	ok = 1;
	test_assert_int(attr_get_long(a, "absent", &ok), 0);
	test_assert_int(ok, 0);
	test_assert_int(attr_get_long(a, "n", NULL), 42);
	test_assert_int(attr_get_long(a, "absent", NULL), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		attr_clear(a);
		attr_add(a, "v", bad[i]);
		ok = 1;
		test_assert_int(attr_get_long(a, "v", &ok), 0);
		if (ok)
			printf("  accepted \"%s\"\n", bad[i]);
		test_assert_int(ok, 0);
	}
	attr_free(&a);
	test_end();
}

/* Each bad record next to a good one that differs only in the fault. */
static const struct {
	const char *why;
	const char *bad, *good;
	size_t bad_len;		/* for inputs holding a NUL; else 0 */
} malformed[] = {
	{ "escape cut short", "a=%2\n\n", "a=%25\n\n", 0 },
	{ "escape at end", "a=x%\n\n", "a=x%25\n\n", 0 },
	{ "escape not hex", "a=%g0\n\n", "a=%f0\n\n", 0 },
	{ "escape not hex 2", "a=%0-\n\n", "a=%0D\n\n", 0 },
	{ "upper-case name", "Ab=1\n\n", "ab=1\n\n", 0 },
	{ "name with dash", "a-b=1\n\n", "a_b=1\n\n", 0 },
	{ "name with space", "a b=1\n\n", "a_9=1\n\n", 0 },
	{ "empty name", "=1\n\n", "a=1\n\n", 0 },
	{ "no '='", "a1\n\n", "a=1\n\n", 0 },
	{ "raw CR", "a=1\r\n\n", "a=1\n\n", 0 },
	{ "CRLF blank line", "a=1\n\r\n", "a=1\n\n", 0 },
	{ "raw NUL in value", "a=x\0y\n\n", "a=x%00y\n\n", 7 },
	{ "raw NUL in name", "a\0=1\n\n", "a0=1\n\n", 6 },
	{ "no blank line", "a=1\n", "a=1\n\n", 0 },
	{ "unterminated line", "a=1", "a=1\n\n", 0 },
	{ "empty input", "", "\n", 0 },
	{ "data after record", "a=1\n\nb=2\n\n", "a=1\nb=2\n\n", 0 },
};

static void test_attr_malformed(void)
{
	attr_t *a = attr_new();

	test_begin("attr decode rejects malformed records, each for its reason");
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		size_t len = malformed[i].bad_len ? malformed[i].bad_len :
			strlen(malformed[i].bad);
		int bad, good;

		attr_add(a, "stale", "x");
		bad = attr_decode(malformed[i].bad, len, a);
		test_assert_int(a->count, 0);
		good = decode_str(malformed[i].good, a);
		if (bad != ATTR_BAD || good != ATTR_OK)
			printf("  case \"%s\": bad %d good %d\n", malformed[i].why,
			       bad, good);
		test_assert_int(bad, ATTR_BAD);
		test_assert_int(good, ATTR_OK);
	}
	attr_free(&a);
	test_end();
}

/* A value of n bytes of 'x', in b. */
static void make_value(buf_t *b, size_t n)
{
	buf_reset(b);
	buf_reserve(b, n);
	memset(b->data, 'x', n);
	b->len = n;
	b->data[n] = '\0';
}

/* A record with n lines "v=<fill>", each fill bytes of 'x'. */
static void make_record(buf_t *b, size_t n, size_t fill)
{
	buf_reset(b);
	for (size_t i = 0; i < n; i++) {
		buf_puts(b, "v=");
		buf_reserve(b, fill);
		memset(b->data + b->len, 'x', fill);
		b->len += fill;
		buf_putc(b, '\n');
	}
	buf_putc(b, '\n');
}

static void test_attr_limits(void)
{
	attr_t *a = attr_new();
	buf_t b = BUF_INIT;

	test_begin("attr limits on line length, count and record size");
	make_record(&b, 1, ATTR_MAX_LINE - 2);
	test_assert_int(attr_decode(b.data, b.len, a), ATTR_OK);
	test_assert_int(a->values_len[0], ATTR_MAX_LINE - 2);
	make_record(&b, 1, ATTR_MAX_LINE - 1);
	test_assert_int(attr_decode(b.data, b.len, a), ATTR_BAD);

	make_record(&b, ATTR_MAX_COUNT, 0);
	test_assert_int(attr_decode(b.data, b.len, a), ATTR_OK);
	test_assert_int(a->count, ATTR_MAX_COUNT);
	make_record(&b, ATTR_MAX_COUNT + 1, 0);
	test_assert_int(attr_decode(b.data, b.len, a), ATTR_BAD);

	/* 16 lines of 65536 bytes with their LF, plus the blank line: one
	 * byte over ATTR_MAX_RECORD; one byte shorter fits exactly. */
	make_record(&b, 16, ATTR_MAX_LINE - 3);
	test_assert_int(b.len, ATTR_MAX_RECORD + 1);
	test_assert_int(attr_decode(b.data, b.len, a), ATTR_BAD);
	make_record(&b, 15, ATTR_MAX_LINE - 3);
	buf_truncate(&b, b.len - 1);
	buf_puts(&b, "v=");
	for (size_t i = 0; i < ATTR_MAX_LINE - 4; i++)
		buf_putc(&b, 'x');
	buf_puts(&b, "\n\n");
	test_assert_int(b.len, ATTR_MAX_RECORD);
	test_assert_int(attr_decode(b.data, b.len, a), ATTR_OK);
	test_assert_int(a->count, 16);
	buf_release(&b);
	attr_free(&a);
	test_end();
}

/* Encoding within lim and decoding the full encoding with lim agree on
 * want; when both take it, the limited encoding is the full one. */
static void limited_agree(const attr_t *a, const attr_limits_t *lim, int want,
			  int line)
{
	buf_t lo = BUF_INIT, full = BUF_INIT;
	attr_t *b = attr_new();
	int e = attr_encode_limited(a, &lo, lim), d;

	attr_encode(a, &full);
	d = attr_decode_limited(full.data, full.len, b, lim);
	if (e != want || d != want) {
		printf("  line %d: encode %d, decode %d, expected %d\n", line, e, d, want);
		test_case_failed = 1;
	}
	if (want == ATTR_OK)
		test_assert(lo.len == full.len && memcmp(lo.data, full.data, lo.len) == 0);
	buf_release(&lo);
	buf_release(&full);
	attr_free(&b);
}

static void test_attr_limits_chosen(void)
{
	static const attr_limits_t lim = {
		.max_line = 10, .max_count = 3, .max_record = 30,
	};
	static const struct {
		const char *v;
		size_t len;
	} sizes[] = {
		{ "", 0 }, { "abc", 3 }, { "%", 1 }, { "a\r\n\0b", 5 }, { "%%%", 3 },
	};
	attr_t *a = attr_new();
	buf_t b = BUF_INIT;

	test_begin("attr limits chosen by the caller: writer and reader agree");
	test_assert_int(attr_ipc_limits.max_line, ATTR_MAX_LINE);
	test_assert_int(attr_ipc_limits.max_count, ATTR_MAX_COUNT);
	test_assert_int(attr_ipc_limits.max_record, ATTR_MAX_RECORD);

	/* line: 10 octets encoded fit, 11 do not, escapes counted */
	attr_add(a, "v", "xxxxxxxx");
	limited_agree(a, &lim, ATTR_OK, __LINE__);
	attr_clear(a);
	attr_add(a, "v", "xxxxxxxxx");
	limited_agree(a, &lim, ATTR_BAD, __LINE__);
	attr_clear(a);
	attr_add(a, "v", "x%x");
	limited_agree(a, &lim, ATTR_OK, __LINE__);
	attr_clear(a);
	attr_add(a, "v", "%%%");
	limited_agree(a, &lim, ATTR_BAD, __LINE__);

	/* count: 3, not 4 */
	attr_clear(a);
	for (int i = 0; i < 3; i++)
		attr_add(a, "v", "");
	limited_agree(a, &lim, ATTR_OK, __LINE__);
	attr_add(a, "v", "");
	limited_agree(a, &lim, ATTR_BAD, __LINE__);

	/* record: 11 + 11 + 7 + the blank line = 30 fits, 31 does not */
	attr_clear(a);
	attr_add(a, "v", "xxxxxxxx");
	attr_add(a, "v", "xxxxxxxx");
	attr_add(a, "v", "xxxx");
	limited_agree(a, &lim, ATTR_OK, __LINE__);
	attr_clear(a);
	attr_add(a, "v", "xxxxxxxx");
	attr_add(a, "v", "xxxxxxxx");
	attr_add(a, "v", "xxxxx");
	limited_agree(a, &lim, ATTR_BAD, __LINE__);

	/* attr_encoded_size is what encoding one attribute takes */
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		attr_clear(a);
		attr_add_n(a, "name", sizes[i].v, sizes[i].len);
		buf_reset(&b);
		attr_encode(a, &b);
		test_assert_int(attr_encoded_size("name", sizes[i].v, sizes[i].len),
				b.len - 1);
	}
	attr_free(&a);
	buf_release(&b);
	test_end();
}

static void test_attr_decode_line(void)
{
	static const char *const bad[] = {
		"", "novalue", "=x", "Upper=x", "v=%zz", "v=%2", "v=a\rb",
	};
	attr_t *a = attr_new();

	test_begin("attr decode one line at a time, for damaged records");
	test_assert_int(attr_decode_line("v=a%25b", 7, 64, a), ATTR_OK);
	test_assert_int(attr_decode_line("w=", 2, 64, a), ATTR_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		test_assert_int(attr_decode_line(bad[i], strlen(bad[i]), 64, a), ATTR_BAD);
	test_assert_int(attr_decode_line("v=xxxx", 6, 5, a), ATTR_BAD);
	test_assert_int(attr_decode_line("v=xxx", 5, 5, a), ATTR_OK);
	test_assert_int(a->count, 3);
	test_assert_str(attr_get(a, "v"), "a%b");
	test_assert_str(attr_get(a, "w"), "");
	attr_free(&a);
	test_end();
}

static void bad_name(void)
{
	attr_t *a = attr_new();

	attr_add(a, "Bad", "x");
}

static void test_attr_bad_name_panics(void)
{
	pid_t pid;
	int status;

	test_begin("attr_add with an invalid name is a bug (panic)");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		/* Keep the expected panic line out of the test output. */
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 2);
		bad_name();
		_exit(0);
	}
	test_assert(waitpid(pid, &status, 0) == pid);
	test_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	test_end();
}

static void make_pair(stream_t **r, stream_t **w)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("socketpair");
		exit(1);
	}
	*r = stream_open(sv[0]);
	*w = stream_open(sv[1]);
	stream_set_timeout(*r, 5);
	stream_set_timeout(*w, 5);
}

static void test_attr_stream(void)
{
	attr_t *a = attr_new(), *b = attr_new();
	stream_t *r, *w;
	buf_t big = BUF_INIT;

	test_begin("attr write and read over a stream");
	make_pair(&r, &w);
	attr_add(a, "cmd", "lookup");
	attr_add_n(a, "key", "a\nb\0", 4);
	test_assert_int(attr_write(w, a), ATTR_OK);
	test_assert_int(attr_hello_write(w, "auth", 1), ATTR_OK);
	test_assert_int(attr_read(r, b), ATTR_OK);
	test_assert_int(b->count, 2);
	test_assert_str(attr_get(b, "cmd"), "lookup");
	test_assert_int(b->values_len[1], 4);
	test_assert(memcmp(b->values[1], "a\nb\0", 4) == 0);
	test_assert_int(attr_hello_check(r, "auth", 1), ATTR_OK);

	/* Over a limit: refused before anything is sent. */
	attr_clear(a);
	make_value(&big, ATTR_MAX_LINE - 1);
	attr_add(a, "v", big.data);
	test_assert_int(attr_write(w, a), ATTR_BAD);
	make_record(&big, 1, ATTR_MAX_LINE);
	test_assert_int(stream_pending(r), 0);

	/* A too-long line on the wire is ATTR_BAD, and so is EOF mid-record. */
	test_assert_int(stream_write(w, big.data, big.len), STREAM_OK);
	test_assert_int(stream_flush(w), STREAM_OK);
	test_assert_int(attr_read(r, b), ATTR_BAD);
	test_assert_int(b->count, 0);
	stream_close(&r);
	stream_close(&w);

	make_pair(&r, &w);
	test_assert_int(stream_puts(w, "a=1\nb=2\n"), STREAM_OK);
	test_assert_int(stream_flush(w), STREAM_OK);
	stream_close(&w);
	test_assert_int(attr_read(r, b), ATTR_BAD);
	stream_close(&r);

	/* EOF before any line is a clean end. */
	make_pair(&r, &w);
	attr_clear(a);
	test_assert_int(attr_write(w, a), ATTR_OK);
	stream_close(&w);
	test_assert_int(attr_read(r, b), ATTR_OK);
	test_assert_int(b->count, 0);
	test_assert_int(attr_read(r, b), ATTR_EOF);
	stream_close(&r);

	/* Nothing arrives: the stream deadline turns into ATTR_IOERR. */
	make_pair(&r, &w);
	stream_set_timeout(r, 1);
	test_assert_int(attr_read(r, b), ATTR_IOERR);
	test_assert_int(stream_status(r), STREAM_TIMEOUT);
	stream_close(&r);
	stream_close(&w);
	buf_release(&big);
	attr_free(&a);
	attr_free(&b);
	test_end();
}

static void test_attr_hello(void)
{
	static const char *const bad[] = {
		"proto=auth\nversion=2\n\n",
		"proto=qmgr\nversion=1\n\n",
		"proto=auth%00x\nversion=1\n\n",
		"version=1\n\n",
		"proto=auth\n\n",
		"proto=auth\nversion=1x\n\n",
	};
	stream_t *r, *w;

	test_begin("attr hello: protocol name and version must match");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		make_pair(&r, &w);
		test_assert_int(stream_puts(w, bad[i]), STREAM_OK);
		test_assert_int(stream_flush(w), STREAM_OK);
		test_assert_int(attr_hello_check(r, "auth", 1), ATTR_BAD);
		stream_close(&r);
		stream_close(&w);
	}
	make_pair(&r, &w);
	test_assert_int(stream_puts(w, "version=1\nproto=auth\nx=y\n\n"), STREAM_OK);
	test_assert_int(stream_flush(w), STREAM_OK);
	test_assert_int(attr_hello_check(r, "auth", 1), ATTR_OK);
	stream_close(&w);
	test_assert_int(attr_hello_check(r, "auth", 1), ATTR_EOF);
	stream_close(&r);
	test_end();
}

static const char two_records[] = "a=1\nlist=x%0Ay\nlist=\n\nb=%25\n\n";

static void check_two(attr_t *a, attr_t *b)
{
	test_assert_int(a->count, 3);
	test_assert_str(attr_get(a, "a"), "1");
	test_assert_str(attr_get_nth(a, "list", 0), "x\ny");
	test_assert_str(attr_get_nth(a, "list", 1), "");
	test_assert_int(b->count, 1);
	test_assert_str(attr_get(b, "b"), "%");
}

static void test_attr_read_bytewise(void)
{
	attr_t *a = attr_new(), *b = attr_new();
	stream_t *r, *w;
	size_t done_at[2] = { 0, 0 };
	int sv[2], ndone = 0;
	pid_t pid;
	int status;

	test_begin("attr read fed one byte at a time");
	test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		for (size_t i = 0; i < sizeof(two_records) - 1; i++) {
			if (write(sv[1], two_records + i, 1) != 1)
				_exit(1);
			usleep(500);
		}
		_exit(0);
	}
	close(sv[1]);
	r = stream_open(sv[0]);
	stream_set_timeout(r, 5);
	test_assert_int(attr_read(r, a), ATTR_OK);
	test_assert_int(attr_read(r, b), ATTR_OK);
	check_two(a, b);
	test_assert_int(attr_read(r, a), ATTR_EOF);
	test_assert(waitpid(pid, &status, 0) == pid);
	test_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	stream_close(&r);

	/* The same for the non-blocking reader, in one process. */
	make_pair(&r, &w);
	for (size_t i = 0; i < sizeof(two_records) - 1; i++) {
		int st;

		test_assert_int(write(stream_fd(w), two_records + i, 1), 1);
		test_assert(stream_fill(r) == 1);
		st = attr_try_read(r, ndone == 0 ? a : b);
		if (st == ATTR_AGAIN)
			continue;
		test_assert_int(st, ATTR_OK);
		if (ndone < 2)
			done_at[ndone] = i;
		ndone++;
	}
	test_assert_int(ndone, 2);
	test_assert_int(done_at[0], strstr(two_records, "\n\n") + 1 - two_records);
	test_assert_int(done_at[1], sizeof(two_records) - 2);
	check_two(a, b);
	test_assert_int(attr_try_read(r, a), ATTR_AGAIN);
	test_assert_int(a->count, 0);
	stream_close(&r);
	stream_close(&w);
	attr_free(&a);
	attr_free(&b);
	test_end();
}

static void test_attr_try_read(void)
{
	attr_t *a = attr_new(), *b = attr_new();
	stream_t *r, *w;

	test_begin("attr try_read: whole records, AGAIN, EOF, bad");
	make_pair(&r, &w);
	test_assert_int(attr_try_read(r, a), ATTR_AGAIN);
	test_assert_int(stream_puts(w, two_records), STREAM_OK);
	test_assert_int(stream_puts(w, "c=3\nd="), STREAM_OK);
	test_assert_int(stream_flush(w), STREAM_OK);
	test_assert(stream_fill(r) > 0);
	test_assert_int(attr_try_read(r, a), ATTR_OK);
	test_assert_int(attr_try_read(r, b), ATTR_OK);
	check_two(a, b);
	test_assert_int(attr_try_read(r, a), ATTR_AGAIN);
	test_assert_int(attr_try_read(r, a), ATTR_AGAIN);
	/* The half record was given back intact. */
	test_assert_int(stream_pending(r), 6);
	test_assert(memcmp(stream_pending_data(r), "c=3\nd=", 6) == 0);
	test_assert_int(stream_puts(w, "4\n\n"), STREAM_OK);
	test_assert_int(stream_flush(w), STREAM_OK);
	test_assert(stream_fill(r) > 0);
	test_assert_int(attr_try_read(r, a), ATTR_OK);
	test_assert_int(a->count, 2);
	test_assert_str(attr_get(a, "d"), "4");
	stream_close(&w);
	test_assert_int(stream_fill(r), STREAM_EOF);
	test_assert_int(attr_try_read(r, a), ATTR_EOF);
	stream_close(&r);

	/* EOF in the middle of a record. */
	make_pair(&r, &w);
	test_assert_int(stream_puts(w, "c=3\n"), STREAM_OK);
	test_assert_int(stream_flush(w), STREAM_OK);
	stream_close(&w);
	test_assert(stream_fill(r) > 0);
	test_assert_int(attr_try_read(r, a), ATTR_AGAIN);
	test_assert_int(stream_fill(r), STREAM_EOF);
	test_assert_int(attr_try_read(r, a), ATTR_BAD);
	stream_close(&r);

	/* A bad line is refused as soon as it is whole. */
	make_pair(&r, &w);
	test_assert_int(stream_puts(w, "ok=1\nBAD=1\n"), STREAM_OK);
	test_assert_int(stream_flush(w), STREAM_OK);
	test_assert(stream_fill(r) > 0);
	test_assert_int(attr_try_read(r, a), ATTR_BAD);
	test_assert_int(a->count, 0);
	stream_close(&r);
	stream_close(&w);
	attr_free(&a);
	attr_free(&b);
	test_end();
}

static void test_attr_fd_passing(void)
{
	attr_t *a = attr_new(), *b = attr_new();
	int sv[2], p[2], fd = -2;
	char got[8];

	test_begin("attr send/recv a descriptor with its record");
	test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	test_assert(pipe(p) == 0);
	attr_add(a, "cmd", "deliver");
	attr_add_n(a, "data", "x\0\n%", 4);
	test_assert_int(attr_send_fd(sv[0], a, p[0]), ATTR_OK);
	close(p[0]);
	/* A second record without a descriptor right behind the first: the
	 * reader must take neither its bytes nor its (absent) descriptor. */
	attr_clear(a);
	attr_add(a, "cmd", "second");
	test_assert_int(attr_send_fd(sv[0], a, -1), ATTR_OK);

	test_assert_int(attr_recv_fd(sv[1], b, &fd, 5), ATTR_OK);
	test_assert(fd >= 0);
	test_assert_str(attr_get(b, "cmd"), "deliver");
	test_assert_int(b->values_len[1], 4);
	test_assert(memcmp(b->values[1], "x\0\n%", 4) == 0);
	test_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	test_assert_int(write(p[1], "ping", 4), 4);
	test_assert_int(read(fd, got, sizeof(got)), 4);
	test_assert(memcmp(got, "ping", 4) == 0);
	close(fd);

	test_assert_int(attr_recv_fd(sv[1], b, &fd, 5), ATTR_OK);
	test_assert_int(fd, -1);
	test_assert_int(b->count, 1);
	test_assert_str(attr_get(b, "cmd"), "second");
	close(p[1]);

	/* Peer gone: a clean end between records. */
	close(sv[0]);
	test_assert_int(attr_recv_fd(sv[1], b, &fd, 5), ATTR_EOF);
	test_assert_int(fd, -1);
	close(sv[1]);
	attr_free(&a);
	attr_free(&b);
	test_end();
}

static void test_attr_fd_big(void)
{
	attr_t *a = attr_new(), *b = attr_new();
	int sv[2], p[2], fd = -1, status;
	buf_t big = BUF_INIT;
	pid_t pid;
	char c;

	test_begin("attr send/recv a record bigger than the socket buffer");
	test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	test_assert(pipe(p) == 0);
	make_value(&big, ATTR_MAX_LINE - 2);
	for (int i = 0; i < 15; i++)
		attr_add(a, "v", big.data);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(sv[1]);
		_exit(attr_send_fd(sv[0], a, p[0]) == ATTR_OK ? 0 : 1);
	}
	close(sv[0]);
	close(p[0]);
	test_assert_int(attr_recv_fd(sv[1], b, &fd, 10), ATTR_OK);
	test_assert_int(b->count, 15);
	test_assert_int(b->values_len[14], ATTR_MAX_LINE - 2);
	test_assert(fd >= 0);
	test_assert_int(write(p[1], "!", 1), 1);
	test_assert_int(read(fd, &c, 1), 1);
	test_assert(c == '!');
	test_assert(waitpid(pid, &status, 0) == pid);
	test_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
	close(p[1]);
	close(sv[1]);
	buf_release(&big);
	attr_free(&a);
	attr_free(&b);
	test_end();
}

static void test_attr_fd_timeout(void)
{
	attr_t *a = attr_new();
	int sv[2], fd = -2;
	int64_t start;

	test_begin("attr recv_fd times out when nothing is sent");
	test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	start = event_now_ms();
	test_assert_int(attr_recv_fd(sv[1], a, &fd, 1), ATTR_IOERR);
	test_assert_int(errno, ETIMEDOUT);
	test_assert(event_now_ms() - start >= 1000);
	test_assert(event_now_ms() - start < 3000);
	test_assert_int(fd, -1);

	/* Half a header, then silence: a timeout too, not a hang. */
	test_assert_int(write(sv[0], "\0\0", 2), 2);
	test_assert_int(attr_recv_fd(sv[1], a, &fd, 1), ATTR_IOERR);
	close(sv[0]);
	close(sv[1]);
	attr_free(&a);
	test_end();
}

/* Send header + record with the given descriptors, the way a broken peer
 * would. */
static void send_raw(int sock, const char *rec, const int *fds, int nfds)
{
	/* sendmsg only reads through iov_base, which is not const */
	union { const char *c; void *v; } u = { .c = rec };
	union {
		struct cmsghdr hdr;
		char space[CMSG_SPACE(sizeof(int) * 4)];
	} ctl;
	unsigned char hdr[4];
	struct iovec iov[2];
	struct msghdr msg;
	size_t len = strlen(rec);
	struct cmsghdr *cm;

	hdr[0] = (unsigned char) (len >> 24);
	hdr[1] = (unsigned char) (len >> 16);
	hdr[2] = (unsigned char) (len >> 8);
	hdr[3] = (unsigned char) len;
	iov[0].iov_base = hdr;
	iov[0].iov_len = 4;
	iov[1].iov_base = u.v;
	iov[1].iov_len = len;
	memset(&msg, 0, sizeof(msg));
	memset(&ctl, 0, sizeof(ctl));
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
	if (nfds > 0) {
		msg.msg_control = ctl.space;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t) nfds);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t) nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t) nfds);
	}
	test_assert(sendmsg(sock, &msg, 0) == (ssize_t) (4 + len));
}

static void test_attr_fd_malformed(void)
{
	attr_t *a = attr_new();
	int sv[2], p1[2], p2[2], fds[2], fd = -2;

	test_begin("attr recv_fd refuses extra descriptors and bad frames");
	signal(SIGPIPE, SIG_IGN);
	test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	test_assert(pipe(p1) == 0);
	test_assert(pipe(p2) == 0);
	fds[0] = p1[0];
	fds[1] = p2[0];
	send_raw(sv[0], "a=1\n\n", fds, 2);
	close(p1[0]);
	close(p2[0]);
	test_assert_int(attr_recv_fd(sv[1], a, &fd, 5), ATTR_BAD);
	test_assert_int(fd, -1);
	/* Both received read ends were closed: no reader is left. */
	test_assert_int(write(p1[1], "x", 1), -1);
	test_assert_int(errno, EPIPE);
	test_assert_int(write(p2[1], "x", 1), -1);
	test_assert_int(errno, EPIPE);
	close(p1[1]);
	close(p2[1]);
	close(sv[0]);
	close(sv[1]);

	/* A descriptor with a malformed record is closed too. */
	test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	test_assert(pipe(p1) == 0);
	send_raw(sv[0], "A=1\n\n", p1, 1);
	close(p1[0]);
	test_assert_int(attr_recv_fd(sv[1], a, &fd, 5), ATTR_BAD);
	test_assert_int(fd, -1);
	test_assert_int(write(p1[1], "x", 1), -1);
	close(p1[1]);
	close(sv[0]);
	close(sv[1]);

	/* Length zero, over the limit, and the record cut short by EOF. */
	test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	test_assert_int(write(sv[0], "\0\0\0\0", 4), 4);
	test_assert_int(attr_recv_fd(sv[1], a, &fd, 5), ATTR_BAD);
	close(sv[0]);
	close(sv[1]);
	test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	test_assert_int(write(sv[0], "\0\x10\0\x01", 4), 4);
	test_assert_int(attr_recv_fd(sv[1], a, &fd, 5), ATTR_BAD);
	close(sv[0]);
	close(sv[1]);
	test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	test_assert_int(write(sv[0], "\0\0\0\x05" "a=1\n", 8), 8);
	close(sv[0]);
	test_assert_int(attr_recv_fd(sv[1], a, &fd, 5), ATTR_BAD);
	close(sv[1]);
	attr_free(&a);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_attr_encode_golden, test_attr_round_trip, test_attr_lists,
		test_attr_get_long, test_attr_malformed, test_attr_limits,
		test_attr_limits_chosen, test_attr_decode_line,
		test_attr_bad_name_panics, test_attr_stream, test_attr_hello,
		test_attr_read_bytewise, test_attr_try_read,
		test_attr_fd_passing, test_attr_fd_big, test_attr_fd_timeout,
		test_attr_fd_malformed, NULL,
	};
	return test_main(tests);
}

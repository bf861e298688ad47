/* test_smtp_data.c - unit tests for lib/smtp_data.c: the DATA decoder
 * (dot-stuffing, the end of data, the SMTP smuggling rules of
 * smtp_data.h) and the BDAT decoder (CRLF -> LF across chunks).
 *
 * Every DATA case is decoded whole, one octet at a time, and cut in two
 * at every point: the content, the end flag and the octets used must be
 * the same each way, since the stream may deliver input in any pieces.
 */
#include <string.h>

#include "../../lib/buf.h"
#include "../../lib/smtp_data.h"
#include "test.h"

/* Decode in[0..len) in pieces of at most step octets (0: whole), after a
 * first piece of cut octets (0: none): content into out, the octets used
 * returned, *done set. */
static size_t data_feed(const char *in, size_t len, size_t cut, size_t step,
			buf_t *out, int *done)
{
	smtp_data_t d;
	size_t off = 0;

	smtp_data_init(&d);
	buf_reset(out);
	while (off < len && !smtp_data_done(&d)) {
		size_t n = off == 0 && cut > 0 ? cut : step > 0 ? step : len - off;

		if (n > len - off)
			n = len - off;
		off += smtp_data_decode(&d, in + off, n, out);
	}
	*done = smtp_data_done(&d);
	return off;
}

/* Check one DATA input every way: want is the content, used the octets
 * up to the end of data (-1: no end of data, everything used). */
static void data_check(const char *in, size_t len, const char *want,
		       size_t want_len, long used)
{
	buf_t out = BUF_INIT;
	int done;
	size_t got;

	for (size_t cut = 0; cut < len; cut++) {
		for (size_t step = 0; step < 2; step++) {
			got = data_feed(in, len, cut, step, &out, &done);
			if (out.len != want_len ||
			    (want_len > 0 && memcmp(out.data, want, want_len) != 0) ||
			    done != (used >= 0) || got != (used >= 0 ? (size_t) used : len)) {
				printf("  cut %zu step %zu: %zu octets of content, done %d, "
				       "used %zu\n", cut, step, out.len, done, got);
				test_case_failed = 1;
			}
		}
	}
	buf_release(&out);
}

#define DATA_CHECK(in, want, used) \
	data_check(in, sizeof(in) - 1, want, sizeof(want) - 1, used)

static void test_data_plain(void)
{
	test_begin("DATA: CRLF -> LF, end of data, what follows is not used");
	DATA_CHECK("a\r\nb\r\n.\r\n", "a\nb\n", 9);
	DATA_CHECK(".\r\n", "", 3);
	DATA_CHECK("\r\n.\r\n", "\n", 5);
	DATA_CHECK("x\r\n.\r\nQUIT\r\n", "x\n", 6);
	DATA_CHECK("no end yet\r\n", "no end yet\n", -1);
	DATA_CHECK("no end yet\r\n.\r", "no end yet\n", -1);
	test_end();
}

static void test_data_dots(void)
{
	test_begin("DATA: dot-stuffing undone only at the start of a line");
	DATA_CHECK("..x\r\n.\r\n", ".x\n", 8);
	DATA_CHECK("...\r\n.\r\n", "..\n", 8);
	DATA_CHECK("a.b\r\n..\r\n.\r\n", "a.b\n.\n", 12);
	DATA_CHECK(".x\r\n.\r\n", "x\n", 7);
	DATA_CHECK("x\r\n. \r\n.\r\n", "x\n \n", 10);
	test_end();
}

static void test_data_smuggling(void)
{
	test_begin("DATA: only CRLF . CRLF ends the data (SMTP smuggling)");
	DATA_CHECK("a\n.\nb\r\n.\r\n", "a\n.\nb\n", 10);
	DATA_CHECK("a\r.\nb\r\n.\r\n", "a\r.\nb\n", 10);
	DATA_CHECK("a\n.\r\nb\r\n.\r\n", "a\n.\nb\n", 11);
	DATA_CHECK("a\r\n.\nb\r\n.\r\n", "a\n\nb\n", 11);
	DATA_CHECK("a\r.\r\nb\r\n.\r\n", "a\r.\nb\n", 11);
	DATA_CHECK("a\r\n.\rb\r\n.\r\n", "a\n\rb\n", 11);
	DATA_CHECK("a\r\n.\r\r\n.\r\n", "a\n\r\n", 10);
	DATA_CHECK("a\r\r\n.\r\n", "a\r\n", 7);
	DATA_CHECK("a\n\n.\n\n", "a\n\n.\n\n", -1);
	/* t_smtpd_data's probe: one message, no second transaction. */
	DATA_CHECK("Subject: smuggle\r\n\r\nline1\n.\nMAIL FROM:<evil@b.example>\r\n"
		   "after-lf\r.\r\nafter-cr\r\nx\r\n.\nRCPT TO:<evil@b.example>\r\n"
		   ".\r\nQUIT\r\n",
		   "Subject: smuggle\n\nline1\n.\nMAIL FROM:<evil@b.example>\n"
		   "after-lf\r.\nafter-cr\nx\n\nRCPT TO:<evil@b.example>\n", 112);
	test_end();
}

static void test_data_binary(void)
{
	test_begin("DATA: NUL and 8-bit octets are content");
	DATA_CHECK("\0\xff\r\n.\r\n", "\0\xff\n", 7);
	test_end();
}

static void test_data_after_end(void)
{
	smtp_data_t d;
	buf_t out = BUF_INIT;

	test_begin("DATA: nothing is used once the end was seen");
	smtp_data_init(&d);
	test_assert_int(smtp_data_decode(&d, ".\r\n", 3, &out), 3);
	test_assert_int(smtp_data_done(&d), 1);
	test_assert_int(smtp_data_decode(&d, "more\r\n", 6, &out), 0);
	test_assert_int(out.len, 0);
	smtp_data_init(&d);
	test_assert_int(smtp_data_done(&d), 0);
	buf_release(&out);
	test_end();
}

/* BDAT: the chunks (NULL-terminated), then the end of the last. */
static void bdat_check(const char *const *chunks, const char *want)
{
	smtp_bdat_t b;
	buf_t out = BUF_INIT;

	smtp_bdat_init(&b);
	for (size_t i = 0; chunks[i] != NULL; i++)
		smtp_bdat_decode(&b, chunks[i], strlen(chunks[i]), &out);
	smtp_bdat_finish(&b, &out);
	test_assert_str(buf_str(&out), want);
	buf_release(&out);
}

static void test_bdat(void)
{
	static const char *const one[] = { "a\r\nb\r\n.\r\n", NULL };
	static const char *const split[] = { "a\r", "\nb", NULL };
	static const char *const bare[] = { "a\r", "b\rc\r\r\n", NULL };
	static const char *const last_cr[] = { "a\r\n", "b\r", NULL };
	static const char *const bytes[] = { "x", "\r", "\n", "\r", "\r", "\n",
					     "y", NULL };

	test_begin("BDAT: CRLF -> LF across chunks, bare CR kept, no dots");
	bdat_check(one, "a\nb\n.\n");
	bdat_check(split, "a\nb");
	bdat_check(bare, "a\rb\rc\r\n");
	bdat_check(last_cr, "a\nb\r");
	bdat_check(bytes, "x\n\r\ny");
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_data_plain,
		test_data_dots,
		test_data_smuggling,
		test_data_binary,
		test_data_after_end,
		test_bdat,
		NULL,
	};

	return test_main(tests);
}

/* test_dsn.c - unit tests for lib/dsn.c: the structure
 * of RFC 3464 reports in an RFC 6522 multipart/report, the original
 * returned whole or as its header, and foreign text kept on one line;
 * the plain notices to postmaster. */
#include "../../lib/buf.h"
#include "../../lib/base64.h"
#include "../../lib/dsn.h"
#include "test.h"

static const char orig[] = "From: a@example.org\nSubject: hello\n\nthe body\n";

static void compose(enum dsn_action action, int headers_only, buf_t *out)
{
	static const dsn_rcpt_t rcpts[] = {
		{ "nobody@localhost", NULL, NULL, "5.1.1", "unknown user" },
		{ "bob@localhost", "rfc822;Team@localhost", "team@localhost",
		  "5.4.6", "loop\nInjected: header" },
	};
	dsn_t d = {
		.action = action, .id = "660D564FA364404772000",
		.bounce_id = "660D564FA662D0460C000", .sender = "a@example.org",
		.envid = "E1", .hostname = "mx.example.org", .arrival = 1000000000,
		.now = 1000000060, .retry_until = 1000432000, .rcpts = rcpts,
		.nrcpts = 2, .orig = orig, .orig_len = sizeof(orig) - 1,
		.headers_only = headers_only,
	};

	buf_reset(out);
	dsn_compose(&d, out);
}

static int has_line(const buf_t *b, const char *line)
{
	const char *p = b->data;
	size_t n = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == b->data || p[-1] == '\n') && p[n] == '\n')
			return 1;
		p++;
	}
	return 0;
}

/* The base64 body of the part whose Content-Type line is ctype, decoded. */
static int part_b64(const buf_t *b, const char *ctype, buf_t *out)
{
	const char *p = strstr(b->data, ctype), *body, *end;
	buf_t text = BUF_INIT;
	int r;

	if (p == NULL || (p = strstr(p, "Content-Transfer-Encoding: base64\n\n")) == NULL)
		return -1;
	body = p + strlen("Content-Transfer-Encoding: base64\n\n");
	end = strstr(body, "\n--");
	for (const char *c = body; c < end; c++)
		if (*c != '\n')
			buf_putc(&text, *c);
	buf_reset(out);
	r = base64_decode(text.data, text.len, out);
	buf_release(&text);
	return r;
}

static size_t count(const buf_t *b, const char *s)
{
	size_t n = 0;

	for (const char *p = b->data; (p = strstr(p, s)) != NULL; p++)
		n++;
	return n;
}

static void test_bounce_structure(void)
{
	buf_t b = BUF_INIT;

	test_begin("bounce: multipart/report with three parts");
	compose(DSN_FAILED, 0, &b);
	test_assert(has_line(&b, "To: <a@example.org>"));
	test_assert(has_line(&b, "Subject: Undelivered Mail Returned to Sender"));
	test_assert(has_line(&b, "Auto-Submitted: auto-replied"));
	test_assert(has_line(&b, "MIME-Version: 1.0"));
	test_assert(has_line(&b, "Content-Type: multipart/report; report-type=delivery-status;"));
	test_assert(has_line(&b, "\tboundary=\"660D564FA662D0460C000/mx.example.org\""));
	test_assert_int(count(&b, "\n--660D564FA662D0460C000/mx.example.org\n"), 3);
	test_assert(has_line(&b, "--660D564FA662D0460C000/mx.example.org--"));
	test_assert(has_line(&b, "Content-Type: message/delivery-status"));
	test_assert(has_line(&b, "Content-Type: message/rfc822"));
	buf_release(&b);
	test_end();
}

static void test_bounce_fields(void)
{
	buf_t b = BUF_INIT;

	test_begin("bounce: per-message and per-recipient fields (RFC 3464)");
	compose(DSN_FAILED, 0, &b);
	test_assert(has_line(&b, "Reporting-MTA: dns; mx.example.org"));
	test_assert(has_line(&b, "Original-Envelope-Id: E1"));
	test_assert(strstr(b.data, "\nArrival-Date: ") != NULL);
	test_assert(has_line(&b, "Final-Recipient: rfc822; nobody@localhost"));
	test_assert(has_line(&b, "Status: 5.1.1"));
	test_assert(has_line(&b, "Diagnostic-Code: X-Tern; unknown user"));
	test_assert(has_line(&b, "Original-Recipient: rfc822;Team@localhost"));
	test_assert_int(count(&b, "\nAction: failed\n"), 2);
	test_assert_int(count(&b, "Will-Retry-Until"), 0);
	buf_release(&b);
	test_end();
}

static void test_bounce_text_one_line(void)
{
	buf_t b = BUF_INIT;

	test_begin("bounce: foreign text cannot add header lines");
	compose(DSN_FAILED, 0, &b);
	test_assert(!has_line(&b, "Injected: header"));
	test_assert(has_line(&b, "Diagnostic-Code: X-Tern; loop Injected: header"));
	buf_release(&b);
	test_end();
}

static void test_bounce_original(void)
{
	buf_t b = BUF_INIT;

	test_begin("bounce: RET=FULL returns the message, RET=HDRS its header");
	compose(DSN_FAILED, 0, &b);
	test_assert(strstr(b.data, "message/rfc822\n\nFrom: a@example.org\n"
			   "Subject: hello\n\nthe body\n\n--") != NULL);
	compose(DSN_FAILED, 1, &b);
	test_assert(has_line(&b, "Content-Type: text/rfc822-headers"));
	test_assert(strstr(b.data, "the body") == NULL);
	test_assert(strstr(b.data, "Subject: hello\n") != NULL);
	buf_release(&b);
	test_end();
}

static void test_bounce_delayed(void)
{
	buf_t b = BUF_INIT;

	test_begin("bounce: a delay warning says delayed and until when");
	compose(DSN_DELAYED, 1, &b);
	test_assert(has_line(&b, "Subject: Delayed Mail (still being retried)"));
	test_assert_int(count(&b, "\nAction: delayed\n"), 2);
	test_assert_int(count(&b, "\nWill-Retry-Until: "), 2);
	test_assert(strstr(b.data, "THIS IS A WARNING ONLY") != NULL);
	buf_release(&b);
	test_end();
}

static void test_bounce_delivered(void)
{
	static const dsn_rcpt_t rcpts[] = {
		{ "bob@localhost", "rfc822;Bob@Example.org", NULL, "2.0.0",
		  "delivered to maildir" },
	};
	dsn_t d = {
		.action = DSN_DELIVERED, .id = "660D564FA364404772000",
		.bounce_id = "660D564FA662D0460C000", .sender = "a@example.org",
		.envid = "E1", .hostname = "mx.example.org", .arrival = 1000000000,
		.now = 1000000060, .rcpts = rcpts, .nrcpts = 1, .orig = orig,
		.orig_len = sizeof(orig) - 1, .headers_only = 0,	/* RET=FULL */
	};
	buf_t b = BUF_INIT;

	test_begin("bounce: a success notice (NOTIFY=SUCCESS) says delivered");
	dsn_compose(&d, &b);
	test_assert(has_line(&b, "To: <a@example.org>"));
	test_assert(has_line(&b, "Subject: Successful Mail Delivery Report"));
	test_assert(has_line(&b, "Content-Type: multipart/report; report-type=delivery-status;"));
	test_assert_int(count(&b, "\n--660D564FA662D0460C000/mx.example.org\n"), 3);
	test_assert(has_line(&b, "Content-Type: message/delivery-status"));
	test_assert(has_line(&b, "Reporting-MTA: dns; mx.example.org"));
	test_assert(has_line(&b, "Original-Envelope-Id: E1"));
	test_assert(strstr(b.data, "\nArrival-Date: ") != NULL);
	test_assert(has_line(&b, "Final-Recipient: rfc822; bob@localhost"));
	test_assert(has_line(&b, "Original-Recipient: rfc822;Bob@Example.org"));
	test_assert_int(count(&b, "\nAction: delivered\n"), 1);
	test_assert(has_line(&b, "Status: 2.0.0"));
	test_assert_int(count(&b, "Action: failed"), 0);
	test_assert_int(count(&b, "Will-Retry-Until"), 0);
	test_assert(strstr(b.data, "could not") == NULL);
	/* RFC 3461 §4.3: only the header, even with RET=FULL. */
	test_assert(has_line(&b, "Content-Type: text/rfc822-headers"));
	test_assert(!has_line(&b, "Content-Type: message/rfc822"));
	test_assert(strstr(b.data, "Subject: hello\n") != NULL);
	test_assert(strstr(b.data, "the body") == NULL);
	buf_release(&b);
	test_end();
}

/* RFC 3461 §6.2.2: handed to a server that sends no notices. */
static void test_bounce_relayed(void)
{
	static const dsn_rcpt_t rcpts[] = {
		{ "far@remote.example", NULL, NULL, "2.0.0",
		  "host mx.remote.example said: 250 ok" },
	};
	dsn_t d = {
		.action = DSN_RELAYED, .id = "660D564FA364404772000",
		.bounce_id = "660D564FA662D0460C000", .sender = "a@example.org",
		.hostname = "mx.example.org", .arrival = 1000000000,
		.now = 1000000060, .rcpts = rcpts, .nrcpts = 1, .orig = orig,
		.orig_len = sizeof(orig) - 1,
	};
	buf_t b = BUF_INIT;

	test_begin("bounce: a success notice for a server without DSN says relayed");
	dsn_compose(&d, &b);
	test_assert_int(count(&b, "\nAction: relayed\n"), 1);
	test_assert_int(count(&b, "Action: delivered"), 0);
	test_assert(has_line(&b, "Subject: Successful Mail Delivery Report"));
	test_assert(strstr(b.data, "sends no delivery notices") != NULL);
	test_assert(has_line(&b, "Content-Type: text/rfc822-headers"));
	test_assert(strstr(b.data, "the body") == NULL);
	buf_release(&b);
	test_end();
}

static void test_bounce_no_queue_id(void)
{
	static const dsn_rcpt_t rcpts[] = {
		{ "bad@localhost", NULL, NULL, "5.1.3", "550 5.1.3 refused" },
	};
	dsn_t d = {
		.action = DSN_FAILED, .id = NULL,
		.bounce_id = "0123456789abcdef0123456789abcdef",
		.sender = "a@example.org", .hostname = "mx.example.org",
		.arrival = 1000000000, .now = 1000000060, .rcpts = rcpts,
		.nrcpts = 1, .orig = orig, .orig_len = sizeof(orig) - 1,
		.headers_only = 1,
	};
	buf_t b = BUF_INIT;

	test_begin("bounce: a message that never had a queue id (pickup)");
	dsn_compose(&d, &b);
	test_assert(strstr(b.data, "X-Tern-Queue-ID") == NULL);
	test_assert(has_line(&b, "Reporting-MTA: dns; mx.example.org"));
	test_assert(has_line(&b, "Final-Recipient: rfc822; bad@localhost"));
	test_assert(has_line(&b, "Status: 5.1.3"));
	test_assert(has_line(&b, "Content-Type: text/rfc822-headers"));
	test_assert(strstr(b.data, "the body") == NULL);
	buf_release(&b);
	test_end();
}

static void test_bounce_global(void)
{
	static const dsn_rcpt_t rcpts[] = {
		{ "jos\xc3\xa9@b\xc3\xbc" "cher.example", NULL,
		  "info@b\xc3\xbc" "cher.example", "5.1.1", "unknown user" },
		{ "bob@example.org", "rfc822;Bob@example.org", NULL, "5.1.1", "no" },
	};
	static const char utf8_orig[] =
		"From: =?utf-8?q?x?= <s\xc3\xb8ren@example.org>\nSubject: hej\n\nbody\n";
	dsn_t d = {
		.action = DSN_FAILED, .id = "660D564FA364404772000",
		.bounce_id = "660D564FA662D0460C000",
		.sender = "s\xc3\xb8ren@example.org", .hostname = "mx.example.org",
		.arrival = 1000000000, .now = 1000000060, .rcpts = rcpts,
		.nrcpts = 2, .orig = utf8_orig, .orig_len = sizeof(utf8_orig) - 1,
		.smtputf8 = 1,
	};
	dsn_rcpt_t ascii_rcpt = { "bad@localhost", NULL, NULL, "5.1.1", "no" };
	dsn_t a = {
		.action = DSN_FAILED, .bounce_id = "0123456789abcdef",
		.sender = "a@example.org", .hostname = "mx.example.org",
		.rcpts = &ascii_rcpt, .nrcpts = 1, .orig = orig,
		.orig_len = sizeof(orig) - 1,
	};
	buf_t b = BUF_INIT, st = BUF_INIT;

	test_begin("bounce: SMTPUTF8 mail gets RFC 6533's global report, 7-bit");
	test_assert(dsn_global(&d));
	test_assert(!dsn_global(&a));
	test_assert(dsn_needs_smtputf8(&d) && !dsn_needs_smtputf8(&a));
	ascii_rcpt.orig = "caf\xc3\xa9@localhost";
	test_assert(dsn_global(&a) && !dsn_needs_smtputf8(&a));
	dsn_compose(&d, &b);
	test_assert(has_line(&b, "Content-Type: message/global-delivery-status"));
	test_assert(part_b64(&b, "message/global-delivery-status", &st) == 0);
	test_assert(has_line(&st, "Final-Recipient: utf-8; jos\xc3\xa9@b\xc3\xbc" "cher.example"));
	test_assert(has_line(&st, "Original-Recipient: utf-8; info@b\xc3\xbc" "cher.example"));
	test_assert(has_line(&st, "Final-Recipient: rfc822; bob@example.org"));
	test_assert(has_line(&st, "Original-Recipient: rfc822;Bob@example.org"));
	test_assert(has_line(&b, "Content-Type: message/global"));
	test_assert(part_b64(&b, "Content-Type: message/global\n", &st) == 0 &&
		    strstr(st.data, "s\xc3\xb8ren@example.org") != NULL);
	test_assert(strstr(b.data, "Content-Transfer-Encoding: quoted-printable") != NULL);
	test_assert(strstr(b.data, "message/delivery-status") == NULL);
	test_assert(strstr(b.data, "message/rfc822") == NULL);
	/* Everything after the header is 7-bit. */
	for (const char *c = strstr(b.data, "\n\n"); c && *c; c++)
		if ((unsigned char) *c >= 0x80) {
			test_assert(!"8-bit octet in the body");
			break;
		}
	buf_reset(&b);
	d.headers_only = 1;
	dsn_compose(&d, &b);
	test_assert(has_line(&b, "Content-Type: message/global-headers"));
	buf_release(&b);
	buf_release(&st);
	test_end();
}

static void test_bounce_foreign_text(void)
{
	char longtext[3000];
	dsn_rcpt_t r = { "x@localhost", NULL, NULL, "5.1.1", longtext };
	dsn_t d = {
		.action = DSN_FAILED, .bounce_id = "0123456789abcdef",
		.sender = "a@example.org", .hostname = "mx.example.org",
		.rcpts = &r, .nrcpts = 1, .orig = orig, .orig_len = sizeof(orig) - 1,
	};
	buf_t b = BUF_INIT;
	size_t line = 0;

	test_begin("bounce: a server's long or non-UTF-8 reply kept within bounds");
	memset(longtext, 'y', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	longtext[10] = (char) 0xe9;	/* Latin-1, not UTF-8 */
	dsn_compose(&d, &b);
	for (size_t i = 0; i < b.len; i++) {
		line = b.data[i] == '\n' ? 0 : line + 1;
		test_assert(line < 998);
		test_assert((unsigned char) b.data[i] < 0x80);
		if (line >= 998 || (unsigned char) b.data[i] >= 0x80)
			break;
	}
	test_assert(strstr(b.data, "Diagnostic-Code: X-Tern; yyyyyyyyyy?yyy") != NULL);
	test_assert(strstr(b.data, "yyy...\n") != NULL);
	buf_release(&b);
	test_end();
}

static void test_bounce_notice(void)
{
	buf_t b = BUF_INIT;

	test_begin("bounce: a plain notice to postmaster");
	dsn_notice("mx.example.org", "660D564FA662D0460C000",
		   "postmaster@example.org", "Queue file X\nBcc: evil",
		   1000000000, "line one\nline two", &b);
	test_assert(has_line(&b, "From: MAILER-DAEMON@mx.example.org "
			     "(Mail Delivery System)"));
	test_assert(has_line(&b, "To: <postmaster@example.org>"));
	test_assert(has_line(&b, "Subject: Queue file X Bcc: evil"));
	test_assert(has_line(&b, "Message-ID: <660D564FA662D0460C000.notice@mx.example.org>"));
	test_assert(has_line(&b, "Auto-Submitted: auto-generated"));
	test_assert(has_line(&b, "Content-Type: text/plain; charset=utf-8"));
	test_assert(strstr(buf_str(&b), "\n\nline one\nline two\n") != NULL);
	test_assert(b.data[b.len - 1] == '\n');
	buf_release(&b);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_bounce_structure, test_bounce_fields, test_bounce_text_one_line,
		test_bounce_original, test_bounce_delayed, test_bounce_delivered,
		test_bounce_relayed, test_bounce_no_queue_id, test_bounce_global,
		test_bounce_foreign_text,
		test_bounce_notice, NULL,
	};

	return test_main(tests);
}

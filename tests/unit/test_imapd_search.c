/* test_imapd_search.c - unit tests for imapd/session/imapd_search.c: the
 * SEARCH keys judged against a real Maildir through lib/mail_view, with
 * the message files read as imapd_msgfile.c reads them (the few session
 * functions the module calls are defined here, over the same library
 * calls).  Flags, keywords, \Recent, sizes, internal and sent dates,
 * RFC 2047 headers, base64/quoted-printable/ISO-8859-1 bodies, attached
 * messages, sequence and UID sets, and a file that vanished; which
 * messages needed their file opened.
 */
#include <fcntl.h>
#include <stdarg.h>

#include "../../imapd/session/imapd_search.h"
#include "../../lib/buf.h"
#include "../../lib/imap_parse.h"
#include "../../lib/mem.h"
#include "test.h"

static int opened;		/* files opened by the module */
static char bad_text[256];	/* the last imapd_bad() */

void imapd_bad(imapd_session_t *sess, const char *code, const char *fmt, ...)
{
	va_list ap;

	(void) sess;
	(void) code;
	va_start(ap, fmt);
	vsnprintf(bad_text, sizeof(bad_text), fmt, ap);
	va_end(ap);
}

int imapd_msgfile_open(imapd_session_t *sess, mail_view_msg_t *m,
		       imapd_msgfile_t *mf)
{
	off_t size = 0;
	int fd;

	memset(mf, 0, sizeof(*mf));
	opened++;
	fd = mail_view_msg_open(sess->view, m, &size);
	if (fd < 0)
		return -1;
	mf->len = (size_t) size;
	mf->data = mem_alloc(mf->len + 1);
	if (read(fd, mf->data, mf->len) != (ssize_t) mf->len) {
		close(fd);
		mem_free(mf->data);
		errno = EIO;
		return -1;
	}
	close(fd);
	return 0;
}

const mime_part_t *imapd_msgfile_mime(imapd_msgfile_t *mf)
{
	if (mf->mime == NULL)
		mf->mime = mime_parse(mf->data, mf->len);
	return mf->mime;
}

void imapd_msgfile_close(imapd_msgfile_t *mf)
{
	if (mf->mime != NULL)
		mime_part_free(&mf->mime);
	mem_free(mf->data);
	memset(mf, 0, sizeof(*mf));
}

/* 2023-03-06 12:00:00 UTC: message k (1-based) arrives k - 1 days later. */
#define T1 1678104000L

static const struct {
	const char *flags;
	const char *text;
} msgs[] = {
	{ "S", "From: Alice <alice@example.org>\nSubject: Lunch plans\n"
	  "Date: Mon, 06 Mar 2023 10:00:00 +0000\n\nLet's meet at noon.\n" },
	{ "RS", "From: =?ISO-8859-1?Q?J=F6rg_M=FCller?= <j@example.de>\n"
	  "Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=\n"
	  "Date: Tue, 07 Mar 2023 23:30:00 -0800\n"
	  "Content-Type: text/plain; charset=utf-8\n\nSch\xc3\xb6ne Gr\xc3\xbc\xc3\x9f" "e\n" },
	{ "Fa", "From: carol@example.net\nCc: Carol <carol@example.net>\n"
	  "Subject: base64\nDate: 8 Mar 2023 09:15 +0100\n"
	  "Content-Transfer-Encoding: base64\n\n"
	  "VGhlIHNlY3JldCB3b3JkIGlzIFplYnJhZmlzaC4K\n" },
	{ "T", "From: <dave (the one)@ (at) example.com>\nTo: bob\nSubject: qp\n"
	  "Content-Type: text/plain; charset=iso-8859-1\n"
	  "Content-Transfer-Encoding: quoted-printable\n\n"
	  "Caf=E9 cr=E8me, soft=\nbroken.\n" },
	{ "Db", "From: erin@example.org\nSubject: latin1\nX-Priority: 1\n"
	  "Date: Fri, 10 Mar 2023 08:00:00 +0000\n"
	  "Content-Type: text/plain; charset=ISO-8859-1\n\nFa\xe7" "ade\n" },
	{ "", "From: frank@example.org\nSubject: multipart\n"
	  "Content-Type: multipart/mixed; boundary=b\n\npreambleword\n--b\n"
	  "Content-Type: text/plain\n\nSee attached.\n--b\n"
	  "Content-Type: application/octet-stream\n"
	  "Content-Transfer-Encoding: base64\n\naGlkZGVud29yZA==\n--b\n"
	  "Content-Type: message/rfc822\n\nSubject: Inner subject\n\n"
	  "innerbody\n--b--\n" },
	{ "", "Subject: empty body" },
};
#define NMSGS (sizeof(msgs) / sizeof(msgs[0]))

static imapd_session_t sess;
static char names[NMSGS][128];
static imap_parser_t *parser;

static void make_folder(void)
{
	char path[8192];
	const char *dir = test_tmpdir();
	char *err = NULL;

	snprintf(path, sizeof(path), "%s/new", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/cur", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/tmp", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/dovecot-keywords", dir);
	{
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		test_assert(fd >= 0 && write(fd, "0 $Work\n1 Junk\n", 15) == 15);
		close(fd);
	}
	for (size_t k = 0; k < NMSGS; k++) {
		int fd;
		size_t len = strlen(msgs[k].text);

		snprintf(names[k], sizeof(names[k]), "%ld.M%zuP1Q%zu.test:2,%s",
			 T1 + (long) k * 86400, k, k, msgs[k].flags);
		snprintf(path, sizeof(path), "%s/cur/%s", dir, names[k]);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		test_assert(fd >= 0 && write(fd, msgs[k].text, len) == (ssize_t) len);
		close(fd);
	}
	sess.view = mail_view_open(dir, 0, &err);
	test_assert(sess.view != NULL);
	if (sess.view == NULL)
		exit(1);
	sess.exists = (uint32_t) sess.view->n;
	buf_init(&sess.client);
	sess.info.user = "test";
}

/* The matches of SEARCH keys as "1 2 3" (UIDs with uid), "BAD: why" or
 * "(parse)"; *opened_r: files opened. */
static const char *search(const char *keys, int uid, int *opened_r)
{
	static buf_t out = BUF_INIT;
	buf_t line = BUF_INIT, err = BUF_INIT;
	imap_search_node_t *root = NULL;
	imapd_search_t se;
	const imap_cmd_t *cmd;
	enum imap_parse_result r;

	buf_reset(&out);
	opened = 0;
	bad_text[0] = '\0';
	if (parser == NULL)
		parser = imap_parser_new(NULL, IMAP_PARSE_UTF8);
	buf_printf(&line, "a SEARCH %s\r\n", keys);
	r = imap_parse_line(parser, line.data, line.len);
	buf_release(&line);
	cmd = imap_parser_cmd(parser);
	if (r != IMAP_PARSE_DONE ||
	    imap_search_parse(cmd->args, cmd->nargs, &root, &err) != IMAP_SEARCH_PARSED) {
		buf_release(&err);
		return "(parse)";
	}
	if (imapd_search_prepare(&se, &sess, root) < 0) {
		buf_printf(&out, "BAD: %s", bad_text);
	} else {
		for (uint32_t seq = 1; seq <= se.count; seq++)
			if (imapd_search_match(&se, seq))
				buf_printf(&out, "%s%u", out.len > 0 ? " " : "",
					   uid ? sess.view->msgs[seq - 1].uid : seq);
		imapd_search_release(&se);
	}
	imap_search_free(&root);
	buf_release(&err);
	if (opened_r != NULL)
		*opened_r = opened;
	return buf_str(&out);
}

static const char *s(const char *keys)
{
	return search(keys, 0, NULL);
}

static void test_search_view_keys(void)
{
	int n;

	test_begin("imapd_search: keys the view answers, no file opened");
	test_assert_str(search("ALL", 0, &n), "1 2 3 4 5 6 7");
	test_assert_int(n, 0);
	test_assert_str(search("SEEN", 0, &n), "1 2");
	test_assert_int(n, 0);
	test_assert_str(s("UNSEEN"), "3 4 5 6 7");
	test_assert_str(s("ANSWERED"), "2");
	test_assert_str(s("FLAGGED"), "3");
	test_assert_str(s("DELETED"), "4");
	test_assert_str(s("DRAFT"), "5");
	test_assert_str(s("UNDRAFT UNDELETED UNFLAGGED UNANSWERED"), "1 6 7");
	test_assert_str(s("KEYWORD $work"), "3");
	test_assert_str(s("KEYWORD Junk"), "5");
	test_assert_str(s("UNKEYWORD Junk"), "1 2 3 4 6 7");
	test_assert_str(s("KEYWORD Other"), "");
	test_assert_str(s("UNKEYWORD Other"), "1 2 3 4 5 6 7");
	test_assert_str(s("RECENT"), "1 2 3 4 5 6 7");
	test_assert_str(s("NEW"), "3 4 5 6 7");
	test_assert_str(s("OLD"), "");
	test_assert_str(s("SMALLER 50"), "7");
	test_assert_str(s("LARGER 18 SMALLER 20"), "7");
	test_assert_str(s("LARGER 21"), "1 2 3 4 5 6");
	test_assert_str(s("BEFORE 8-Mar-2023"), "1 2");
	test_assert_str(s("ON 9-Mar-2023"), "4");
	test_assert_str(s("SINCE 11-Mar-2023"), "6 7");
	test_assert_str(s("2:4"), "2 3 4");
	test_assert_str(s("6:*"), "6 7");
	test_assert_str(s("UID 3,5:6"), "3 5 6");
	test_assert_str(s("UID 100:*"), "7");
	test_assert_str(search("UID 2:3", 1, NULL), "2 3");
	test_assert_str(s("OR SEEN DRAFT"), "1 2 5");
	test_assert_str(s("NOT OR SEEN DRAFT"), "3 4 6 7");
	test_assert_str(s("(OR ANSWERED (FLAGGED KEYWORD $Work)) NOT 3"), "2");
	test_assert_str(search("SEEN SUBJECT lunch", 0, &n), "1");
	test_assert_int(n, 2);
	test_assert_str(search("OR SEEN SUBJECT lunch", 0, &n), "1 2");
	test_assert_int(n, 5);
	test_assert_str(search("NOT SEEN NOT FROM a", 0, &n), "7");
	test_assert_int(n, 5);
	test_assert_str(s("8"), "BAD: Invalid message sequence number");
	test_assert_str(s("1:8"), "BAD: Invalid message sequence number");
	test_end();
}

static void test_search_file_keys(void)
{
	test_begin("imapd_search: header, date and text keys from the file");
	test_assert_str(s("FROM alice"), "1");
	test_assert_str(s("FROM \"j\xc3\xb6rg m\xc3\xbcller\""), "2");
	test_assert_str(s("SUBJECT \"GR\xc3\x9c\xc3\x9f" "E AUS\""), "2");
	test_assert_str(s("SUBJECT R3LDvMOf"), "");
	test_assert_str(s("CC carol"), "3");
	test_assert_str(s("FROM dave@example.com"), "4");
	test_assert_str(s("FROM \"the one\""), "4");
	test_assert_str(s("HEADER from dave@example.com"), "4");
	test_assert_str(s("TO bob"), "4");
	test_assert_str(s("TO missing"), "");
	test_assert_str(s("FROM \"Alice <alice@example.org>\""), "1");
	test_assert_str(s("HEADER X-Priority \"\""), "5");
	test_assert_str(s("HEADER x-priority 1"), "5");
	test_assert_str(s("HEADER Date \"\""), "1 2 3 5");
	test_assert_str(s("SENTON 7-Mar-2023"), "2");
	test_assert_str(s("SENTON 8-Mar-2023"), "3");
	test_assert_str(s("SENTBEFORE 8-Mar-2023"), "1 2");
	test_assert_str(s("SENTSINCE 8-Mar-2023"), "3 5");
	test_assert_str(s("NOT SENTSINCE 1-Jan-1970"), "4 6 7");
	test_assert_str(s("BODY zebrafish"), "3");
	test_assert_str(s("BODY softbroken"), "4");
	test_assert_str(s("BODY \"caf\xc3\xa9 CR\xc3\x88ME\""), "4");
	test_assert_str(s("BODY \"fa\xc3\xa7" "ade\""), "5");
	test_assert_str(s("BODY \"sch\xc3\xb6ne\""), "2");
	test_assert_str(s("BODY hiddenword"), "");
	test_assert_str(s("BODY preambleword"), "");
	test_assert_str(s("BODY innerbody"), "6");
	test_assert_str(s("BODY \"inner subject\""), "6");
	test_assert_str(s("SUBJECT \"inner subject\""), "");
	test_assert_str(s("BODY lunch"), "");
	test_assert_str(s("TEXT lunch"), "1");
	test_assert_str(s("TEXT \"k\xc3\xb6ln\""), "2");
	test_assert_str(s("TEXT empty"), "7");
	test_assert_str(s("BODY \"\""), "1 2 3 4 5 6 7");
	test_assert_str(s("OR BODY zebrafish FROM erin"), "3 5");
	test_end();
}

static void test_search_vanished(void)
{
	char path[8192];
	int n;

	test_begin("imapd_search: a vanished file is not found");
	snprintf(path, sizeof(path), "%s/cur/%s", test_tmpdir(), names[2]);
	test_assert(unlink(path) == 0);
	test_assert_str(search("BODY zebrafish", 0, &n), "");
	test_assert_int(n, 7);
	/* the failed open marked it expunged in the view (reported later,
	 * by the dispatcher): no key finds it any more */
	test_assert(sess.view->msgs[2].expunged);
	test_assert_str(search("FLAGGED", 0, &n), "");
	test_assert_int(n, 0);
	test_assert_str(s("ALL"), "1 2 4 5 6 7");
	test_assert_str(s("3"), "");
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_search_view_keys,
		test_search_file_keys,
		test_search_vanished,
		NULL,
	};
	int r;

	setenv("TZ", "UTC", 1);
	make_folder();
	r = test_main(tests);
	mail_view_close(&sess.view);
	imap_parser_free(&parser);
	return r;
}

/* mime_test_msgs.h - hand-written messages shared by the MIME and IMAP
 * structure tests (test_mime_parse, test_imap_bodystructure,
 * test_mime_section). */
#ifndef TERN_MIME_TEST_MSGS_H
#define TERN_MIME_TEST_MSGS_H

/* multipart/mixed: a part without header, a message/rfc822 holding a
 * multipart/alternative, and an attachment with every extension field;
 * preamble and epilogue. */
static const char mime_test_nested[] =
	"From: Alice <alice@example.org>\n"
	"To: bob@example.net\n"
	"Subject: nested\n"
	"Date: Mon, 7 Dec 2026 10:00:00 +0000\n"
	"Message-ID: <1@example.org>\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=\"outer\"\n"
	"\n"
	"preamble\n"
	"--outer\n"
	"\n"
	"plain body\n"
	"--outer\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"From: Carol <carol@example.com>\n"
	"Subject: inner\n"
	"Content-Type: multipart/alternative; boundary=inner\n"
	"\n"
	"--inner\n"
	"Content-Type: text/plain; charset=utf-8\n"
	"\n"
	"hi\n"
	"--inner\n"
	"Content-Type: text/html\n"
	"Content-Transfer-Encoding: quoted-printable\n"
	"\n"
	"<p>hi</p>\n"
	"\n"
	"--inner--\n"
	"--outer\n"
	"Content-Type: application/pdf; name=\"a b.pdf\"\n"
	"Content-Disposition: attachment; filename=\"a b.pdf\"\n"
	"Content-Transfer-Encoding: base64\n"
	"Content-ID: <pdf@x>\n"
	"Content-Description: A file\n"
	"Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\n"
	"Content-Language: en, de\n"
	"Content-Location: http://x/a.pdf\n"
	"\n"
	"QUJD\n"
	"--outer--\n"
	"epilogue\n";

/* multipart/digest: a part without Content-Type is message/rfc822; the
 * last delimiter is never closed. */
static const char mime_test_digest[] =
	"Content-Type: multipart/digest; boundary=d\n"
	"\n"
	"--d\n"
	"\n"
	"From: a@b\n"
	"Subject: one\n"
	"\n"
	"body1\n"
	"--d\n"
	"Content-Type: text/plain\n"
	"\n"
	"plain\n"
	"--d\n";

/* A header without an empty line after it, a line that is no field, a
 * folded Content-Type with a comment, no final line end. */
static const char mime_test_header_only[] =
	"From x Mon\n"
	"Subject: hdr only\n"
	"Content-Type: text/html;\n"
	" charset=\"utf-8\" (comment)";

/* A boundary folded inside its quotes; preambles and epilogues at two
 * levels.  Dovecot 2.3.19 gives this BODYSTRUCTURE byte for byte the
 * same as tern (test_imap_bodystructure). */
static const char mime_test_epilogues[] =
	"Subject: outer\n"
	"Content-Type: multipart/mixed; boundary=\"two\n words\"\n"
	"\n"
	"outer preamble\n"
	"\n"
	"--two words\n"
	"Content-Type: text/plain\n"
	"\n"
	"first\n"
	"\n"
	"--two words\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"Subject: inner\n"
	"Content-Type: multipart/related; boundary=in\n"
	"\n"
	"inner preamble\n"
	"--in\n"
	"\n"
	"a\n"
	"--in--\n"
	"inner epilogue\n"
	"\n"
	"--two words--\n"
	"outer epilogue\n";

#endif

/* test_mime_downgrade.c - unit tests for lib/mime_downgrade.c: a 7-bit
 * message left alone; a single 8-bit text body made quoted-printable
 * with its header field rewritten or added (and MIME-Version); multipart
 * bodies converted part by part (7-bit parts untouched, delimiters,
 * preamble and epilogue kept, nesting, digest defaults, message/rfc822);
 * and every case mime_downgrade.h refuses.
 */
#include <string.h>

#include "../../lib/buf.h"
#include "../../lib/mime_downgrade.h"
#include "test.h"

/* Convert in; expect result r and (r >= 0) the output want, (r < 0) a
 * reason.  A converted output must be 7-bit and convert to itself. */
static void dg_check(const char *in, int r, const char *want)
{
	buf_t out = BUF_INIT, again = BUF_INIT;
	const char *err = NULL;
	int got = mime_downgrade(in, strlen(in), &out, &err);

	test_assert_int(got, r);
	if (r >= 0) {
		test_assert_str(buf_str(&out), want);
		test_assert(!mime_has_8bit(out.data, out.len));
		test_assert_int(mime_downgrade(out.data, out.len, &again, &err), 0);
		test_assert_str(buf_str(&again), buf_str(&out));
	} else {
		test_assert(err != NULL && err[0] != '\0');
		if (want != NULL && err != NULL)
			test_assert_str(err, want);
	}
	buf_release(&out);
	buf_release(&again);
}

static void test_dg_7bit(void)
{
	const char *m = "From: a@example.org\nSubject: hi\n\nplain text\n";

	test_begin("mime_downgrade 7-bit message unchanged");
	dg_check(m, 0, m);
	dg_check("", 0, "");
	/* even with a label that would be refused with 8-bit content */
	dg_check("Content-Transfer-Encoding: binary\n\nx\n", 0,
		 "Content-Transfer-Encoding: binary\n\nx\n");
	test_assert(mime_has_8bit("a\x80", 2));
	test_assert(!mime_has_8bit("a\x7f", 2));
	test_end();
}

static void test_dg_single(void)
{
	test_begin("mime_downgrade single-part text");
	/* the field rewritten in its place */
	dg_check("MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
		 "Content-Transfer-Encoding: 8bit\nSubject: x\n\ngr\xc3\xbc\xc3\x9f" "e\n",
		 1,
		 "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
		 "Content-Transfer-Encoding: quoted-printable\nSubject: x\n\ngr=C3=BC=C3=9Fe\n");
	/* no field, no MIME-Version: both added at the end of the header */
	dg_check("Subject: x\n\ncaf\xe9 = bar \n", 1,
		 "Subject: x\nMIME-Version: 1.0\nContent-Transfer-Encoding: quoted-printable\n"
		 "\ncaf=E9 =3D bar=20\n");
	/* labelled 7bit (wrongly), folded and with a comment; a second
	 * label dropped */
	dg_check("MIME-Version: 1.0\nContent-Transfer-Encoding:\n 7BIT (lie)\n"
		 "Content-Transfer-Encoding: 8bit\n\n\xff\n", 1,
		 "MIME-Version: 1.0\nContent-Transfer-Encoding: quoted-printable\n\n=FF\n");
	/* a non-text discrete type is converted the same way */
	dg_check("MIME-Version: 1.0\nContent-Type: application/x-thing\n\n\x80\n", 1,
		 "MIME-Version: 1.0\nContent-Type: application/x-thing\n"
		 "Content-Transfer-Encoding: quoted-printable\n\n=80\n");
	/* an unparsable Content-Type counts as text/plain */
	dg_check("MIME-Version: 1.0\nContent-Type: multipart\n\n\x80\n", 1,
		 "MIME-Version: 1.0\nContent-Type: multipart\n"
		 "Content-Transfer-Encoding: quoted-printable\n\n=80\n");
	/* a header ended by a line that is no field gets its blank line */
	dg_check("Subject: x\nh\xe9: llo\n", 1,
		 "Subject: x\nMIME-Version: 1.0\nContent-Transfer-Encoding: quoted-printable\n"
		 "\nh=E9: llo\n");
	test_end();
}

static void test_dg_multipart(void)
{
	test_begin("mime_downgrade multipart part by part");
	dg_check("MIME-Version: 1.0\n"
		 "Content-Type: multipart/mixed; boundary=\"b 1\"\n"
		 "Content-Transfer-Encoding: 8bit\n"
		 "\n"
		 "preamble\n"
		 "--b 1\n"
		 "Content-Type: text/plain\n"
		 "\n"
		 "ascii only \n"
		 "--b 1\n"
		 "Content-Type: text/plain; charset=latin1\n"
		 "\n"
		 "\xe9t\xe9\n"
		 "\n"
		 "--b 1--  \n"
		 "epilogue\n", 1,
		 "MIME-Version: 1.0\n"
		 "Content-Type: multipart/mixed; boundary=\"b 1\"\n"
		 "Content-Transfer-Encoding: 7bit\n"
		 "\n"
		 "preamble\n"
		 "--b 1\n"
		 "Content-Type: text/plain\n"
		 "\n"
		 "ascii only \n"
		 "--b 1\n"
		 "Content-Type: text/plain; charset=latin1\n"
		 "Content-Transfer-Encoding: quoted-printable\n"
		 "\n"
		 "=E9t=E9\n"
		 "\n"
		 "--b 1--  \n"
		 "epilogue\n");
	/* nested, no preamble, no close delimiter, a part without header */
	dg_check("Content-Type: multipart/mixed; boundary=out\n\n"
		 "--out\n"
		 "Content-Type: multipart/alternative;\n boundary=in (comment)\n\n"
		 "--in\n\n\xa0\n--in--\n"
		 "--out\n"
		 "\n\xa1", 1,
		 "Content-Type: multipart/mixed; boundary=out\n\n"
		 "--out\n"
		 "Content-Type: multipart/alternative;\n boundary=in (comment)\n\n"
		 "--in\nContent-Transfer-Encoding: quoted-printable\n\n=A0\n--in--\n"
		 "--out\n"
		 "Content-Transfer-Encoding: quoted-printable\n\n=A1");
	/* a digest's parts are messages; an enclosed message gets its own
	 * MIME-Version */
	dg_check("Content-Type: multipart/digest; boundary=d\n\n"
		 "--d\n\nSubject: s\n\n\xe4\n--d--\n", 1,
		 "Content-Type: multipart/digest; boundary=d\n\n"
		 "--d\n\nSubject: s\nMIME-Version: 1.0\n"
		 "Content-Transfer-Encoding: quoted-printable\n\n=E4\n--d--\n");
	test_end();
}

static void test_dg_message(void)
{
	test_begin("mime_downgrade message/rfc822");
	dg_check("MIME-Version: 1.0\nContent-Type: message/rfc822\n"
		 "Content-Transfer-Encoding: 8bit\n\n"
		 "Subject: inner\nMIME-Version: 1.0\n\n\xf6\n", 1,
		 "MIME-Version: 1.0\nContent-Type: message/rfc822\n"
		 "Content-Transfer-Encoding: 7bit\n\n"
		 "Subject: inner\nMIME-Version: 1.0\n"
		 "Content-Transfer-Encoding: quoted-printable\n\n=F6\n");
	test_end();
}

static void test_dg_refused(void)
{
	buf_t deep = BUF_INIT;

	test_begin("mime_downgrade refuses what it cannot convert safely");
	dg_check("Subject: gr\xc3\xbc\xc3\x9f" "e\n\nbody\n", -1,
		 "8-bit octets in a header field");
	dg_check("Content-Transfer-Encoding: binary\n\n\x80\n", -1, "binary content");
	dg_check("Content-Transfer-Encoding: base64\n\n\x80\n", -1,
		 "8-bit octets in an encoded body");
	dg_check("Content-Transfer-Encoding: Quoted-Printable\n\n\x80\n", -1,
		 "8-bit octets in an encoded body");
	dg_check("Content-Transfer-Encoding: x-uue\n\n\x80\n", -1,
		 "unknown transfer encoding");
	dg_check("Content-Transfer-Encoding:\n\n\x80\n", -1, "unknown transfer encoding");
	dg_check("Content-Type: multipart/mixed\n\n\x80\n", -1,
		 "multipart without a boundary");
	dg_check("Content-Type: multipart/mixed; boundary=b\n\n\x80\n--c\n", -1,
		 "8-bit multipart without its boundary");
	dg_check("Content-Type: multipart/mixed; boundary=b\n\n\x80\n--b\n\nx\n--b--\n",
		 -1, "8-bit octets in a multipart preamble");
	dg_check("Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n\x80", -1,
		 "8-bit octets in a multipart epilogue");
	dg_check("Content-Type: message/global\n\nSubject: \xe4\n\nx\n", -1,
		 "message/global needs SMTPUTF8");
	dg_check("Content-Type: message/partial; id=x\n\n\xe4\n", -1, NULL);
	/* 8-bit in an enclosed message's header, or a part's */
	dg_check("Content-Type: message/rfc822\n\nSubject: \xe4\n\nx\n", -1,
		 "8-bit octets in a header field");
	dg_check("Content-Type: multipart/mixed; boundary=b\n\n--b\nX: \xe4\n\nx\n--b--\n",
		 -1, "8-bit octets in a header field");
	/* nesting beyond the bound */
	for (int i = 0; i < MIME_DOWNGRADE_DEPTH + 1; i++)
		buf_printf(&deep, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
	buf_puts(&deep, "\n\xe4\n");
	dg_check(deep.data, -1, "MIME parts nested too deeply");
	/* ... and within it, converted */
	buf_reset(&deep);
	for (int i = 0; i < MIME_DOWNGRADE_DEPTH - 1; i++)
		buf_printf(&deep, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
	buf_puts(&deep, "\n\xe4\n");
	{
		buf_t out = BUF_INIT;
		const char *err = NULL;

		test_assert_int(mime_downgrade(deep.data, deep.len, &out, &err), 1);
		buf_release(&out);
	}
	buf_release(&deep);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_dg_7bit,
		test_dg_single,
		test_dg_multipart,
		test_dg_message,
		test_dg_refused,
		NULL,
	};

	return test_main(tests);
}

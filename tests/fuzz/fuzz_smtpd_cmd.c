/* fuzz_smtpd_cmd.c - libFuzzer target for smtpd's command parser
 * (lib/smtp_parse.c): the line split, MAIL and RCPT with every ESMTP
 * parameter, BDAT arguments, xtext and base64 (AUTH responses).
 *
 * Whatever the input, a parse either fails with a complete reply (three
 * digits, a space, an enhanced status code of the same class) or yields
 * values smtpd can put into a queue file: no control character in an
 * address, an ENVID or an ORCPT.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "mem.h"
#include "smtp_parse.h"

static void fuzz_check_reply(const char *reply)
{
	if (reply == NULL)
		return;
	if (strlen(reply) < 10 || reply[3] != ' ' || reply[4] != reply[0] ||
	    reply[5] != '.' || (reply[0] != '4' && reply[0] != '5'))
		abort();
}

static void fuzz_check_clean(const buf_t *b)
{
	for (size_t i = 0; i < b->len; i++)
		if ((unsigned char) b->data[i] < 32 || b->data[i] == 127)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	smtp_cmd_t c;
	smtp_mail_t m;
	smtp_rcpt_t r;
	buf_t out = BUF_INIT;
	unsigned long long chunk;
	int last;

	smtp_cmd_init(&c);
	smtp_mail_init(&m);
	smtp_rcpt_init(&r);
	fuzz_check_reply(smtp_cmd_parse((const char *) data, size, &c));
	if (c.verb.len > 0) {
		const char *args = buf_str(&c.args);
		const char *err;

		if ((err = smtp_parse_mail(args, &m)) == NULL) {
			fuzz_check_clean(&m.addr);
			fuzz_check_clean(&m.envid);
		}
		fuzz_check_reply(err);
		if ((err = smtp_parse_rcpt(args, size & 1, &r)) == NULL) {
			fuzz_check_clean(&r.addr);
			fuzz_check_clean(&r.orcpt);
			smtp_notify_format(r.notify, &out);
		}
		fuzz_check_reply(err);
		fuzz_check_reply(smtp_parse_bdat(args, &chunk, &last));
		smtp_xtext_decode(args, c.args.len, &out);
		if (base64_decode(args, c.args.len, &out) == 0) {
			buf_t again = BUF_INIT;

			base64_encode(out.data, out.len, &again);
			if (again.len != c.args.len || memcmp(again.data, args, again.len) != 0)
				abort();
			buf_release(&again);
		}
	}
	smtp_cmd_release(&c);
	smtp_mail_release(&m);
	smtp_rcpt_release(&r);
	buf_release(&out);
	return 0;
}

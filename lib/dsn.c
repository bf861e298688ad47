/* dsn.c - composing delivery status notifications; see dsn.h.
 *
 * The report has three parts (RFC 6522 §3): a text for people, the
 * machine-readable message/delivery-status of RFC 3464 §2 (one block for
 * the message, one per recipient), and the original message (RFC 3462:
 * message/rfc822) or only its header (text/rfc822-headers).  One composer
 * serves every kind (failed, delayed, delivered); the kind only changes
 * the words, the Action field and what is returned: a success notice
 * carries the header only, whatever RET says (RFC 3461 §4.3).  Text that
 * came from elsewhere (reasons, addresses) is cleaned of control
 * characters so it can never break a header line.
 *
 * Mail that came with SMTPUTF8, or a report naming a non-ASCII address,
 * gets RFC 6533's form: message/global-delivery-status with the "utf-8"
 * address type (§3) for such addresses, and the original returned as
 * message/global or message/global-headers (§6, RFC 6532 §3.7).  Its
 * parts with 8-bit text are then quoted-printable or base64, so it can
 * cross a server without SMTPUTF8; it needs SMTPUTF8 itself only when
 * the sender it goes to has a non-ASCII address (dsn_needs_smtputf8()).
 */
#include <string.h>
#include <time.h>

#include "base64.h"
#include "dsn.h"
#include "header.h"
#include "mime_qp.h"
#include "utf8.h"

static void dsn_date(time_t t, buf_t *out)
{
	char s[64];
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(s, sizeof(s), "%a, %d %b %Y %H:%M:%S %z", &tm);
	buf_puts(out, s);
}

static const char *dsn_action_name(enum dsn_action a)
{
	return a == DSN_FAILED ? "failed" : a == DSN_DELAYED ? "delayed" :
		a == DSN_RELAYED ? "relayed" : "delivered";
}

/* Text from outside (addresses, a server's reply), made safe for a
 * header line and for the part it goes in: control characters become
 * spaces; octets above 0x7f stay only as well-formed UTF-8 in a global
 * report and become '?' otherwise (message/delivery-status is ASCII,
 * RFC 3464 §2); at most DSN_TEXT_MAX octets, so no line passes RFC 5322's
 * 998 (a long reply is cut, "..." said). */
#define DSN_TEXT_MAX 900

static void dsn_text_put(const char *s, int global, buf_t *out)
{
	size_t len = s ? strlen(s) : 0, start = out->len;

	for (size_t i = 0; i < len; ) {
		unsigned char c = (unsigned char) s[i];
		uint32_t cp;
		size_t n;

		if (out->len - start >= DSN_TEXT_MAX) {
			buf_puts(out, "...");
			return;
		}
		if (c < 0x80) {
			buf_putc(out, c < 0x20 || c == 0x7f ? ' ' : (char) c);
			i++;
			continue;
		}
		n = utf8_decode_end((const unsigned char *) s + i, len - i, &cp);
		if (global && (cp != UTF8_REPLACEMENT ||
			       (n == 3 && memcmp(s + i, "\xef\xbf\xbd", 3) == 0)) && cp >= 0xa0)
			buf_append(out, s + i, n);
		else
			buf_putc(out, '?');
		i += n;
	}
}

static int dsn_ascii(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char) *s >= 0x80)
			return 0;
	return 1;
}

int dsn_global(const dsn_t *d)
{
	if (d->smtputf8 || !dsn_ascii(d->sender))
		return 1;
	for (size_t i = 0; i < d->nrcpts; i++)
		if (!dsn_ascii(d->rcpts[i].final) || !dsn_ascii(d->rcpts[i].orig) ||
		    !dsn_ascii(d->rcpts[i].orcpt))
			return 1;
	return 0;
}

/* "name: type; address": rfc822, or utf-8 for a non-ASCII address
 * (RFC 6533 §3; raw UTF-8 is allowed in the global report, §6). */
static void dsn_address_field(const char *name, const char *addr, int global,
			      buf_t *out)
{
	buf_printf(out, "%s: %s; ", name, dsn_ascii(addr) ? "rfc822" : "utf-8");
	dsn_text_put(addr, global, out);
	buf_putc(out, '\n');
}

static void dsn_human(const dsn_t *d, int global, buf_t *out)
{
	buf_printf(out, "This is the mail system at host %s.\n\n", d->hostname);
	if (d->action == DSN_FAILED) {
		buf_puts(out,
			 "I'm sorry to have to inform you that your message "
			 "could not\nbe delivered to one or more recipients. "
			 "It's attached below.\n\n"
			 "For further assistance, please send mail to "
			 "postmaster.\n\n");
	} else if (d->action == DSN_DELIVERED) {
		buf_puts(out,
			 "Your message was successfully delivered to the "
			 "destination(s)\nlisted below.  Its header is "
			 "attached below.\n\n");
	} else if (d->action == DSN_RELAYED) {
		buf_puts(out,
			 "Your message was successfully relayed to the "
			 "destination(s) listed\nbelow, to a mail system that "
			 "sends no delivery notices: this is\nthe last notice "
			 "you will get for them.  Its header is attached "
			 "below.\n\n");
	} else {
		buf_puts(out,
			 "####################################################"
			 "################\n"
			 "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND "
			 "YOUR MESSAGE. #\n"
			 "####################################################"
			 "################\n\n"
			 "Your message could not be delivered for some time. "
			 "It will be\nretried until ");
		dsn_date(d->retry_until, out);
		buf_puts(out, ".\n\n");
	}
	buf_puts(out, "                   The mail system\n\n");
	for (size_t i = 0; i < d->nrcpts; i++) {
		buf_putc(out, '<');
		dsn_text_put(d->rcpts[i].final, global, out);
		buf_putc(out, '>');
		if (d->rcpts[i].orig) {
			buf_puts(out, " (expanded from <");
			dsn_text_put(d->rcpts[i].orig, global, out);
			buf_puts(out, ">)");
		}
		buf_puts(out, ": ");
		dsn_text_put(d->rcpts[i].text, global, out);
		buf_puts(out, "\n\n");
	}
}

static void dsn_status(const dsn_t *d, int global, buf_t *out)
{
	buf_printf(out, "Reporting-MTA: dns; %s\n", d->hostname);
	if (d->id != NULL)
		buf_printf(out, "X-Tern-Queue-ID: %s\n", d->id);
	if (d->envid && *d->envid) {
		buf_puts(out, "Original-Envelope-Id: ");
		dsn_text_put(d->envid, global, out);
		buf_putc(out, '\n');
	}
	buf_puts(out, "Arrival-Date: ");
	dsn_date(d->arrival, out);
	buf_putc(out, '\n');
	for (size_t i = 0; i < d->nrcpts; i++) {
		const dsn_rcpt_t *r = &d->rcpts[i];

		buf_putc(out, '\n');
		dsn_address_field("Final-Recipient", r->final, global, out);
		if (r->orcpt && *r->orcpt && strchr(r->orcpt, ';') != NULL) {
			buf_puts(out, "Original-Recipient: ");
			dsn_text_put(r->orcpt, global, out);
			buf_putc(out, '\n');
		} else if (r->orcpt && *r->orcpt) {
			dsn_address_field("Original-Recipient", r->orcpt, global, out);
		} else if (r->orig) {
			dsn_address_field("Original-Recipient", r->orig, global, out);
		}
		buf_printf(out, "Action: %s\n", dsn_action_name(d->action));
		buf_puts(out, "Status: ");
		dsn_text_put(r->status, global, out);
		buf_puts(out, "\nDiagnostic-Code: X-Tern; ");
		dsn_text_put(r->text, global, out);
		buf_puts(out, "\nLast-Attempt-Date: ");
		dsn_date(d->now, out);
		buf_putc(out, '\n');
		if (d->action == DSN_DELAYED) {
			buf_puts(out, "Will-Retry-Until: ");
			dsn_date(d->retry_until, out);
			buf_putc(out, '\n');
		}
	}
}

/* The length of orig's header, its blank line included. */
static size_t dsn_header_len(const char *orig, size_t len)
{
	header_field_t f;
	size_t pos = 0;

	while (header_next(orig, len, &pos, &f) == 1)
		;
	return pos;
}

static int dsn_8bit(const buf_t *b)
{
	for (size_t i = 0; i < b->len; i++)
		if ((unsigned char) b->data[i] >= 0x80)
			return 1;
	return 0;
}

/* The rest of a part's header and its body: 7-bit text as it is, 8-bit
 * text quoted-printable, or base64 (b64: a message/global* part) in
 * lines of 76, so the report itself needs neither 8BITMIME nor SMTPUTF8
 * (RFC 6533 §6: only the envelope and header may want SMTPUTF8). */
static void dsn_part(const buf_t *body, int b64, buf_t *out)
{
	if (!dsn_8bit(body)) {
		buf_putc(out, '\n');
		buf_append(out, body->data, body->len);
		return;
	}
	if (!b64) {
		buf_puts(out, "Content-Transfer-Encoding: quoted-printable\n\n");
		mime_qp_encode(body->data, body->len, out);
		return;
	}
	buf_puts(out, "Content-Transfer-Encoding: base64\n\n");
	for (size_t off = 0; off < body->len; off += 57) {
		base64_encode(body->data + off, body->len - off < 57 ?
			      body->len - off : 57, out);
		buf_putc(out, '\n');
	}
}

int dsn_needs_smtputf8(const dsn_t *d)
{
	return !dsn_ascii(d->sender);
}

void dsn_compose(const dsn_t *d, buf_t *out)
{
	const char *boundary = d->bounce_id;
	size_t olen = d->orig_len;
	int success = d->action == DSN_DELIVERED || d->action == DSN_RELAYED;
	int headers_only = d->headers_only || success;
	const char *what = success ? "Delivered" : "Undelivered";
	int global = dsn_global(d);
	buf_t part;

	buf_printf(out, "From: MAILER-DAEMON@%s (Mail Delivery System)\n",
		   d->hostname);
	buf_puts(out, "To: <");
	dsn_text_put(d->sender, global, out);
	buf_puts(out, ">\n");
	buf_printf(out, "Subject: %s\n", d->action == DSN_FAILED ?
		   "Undelivered Mail Returned to Sender" :
		   d->action == DSN_DELAYED ?
		   "Delayed Mail (still being retried)" :
		   "Successful Mail Delivery Report");
	buf_puts(out, "Date: ");
	dsn_date(d->now, out);
	buf_printf(out, "\nMessage-ID: <%s.%s@%s>\n", d->bounce_id,
		   d->action == DSN_FAILED ? "bounce" :
		   d->action == DSN_DELAYED ? "delay" : "success",
		   d->hostname);
	buf_puts(out, "Auto-Submitted: auto-replied\n"
		 "MIME-Version: 1.0\n"
		 "Content-Type: multipart/report; report-type=delivery-status;\n");
	buf_printf(out, "\tboundary=\"%s/%s\"\n\n", boundary, d->hostname);
	buf_puts(out, "This is a MIME-encapsulated message.\n\n");

	part = (buf_t) BUF_INIT;
	dsn_human(d, global, &part);
	buf_printf(out, "--%s/%s\n", boundary, d->hostname);
	buf_puts(out, "Content-Description: Notification\n"
		 "Content-Type: text/plain; charset=utf-8\n");
	dsn_part(&part, 0, out);

	buf_reset(&part);
	dsn_status(d, global, &part);
	buf_printf(out, "--%s/%s\n", boundary, d->hostname);
	buf_printf(out, "Content-Description: Delivery report\n"
		   "Content-Type: message/%sdelivery-status\n",
		   global ? "global-" : "");
	dsn_part(&part, 1, out);
	buf_putc(out, '\n');

	buf_reset(&part);
	buf_printf(out, "--%s/%s\n", boundary, d->hostname);
	if (headers_only) {
		olen = dsn_header_len(d->orig, d->orig_len);
		buf_printf(out, "Content-Description: %s Message Headers\n"
			   "Content-Type: %s\n", what, global ?
			   "message/global-headers" : "text/rfc822-headers");
	} else {
		buf_printf(out, "Content-Description: %s Message\n"
			   "Content-Type: message/%s\n", what,
			   global ? "global" : "rfc822");
	}
	buf_append(&part, d->orig, olen);
	if (olen > 0 && d->orig[olen - 1] != '\n')
		buf_putc(&part, '\n');
	/* The original as it came: 8-bit in message/rfc822 rides on
	 * 8BITMIME; message/global may be encoded (RFC 6532 §3.7), which
	 * lets a global report cross servers without SMTPUTF8. */
	if (global)
		dsn_part(&part, 1, out);
	else {
		buf_putc(out, '\n');
		buf_append(out, part.data, part.len);
	}
	buf_release(&part);
	buf_printf(out, "\n--%s/%s--\n", boundary, d->hostname);
}

void dsn_notice(const char *hostname, const char *notice_id,
			const char *to, const char *subject, time_t now,
			const char *body, buf_t *out)
{
	size_t len = strlen(body);

	buf_printf(out, "From: MAILER-DAEMON@%s (Mail Delivery System)\n",
		   hostname);
	buf_puts(out, "To: <");
	dsn_text_put(to, 1, out);
	buf_puts(out, ">\nSubject: ");
	dsn_text_put(subject, 1, out);
	buf_puts(out, "\nDate: ");
	dsn_date(now, out);
	buf_printf(out, "\nMessage-ID: <%s.notice@%s>\n", notice_id, hostname);
	buf_puts(out, "Auto-Submitted: auto-generated\n"
		 "MIME-Version: 1.0\n"
		 "Content-Type: text/plain; charset=utf-8\n"
		 "Content-Transfer-Encoding: 8bit\n\n");
	buf_append(out, body, len);
	if (len > 0 && body[len - 1] != '\n')
		buf_putc(out, '\n');
}

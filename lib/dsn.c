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
 * message/global or message/global-headers (§6, RFC 6532 §3.7).  The
 * report is then SMTPUTF8 mail itself (dsn_global()).
 */
#include <string.h>
#include <time.h>

#include "header.h"
#include "dsn.h"

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

/* Text from outside, with control characters made spaces. */
static void dsn_text(const char *s, buf_t *out)
{
	for (; s && *s; s++)
		buf_putc(out, (unsigned char) *s < 0x20 || *s == 0x7f ? ' ' : *s);
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
static void dsn_address_field(const char *name, const char *addr, buf_t *out)
{
	buf_printf(out, "%s: %s; ", name, dsn_ascii(addr) ? "rfc822" : "utf-8");
	dsn_text(addr, out);
	buf_putc(out, '\n');
}

static void dsn_human(const dsn_t *d, buf_t *out)
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
		dsn_text(d->rcpts[i].final, out);
		buf_putc(out, '>');
		if (d->rcpts[i].orig) {
			buf_puts(out, " (expanded from <");
			dsn_text(d->rcpts[i].orig, out);
			buf_puts(out, ">)");
		}
		buf_puts(out, ": ");
		dsn_text(d->rcpts[i].text, out);
		buf_puts(out, "\n\n");
	}
}

static void dsn_status(const dsn_t *d, buf_t *out)
{
	buf_printf(out, "Reporting-MTA: dns; %s\n", d->hostname);
	if (d->id != NULL)
		buf_printf(out, "X-Tern-Queue-ID: %s\n", d->id);
	if (d->envid && *d->envid) {
		buf_puts(out, "Original-Envelope-Id: ");
		dsn_text(d->envid, out);
		buf_putc(out, '\n');
	}
	buf_puts(out, "Arrival-Date: ");
	dsn_date(d->arrival, out);
	buf_putc(out, '\n');
	for (size_t i = 0; i < d->nrcpts; i++) {
		const dsn_rcpt_t *r = &d->rcpts[i];

		buf_putc(out, '\n');
		dsn_address_field("Final-Recipient", r->final, out);
		if (r->orcpt && *r->orcpt && strchr(r->orcpt, ';') != NULL) {
			buf_puts(out, "Original-Recipient: ");
			dsn_text(r->orcpt, out);
			buf_putc(out, '\n');
		} else if (r->orcpt && *r->orcpt) {
			dsn_address_field("Original-Recipient", r->orcpt, out);
		} else if (r->orig) {
			dsn_address_field("Original-Recipient", r->orig, out);
		}
		buf_printf(out, "Action: %s\n", dsn_action_name(d->action));
		buf_puts(out, "Status: ");
		dsn_text(r->status, out);
		buf_puts(out, "\nDiagnostic-Code: X-Tern; ");
		dsn_text(r->text, out);
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

void dsn_compose(const dsn_t *d, buf_t *out)
{
	const char *boundary = d->bounce_id;
	size_t olen = d->orig_len;
	int success = d->action == DSN_DELIVERED || d->action == DSN_RELAYED;
	int headers_only = d->headers_only || success;
	const char *what = success ? "Delivered" : "Undelivered";
	int global = dsn_global(d);

	buf_printf(out, "From: MAILER-DAEMON@%s (Mail Delivery System)\n",
		   d->hostname);
	buf_puts(out, "To: <");
	dsn_text(d->sender, out);
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

	buf_printf(out, "--%s/%s\n", boundary, d->hostname);
	buf_puts(out, "Content-Description: Notification\n"
		 "Content-Type: text/plain; charset=utf-8\n\n");
	dsn_human(d, out);

	buf_printf(out, "--%s/%s\n", boundary, d->hostname);
	buf_printf(out, "Content-Description: Delivery report\n"
		   "Content-Type: message/%sdelivery-status\n\n",
		   global ? "global-" : "");
	dsn_status(d, out);
	buf_putc(out, '\n');

	buf_printf(out, "--%s/%s\n", boundary, d->hostname);
	if (headers_only) {
		olen = dsn_header_len(d->orig, d->orig_len);
		buf_printf(out, "Content-Description: %s Message Headers\n"
			   "Content-Type: %s\n\n", what, global ?
			   "message/global-headers" : "text/rfc822-headers");
	} else {
		buf_printf(out, "Content-Description: %s Message\n"
			   "Content-Type: message/%s\n\n", what,
			   global ? "global" : "rfc822");
	}
	buf_append(out, d->orig, olen);
	if (olen > 0 && d->orig[olen - 1] != '\n')
		buf_putc(out, '\n');
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
	dsn_text(to, out);
	buf_puts(out, ">\nSubject: ");
	dsn_text(subject, out);
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

/* smtpd_received.c - the header fields smtpd adds to a message.
 *
 * The Received field (RFC 5321 §4.4, with the protocol names of RFC 3848
 * and RFC 6531 §3.7.3) goes on top of every message:
 *
 *     Received: from HELO (unknown [ADDR])
 *             by MYHOSTNAME (tern) with ESMTPS id QUEUEID
 *             (using TLSv1.3 with cipher NAME)
 *             for <RCPT>; DATE
 *
 * The client name is "unknown": tern does no DNS lookups for clients.  The
 * TLS line appears with TLS, an "(Authenticated sender: USER)" line only
 * with smtpd_sasl_authenticated_header, "for" only with one recipient
 * (naming more would disclose Bcc recipients).  Local submission records
 * the submitting uid instead.  Date and Message-ID are what submission
 * adds to messages that lack them (RFC 6409 §8.2, §8.3).  Lines end in LF,
 * as everything in a queue file.
 */
#include <time.h>

#include "smtpd.h"

void smtpd_rfc5322_date(time_t now, buf_t *out)
{
	struct tm tm;
	char date[64];		/* strftime needs a fixed buffer; ~31 used */

	localtime_r(&now, &tm);
	if (strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm) == 0)
		date[0] = '\0';
	buf_puts(out, date);
}

void smtpd_received_header(const smtpd_session_t *sess, const char *id,
			   time_t now, buf_t *out)
{
	buf_printf(out, "Received: from %s (%s [%s])\n",
		   buf_str(&sess->helo), sess->local ? "localhost" : "unknown",
		   sess->addr);
	if (sess->local)
		buf_printf(out, "\tby %s (tern, from userid %ld) with %s id %s",
			   smtpd_conf.myhostname, (long) sess->uid,
			   smtpd_protocol(sess), id);
	else
		buf_printf(out, "\tby %s (tern) with %s id %s",
			   smtpd_conf.myhostname, smtpd_protocol(sess), id);
	if (stream_is_tls(sess->s))
		buf_printf(out, "\n\t(using %s with cipher %s)",
			   stream_tls_version(sess->s), stream_tls_cipher(sess->s));
	if (smtpd_conf.auth_header && sess->auth_user.len > 0)
		buf_printf(out, "\n\t(Authenticated sender: %s)",
			   buf_str(&sess->auth_user));
	if (sess->nrcpts == 1)
		buf_printf(out, "\n\tfor <%s>", sess->rcpts[0].addr);
	buf_puts(out, "; ");
	smtpd_rfc5322_date(now, out);
	buf_putc(out, '\n');
}

void smtpd_date_header(time_t now, buf_t *out)
{
	buf_puts(out, "Date: ");
	smtpd_rfc5322_date(now, out);
	buf_putc(out, '\n');
}

void smtpd_msgid_header(const char *id, buf_t *out)
{
	buf_printf(out, "Message-ID: <%s@%s>\n", id, smtpd_conf.myhostname);
}

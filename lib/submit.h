/* submit.h - the client side of local submission: SMTP to the smtpd
 * `submit` service on $queue_directory/public/submit.
 *
 * sendmail (`mailctl send`) and pickup hand messages to the queue this
 * way, so that what a submitted message gets - the Received field naming
 * the submitting uid, Date and Message-ID when missing, the recipient
 * checks - is done in one place, smtpd.  This module only speaks the
 * protocol: a command and its reply, and the message content with CRLF
 * line ends and a leading dot doubled (RFC 5321 §4.5.2).  What a refusal
 * means is the caller's decision.
 *
 * Every reply is read within the timeout given to submit_open(): at most
 * SUBMIT_REPLY_LINES lines of SUBMIT_REPLY_LINE_MAX octets; anything else
 * is SUBMIT_BADREPLY.  Errors are sticky: after a lost connection every
 * later command returns SUBMIT_IOERR at once.
 *
 * pickup runs as the same user as smtpd and names the uid a message came
 * from with "XUID uid" after EHLO (smtpd(8)); smtpd takes that command
 * from no other peer.
 */
#ifndef TERN_SUBMIT_H
#define TERN_SUBMIT_H

#include <stddef.h>

#define SUBMIT_SOCKET		"public/submit"
#define SUBMIT_REPLY_LINES	100
#define SUBMIT_REPLY_LINE_MAX	2048

/* Reply codes are 200..599; these stand for "no reply". */
#define SUBMIT_IOERR		(-1)	/* lost connection, timeout, write error */
#define SUBMIT_BADREPLY		(-2)	/* not an SMTP reply */

typedef struct submit submit_t;

/* Connect to the socket at path (sock_connect_unix: the server must be
 * master's) and read the greeting.  NULL with errno when the connection
 * cannot be made (ENOENT, ECONNREFUSED: nothing listens); otherwise the
 * greeting's code is submit_code(). */
submit_t *submit_open(const char *path, int timeout);
/* EHLO; notes whether 8BITMIME and SMTPUTF8 are offered.  The code. */
int submit_ehlo(submit_t *s, const char *helo);
/* MAIL FROM:<sender> ("" the null sender), with BODY=8BITMIME when
 * offered and SMTPUTF8 when utf8 is set and offered.  The code. */
int submit_mail(submit_t *s, const char *sender, int utf8);
/* A command line (CRLF added) and its reply's code. */
int submit_command(submit_t *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The last reply: code (or SUBMIT_*), and its text with the lines joined
 * by "; " (or what went wrong, for a negative code). */
int submit_code(const submit_t *s);
const char *submit_text(const submit_t *s);
/* After a 354: message content in pieces of any size.  LF and CRLF line
 * ends become CRLF (a bare CR is content), and a dot that starts a line
 * is doubled. */
void submit_content(submit_t *s, const void *data, size_t len);
/* Whether the connection is lost (content writes failed). */
int submit_broken(const submit_t *s);
/* End the content (a last line without LF is ended) with "." and read
 * the reply.  The code. */
int submit_content_end(submit_t *s);
/* QUIT (its reply read, and ignored) and close; sets *sp to NULL. */
void submit_close(submit_t **sp);
/* Does the string hold an octet >= 0x80 (an address that needs
 * SMTPUTF8)? */
int submit_is_utf8(const char *str);

#endif

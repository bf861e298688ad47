/* smtp_reply.h - the SMTP client's reply parser, without I/O.
 *
 * smtp-out reads what the server sends and feeds it here in whatever
 * pieces the stream gives; out come complete replies: the reply code,
 * the enhanced status code when there is one, and the text lines.  With
 * PIPELINING several replies arrive in one read, so the parser uses only
 * the octets of one reply and says how many; the rest is the next reply.
 *
 * RFC 5321 §4.2 (Reply-line, §4.2.1 multi-line replies), §4.5.3.1.5 (a
 * reply line is 512 octets with its CRLF; the caller may allow more, as
 * §4.5.3.1 asks implementations to be liberal); RFC 2034 §4 and RFC 3463
 * §2 (enhanced status codes).
 *
 * What is malformed (the caller cannot trust the session any more and
 * should close it; smtp-out defers with 4.4.0, RFC 3463 §3.5):
 *   - a line that does not start with a Reply-code whose first digit is
 *     2-5 followed by "-", " " or the line end (§4.2: a bare code is
 *     acceptable);
 *   - a line of a multi-line reply whose code differs from the first's
 *     (§4.2.1: the same code on every line);
 *   - a NUL, or a CR anywhere but before the LF, in a line;
 *   - a line longer than line_max octets (CRLF counted), or a reply of
 *     more than lines_max lines.
 * A line may end in LF alone: being lenient there changes nothing a
 * reply can say.
 *
 * Enhanced status codes (class.subject.detail, class 2, 4 or 5, subject
 * and detail 1 to 3 digits, followed by a space or the line end) are
 * recognised only when the caller says the server announced
 * ENHANCEDSTATUSCODES (smtp_reply_set_enhanced() after EHLO; RFC 2034
 * §3 (4) has none in the greeting and the EHLO reply, so the caller
 * turns it off again before a second EHLO, after STARTTLS), only in
 * 2xx, 4xx and 5xx replies, and only when the class agrees with the
 * reply code's first digit (RFC 2034 §4).  The code of the first line is
 * the reply's; where a line starts with one, it and its spaces are taken
 * off that line's text.  A reply without one has enhanced[0] == '\0', and
 * the caller makes up a code from the reply code (RFC 3463 §3.1, §3.5).
 */
#ifndef TERN_SMTP_REPLY_H
#define TERN_SMTP_REPLY_H

#include <stddef.h>

#include "buf.h"

/* Defaults for smtp_reply_init(): a line as long as RFC 5321 allows
 * four times over, and lines enough for any EHLO reply seen in use. */
#define SMTP_REPLY_LINE_MAX	2048
#define SMTP_REPLY_LINES_MAX	100

/* "class.subject.detail": at most 1 + 1 + 3 + 1 + 3 octets. */
#define SMTP_REPLY_ENHANCED_MAX	9

enum smtp_reply_status {
	SMTP_REPLY_MORE,	/* the reply is not complete yet */
	SMTP_REPLY_DONE,	/* a complete reply is in the structure */
	SMTP_REPLY_BAD,		/* malformed, see above; the error says how */
};

typedef struct smtp_reply {
	/* the result, valid once DONE */
	int code;				/* e.g. 250 */
	char enhanced[SMTP_REPLY_ENHANCED_MAX + 1];	/* "2.1.5" or "" */
	buf_t text;		/* the lines' text, each followed by '\n' */
	size_t nlines;
	const char *error;	/* when BAD: a static description */
	/* settings */
	int enhanced_on;
	size_t line_max, lines_max;
	/* state */
	enum smtp_reply_status status;
	buf_t line;		/* the line being read */
	size_t *offs;		/* where each line starts in text */
	size_t offs_size;
} smtp_reply_t;

/* line_max, lines_max: 0 for the defaults above. */
void smtp_reply_init(smtp_reply_t *r, size_t line_max, size_t lines_max);
void smtp_reply_release(smtp_reply_t *r);
/* Recognise enhanced status codes from the next reply on. */
void smtp_reply_set_enhanced(smtp_reply_t *r, int on);
/*
 * Feed in[0..len); returns the octets used.  *status_r is MORE when all of
 * them were used and the reply goes on, DONE when a reply ended (the
 * octets after it were not used), BAD when it is malformed (the parser
 * stays BAD: the session is lost).  Feeding a DONE reply starts the next
 * one, so the caller handles a reply before it feeds again.
 */
size_t smtp_reply_feed(smtp_reply_t *r, const char *in, size_t len,
		       enum smtp_reply_status *status_r);
/* Line i (0 <= i < nlines) of a DONE reply, without its line end. */
const char *smtp_reply_line(const smtp_reply_t *r, size_t i, size_t *len_r);
/* The status code for queue records and bounces: the enhanced code, or
 * without one "X.0.0" from the reply code's class (RFC 3463 §3.1: the
 * class alone says success, persistent or permanent failure; 3xx, which
 * has no class of its own there, is counted as success). */
const char *smtp_reply_dsn(const smtp_reply_t *r);
/* The reply in one line for logs and queue records: "code enhanced text"
 * with the lines' text joined by spaces; appended to out. */
void smtp_reply_summary(const smtp_reply_t *r, buf_t *out);

#endif

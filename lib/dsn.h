/* dsn.h - delivery status notifications: RFC 3464 reports in an
 * RFC 6522 multipart/report, as the mail system sends them to a message's
 * sender, and plain notices from the mail system.
 *
 * Composing is pure (text in, message out), so the unit tests check the
 * exact structure.  qmgr (qmgr_notify.c) reads the original from its
 * queue file, composes and queues the result as a new message with the
 * null sender; so do its notices to postmaster.  pickup (pickup_bounce.c)
 * composes the report on a maildrop message that smtpd refused after
 * sendmail had already said it was kept, and submits it with the null
 * sender through smtpd's submit service.
 */
#ifndef TERN_DSN_H
#define TERN_DSN_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

enum dsn_action {
	DSN_FAILED,	/* a bounce: the recipients will not get it */
	DSN_DELAYED,	/* a delay warning: still being tried */
	DSN_DELIVERED,	/* a success notice (RFC 3461 NOTIFY=SUCCESS) */
	DSN_RELAYED,	/* the same for a message handed to a server that
			 * sends no notices (RFC 3461 §6.2.2, §6.3 "relayed") */
};

typedef struct dsn_rcpt {
	const char *final;	/* Final-Recipient address */
	const char *orcpt;	/* RFC 3461 ORCPT "type;address", or NULL */
	const char *orig;	/* address before aliases, when different */
	const char *status;	/* X.Y.Z */
	const char *text;	/* why */
} dsn_rcpt_t;

typedef struct dsn {
	enum dsn_action action;
	const char *id;			/* queue id of the original, or NULL
					 * (a message that never had one) */
	const char *bounce_id;		/* queue id of the report */
	const char *sender;		/* who gets the report */
	const char *envid;		/* RFC 3461 ENVID, or NULL */
	const char *hostname;		/* Reporting-MTA */
	time_t arrival, now, retry_until;
	const dsn_rcpt_t *rcpts;
	size_t nrcpts;
	const char *orig;		/* the original message (LF ends) */
	size_t orig_len;
	int headers_only;		/* return only orig's header (always
					 * for DELIVERED and RELAYED: RFC
					 * 3461 §4.3) */
	int smtputf8;			/* the original came with SMTPUTF8 */
} dsn_t;

/* The report takes RFC 6533's internationalized form (UTF-8 addresses,
 * message/global-delivery-status): SMTPUTF8 mail, or a non-ASCII
 * address to report.  Its parts are then 7-bit encoded. */
int dsn_global(const dsn_t *d);
/* The report must travel with SMTPUTF8: its header names a non-ASCII
 * address (the sender it goes to). */
int dsn_needs_smtputf8(const dsn_t *d);

/* The whole report message, LF line ends, appended to out. */
void dsn_compose(const dsn_t *d, buf_t *out);

/* A plain-text notice from the mail system (to postmaster): header and
 * body, LF line ends, appended to out.  notice_id is its own queue id. */
void dsn_notice(const char *hostname, const char *notice_id,
			const char *to, const char *subject, time_t now,
			const char *body, buf_t *out);

#endif

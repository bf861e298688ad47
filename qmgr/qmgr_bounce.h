/* qmgr_bounce.h - delivery status notifications: RFC 3464 reports in an
 * RFC 6522 multipart/report, as qmgr sends them to a message's sender.
 *
 * Composing is pure (text in, message out), so the unit tests check the
 * exact structure; qmgr_notify.c reads the original message, composes and
 * queues the result as a new message with the null sender.  The same
 * goes for the plain notices qmgr sends to postmaster.
 */
#ifndef TERN_QMGR_BOUNCE_H
#define TERN_QMGR_BOUNCE_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

enum qmgr_dsn_action {
	QMGR_DSN_FAILED,	/* a bounce: the recipients will not get it */
	QMGR_DSN_DELAYED,	/* a delay warning: still being tried */
	QMGR_DSN_DELIVERED,	/* a success notice (RFC 3461 NOTIFY=SUCCESS) */
};

typedef struct qmgr_dsn_rcpt {
	const char *final;	/* Final-Recipient address */
	const char *orcpt;	/* RFC 3461 ORCPT "type;address", or NULL */
	const char *orig;	/* address before aliases, when different */
	const char *status;	/* X.Y.Z */
	const char *text;	/* why */
} qmgr_dsn_rcpt_t;

typedef struct qmgr_dsn {
	enum qmgr_dsn_action action;
	const char *id;			/* queue id of the original */
	const char *bounce_id;		/* queue id of the report */
	const char *sender;		/* who gets the report */
	const char *envid;		/* RFC 3461 ENVID, or NULL */
	const char *hostname;		/* Reporting-MTA */
	time_t arrival, now, retry_until;
	const qmgr_dsn_rcpt_t *rcpts;
	size_t nrcpts;
	const char *orig;		/* the original message (LF ends) */
	size_t orig_len;
	int headers_only;		/* return only orig's header (always
					 * for DELIVERED: RFC 3461 §4.3) */
} qmgr_dsn_t;

/* The whole report message, LF line ends, appended to out. */
void qmgr_bounce_compose(const qmgr_dsn_t *d, buf_t *out);

/* A plain-text notice from the mail system (to postmaster): header and
 * body, LF line ends, appended to out.  notice_id is its own queue id. */
void qmgr_bounce_notice(const char *hostname, const char *notice_id,
			const char *to, const char *subject, time_t now,
			const char *body, buf_t *out);

#endif

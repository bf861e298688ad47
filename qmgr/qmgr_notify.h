/* qmgr_notify.h - queueing a delivery status notification for a message,
 * and notices to postmaster. */
#ifndef TERN_QMGR_NOTIFY_H
#define TERN_QMGR_NOTIFY_H

#include <stddef.h>

#include "qmgr.h"
#include "dsn.h"

/* Compose the report about msg's recipients idx[0..n) and commit it to
 * incoming/ as a new message from the null sender to msg's sender.
 * 0 when it is safely queued; -1 (logged) otherwise. */
int qmgr_notify_send(qmgr_msg_t *msg, enum dsn_action action,
		     const size_t *idx, size_t n);

/* msg is a report from the null sender that could not be delivered:
 * the same report about it to postmaster (at myorigin), marked
 * notice=double-bounce so that its own failure goes nowhere. */
int qmgr_notify_double_bounce(qmgr_msg_t *msg, const size_t *idx, size_t n);

/* Queue a plain notice about the message `about` to postmaster (at
 * myorigin, so aliases take it on).  0 when it is safely queued; -1
 * (logged) otherwise. */
int qmgr_notify_postmaster(const char *about, const char *subject,
			   const char *body);

#endif

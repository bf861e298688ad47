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

/* The report of failures idx[0..n) to postmaster (at myorigin, so aliases
 * take it on) instead of the sender: for a message from the null sender,
 * a bounce that could not be delivered.  0 or -1, as above. */
int qmgr_notify_send_postmaster(qmgr_msg_t *msg, const size_t *idx, size_t n);

/* Was msg itself sent to postmaster by qmgr (a notice or a report)? */
int qmgr_notify_is_postmaster(const qmgr_msg_t *msg);

/* Queue a plain notice about the message `about` to postmaster (at
 * myorigin, so aliases take it on).  0 when it is safely queued; -1
 * (logged) otherwise. */
int qmgr_notify_postmaster(const char *about, const char *subject,
			   const char *body);

#endif

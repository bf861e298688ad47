/* deliver_proto.h - how qmgr hands recipients to a delivery agent.
 *
 * qmgr connects to private/local or private/smtp-out, sends
 * attr_hello (DELIVER_PROTO, DELIVER_VERSION), then requests, one at a
 * time: each goes out with attr_send_fd(), passing a read-only descriptor
 * of the queue file (architecture §2: the agent never needs access to the
 * queue), and the next is sent only after its answer has come back:
 *
 *   id=QUEUEID  sender=ADDR (empty for <>)  offset=N  length=N
 *   arrival=EPOCH  [envid=E]  [ret=FULL|HDRS]  [body=7BIT|8BITMIME]
 *   rcpt=ADDR rcpt_index=N [rcpt_orig=ADDR] ...   (parallel lists)
 *
 * rcpt is the address to deliver to after alias expansion; rcpt_orig the
 * address the message was sent to (for Delivered-To and DSN); offset and
 * length locate the message content in the descriptor.
 *
 * To smtp-out, instead of rcpt_orig, and with the nexthop:
 *   nexthop=DEST  [smtputf8=yes]
 *   rcpt=ADDR rcpt_index=N rcpt_orcpt=TYPE;ADDR rcpt_notify=LIST ...
 * DEST is the destination as routed (transport(5): "example.com" by MX,
 * "host:port", "[host]:port" without MX); rcpt_orcpt and rcpt_notify are
 * RFC 3461's parameters, decoded, or empty; they go to a server that
 * offers DSN.
 *
 * The agent answers with one record:
 *   status=ok
 *   rcpt_index=N dsn=X.Y.Z text=TEXT ...          (parallel lists, one per
 *                                                  recipient, in any order)
 * smtp-out adds unreachable=yes when no server of the destination could
 * be reached at all (qmgr then marks the destination dead for a while),
 * and a fourth list, dsn_relay=passed|relayed|none per recipient: a
 * delivered recipient went to a server that offers DSN and got its
 * NOTIFY (it reports success, if asked, from there on), or to one that
 * sends no notices (RFC 3461 §6.2.2: tern's success notice says
 * "relayed").
 * dsn's class says what happened: 2 delivered, 4 try again, 5 failed.  A
 * recipient missing from the reply, a broken connection or a timeout is a
 * temporary failure for every unanswered recipient.
 *
 * The connection is kept for further requests.  Either side may close it
 * between requests: qmgr when it has been idle for half of ipc_timeout,
 * the agent after ipc_timeout without a request, after max_use requests,
 * or when it stops.  Since qmgr sends nothing while a request is open, an
 * agent that sees its connection readable mid-request knows qmgr has
 * gone.  A request that meets a connection the agent has already closed
 * (the send fails, or the agent's close resets it with the request
 * unread) never reached the agent, and qmgr sends it again on a new one.
 */
#ifndef TERN_DELIVER_PROTO_H
#define TERN_DELIVER_PROTO_H

#include "attr.h"

#define DELIVER_PROTO "deliver"
#define DELIVER_VERSION 1
#define DELIVER_LOCAL_SOCKET "private/local"
#define DELIVER_SMTP_SOCKET "private/smtp-out"
/* Recipients in one request: three attributes each (four to smtp-out),
 * beside the ten of the message, within one IPC record (attr.h
 * ATTR_MAX_COUNT). */
#define DELIVER_MAX_RCPTS ((ATTR_MAX_COUNT - 10) / 3)
#define DELIVER_SMTP_MAX_RCPTS ((ATTR_MAX_COUNT - 10) / 4)

/*
 * qmgr's own socket, private/qmgr: after the hello, requests answered
 * with status=ok, one at a time; a client may keep the connection for
 * more (smtpd keeps it across messages), and qmgr closes one that has
 * been silent for ipc_timeout:
 *   request=wakeup [id=QUEUEID]   a new file is in incoming/ (smtpd); with
 *                                 the id, qmgr takes that file at once
 *   request=flush [domain=D]      retry every deferred message now, or
 *                                 those with a recipient in D (mailctl)
 */
#define QMGR_PROTO "qmgr"
#define QMGR_VERSION 1
#define QMGR_SOCKET "private/qmgr"

#endif

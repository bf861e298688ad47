/* dkim_proto.h - how smtpd asks the dkim-sign service for DKIM signatures
 * (dkim-sign(8), architecture §2).
 *
 * smtpd connects to private/dkim-sign (only mail_owner may: the server
 * checks SO_PEERCRED, and smtpd checks that master made the socket,
 * lib/sock.h), exchanges the hello of attr.h (DKIM_PROTO, DKIM_VERSION)
 * and sends one request per message, after the content and before the
 * commit:
 *
 *   request=sign  id=QUEUEID  domain=DOMAIN  bh=BASE64
 *   field=RELAXED ...                (1..DKIM_MAX_FIELDS, in h= order)
 *
 * DOMAIN is the From field's (dkim_msg_from_domain, lower case), bh the
 * SHA-256 of the relaxed body, each field a relaxed header field with its
 * CRLF, bottom-up (dkim_msg.h); one of them must be the From field, and
 * its address must be in DOMAIN.  The answer:
 *
 *   status=ok  signature=FIELD ...   one DKIM-Signature field per key of
 *                                    the domain, stored form (LF ends)
 *   status=nokey                     the domain has no key: sent unsigned
 *   status=error  reason=TEXT        a request the service refuses
 *
 * The private keys never leave the service, which runs as dkim_owner and
 * is the only reader of dkim_key_directory.  A failure of any kind never
 * refuses mail: smtpd logs it and queues the message unsigned.
 */
#ifndef TERN_DKIM_PROTO_H
#define TERN_DKIM_PROTO_H

#define DKIM_PROTO "dkim-sign"
#define DKIM_VERSION 1
#define DKIM_SIGN_SOCKET "private/dkim-sign"
/* Fields in one request, and octets of one relaxed field. */
#define DKIM_MAX_FIELDS 64
#define DKIM_MAX_FIELD (16 * 1024)

#endif

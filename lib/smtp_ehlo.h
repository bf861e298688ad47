/* smtp_ehlo.h - the server's EHLO reply as a typed capability set,
 * without I/O.
 *
 * smtp-out parses the EHLO reply with smtp_reply.h and hands it here; it
 * gets back which service extensions the server offers, the SIZE limit
 * and the AUTH mechanisms, and decides from them what it may send.
 *
 * RFC 5321 §4.1.1.1 (ehlo-ok-rsp: the first line is the server's name,
 * every further line an ehlo-line = ehlo-keyword *(SP ehlo-param)),
 * §2.2.2 (keywords are case-insensitive), §4.1.1.1 (a client ignores
 * keywords it does not know); the keywords of RFC 1870 §4 (SIZE, with an
 * optional limit, 0 = none), RFC 2920 (PIPELINING), RFC 6152 (8BITMIME),
 * RFC 6531 §3.3 (SMTPUTF8), RFC 3461 §4 (DSN), RFC 3030 §2 (CHUNKING),
 * RFC 3207 §4 (STARTTLS), RFC 2034 §3 (ENHANCEDSTATUSCODES) and RFC 4954
 * §3 (AUTH with its SASL mechanisms).
 *
 * Leniency, where servers in use differ from the grammar: several blanks
 * between parameters count as one; the old "AUTH=PLAIN LOGIN" line (a
 * form some servers still send for old clients) adds mechanisms like
 * "AUTH PLAIN LOGIN"; a SIZE whose parameter is not a number is taken as
 * SIZE without a known limit (the server still checks the size itself),
 * and a limit too large for the type is saturated.  A keyword given twice
 * is the union of both; for SIZE the later limit counts.
 */
#ifndef TERN_SMTP_EHLO_H
#define TERN_SMTP_EHLO_H

#include <stddef.h>

#include "smtp_reply.h"

#define SMTP_EXT_SIZE			0x001
#define SMTP_EXT_PIPELINING		0x002
#define SMTP_EXT_8BITMIME		0x004
#define SMTP_EXT_SMTPUTF8		0x008
#define SMTP_EXT_DSN			0x010
#define SMTP_EXT_CHUNKING		0x020
#define SMTP_EXT_STARTTLS		0x040
#define SMTP_EXT_ENHANCEDSTATUSCODES	0x080
#define SMTP_EXT_AUTH			0x100

/* SASL mechanisms by name (RFC 4954 §3: sasl-mech, case-insensitive);
 * others are counted in SMTP_AUTH_OTHER, since smtp-out speaks only PLAIN
 * and LOGIN. */
#define SMTP_AUTH_PLAIN		0x01
#define SMTP_AUTH_LOGIN		0x02
#define SMTP_AUTH_CRAM_MD5	0x04
#define SMTP_AUTH_SCRAM_SHA_1	0x08
#define SMTP_AUTH_SCRAM_SHA_256	0x10
#define SMTP_AUTH_OTHER		0x20

typedef struct smtp_ehlo {
	unsigned ext;			/* SMTP_EXT_* */
	unsigned long long size_max;	/* SIZE limit; 0: none known */
	unsigned auth;			/* SMTP_AUTH_* */
} smtp_ehlo_t;

void smtp_ehlo_init(smtp_ehlo_t *e);
/* Add one ehlo-line (no reply code, no line end). */
void smtp_ehlo_line(smtp_ehlo_t *e, const char *s, size_t len);
/* The whole set from a complete 250 reply to EHLO: every line but the
 * first (the server's name and greeting).  e is cleared first. */
void smtp_ehlo_parse(smtp_ehlo_t *e, const smtp_reply_t *r);

#endif

/* sasl.h - the SASL messages tern's servers decode themselves.
 *
 * PLAIN (RFC 4616 §2) and the LOGIN fields are parsed here once, for
 * smtpd, the POP3 login role and (next) IMAP, so every protocol refuses the
 * same malformed input.  Verification is auth's job; this only splits.
 */
#ifndef TERN_SASL_H
#define TERN_SASL_H

#include <stddef.h>

/* RFC 4616 §2: each field of a PLAIN message is at most 255 octets. */
#define SASL_FIELD_MAX 255

typedef struct sasl_plain {
	const char *authzid;	/* points into the message; may be empty */
	size_t authzid_len;
	const char *authcid;
	size_t authcid_len;
	const char *passwd;
	size_t passwd_len;
} sasl_plain_t;

/* "[authzid] NUL authcid NUL passwd": 0 with *out pointing into msg, or -1
 * when a NUL is missing or extra, authcid or passwd is empty, or a field is
 * longer than SASL_FIELD_MAX. */
int sasl_plain_parse(const char *msg, size_t len, sasl_plain_t *out);
/* A LOGIN field (user name or password): 1 to SASL_FIELD_MAX octets, no
 * NUL.  0 or -1. */
int sasl_login_field_check(const char *field, size_t len);

#endif

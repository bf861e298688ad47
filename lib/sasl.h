/* sasl.h - the server side of a SASL exchange (RFC 4422), for every
 * protocol tern speaks.
 *
 * The protocol frames the exchange: it parses its own command (SMTP AUTH,
 * POP3 AUTH, IMAP AUTHENTICATE), sends each challenge this module gives it
 * with its own prefix ("334 " in SMTP, RFC 4954 §4; "+ " in POP3, RFC 5034
 * §4, and IMAP), reads the client's next line with its own line limit and
 * feeds it here.  The exchange does the rest once for all of them: the
 * initial response ("=" for an empty one), continuation lines, "*" to
 * cancel, base64 errors, the mechanism's message format, and wiping every
 * decoded copy of the credentials when it is freed.
 *
 * The same calls serve blocking code (smtpd: loop on read line, feed) and
 * event-driven code (the POP3 login process: feed a line when one
 * arrives); the exchange never does I/O.  Mechanisms come from a table
 * (sasl.c): PLAIN (RFC 4616) and LOGIN now; a mechanism that needs the
 * auth server between steps (SCRAM-SHA-256) joins it with a step function
 * of its own.  Verification is auth's job: a finished exchange yields the
 * credentials for auth_client's verify request.
 */
#ifndef TERN_SASL_H
#define TERN_SASL_H

#include <stddef.h>

#include "buf.h"

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

/* ---- the exchange ------------------------------------------------------- */

typedef struct sasl_mech sasl_mech_t;
typedef struct sasl_server sasl_server_t;

enum sasl_result {
	SASL_CONTINUE = 0,	/* send the challenge (base64, may be empty),
				 * then feed the client's next line */
	SASL_DONE,		/* the credentials are complete */
	SASL_CANCELLED,		/* the client sent "*" */
	SASL_BAD_BASE64,	/* the response was not base64 */
	SASL_MALFORMED,		/* not a valid message of the mechanism */
};

/* The mechanism of that name (any case), or NULL: the protocol answers
 * "unsupported mechanism". */
const sasl_mech_t *sasl_mech_find(const char *name);
const char *sasl_mech_name(const sasl_mech_t *m);	/* upper case */
/* Whether the mechanism sends the password in the clear, so that
 * auth_plaintext decides where it may be used (architecture §7). */
int sasl_mech_plaintext(const sasl_mech_t *m);
/* Append the names of the mechanisms usable now, separated by sep (EHLO
 * and CAPA lists): every one when plaintext_ok, else those that are not
 * plaintext. */
void sasl_mech_list(buf_t *out, const char *sep, int plaintext_ok);

sasl_server_t *sasl_server_new(const sasl_mech_t *mech);
/* Start: initial is the initial response of the command (NULL when there
 * is none; "=" is an empty one).  The result says what to do next;
 * challenge_r (reset first) holds the challenge for SASL_CONTINUE. */
int sasl_server_start(sasl_server_t *x, const char *initial, buf_t *challenge_r);
/* Feed the client's line after a challenge (CRLF removed). */
int sasl_server_feed(sasl_server_t *x, const char *line, size_t len,
		     buf_t *challenge_r);
/* After SASL_DONE: the credentials, NUL-free strings owned by x (authzid
 * "" when none was given). */
const char *sasl_server_authcid(const sasl_server_t *x);
const char *sasl_server_passwd(const sasl_server_t *x);
const char *sasl_server_authzid(const sasl_server_t *x);
const sasl_mech_t *sasl_server_mech(const sasl_server_t *x);
/* Wipe every decoded credential and free; sets *xp to NULL. */
void sasl_server_free(sasl_server_t **xp);

#endif

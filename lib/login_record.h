/* login_record.h - the hand-off record of login.h, without I/O.
 *
 * The login process encodes the record (login_handoff) and the session
 * process checks it (login_session_accept); the record travels as an attr
 * record with the client's descriptor.  Encoding and checking are kept
 * here, apart from the sockets, so that the session's checks of what an
 * unprivileged process sent are unit-tested (tests/unit/test_login.c) and
 * fuzzed (tests/fuzz/fuzz_login_record.c) on their own.
 */
#ifndef TERN_LOGIN_RECORD_H
#define TERN_LOGIN_RECORD_H

#include <stddef.h>

#include "attr.h"

#define LOGIN_PROTO "login-session"
#define LOGIN_VERSION 1

/* Longest pipelined input carried over; POP3/IMAP logins leave little. */
#define LOGIN_INPUT_MAX		(64 * 1024)
/* Longest value of the short fields (service, address, TLS names, the
 * greeting tag). */
#define LOGIN_FIELD_MAX		256
/* Longest capability list sent with the tagged OK. */
#define LOGIN_CAPABILITIES_MAX	1024

/* The fields of one record.  After login_record_parse() the strings point
 * into the attr record it was given and live as long as it does. */
typedef struct login_record {
	const char *token;
	const char *service;
	const char *client;		/* numeric address */
	long port;
	int secured;
	int anvil;			/* counted by anvil until the hand-off */
	const char *tls_version;	/* both NULL without TLS */
	const char *tls_cipher;
	const char *input;		/* pipelined input, NULL when none */
	size_t input_len;
	const char *greeting_tag;	/* IMAP: the login command's tag */
	const char *capabilities;	/* IMAP: words for its tagged OK; only
					 * with a greeting_tag */
} login_record_t;

/* Append the record's attributes (proto and version first) to rec. */
void login_record_encode(const login_record_t *r, attr_t *rec);
/* Check a received record and fill r.  0, or -1 with *err_r (static
 * text) naming what is wrong: another protocol or version, a field that
 * is missing, repeated, empty, too long or holds a NUL or a control
 * character, a bad port or flag, TLS facts without both names, too much
 * or repeated input, a greeting tag that is not an IMAP tag (RFC 3501
 * §9: ASTRING-CHAR but "+"), capabilities without a tag or not words of
 * printable ASCII separated by single spaces. */
int login_record_parse(const attr_t *rec, login_record_t *r, const char **err_r);

#endif

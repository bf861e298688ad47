/* smtp_parse.h - SMTP command lines and their arguments, without I/O.
 *
 * smtpd reads a line and hands it here: the line is split into the
 * command word and its argument (RFC 5321 §4.1.1), and the arguments of
 * MAIL, RCPT and BDAT are parsed with their ESMTP parameters: SIZE (RFC
 * 1870), BODY (RFC 6152), SMTPUTF8 (RFC 6531), RET, ENVID, NOTIFY, ORCPT
 * (RFC 3461) and AUTH (RFC 4954 §5).  Being free of I/O, the same code is
 * unit-tested line by line and fuzzed (tests/fuzz/fuzz_smtpd_cmd.c).
 *
 * Errors come back as a complete SMTP reply ("501 5.5.4 ...") from static
 * storage, with the enhanced status code of RFC 3463 that smtpd sends.
 */
#ifndef TERN_SMTP_PARSE_H
#define TERN_SMTP_PARSE_H

#include <stddef.h>

#include "addr.h"
#include "buf.h"

/* Command line limits with their CRLF (RFC 5321 §4.5.3.1.4) and what each
 * extension adds to MAIL and RCPT: SIZE 26 (RFC 1870 §4), SMTPUTF8 10
 * (RFC 6531 §3.1), BODY=8BITMIME 14 (RFC 6152), RET and ENVID 112 (RFC
 * 3461 §4.3, §4.4: ENVID up to 100), AUTH= 500 (RFC 4954 §5); NOTIFY 30
 * and ORCPT 500 (RFC 3461 §4.1, §4.2). */
#define SMTP_LINE_MAX		512
#define SMTP_MAIL_LINE_MAX	(512 + 26 + 10 + 14 + 112 + 500)
#define SMTP_RCPT_LINE_MAX	(512 + 30 + 500)
#define SMTP_ENVID_MAX		100
#define SMTP_ORCPT_MAX		500

typedef struct smtp_cmd {
	buf_t verb;		/* the command word in upper case */
	buf_t args;		/* the rest, without leading/trailing blanks */
} smtp_cmd_t;

enum smtp_body { SMTP_BODY_NONE, SMTP_BODY_7BIT, SMTP_BODY_8BITMIME };
enum smtp_ret { SMTP_RET_NONE, SMTP_RET_FULL, SMTP_RET_HDRS };

typedef struct smtp_mail {
	buf_t addr;		/* canonical reverse-path, "" for <> */
	addr_info_t info;
	int has_size;
	unsigned long long size;	/* SIZE=, saturated on overflow */
	enum smtp_body body;
	int smtputf8;
	enum smtp_ret ret;
	int has_envid;
	buf_t envid;		/* decoded xtext */
	int has_auth;
	buf_t auth;		/* AUTH= mailbox, decoded, "<>" for unknown */
} smtp_mail_t;

#define SMTP_NOTIFY_NEVER	1
#define SMTP_NOTIFY_SUCCESS	2
#define SMTP_NOTIFY_FAILURE	4
#define SMTP_NOTIFY_DELAY	8

typedef struct smtp_rcpt {
	buf_t addr;		/* canonical forward-path */
	addr_info_t info;
	int notify;		/* SMTP_NOTIFY_* mask, 0 when absent */
	int has_orcpt;
	buf_t orcpt;		/* "addr-type;decoded address" */
} smtp_rcpt_t;

void smtp_cmd_init(smtp_cmd_t *c);
void smtp_cmd_release(smtp_cmd_t *c);
/*
 * Split one command line (with or without its CRLF/LF) into verb and
 * arguments.  NULL on success, else the reply for a line that cannot be a
 * command (control characters or NUL, no command word).
 */
const char *smtp_cmd_parse(const char *line, size_t len, smtp_cmd_t *c);

void smtp_mail_init(smtp_mail_t *m);
void smtp_mail_release(smtp_mail_t *m);
/* The argument of MAIL: "FROM:<path> [param...]".  A non-ASCII address
 * without SMTPUTF8 is refused (RFC 6531 §3.4).  NULL or a reply. */
const char *smtp_parse_mail(const char *args, smtp_mail_t *m);

void smtp_rcpt_init(smtp_rcpt_t *r);
void smtp_rcpt_release(smtp_rcpt_t *r);
/* The argument of RCPT: "TO:<path> [param...]"; utf8: the transaction
 * has SMTPUTF8.  NULL or a reply. */
const char *smtp_parse_rcpt(const char *args, int utf8, smtp_rcpt_t *r);

/* The argument of BDAT: "chunk-size [LAST]" (RFC 3030 §2).  NULL or a
 * reply. */
const char *smtp_parse_bdat(const char *args, unsigned long long *size_r,
			    int *last_r);

/* Decode xtext (RFC 3461 §4) into out (reset first): 0 or -1. */
int smtp_xtext_decode(const char *s, size_t len, buf_t *out);
/* Encode s[0..len) as xtext, appended to out (an SMTP client passing
 * ENVID and ORCPT on). */
void smtp_xtext_encode(const char *s, size_t len, buf_t *out);
/* The NOTIFY mask as its keyword list ("SUCCESS,DELAY"), into out. */
void smtp_notify_format(int notify, buf_t *out);

#endif

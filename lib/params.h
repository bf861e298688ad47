/* params.h - C names for the words of the enumerated parameters of params.c.
 *
 * config_enum() returns the index of a PARAM_ENUM value among its words;
 * each enum here lists the words of one parameter in the table's order, so
 * a program compares with names rather than strings, and a word is parsed
 * in one place (config.c) for every program.
 */
#ifndef TERN_PARAMS_H
#define TERN_PARAMS_H

/* auth_plaintext (architecture §7): where a plaintext password (USER/PASS,
 * APOP, AUTH PLAIN/LOGIN) may be sent. */
enum auth_plaintext {
	AUTH_PLAINTEXT_NEVER,		/* only over TLS */
	AUTH_PLAINTEXT_LOOPBACK,	/* over TLS, or from a loopback address */
	AUTH_PLAINTEXT_ALWAYS,
};

/* May a plaintext password be used on a connection that is under TLS
 * (tls) or comes from a loopback address (loopback)?  The one rule every
 * protocol applies, before and after login alike. */
int auth_plaintext_allowed(enum auth_plaintext mode, int tls, int loopback);

/* smtp_tls_security_level (smtp-out(8)). */
enum smtp_tls_level {
	SMTP_TLS_NONE,
	SMTP_TLS_MAY,
	SMTP_TLS_ENCRYPT,
	SMTP_TLS_VERIFY,
};

#endif

/* imapd.h - what the two IMAP programs share (the .c files of imapd/).
 *
 * Two programs, built from this folder and one subfolder each (imapd.c
 * says why they are two, as pop3d.c does for POP3):
 *
 *   imapd          login/: the not-authenticated state (RFC 3501 §6.1,
 *                  §6.2) as login_user, chrooted to an empty directory:
 *                  CAPABILITY, NOOP, LOGOUT, ID, STARTTLS, LOGIN and
 *                  AUTHENTICATE (PLAIN, LOGIN, SASL-IR).  On success it
 *                  hands the client to the session service (lib/login.h)
 *                  with the tag of the login command.
 *   imapd-session  session/: the authenticated and selected states
 *                  (RFC 3501 §6.3, §6.4) as the mailbox owner, on
 *                  private/imap-session; it answers the login command's
 *                  tag itself, with the post-login capabilities.
 *
 * Shared here: the configuration both read, the capability list (one
 * function for both states, so that what the login role promises is what
 * the session does) and the status line writers.
 */
#ifndef TERN_IMAPD_H
#define TERN_IMAPD_H

#include <stddef.h>

#include "buf.h"
#include "daemon.h"
#include "stream.h"

/* Bad commands (unknown, wrong state, bad syntax) after which either
 * program closes the connection with BYE. */
#define IMAPD_BAD_COMMANDS_MAX	20

/* The read functions' answer when the daemon was asked to stop while the
 * client was idle: the caller says BYE and ends. */
#define IMAPD_SHUTDOWN		(-100)

enum imapd_role { IMAPD_ROLE_LOGIN, IMAPD_ROLE_SESSION };

/* What both programs read from main.conf, once, in imapd_post_drop()
 * (paths as seen after the drop); no request reads the configuration. */
typedef struct imapd_conf {
	enum imapd_role role;
	int idle_timeout;		/* imapd_idle_timeout (RFC 3501 §5.4) */
	int ipc_timeout;
	int auth_timeout;		/* > auth's failure delay */
	char *auth_socket;
	char *myhostname;
	size_t max_line;		/* imapd_max_line_length */
	int literal_minus;		/* imapd_literal_minus: LITERAL- for
					 * LITERAL+ (RFC 7888 §5) */
	long junk_limit;		/* imapd_junk_command_limit, 0: none */
	unsigned long long message_size_limit;	/* APPENDLIMIT */
	long user_session_limit;	/* imapd_user_session_limit, 0: none */
	char *mail_directory;		/* session role only */
} imapd_conf_t;

extern imapd_conf_t imapd_conf;

/* imapd.c: the path of a socket in private/ as this process reaches it
 * (mem-allocated), and the skeleton's steps both programs share. */
char *imapd_socket_path(const char *name);
void imapd_pre_drop(void);
void imapd_post_drop(void);

/* imapd_capa.c: the capability words (no "CAPABILITY" in front) for the
 * not-authenticated state (authenticated 0: STARTTLS when starttls is
 * set, AUTH=PLAIN AUTH=LOGIN SASL-IR or LOGINDISABLED as plaintext_ok
 * says) or after login (authenticated 1: every extension the session
 * implements). */
void imapd_capabilities(buf_t *out, int authenticated, int starttls,
			int plaintext_ok);
/* The parser options (lib/imap_parse.h) matching the list above. */
unsigned imapd_parse_options(void);

/* imapd_reply.c: a status line "TAG OK [CODE] text" (tag NULL: "*"),
 * buffered on s; CR and LF in the text become spaces.  code may be NULL. */
void imapd_status(stream_t *s, const char *tag, const char *status,
		  const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif

/* smtpd.h - the SMTP server's shared types: configuration, session, and
 * the functions the smtpd_*.c files offer each other.
 *
 * smtpd.c loads the configuration (smtpd_conf) before and after the
 * privilege drop; smtpd_session.c owns the session and its command loop;
 * each smtpd_cmd_*.c file handles a group of commands from the table in
 * smtpd_session.c; smtpd_data.c turns DATA and BDAT input into queue file
 * content; smtpd_rcpt.c decides about recipients; smtpd_received.c writes
 * the headers smtpd adds; smtpd_queue.c creates, fills and commits queue
 * files and wakes qmgr.
 */
#ifndef TERN_SMTPD_H
#define TERN_SMTPD_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "anvil_client.h"
#include "auth_client.h"
#include "buf.h"
#include "cidr.h"
#include "dkim_msg.h"
#include "map.h"
#include "params.h"
#include "queue.h"
#include "smtp_parse.h"
#include "stream.h"
#include "tls.h"

/* Everything smtpd reads from main.conf and the -o overrides, once. */
typedef struct smtpd_conf {
	tls_ctx_t *tls;			/* NULL: no STARTTLS, no wrapper mode */
	int tls_wrapper;		/* smtpd_tls_wrappermode */
	int sasl_enable;		/* smtpd_sasl_auth_enable */
	int require_auth;		/* smtpd_require_auth */
	int login_match;		/* smtpd_sender_login_match */
	int add_headers;		/* smtpd_add_missing_headers */
	int local_submit;		/* smtpd_local_submit */
	int auth_header;		/* smtpd_sasl_authenticated_header */
	int expn;			/* smtpd_expn_enable */
	enum auth_plaintext plaintext;	/* auth_plaintext, architecture §7 */
	int timeout;			/* smtpd_timeout, seconds */
	int ipc_timeout;
	long hard_error_limit;
	long rcpt_limit;		/* at most QUEUE_MAX_RCPTS */
	long hop_limit;
	unsigned long long size_limit;	/* message_size_limit, 0: none */
	unsigned long long line_max;	/* smtpd_max_line_length */
	unsigned long long header_hold;	/* header_size_limit */
	unsigned long long minfree;	/* queue_minfree */
	char *banner;
	char *myhostname;
	char *myorigin;
	char *delimiter;		/* recipient_delimiter */
	char **mydestination;
	cidr_list_t *mynetworks;
	map_t **aliases;		/* the open alias_maps databases */
	size_t naliases;
	auth_client_t *auth;
	char *queue_dir;		/* the queue as this process sees it */
	char *qmgr_socket;		/* private/qmgr as this process sees it */
	/* Limits per client address (smtpd_anvil.c). */
	long conn_count_limit;		/* smtpd_client_connection_count_limit */
	long conn_rate_limit;		/* smtpd_client_connection_rate_limit */
	long rate_unit;			/* anvil_rate_time_unit, seconds */
	long junk_limit;		/* smtpd_junk_command_limit */
	cidr_list_t *limit_exceptions;	/* smtpd_client_event_limit_exceptions */
	anvil_client_t *anvil;
} smtpd_conf_t;

extern smtpd_conf_t smtpd_conf;

/* Session states of RFC 5321 §4.1.4, as bits for the command table. */
#define SMTPD_S_INIT	1	/* greeted; no HELO/EHLO yet */
#define SMTPD_S_HELO	2	/* HELO/EHLO seen, no transaction */
#define SMTPD_S_MAIL	4	/* MAIL accepted, no recipient yet */
#define SMTPD_S_RCPT	8	/* at least one RCPT accepted */
#define SMTPD_S_BDAT	16	/* BDAT chunks of this transaction received */
#define SMTPD_S_ANY	31

typedef struct smtpd_rcpt_entry {
	char *addr;		/* as it goes into the envelope */
	char *orcpt;		/* "" when absent */
	char *notify;		/* "" when absent */
} smtpd_rcpt_entry_t;

typedef struct smtpd_msg smtpd_msg_t;

typedef struct smtpd_session {
	stream_t *s;
	const char *service;
	char *addr;			/* numeric client address, or "local" */
	int port;			/* the client's port; 0 for "local" */
	buf_t client;			/* its name in the log (smtpd_session_name) */
	int loopback;
	int local;			/* local submission (smtpd_local_submit) */
	uid_t uid;			/* local submitter: SO_PEERCRED, or XUID */
	uid_t peer_uid;			/* the peer's uid from SO_PEERCRED */
	int pickup;			/* XUID named the submitter (pickup) */
	int state;
	int esmtp;			/* EHLO rather than HELO */
	int rcpt_tried;			/* RCPT commands in this transaction */
	buf_t helo;
	buf_t auth_user;		/* empty until AUTH succeeded */
	long errors;
	int done;			/* leave after this reply */
	buf_t line;			/* the command line being handled */
	smtp_cmd_t cmd;
	const char *last_cmd;		/* for "lost connection after X" */
	long ncmds;
	long junk;			/* junk commands since the last message */
	int anvil_held;			/* anvil counts this connection */

	/* The mail transaction. */
	smtp_mail_t mail;
	smtpd_rcpt_entry_t *rcpts;
	size_t nrcpts, rcpts_alloc;
	size_t rcpt_bytes;		/* their share of the queue file envelope */
	smtpd_msg_t *msg;		/* a BDAT transaction in progress */
} smtpd_session_t;

/* smtpd_session.c */
void smtpd_session_run(stream_t *s, const char *service, const char *addr,
		       int port, int local, uid_t uid);
/* Sets sess->client: "[ADDR]:PORT" as every server names a client
 * (lib/login_log.h); local submission "local uid=N", and pickup's
 * sessions "local uid=N via pickup" once XUID has named the user. */
void smtpd_session_name(smtpd_session_t *sess);
/* One reply line "CODE TEXT"; a 4xx/5xx reply counts as an error. */
void smtpd_reply(smtpd_session_t *sess, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A line of a multi-line reply; last selects "CODE " over "CODE-". */
void smtpd_reply_part(smtpd_session_t *sess, int code, int last,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Forget the mail transaction (RSET, after DATA, after STARTTLS). */
void smtpd_transaction_reset(smtpd_session_t *sess);
/* Pseudo stream status: the daemon is stopping (SIGTERM, master gone). */
#define SMTPD_SHUTDOWN (-100)
/* Wait up to smtpd_timeout for input, flushing replies first: STREAM_OK
 * (input, or a stream error the next read returns), STREAM_TIMEOUT (not
 * sticky), or with stop_ok SMTPD_SHUTDOWN once the daemon is asked to
 * stop.  stop_ok is set between commands, where the wait is also idle
 * time for the skeleton's watchdog (daemon_wait). */
int smtpd_wait_input(stream_t *s, int stop_ok);
/* Wait for (stop_ok) and read one line within smtpd_timeout: STREAM_*
 * status. */
int smtpd_read_line(smtpd_session_t *sess, buf_t *line, size_t limit);
/* End the session after a timeout, lost connection or shutdown. */
void smtpd_session_abort(smtpd_session_t *sess, int status);
/* "NOQUEUE: reject: RCPT from client: REPLY; from=<> to=<> ..." */
void smtpd_log_reject(smtpd_session_t *sess, const char *id, const char *what,
		      const char *reply, const char *rcpt);
/* May plaintext passwords be used on this connection now? */
int smtpd_plaintext_ok(const smtpd_session_t *sess);
int smtpd_auth_offered(const smtpd_session_t *sess);
/* RFC 3848 protocol name: SMTP, ESMTP, ESMTPS, ESMTPA, ESMTPSA, UTF8SMTP... */
const char *smtpd_protocol(const smtpd_session_t *sess);

/* smtpd_anvil.c */
/* After the privilege drop: the limits and the anvil client. */
void smtpd_anvil_init(void);
/* At connect: 0 when the client may go on; -1 when it has too many
 * connections open or made in the time unit (logged, and answered 421
 * unless TLS has yet to start). */
int smtpd_anvil_admit(smtpd_session_t *sess);
/* At the end of the session: give the count back to anvil. */
void smtpd_anvil_release(smtpd_session_t *sess);

/* smtpd_cmd_*.c: one handler per command. */
void smtpd_cmd_helo(smtpd_session_t *sess);
void smtpd_cmd_ehlo(smtpd_session_t *sess);
void smtpd_cmd_mail(smtpd_session_t *sess);
void smtpd_cmd_rcpt(smtpd_session_t *sess);
void smtpd_cmd_data(smtpd_session_t *sess);
void smtpd_cmd_bdat(smtpd_session_t *sess);
void smtpd_cmd_auth(smtpd_session_t *sess);
void smtpd_cmd_starttls(smtpd_session_t *sess);
void smtpd_cmd_rset(smtpd_session_t *sess);
void smtpd_cmd_noop(smtpd_session_t *sess);
void smtpd_cmd_quit(smtpd_session_t *sess);
void smtpd_cmd_vrfy(smtpd_session_t *sess);
void smtpd_cmd_expn(smtpd_session_t *sess);
void smtpd_cmd_help(smtpd_session_t *sess);
void smtpd_cmd_obsolete(smtpd_session_t *sess);
void smtpd_cmd_xuid(smtpd_session_t *sess);

/* smtpd_rcpt.c */
enum smtpd_rcpt_verdict {
	SMTPD_RCPT_OK,		/* a local user, alias or postmaster */
	SMTPD_RCPT_RELAY,	/* remote, and this client may relay */
	SMTPD_RCPT_UNKNOWN,	/* 550 5.1.1 */
	SMTPD_RCPT_DENIED,	/* 554 5.7.1 relay access denied */
	SMTPD_RCPT_TEMPFAIL,	/* 451 4.3.0 */
};
/* addr as parsed; canon_r gets the address for the envelope. */
int smtpd_rcpt_check(smtpd_session_t *sess, const char *addr,
		     const addr_info_t *info, buf_t *canon_r);
/* Does the alias address resolve to login (smtpd_sender_login_match)?
 * 1 yes, 0 no. */
int smtpd_alias_owned_by(const char *address, const char *login);
/* The targets of a local alias "name" or "name@local-domain" (EXPN):
 * 1 with the raw value, 0 not an alias, -1 lookup error. */
int smtpd_alias_expand(const char *name, buf_t *value_r);
/* May this client relay (mynetworks, AUTH, local submission)? */
int smtpd_relay_permitted(const smtpd_session_t *sess);
/* Is domain one of mydestination? */
int smtpd_domain_is_local(const char *domain);

/* smtpd_dkim.c - DKIM signatures through dkim-sign (after the drop). */
void smtpd_dkim_init(void);
/* Is mail of this session signed (AUTH, local submission)? */
int smtpd_dkim_wanted(const smtpd_session_t *sess);
/* At the end of the content, before the commit: ask for the signatures
 * of d and record them in w; failures are logged, never refused. */
void smtpd_dkim_sign(dkim_msg_t *d, queue_writer_t *w);

/* smtpd_data.c - message content into the queue writer. */
enum smtpd_msg_error {
	SMTPD_MSG_OK,
	SMTPD_MSG_TOOBIG,	/* 552 5.3.4 */
	SMTPD_MSG_LINE,		/* 552 5.3.4: a line over smtpd_max_line_length */
	SMTPD_MSG_HOPS,		/* 554 5.4.6 */
	SMTPD_MSG_IO,		/* 452 4.3.1 / 451 4.3.0 by errno */
};
/* sign: feed the content to a dkim_msg_t too (smtpd_msg_dkim()). */
smtpd_msg_t *smtpd_msg_new(queue_writer_t *w, int add_headers, int sign);
void smtpd_msg_free(smtpd_msg_t **mp);
queue_writer_t *smtpd_msg_writer(smtpd_msg_t *m);
/* What a DKIM signature covers, or NULL when the message is not signed. */
dkim_msg_t *smtpd_msg_dkim(smtpd_msg_t *m);
/* Read DATA input up to CRLF.CRLF: STREAM_OK or the stream's error. */
int smtpd_msg_read_data(smtpd_msg_t *m, stream_t *s);
/* Read one BDAT chunk of size octets; last ends the message. */
int smtpd_msg_read_chunk(smtpd_msg_t *m, stream_t *s, unsigned long long size,
			 int last);
/* Finish the content (held header, added fields); then the first error. */
int smtpd_msg_finish(smtpd_msg_t *m);
int smtpd_msg_error(const smtpd_msg_t *m);
int smtpd_msg_errno(const smtpd_msg_t *m);
unsigned long long smtpd_msg_size(const smtpd_msg_t *m);
/* Discard BDAT chunk octets nobody will store (RFC 3030 §2). */
int smtpd_bdat_discard(stream_t *s, unsigned long long size);

/* smtpd_received.c */
void smtpd_received_header(const smtpd_session_t *sess, const char *id,
			   time_t now, buf_t *out);
void smtpd_date_header(time_t now, buf_t *out);
void smtpd_msgid_header(const char *id, buf_t *out);
/* RFC 5322 date-time of now, local time zone. */
void smtpd_rfc5322_date(time_t now, buf_t *out);

/* smtpd_queue.c */
/* A path in the queue as this process sees it (mem-allocated); read from
 * the configuration, so for smtpd_post_drop() only. */
char *smtpd_queue_path(const char *sub);
/* Enough free space for a message of size octets (queue_minfree)? */
int smtpd_queue_space_ok(unsigned long long size);
/* A queue writer with the envelope and the Received header, or NULL with
 * errno set. */
smtpd_msg_t *smtpd_queue_start(smtpd_session_t *sess);
/* Finish, commit and answer the message; logs and frees *mp. */
void smtpd_queue_finish(smtpd_session_t *sess, smtpd_msg_t **mp);
/* Tell qmgr a new file is in incoming/; failures are only logged. */
void smtpd_queue_wakeup(const char *id);
/* Reply for a queue file that could not be created or written. */
void smtpd_queue_error_reply(smtpd_session_t *sess, const char *id, int err);

#endif

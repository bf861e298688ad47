/* smtp_out.h - what the files of smtp-out share.
 *
 * smtp-out is the SMTP client of tern (architecture §1): qmgr hands it
 * one message and a batch of its recipients that share a destination
 * (lib/deliver_proto.h, with the nexthop), and smtp-out delivers them to
 * a server of that destination and answers a result per recipient.
 *
 *   smtp_out.c          the daemon: qmgr's connection, requests, replies
 *   smtp_out_request.c  a request checked and taken apart
 *   smtp_out_route.c    nexthop -> the servers to try, in order; loops
 *   smtp_out_session.c  one server: connect, greeting, EHLO, STARTTLS, AUTH
 *   smtp_out_tls.c      the TLS policy: levels, certificates, names
 *   smtp_out_xfer.c     one mail transaction: MAIL, RCPT, DATA or BDAT
 *   smtp_out_content.c  the message content as it goes on the wire
 *   smtp_out_cache.c    a session kept open for the next request
 *
 * A session that ends in the middle of a request (the server went away,
 * a timeout) defers what is not yet answered; a recipient is reported
 * delivered only after the server's final 2xx for the message.
 */
#ifndef TERN_SMTP_OUT_H
#define TERN_SMTP_OUT_H

#include <sys/types.h>
#include <time.h>

#include "attr.h"
#include "buf.h"
#include "dns_wire.h"
#include "params.h"
#include "smtp_ehlo.h"
#include "smtp_reply.h"
#include "stream.h"

struct dns_ctx;
struct tls_ctx;

/* Read once in the pre-drop hook (a reload starts fresh processes). */
typedef struct smtp_out_conf {
	const char *myhostname;		/* EHLO name and loop check */
	const char *helo_name;		/* smtp_helo_name */
	int default_port;		/* smtp_tcp_port */
	long address_limit;		/* smtp_mx_address_limit */
	int ipc_timeout;
	long max_requests;		/* max_use */
	/* Postfix's stage timeouts, seconds. */
	int connect_timeout, helo_timeout, starttls_timeout, mail_timeout,
	    rcpt_timeout, data_init_timeout, data_xfer_timeout,
	    data_done_timeout, quit_timeout, rset_timeout;
	enum smtp_tls_level tls_level;	/* smtp_tls_security_level */
	long long chunk_size;		/* BDAT chunk, octets */
	/* the connection cache */
	long cache_idle;		/* smtp_connection_cache_time_limit, s */
	long reuse_count;		/* smtp_connection_reuse_count_limit */
	long reuse_time;		/* smtp_connection_reuse_time_limit, s */
	long request_limit;		/* seconds per request (smtp_out.c) */
	struct dns_ctx *dns;
	struct tls_ctx *tls_any;	/* no certificate check */
	struct tls_ctx *tls_verify;	/* CA store or smtp_tls_CAfile */
} smtp_out_conf_t;

extern smtp_out_conf_t smtp_out_conf;

typedef struct smtp_out_rcpt {
	const char *addr;
	const char *index;	/* qmgr's rcpt_index, echoed back */
	const char *orcpt;	/* RFC 3461 ORCPT (type;xtext), or NULL */
	const char *notify;	/* RFC 3461 NOTIFY list, or NULL */
	int accepted;		/* the server took RCPT */
	int dsn_passed;		/* ... with NOTIFY: its server offers DSN */
	buf_t dsn;		/* the result, once known */
	buf_t text;
} smtp_out_rcpt_t;

typedef struct smtp_out_req {
	const char *id;
	const char *sender;	/* "" for the null sender */
	const char *nexthop;	/* qmgr's destination key */
	const char *envid, *ret;
	int body_8bit;		/* BODY=8BITMIME at reception */
	int smtputf8;
	int fd;			/* the queue file, read-only */
	off_t offset;
	size_t length;
	double arrival;
	buf_t prepend;		/* header fields sent before the content */
	size_t nrcpt;
	smtp_out_rcpt_t *rcpt;
	/* Set during delivery: no server could be reached at all, so qmgr
	 * may count the destination as failing (deliver_proto.h). */
	int unreachable;
} smtp_out_req_t;

/* One SMTP session with one server. */
typedef struct smtp_out_sess {
	stream_t *s;
	char *dest;		/* the nexthop it was opened for */
	char *host;		/* the server's name (MX host, or literal) */
	dns_addr_t addr;
	int port;
	char *label;		/* host[addr]:port for logs and texts */
	smtp_reply_t reply;	/* the last reply */
	smtp_ehlo_t ehlo;
	int esmtp;		/* EHLO worked (else HELO) */
	int tls;		/* STARTTLS done */
	int plaintext;		/* no STARTTLS: a retry after a failed handshake */
	int uses;		/* transactions so far */
	time_t born;
	int cut;		/* unusable: lost, timed out or out of step */
} smtp_out_sess_t;

/* smtp_out.c: the limits of the request being served. */
/* seconds, or less when the request's time is nearly out (at least 1). */
int smtp_out_limit(int seconds);
/* The request's time is out: start no further server. */
int smtp_out_expired(void);
/* qmgr closed the connection of the request: it no longer waits for
 * the answer, so the mail must not be completed. */
int smtp_out_abandoned(void);

/* smtp_out_request.c */
/* Check qmgr's request a (with the queue file qfd) into req: NULL when
 * usable, else why not. */
const char *smtp_out_request_check(const attr_t *a, int qfd, smtp_out_req_t *req);
/* The answer to a delivered request; releases req's recipients. */
void smtp_out_request_reply(smtp_out_req_t *req, attr_t *reply);
/* What a checked request holds (also after a refusal). */
void smtp_out_request_release(smtp_out_req_t *req);
/* Set the result of recipient r, unless it has one. */
void smtp_out_rcpt_set(smtp_out_rcpt_t *r, const char *dsn, const char *text);
/* The same for every recipient still without a result. */
void smtp_out_rcpt_set_all(smtp_out_req_t *req, const char *dsn,
			   const char *text);

/* smtp_out_route.c: one server to try. */
typedef struct smtp_out_target {
	char *host;
	dns_addr_t addr;
	int port;
} smtp_out_target_t;

typedef struct smtp_out_route {
	size_t count;
	smtp_out_target_t *target;
	/* when count is 0: */
	char dsn[SMTP_REPLY_ENHANCED_MAX + 1];
	char *why;
} smtp_out_route_t;

void smtp_out_route_init(void);
/* The servers for nexthop, in order, without those that are this
 * instance's own listeners.  0 with at least one, else -1 with dsn and
 * why set (a 4.x.x or 5.x.x). */
int smtp_out_route_find(const char *nexthop, smtp_out_route_t *route);
void smtp_out_route_free(smtp_out_route_t *route);
/* Is name (a greeting's or EHLO reply's first word) this host? */
int smtp_out_route_is_me(const char *name);

/* smtp_out_session.c */
/* EHLO, or HELO when the server does not know it: 0, or -1 with
 * *dsn_r and *why_r. */
int smtp_out_session_hello(smtp_out_sess_t *s, char *dsn_r, char **why_r);
/* Open a session to target for the request; NULL when it failed, with
 * *dsn_r and *why_r (mem-allocated) saying why: a 5.x.x means the server
 * refused for good and the next server is not tried for it. */
smtp_out_sess_t *smtp_out_session_open(const smtp_out_target_t *t,
				       const char *dest, char *dsn_r,
				       char **why_r);
/* Send QUIT (when the session is usable) and close; wait for its reply
 * when wait is set, else only send it. */
void smtp_out_session_close(smtp_out_sess_t **sp, int wait);
/* Read one reply within timeout; 0, or -1 (session cut, why in *why_r). */
int smtp_out_session_reply(smtp_out_sess_t *s, int timeout, char **why_r);
/* The last reply in one line, "250 2.0.0 text" (static per session). */
const char *smtp_out_session_said(smtp_out_sess_t *s);
/* The status for a recipient of the last reply, which answered as a
 * failure: its own 4.x.x or 5.x.x, or, for a 2xx or 3xx in that place,
 * 4.5.0 with the session cut. */
const char *smtp_out_session_failure(smtp_out_sess_t *s);
/* "host[addr]:port said: ..." style texts for results. */
char *smtp_out_session_text(smtp_out_sess_t *s, const char *what);

/* smtp_out_tls.c */
void smtp_out_tls_init(void);
/* The level for a destination: smtp_tls_policy_maps, else the default. */
enum smtp_tls_level smtp_out_tls_policy(const char *dest);
/* STARTTLS on a fresh session by policy: 0 go on, -1 give up this
 * server (dsn/why set), SMTP_OUT_TLS_RETRY_PLAIN: the handshake failed
 * where TLS is only opportunistic, so the server may be tried again in
 * plaintext (dsn/why set for when it is not). */
#define SMTP_OUT_TLS_RETRY_PLAIN (-2)
int smtp_out_tls_start(smtp_out_sess_t *s, const smtp_out_target_t *t,
		       char *dsn_r, char **why_r);

/* smtp_out_auth.c: AUTH (RFC 4954) when smtp_sasl_password_maps has
 * credentials for the session's destination: 0 go on, -1 give up. */
void smtp_out_auth_init(void);
int smtp_out_auth(smtp_out_sess_t *s, char *dsn_r, char **why_r);

/* smtp_out_xfer.c: one message over an open session.  The recipients get
 * their results; the session is marked cut when it cannot be used for
 * another transaction. */
void smtp_out_xfer(smtp_out_sess_t *s, smtp_out_req_t *req);
/* One log line per recipient, Postfix-like; s NULL: no server reached. */
void smtp_out_xfer_log(const smtp_out_sess_t *s, const smtp_out_req_t *req);

/* smtp_out_content.c: what goes on the wire. */
typedef struct smtp_out_content {
	buf_t converted;	/* 7-bit form, when it was converted */
	int use_converted;
	int send_8bit;		/* BODY=8BITMIME on MAIL */
} smtp_out_content_t;
/* Decide how the content goes to this server: 0, or -1 with the
 * recipients' permanent result set (5.6.3, 5.6.7, 5.3.4). */
int smtp_out_content_prepare(smtp_out_sess_t *s, smtp_out_req_t *req,
			     smtp_out_content_t *c);
/* The size on the wire (RFC 1870 SIZE=, a BDAT total). */
unsigned long long smtp_out_content_size(const smtp_out_req_t *req,
					 const smtp_out_content_t *c, int stuffed);
/* Write the content (DATA: stuffed with the end line; BDAT: chunks,
 * each answered).  0, or -1 with the session cut or the reply to a
 * chunk in s->reply (*failed_r set). */
int smtp_out_content_send(smtp_out_sess_t *s, smtp_out_req_t *req,
			  smtp_out_content_t *c, int bdat, int *failed_r);
void smtp_out_content_free(smtp_out_content_t *c);

/* smtp_out_cache.c: one session kept between requests. */
smtp_out_sess_t *smtp_out_cache_take(const char *dest);
/* After a transaction: kept, or closed by smtp_out_cache_settle() once
 * qmgr has its answer. */
void smtp_out_cache_put(smtp_out_sess_t *s);
void smtp_out_cache_settle(void);
/* Descriptor to watch while idle (-1: nothing cached), and what to do
 * when it becomes readable or the idle limit passes. */
int smtp_out_cache_fd(void);
long smtp_out_cache_idle_ms(void);
void smtp_out_cache_drop(void);

#endif

/* smtpd_session.c - one SMTP session: state, replies and the command loop.
 *
 * The session is an explicit state (SMTPD_S_*, the states of RFC 5321
 * §4.1.4); the command table says which states each command is allowed
 * in, and a command in any other state gets 503 5.5.1 without reaching
 * its handler.  Transitions happen in the handlers, the transaction is
 * forgotten in one place (smtpd_transaction_reset).
 *
 * Replies are buffered and go out when the session has to wait for input,
 * so a pipelined batch (RFC 2920) is answered in one write.  Every reply
 * but the greeting and the HELO/EHLO success carries an enhanced status
 * code (RFC 2034 §3 exempts exactly those two, RFC 3463 defines them).
 *
 * Waiting for a command is done here, not in the stream, with
 * event_wait(): a stop request (daemon_stop_fd) is answered with 421
 * 4.3.2 at once even while the client is idle, and an idle client gets
 * 421 4.4.2 when smtpd_timeout passes (a stream timeout would be sticky
 * and leave no way to say so).  The skeleton's watchdog is off during
 * that wait and runs again for each command (daemon_wait).
 *
 * SECURITY: all input is untrusted; a line longer than the longest command
 * allowed is answered 500 5.5.2 and skipped up to its end, and after
 * smtpd_hard_error_limit error replies the client is disconnected (but
 * not pickup, once it gave XUID: smtpd_cmd_xuid.c says why).  The
 * commands that do nothing (RSET NOOP VRFY EXPN HELP, marked JUNK in the
 * table) count against smtpd_junk_command_limit, reset by each accepted
 * message: past it, 421 4.7.0 and the end, so that a client cannot hold a
 * process for ever with cheap commands.  A client over its connection
 * limits is refused before the greeting (smtpd_anvil.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "daemon.h"
#include "event_wait.h"
#include "log.h"
#include "login_log.h"
#include "mem.h"
#include "sock.h"
#include "smtpd.h"

/* The longest line read as a command: MAIL with every parameter. */
#define SMTPD_READ_MAX SMTP_MAIL_LINE_MAX

typedef struct smtpd_command {
	const char *name;
	int states;		/* SMTPD_S_* in which it is allowed */
	size_t line_max;	/* with CRLF (RFC 5321 §4.5.3.1.4) */
	void (*handler)(smtpd_session_t *sess);
	int junk;		/* counts against smtpd_junk_command_limit */
} smtpd_command_t;

#define ST_TRANS (SMTPD_S_MAIL | SMTPD_S_RCPT | SMTPD_S_BDAT)
#define JUNK 1

static const smtpd_command_t smtpd_commands[] = {
	{ "EHLO", SMTPD_S_ANY, SMTP_LINE_MAX, smtpd_cmd_ehlo, 0 },
	{ "HELO", SMTPD_S_ANY, SMTP_LINE_MAX, smtpd_cmd_helo, 0 },
	{ "MAIL", SMTPD_S_HELO, SMTP_MAIL_LINE_MAX, smtpd_cmd_mail, 0 },
	{ "RCPT", SMTPD_S_MAIL | SMTPD_S_RCPT, SMTP_RCPT_LINE_MAX, smtpd_cmd_rcpt, 0 },
	{ "DATA", SMTPD_S_MAIL | SMTPD_S_RCPT, SMTP_LINE_MAX, smtpd_cmd_data, 0 },
	/* BDAT must see every state: its chunk is read even when refused. */
	{ "BDAT", SMTPD_S_ANY, SMTP_LINE_MAX, smtpd_cmd_bdat, 0 },
	{ "RSET", SMTPD_S_ANY, SMTP_LINE_MAX, smtpd_cmd_rset, JUNK },
	{ "NOOP", SMTPD_S_ANY, SMTP_LINE_MAX, smtpd_cmd_noop, JUNK },
	{ "QUIT", SMTPD_S_ANY, SMTP_LINE_MAX, smtpd_cmd_quit, 0 },
	{ "VRFY", SMTPD_S_ANY, SMTP_LINE_MAX, smtpd_cmd_vrfy, JUNK },
	{ "EXPN", SMTPD_S_ANY, SMTP_LINE_MAX, smtpd_cmd_expn, JUNK },
	{ "HELP", SMTPD_S_ANY, SMTP_LINE_MAX, smtpd_cmd_help, JUNK },
	{ "AUTH", SMTPD_S_HELO, SMTP_LINE_MAX, smtpd_cmd_auth, 0 },
	{ "STARTTLS", SMTPD_S_INIT | SMTPD_S_HELO, SMTP_LINE_MAX, smtpd_cmd_starttls, 0 },
	{ "SEND", SMTPD_S_ANY, SMTP_LINE_MAX, smtpd_cmd_obsolete, 0 },
	{ "SOML", SMTPD_S_ANY, SMTP_LINE_MAX, smtpd_cmd_obsolete, 0 },
	{ "SAML", SMTPD_S_ANY, SMTP_LINE_MAX, smtpd_cmd_obsolete, 0 },
	{ "TURN", SMTPD_S_ANY, SMTP_LINE_MAX, smtpd_cmd_obsolete, 0 },
	/* pickup's only (smtpd_cmd_xuid.c): before the transaction. */
	{ "XUID", SMTPD_S_HELO, SMTP_LINE_MAX, smtpd_cmd_xuid, 0 },
	{ NULL, 0, 0, NULL, 0 },
};

void smtpd_reply(smtpd_session_t *sess, const char *fmt, ...)
{
	buf_t r = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&r, fmt, ap);
	va_end(ap);
	if (r.len > 0 && (r.data[0] == '4' || r.data[0] == '5'))
		sess->errors++;
	buf_puts(&r, "\r\n");
	stream_write(sess->s, r.data, r.len);
	buf_release(&r);
}

void smtpd_reply_part(smtpd_session_t *sess, int code, int last,
		      const char *fmt, ...)
{
	buf_t r = BUF_INIT;
	va_list ap;

	buf_printf(&r, "%d%c", code, last ? ' ' : '-');
	va_start(ap, fmt);
	buf_vprintf(&r, fmt, ap);
	va_end(ap);
	if (last && code >= 400)
		sess->errors++;
	buf_puts(&r, "\r\n");
	stream_write(sess->s, r.data, r.len);
	buf_release(&r);
}

int smtpd_plaintext_ok(const smtpd_session_t *sess)
{
	return auth_plaintext_allowed(smtpd_conf.plaintext,
				      stream_is_tls(sess->s), sess->loopback);
}

int smtpd_auth_offered(const smtpd_session_t *sess)
{
	return smtpd_conf.sasl_enable && !sess->local && smtpd_plaintext_ok(sess);
}

const char *smtpd_protocol(const smtpd_session_t *sess)
{
	/* RFC 3848 (ESMTPA/ESMTPS/ESMTPSA) and RFC 6531 §3.7.3 (UTF8SMTP*). */
	static const char *const names[2][4] = {
		{ "ESMTP", "ESMTPS", "ESMTPA", "ESMTPSA" },
		{ "UTF8SMTP", "UTF8SMTPS", "UTF8SMTPA", "UTF8SMTPSA" },
	};
	int idx = (stream_is_tls(sess->s) ? 1 : 0) + (sess->auth_user.len ? 2 : 0);

	if (!sess->esmtp)
		return "SMTP";
	return names[sess->mail.smtputf8 ? 1 : 0][idx];
}

void smtpd_log_reject(smtpd_session_t *sess, const char *id, const char *what,
		      const char *reply, const char *rcpt)
{
	buf_t extra = BUF_INIT;

	/* The sender of the transaction, or of the MAIL being refused. */
	if ((sess->state & (SMTPD_S_MAIL | SMTPD_S_RCPT | SMTPD_S_BDAT)) ||
	    sess->mail.addr.len > 0)
		buf_printf(&extra, " from=<%s>", buf_str(&sess->mail.addr));
	if (rcpt != NULL)
		buf_printf(&extra, " to=<%s>", rcpt);
	log_info("%s: reject: %s from %s: %s;%s proto=%s helo=<%s>",
		 id ? id : "NOQUEUE", what, buf_str(&sess->client), reply,
		 buf_str(&extra), smtpd_protocol(sess), buf_str(&sess->helo));
	buf_release(&extra);
}

void smtpd_transaction_reset(smtpd_session_t *sess)
{
	for (size_t i = 0; i < sess->nrcpts; i++) {
		mem_free(sess->rcpts[i].addr);
		mem_free(sess->rcpts[i].orcpt);
		mem_free(sess->rcpts[i].notify);
	}
	sess->nrcpts = 0;
	sess->rcpt_bytes = 0;
	smtpd_msg_free(&sess->msg);
	buf_reset(&sess->mail.addr);
	sess->mail.smtputf8 = 0;
	sess->mail.has_size = 0;
	sess->mail.has_envid = 0;
	sess->mail.body = SMTP_BODY_NONE;
	sess->mail.ret = SMTP_RET_NONE;
	if (sess->state != SMTPD_S_INIT)
		sess->state = SMTPD_S_HELO;
}

int smtpd_wait_input(stream_t *s, int stop_ok)
{
	event_wait_t w = EVENT_WAIT_INIT;

	w.stream = s;
	w.stop_fd = stop_ok ? daemon_stop_fd() : -1;
	w.timeout_ms = (long) smtpd_conf.timeout * 1000;
	/* Between commands the wait is idle time for the watchdog. */
	switch (stop_ok ? daemon_wait(&w) : event_wait(&w)) {
	case EVENT_WAKE_STOP:
		return SMTPD_SHUTDOWN;
	case EVENT_WAKE_TIMEOUT:
		return STREAM_TIMEOUT;
	default:
		/* Input, or an error that the read will report. */
		return STREAM_OK;
	}
}

int smtpd_read_line(smtpd_session_t *sess, buf_t *line, size_t limit)
{
	event_wait_t w = EVENT_WAIT_INIT;
	int status = STREAM_OK;

	buf_reset(line);
	w.stream = sess->s;
	w.stop_fd = daemon_stop_fd();
	w.timeout_ms = (long) smtpd_conf.timeout * 1000;
	stream_set_line_limit(sess->s, limit);
	/* Between commands, and within one (half a line buffered), the
	 * wait is idle time for the watchdog and a stop ends it. */
	switch (event_wait_line(&w, daemon_wait, line, &status)) {
	case EVENT_WAKE_STOP:
		return SMTPD_SHUTDOWN;
	case EVENT_WAKE_TIMEOUT:
		return STREAM_TIMEOUT;
	default:
		return status;
	}
}

void smtpd_session_abort(smtpd_session_t *sess, int status)
{
	const char *after = sess->last_cmd ? sess->last_cmd : "CONNECT";

	switch (status) {
	case STREAM_TIMEOUT:
		log_info("timeout after %s from %s", after, buf_str(&sess->client));
		smtpd_reply(sess, "421 4.4.2 %s Error: timeout exceeded",
			    smtpd_conf.myhostname);
		break;
	case SMTPD_SHUTDOWN:
		log_info("shutdown: closing session of %s after %s",
			 buf_str(&sess->client), after);
		smtpd_reply(sess, "421 4.3.2 %s Service shutting down",
			    smtpd_conf.myhostname);
		break;
	default:
		if (stream_status(sess->s) == STREAM_EOF ||
		    stream_status(sess->s) == STREAM_OK)
			log_info("lost connection after %s from %s", after,
				 buf_str(&sess->client));
		else
			log_info("lost connection after %s from %s: %s", after,
				 buf_str(&sess->client), stream_strerror(sess->s));
		break;
	}
	sess->done = 1;
}

static void smtpd_bad_sequence(smtpd_session_t *sess, const char *verb)
{
	if (sess->state == SMTPD_S_INIT)
		smtpd_reply(sess, "503 5.5.1 Error: send HELO/EHLO first");
	else if (strcmp(verb, "MAIL") == 0 || strcmp(verb, "AUTH") == 0 ||
		 strcmp(verb, "STARTTLS") == 0)
		smtpd_reply(sess, "503 5.5.1 Error: %s not allowed during a "
			    "mail transaction", verb);
	else if (sess->state == SMTPD_S_BDAT)
		smtpd_reply(sess, "503 5.5.1 Error: %s not allowed during BDAT "
			    "(RSET first)", verb);
	else
		smtpd_reply(sess, "503 5.5.1 Error: need MAIL command");
}

static void smtpd_dispatch(smtpd_session_t *sess)
{
	const smtpd_command_t *c;
	const char *err;

	err = smtp_cmd_parse(sess->line.data, sess->line.len, &sess->cmd);
	if (err != NULL) {
		sess->last_cmd = "UNKNOWN";
		smtpd_reply(sess, "%s", err);
		return;
	}
	for (c = smtpd_commands; c->name != NULL; c++)
		if (strcmp(c->name, buf_str(&sess->cmd.verb)) == 0)
			break;
	if (c->name == NULL) {
		sess->last_cmd = "UNKNOWN";
		smtpd_reply(sess, "500 5.5.1 Error: command not recognized");
		return;
	}
	sess->last_cmd = c->name;
	sess->ncmds++;
	if (sess->line.len > c->line_max) {
		/* RFC 5321 §4.5.3.1.4; the session goes on (§4.5.3.1.9). */
		smtpd_reply(sess, "500 5.5.2 Error: line too long");
		return;
	}
	if (c->junk && smtpd_conf.junk_limit > 0 &&
	    ++sess->junk > smtpd_conf.junk_limit) {
		log_info("too many junk commands after %s from %s", c->name,
			 buf_str(&sess->client));
		smtpd_reply(sess, "421 4.7.0 %s Error: too many junk commands",
			    smtpd_conf.myhostname);
		sess->done = 1;
		return;
	}
	if (!(c->states & sess->state)) {
		smtpd_bad_sequence(sess, c->name);
		return;
	}
	c->handler(sess);
}

void smtpd_session_name(smtpd_session_t *sess)
{
	login_log_client(&sess->client, sess->addr, sess->port);
	if (sess->local)
		buf_printf(&sess->client, " uid=%ld%s", (long) sess->uid,
			   sess->pickup ? " via pickup" : "");
}

static void smtpd_session_init(smtpd_session_t *sess, stream_t *s,
			       const char *service, const char *addr, int port,
			       int local, uid_t uid)
{
	memset(sess, 0, sizeof(*sess));
	sess->s = s;
	sess->service = service;
	sess->addr = mem_strdup(addr);
	sess->port = port;
	sess->local = local;
	sess->uid = uid;
	sess->peer_uid = uid;
	sess->loopback = sock_addr_is_loopback(addr);
	sess->state = SMTPD_S_INIT;
	buf_init(&sess->client);
	smtpd_session_name(sess);
	smtp_cmd_init(&sess->cmd);
	smtp_mail_init(&sess->mail);
	/* AUTH lines carry passwords: no copy may outlive their use. */
	buf_set_secret(&sess->line);
	buf_set_secret(&sess->cmd.args);
}

static void smtpd_session_free(smtpd_session_t *sess)
{
	smtpd_transaction_reset(sess);
	mem_free(sess->rcpts);
	smtp_mail_release(&sess->mail);
	smtp_cmd_release(&sess->cmd);
	buf_release(&sess->line);
	buf_release(&sess->helo);
	buf_release(&sess->auth_user);
	buf_release(&sess->client);
	mem_free(sess->addr);
}

void smtpd_session_run(stream_t *s, const char *service, const char *addr,
		       int port, int local, uid_t uid)
{
	smtpd_session_t sess;
	char details[64];

	smtpd_session_init(&sess, s, service, addr, port, local, uid);
	log_info("connect from %s", buf_str(&sess.client));
	/* Before any TLS work: a refused client costs nothing more. */
	if (smtpd_anvil_admit(&sess) < 0)
		sess.done = 1;
	/* smtps: TLS from the first octet (RFC 8314 §3.3). */
	if (!sess.done && smtpd_conf.tls_wrapper &&
	    stream_tls_accept(s, smtpd_conf.tls) != STREAM_OK) {
		log_info("TLS handshake failed for %s: %s", buf_str(&sess.client),
			 stream_strerror(s));
		sess.done = 1;
	}
	if (!sess.done)
		smtpd_reply(&sess, "220 %s", smtpd_conf.banner);
	while (!sess.done) {
		int status = smtpd_read_line(&sess, &sess.line, SMTPD_READ_MAX);

		if (status == STREAM_TOOLONG) {
			sess.last_cmd = "UNKNOWN";
			smtpd_reply(&sess, "500 5.5.2 Error: line too long");
		} else if (status != STREAM_OK) {
			smtpd_session_abort(&sess, status);
			break;
		} else {
			smtpd_dispatch(&sess);
		}
		/* Not for pickup (XUID): a trusted peer, whose refused
		 * recipients are the sender's to hear of, not abuse. */
		if (!sess.done && !sess.pickup &&
		    sess.errors >= smtpd_conf.hard_error_limit) {
			log_info("too many errors after %s from %s",
				 sess.last_cmd ? sess.last_cmd : "CONNECT",
				 buf_str(&sess.client));
			smtpd_reply(&sess, "421 4.7.0 %s Error: too many errors",
				    smtpd_conf.myhostname);
			sess.done = 1;
		}
	}
	stream_flush(s);
	smtpd_anvil_release(&sess);
	/* Postfix's counters, in the one disconnect line of every server. */
	snprintf(details, sizeof(details), "commands=%ld errors=%ld",
		 sess.ncmds, sess.errors);
	login_log_disconnect(buf_str(&sess.client), details);
	smtpd_session_free(&sess);
}

/* smtpd_cmd_data.c - DATA (RFC 5321 §4.1.1.4) and BDAT (RFC 3030 §2).
 *
 * Both create the queue file when the message starts (so the free space
 * and the queue are checked before the client sends anything big), hand
 * the input to smtpd_data.c, and let smtpd_queue_finish() commit and
 * answer.  DATA is refused without an accepted recipient: 554 5.5.1 when
 * every RCPT was rejected, 503 5.5.1 when none was given (§3.3).
 *
 * BDAT: the chunk is always read, also when the command is refused, since
 * the client sends it without waiting (RFC 3030 §2); a refused chunk ends
 * the transaction, and later chunks of it are refused in turn (503).  DATA
 * after BDAT in one transaction is 503 (the command table sees to that).
 */
#include <errno.h>

#include "log.h"
#include "smtpd.h"

static void smtpd_no_rcpt_reply(smtpd_session_t *sess)
{
	if (sess->state == SMTPD_S_MAIL && sess->rcpt_tried > 0)
		smtpd_reply(sess, "554 5.5.1 Error: no valid recipients");
	else if (sess->state == SMTPD_S_MAIL)
		smtpd_reply(sess, "503 5.5.1 Error: need RCPT command");
	else if (sess->state == SMTPD_S_INIT)
		smtpd_reply(sess, "503 5.5.1 Error: send HELO/EHLO first");
	else
		smtpd_reply(sess, "503 5.5.1 Error: need MAIL command");
}

/* The input ended or timed out mid-message: nothing is kept. */
static void smtpd_message_lost(smtpd_session_t *sess, smtpd_msg_t **mp,
			       int status)
{
	log_info("%s: message discarded: %s during %s from %s",
		 queue_writer_id(smtpd_msg_writer(*mp)),
		 status == STREAM_TIMEOUT ? "timeout" : "lost connection",
		 sess->last_cmd, buf_str(&sess->client));
	smtpd_msg_free(mp);
	smtpd_transaction_reset(sess);
	smtpd_session_abort(sess, status);
}

void smtpd_cmd_data(smtpd_session_t *sess)
{
	smtpd_msg_t *m;
	int status;

	if (sess->cmd.args.len > 0) {
		smtpd_reply(sess, "501 5.5.4 Syntax: DATA");
		return;
	}
	if (sess->state != SMTPD_S_RCPT) {
		smtpd_no_rcpt_reply(sess);
		return;
	}
	if ((m = smtpd_queue_start(sess)) == NULL) {
		smtpd_queue_error_reply(sess, NULL, errno);
		return;
	}
	smtpd_reply(sess, "354 End data with <CR><LF>.<CR><LF>");
	status = smtpd_msg_read_data(m, sess->s);
	if (status != STREAM_OK) {
		smtpd_message_lost(sess, &m, status);
		return;
	}
	smtpd_queue_finish(sess, &m);
	smtpd_transaction_reset(sess);
}

void smtpd_cmd_bdat(smtpd_session_t *sess)
{
	unsigned long long size;
	const char *err;
	int last, status;

	if ((err = smtp_parse_bdat(buf_str(&sess->cmd.args), &size, &last)) != NULL) {
		smtpd_reply(sess, "%s", err);
		return;
	}
	if (!(sess->state & (SMTPD_S_RCPT | SMTPD_S_BDAT))) {
		if ((status = smtpd_bdat_discard(sess->s, size)) != STREAM_OK)
			smtpd_session_abort(sess, status);
		else
			smtpd_no_rcpt_reply(sess);
		return;
	}
	if (sess->msg == NULL && (sess->msg = smtpd_queue_start(sess)) == NULL) {
		int err_no = errno;

		smtpd_transaction_reset(sess);
		if ((status = smtpd_bdat_discard(sess->s, size)) != STREAM_OK)
			smtpd_session_abort(sess, status);
		else
			smtpd_queue_error_reply(sess, NULL, err_no);
		return;
	}
	sess->state = SMTPD_S_BDAT;
	status = smtpd_msg_read_chunk(sess->msg, sess->s, size, last);
	if (status != STREAM_OK) {
		smtpd_message_lost(sess, &sess->msg, status);
		return;
	}
	if (last || smtpd_msg_error(sess->msg) != SMTPD_MSG_OK) {
		/* The end, or a refusal that ends the transaction now. */
		smtpd_queue_finish(sess, &sess->msg);
		smtpd_transaction_reset(sess);
		return;
	}
	smtpd_reply(sess, "250 2.0.0 Ok: %llu octets received", size);
}

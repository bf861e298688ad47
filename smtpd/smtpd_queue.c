/* smtpd_queue.c - queue files for accepted messages, and qmgr's wake-up.
 *
 * A message becomes a queue file through lib/queue.h (architecture §4): the
 * envelope and the content are streamed into tmp/, and only after
 * queue_writer_commit() (fsync, link into incoming/, fsync of incoming/)
 * returned 0 does the client hear 250.  A file that was not committed is
 * removed, so nothing half-written is ever delivered.  Then qmgr is poked
 * over private/qmgr, naming the queue id, on a connection the process
 * keeps, without waiting for its answer; a lost poke only delays delivery
 * (qmgr also scans, every queue_run_delay).
 *
 * The envelope, one attr record (attr.h): sender ("" for <>);
 * rcpt, rcpt_orcpt, rcpt_notify as parallel lists (empty values where the
 * client gave none); ret, envid, body, smtputf8 when given; client_addr,
 * client_name, helo, proto, service, arrival (epoch seconds); tls
 * ("VERSION/CIPHER"), auth_user and submit_uid when they apply.
 *
 * Free space: before MAIL and before DATA/BDAT the file system of the
 * queue must have queue_minfree bytes free (0: 1.5 x message_size_limit)
 * plus the size the client declared (lib/queue_space.h, the rule terndrop
 * applies too); otherwise, and when a write fails with ENOSPC or EDQUOT,
 * the answer is 452 4.3.1.
 */
#include <errno.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "attr.h"
#include "daemon.h"
#include "config.h"
#include "deliver_proto.h"
#include "log.h"
#include "mem.h"
#include "queue_space.h"
#include "sock.h"
#include "smtpd.h"

char *smtpd_queue_path(const char *sub)
{
	if (daemon_chrooted())
		return mem_printf("/%s", sub);
	if (sub[0] == '\0')
		return mem_strdup(config_str("queue_directory"));
	return mem_printf("%s/%s", config_str("queue_directory"), sub);
}

int smtpd_queue_space_ok(unsigned long long size)
{
	struct statvfs st;

	if (statvfs(smtpd_conf.queue_dir, &st) < 0) {
		log_warn("statvfs %s: %s", smtpd_conf.queue_dir, strerror(errno));
		return 0;
	}
	return queue_space_ok(&st, smtpd_conf.minfree, smtpd_conf.size_limit,
			      size);
}

void smtpd_queue_error_reply(smtpd_session_t *sess, const char *id, int err)
{
	log_warn("%s: queue file for %s: %s", id ? id : "NOQUEUE",
		 buf_str(&sess->client), strerror(err));
	if (err == ENOSPC || err == EDQUOT)
		smtpd_reply(sess, "452 4.3.1 Insufficient system storage");
	else
		smtpd_reply(sess, "451 4.3.0 Error: queue file write error");
}

static void smtpd_queue_envelope(smtpd_session_t *sess, attr_t *env)
{
	const smtp_mail_t *m = &sess->mail;

	attr_add(env, "sender", buf_str(&m->addr));
	for (size_t i = 0; i < sess->nrcpts; i++) {
		attr_add(env, "rcpt", sess->rcpts[i].addr);
		attr_add(env, "rcpt_orcpt", sess->rcpts[i].orcpt);
		attr_add(env, "rcpt_notify", sess->rcpts[i].notify);
	}
	if (m->ret != SMTP_RET_NONE)
		attr_add(env, "ret", m->ret == SMTP_RET_FULL ? "FULL" : "HDRS");
	if (m->has_envid)
		attr_add(env, "envid", buf_str(&m->envid));
	if (m->body != SMTP_BODY_NONE)
		attr_add(env, "body", m->body == SMTP_BODY_7BIT ? "7BIT" : "8BITMIME");
	if (m->smtputf8)
		attr_add(env, "smtputf8", "yes");
	attr_add(env, "client_addr", sess->addr);
	attr_add(env, "client_name", sess->local ? "localhost" : "unknown");
	attr_add(env, "helo", buf_str(&sess->helo));
	attr_add(env, "proto", smtpd_protocol(sess));
	if (stream_is_tls(sess->s))
		attr_addf(env, "tls", "%s/%s", stream_tls_version(sess->s),
			  stream_tls_cipher(sess->s));
	if (sess->auth_user.len > 0)
		attr_add(env, "auth_user", buf_str(&sess->auth_user));
	if (sess->local)
		attr_add_long(env, "submit_uid", (long) sess->uid);
	attr_add(env, "service", sess->service);
	attr_add_long(env, "arrival", (long) time(NULL));
}

smtpd_msg_t *smtpd_queue_start(smtpd_session_t *sess)
{
	queue_writer_t *w;
	buf_t received = BUF_INIT, extra = BUF_INIT;
	const char *id;
	int err;

	if (!smtpd_queue_space_ok(sess->mail.has_size ? sess->mail.size : 0)) {
		errno = ENOSPC;
		return NULL;
	}
	if ((w = queue_writer_open(smtpd_conf.queue_dir)) == NULL)
		return NULL;
	id = queue_writer_id(w);
	smtpd_queue_envelope(sess, queue_writer_envelope(w));
	smtpd_received_header(sess, id, time(NULL), &received);
	if (queue_writer_content(w, received.data, received.len) < 0) {
		err = errno;
		queue_writer_free(&w);
		buf_release(&received);
		errno = err;
		return NULL;
	}
	buf_release(&received);
	if (sess->auth_user.len > 0)
		buf_printf(&extra, ", sasl_username=%s", buf_str(&sess->auth_user));
	log_info("%s: client=%s%s", id, buf_str(&sess->client), buf_str(&extra));
	buf_release(&extra);
	return smtpd_msg_new(w, smtpd_conf.add_headers || smtpd_conf.local_submit,
			     smtpd_dkim_wanted(sess));
}

void smtpd_queue_finish(smtpd_session_t *sess, smtpd_msg_t **mp)
{
	smtpd_msg_t *m = *mp;
	queue_writer_t *w = smtpd_msg_writer(m);
	char *id = mem_strdup(queue_writer_id(w));
	buf_t reply = BUF_INIT;

	switch (smtpd_msg_finish(m)) {
	case SMTPD_MSG_TOOBIG:
		buf_set(&reply, "552 5.3.4 Error: message file too big");
		break;
	case SMTPD_MSG_LINE:
		buf_printf(&reply, "552 5.3.4 Error: message has a line longer "
			   "than %llu octets", smtpd_conf.line_max);
		break;
	case SMTPD_MSG_HOPS:
		buf_set(&reply, "554 5.4.6 Error: too many hops");
		break;
	case SMTPD_MSG_IO:
		smtpd_queue_error_reply(sess, id, smtpd_msg_errno(m));
		goto out;
	default:
		if (smtpd_msg_dkim(m) != NULL)
			smtpd_dkim_sign(smtpd_msg_dkim(m), w);
		if (queue_writer_commit(w) < 0) {
			smtpd_queue_error_reply(sess, id, errno);
			goto out;
		}
		log_info("%s: from=<%s>, size=%zu, nrcpt=%zu (queued)", id,
			 buf_str(&sess->mail.addr), queue_writer_content_len(w),
			 sess->nrcpts);
		smtpd_reply(sess, "250 2.0.0 Ok: queued as %s", id);
		sess->junk = 0;		/* smtpd_junk_command_limit is per message */
		/* The client has its answer before qmgr is asked anything. */
		stream_flush(sess->s);
		smtpd_queue_wakeup(id);
		goto out;
	}
	smtpd_log_reject(sess, id, "END-OF-MESSAGE", buf_str(&reply), NULL);
	smtpd_reply(sess, "%s", buf_str(&reply));
out:
	smtpd_msg_free(mp);
	buf_release(&reply);
	mem_free(id);
}

/* The connection to qmgr, kept across messages and sessions of this
 * process.  A wake-up is not waited for: its answer is taken when it has
 * come, before the next wake-up or at the latest when SMTPD_QMGR_UNREAD
 * answers are due, so a busy smtpd does not sleep once per message until
 * qmgr has read its request.  qmgr closes a connection after ipc_timeout
 * of silence, and a request it finds unread when it closes would be lost
 * (the message then waits for qmgr's next scan): a connection silent for
 * half of ipc_timeout is not written to again, a new one is made. */
#define SMTPD_QMGR_UNREAD 16

static stream_t *smtpd_qmgr;
static unsigned smtpd_qmgr_unread;	/* wake-ups not yet answered */
static time_t smtpd_qmgr_used;		/* last request written */

static void smtpd_queue_qmgr_close(void)
{
	stream_close(&smtpd_qmgr);
	smtpd_qmgr_unread = 0;
}

/* Take the answers that are due (wait: until none is), without waiting
 * for more; -1 when the connection is no use any more. */
static int smtpd_queue_qmgr_answers(const char *id, int wait)
{
	attr_t *reply = attr_new();
	int r = 0;

	while (smtpd_qmgr_unread > 0 && r == 0) {
		int got = wait ? attr_read(smtpd_qmgr, reply) : attr_try_read(smtpd_qmgr, reply);

		if (got == ATTR_AGAIN) {
			ssize_t n = stream_fill(smtpd_qmgr);

			if (n > 0)
				continue;
			if (n == 0)
				break;
			got = ATTR_EOF;	/* closed with answers due */
		}
		if (got != ATTR_OK) {
			log_warn("%s: qmgr wake-up via %s failed: %s", id,
				 smtpd_conf.qmgr_socket, stream_strerror(smtpd_qmgr));
			r = -1;
		} else if (attr_get(reply, "status") == NULL ||
			   strcmp(attr_get(reply, "status"), "ok") != 0) {
			log_warn("%s: qmgr wake-up via %s failed: bad reply", id,
				 smtpd_conf.qmgr_socket);
			r = -1;
		} else {
			smtpd_qmgr_unread--;
		}
		attr_clear(reply);
	}
	attr_free(&reply);
	return r;
}

static stream_t *smtpd_queue_qmgr_open(const char *path, const char *id)
{
	stream_t *s;
	int fd = sock_connect_unix(path, smtpd_conf.ipc_timeout);

	if (fd < 0) {
		log_warn("%s: cannot wake qmgr: %s: %s", id, path, strerror(errno));
		return NULL;
	}
	s = stream_open(fd);
	stream_set_timeout(s, smtpd_conf.ipc_timeout);
	if (attr_hello_write(s, QMGR_PROTO, QMGR_VERSION) != ATTR_OK) {
		log_warn("%s: qmgr wake-up via %s failed: %s", id, path,
			 stream_strerror(s));
		stream_close(&s);
	}
	return s;
}

void smtpd_queue_wakeup(const char *id)
{
	const char *path = smtpd_conf.qmgr_socket;
	attr_t *req = attr_new();
	time_t now = time(NULL);

	attr_add(req, "request", "wakeup");
	attr_add(req, "id", id);
	if (smtpd_qmgr != NULL &&
	    (now - smtpd_qmgr_used >= smtpd_conf.ipc_timeout / 2 ||
	     smtpd_queue_qmgr_answers(id, smtpd_qmgr_unread >= SMTPD_QMGR_UNREAD) < 0))
		smtpd_queue_qmgr_close();
	/* A kept connection qmgr has closed fails at once: one new try. */
	for (int fresh = smtpd_qmgr == NULL; ; fresh = 1) {
		if (smtpd_qmgr == NULL &&
		    (smtpd_qmgr = smtpd_queue_qmgr_open(path, id)) == NULL)
			break;
		if (attr_write(smtpd_qmgr, req) == ATTR_OK) {
			smtpd_qmgr_unread++;
			smtpd_qmgr_used = now;
			break;
		}
		if (fresh)
			log_warn("%s: qmgr wake-up via %s failed: %s", id, path,
				 stream_strerror(smtpd_qmgr));
		smtpd_queue_qmgr_close();
		if (fresh)
			break;
	}
	attr_free(&req);
}

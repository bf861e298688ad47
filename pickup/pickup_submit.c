/* pickup_submit.c - one maildrop message to smtpd's submit service.
 *
 * The SMTP client is lib/submit.c, the one sendmail uses.  After EHLO,
 * "XUID uid" names the file's owner as the submitter (smtpd honours it
 * only from mail_owner or root): smtpd then records that uid as it would
 * for the user's own connection, adds Received, Date and Message-ID,
 * leaves unknown local recipients to the queue, which bounces them to the
 * sender, and does not count refusals against smtpd_hard_error_limit
 * (smtpd_cmd_xuid.c).  A service that cannot be reached, or fails its
 * greeting, EHLO or XUID, is no fault of the message: PICKUP_DOWN, and
 * the round ends.
 *
 * The recipients go in order, in transactions (pickup_transaction), each
 * settling the ones it tried; what smtpd answers decides:
 *   2xx to RCPT, then 250 to the content      queued
 *   5xx to RCPT                               refused, for the report
 *   5xx to MAIL                               every recipient left refused
 *   5xx to DATA or to the content             every recipient taken in
 *                                             this transaction refused
 *   452 to RCPT after others were taken       too many recipients (RFC
 *                                             5321 §4.5.3.1.10): DATA for
 *                                             those taken, the rest in a
 *                                             further transaction
 *   any other 4xx, no reply, a lost           PICKUP_RETRY: this
 *     connection                              transaction counts for
 *                                             nothing, the message waits
 * So no recipient gets the message twice, unless pickup restarts while a
 * message is half done (pickup.h).  Refusals and the reports on them are
 * pickup_bounce.c's; whether to wait or give up is pickup_scan.c's.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "pickup.h"

#define PICKUP_CONTENT_CHUNK 65536

enum pickup_result pickup_retry(pickup_msg_t *m, submit_t *sub,
				const char *what)
{
	buf_t text = BUF_INIT;

	if (submit_code(sub) < 0)
		buf_printf(&text, "%s: %s", what, submit_text(sub));
	else
		buf_printf(&text, "%s: %d %s", what, submit_code(sub),
			   submit_text(sub));
	log_warn("maildrop/%s: uid=%ld: %s; will try again", m->name,
		 (long) m->uid, buf_str(&text));
	pickup_state_problem(m->state, buf_str(&text));
	buf_release(&text);
	return PICKUP_RETRY;
}

submit_t *pickup_connect(const pickup_msg_t *m, int as_owner)
{
	submit_t *sub = submit_open(pickup_conf.submit, pickup_conf.ipc_timeout);
	const char *what = "submit service";

	if (sub == NULL) {
		log_warn("maildrop/%s: uid=%ld: submit service %s: %s; will try "
			 "again", m->name, (long) m->uid, pickup_conf.submit,
			 strerror(errno));
		return NULL;
	}
	if (submit_code(sub) == 220 &&
	    submit_ehlo(sub, pickup_conf.myhostname) == 250) {
		/* Refused only when pickup does not run as smtpd's user. */
		if (!as_owner ||
		    submit_command(sub, "XUID %ld", (long) m->uid) == 250)
			return sub;
		what = "XUID (does pickup run as mail_owner?)";
	}
	if (submit_code(sub) < 0)
		log_warn("maildrop/%s: uid=%ld: %s: %s; will try again", m->name,
			 (long) m->uid, what, submit_text(sub));
	else
		log_warn("maildrop/%s: uid=%ld: %s: %d %s; will try again",
			 m->name, (long) m->uid, what, submit_code(sub),
			 submit_text(sub));
	submit_close(&sub);
	return NULL;
}

/* The enhanced status code (RFC 3463: class.subject.detail) that starts
 * a reply's text, when it is of the reply's class; else a generic one of
 * that class. */
static void pickup_reply_status(int code, const char *text, buf_t *out)
{
	static const char digits[] = "0123456789";
	size_t subject, detail, len;

	buf_reset(out);
	if (text[0] - '0' == code / 100 && text[1] == '.') {
		subject = strspn(text + 2, digits);
		detail = text[2 + subject] == '.' ?
			strspn(text + 3 + subject, digits) : 0;
		len = 3 + subject + detail;
		if (subject >= 1 && subject <= 3 && detail >= 1 && detail <= 3 &&
		    (text[len] == ' ' || text[len] == '\0')) {
			buf_append(out, text, len);
			return;
		}
	}
	buf_puts(out, code >= 500 ? "5.0.0" : "4.0.0");
}

/* Recipient i refused for good by the reply sub holds: noted for the
 * report. */
static void pickup_refused(pickup_msg_t *m, submit_t *sub, size_t i)
{
	buf_t status = BUF_INIT, text = BUF_INIT;

	pickup_reply_status(submit_code(sub), submit_text(sub), &status);
	buf_printf(&text, "%d %s", submit_code(sub), submit_text(sub));
	pickup_state_refuse(m->state, m->env->rcpts[i], buf_str(&status),
			    buf_str(&text));
	buf_release(&status);
	buf_release(&text);
}

/* The content, from off to the end of the file. */
static int pickup_content(submit_t *sub, int fd, off_t off)
{
	char chunk[PICKUP_CONTENT_CHUNK];

	for (;;) {
		ssize_t n = pread(fd, chunk, sizeof(chunk), off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		submit_content(sub, chunk, (size_t) n);
		if (submit_broken(sub))
			return 0;	/* the "." will tell */
		off += n;
	}
}

/* MAIL and the recipients from the first one not settled, up to the end
 * or a 452 after some were taken; *end_r is where it stopped, and
 * taken[*ntaken_r] the ones smtpd took.  PICKUP_DONE also when MAIL was
 * refused for good (every recipient then refused). */
static enum pickup_result pickup_envelope(pickup_msg_t *m, submit_t *sub,
					  size_t *taken, size_t *ntaken_r,
					  size_t *end_r)
{
	const maildrop_env_t *env = m->env;
	size_t first = m->state->settled, i;
	int utf8 = submit_is_utf8(env->sender), code;
	buf_t what = BUF_INIT;

	*ntaken_r = 0;
	*end_r = first;
	for (i = first; i < env->nrcpts; i++)
		utf8 |= submit_is_utf8(env->rcpts[i]);
	code = submit_mail(sub, env->sender, utf8);
	if (code != 250) {
		if (code < 500)
			return pickup_retry(m, sub, "sender");
		log_warn("maildrop/%s: uid=%ld: sender <%s> refused: %d %s", m->name,
			 (long) m->uid, env->sender, code, submit_text(sub));
		for (i = first; i < env->nrcpts; i++)
			pickup_refused(m, sub, i);
		*end_r = env->nrcpts;
		return PICKUP_DONE;
	}
	for (i = first; i < env->nrcpts; i++) {
		code = submit_command(sub, "RCPT TO:<%s>", env->rcpts[i]);
		if (code == 250 || code == 251) {
			taken[(*ntaken_r)++] = i;
			continue;
		}
		if (code >= 500) {
			log_warn("maildrop/%s: uid=%ld: recipient <%s> refused: %d %s",
				 m->name, (long) m->uid, env->rcpts[i], code,
				 submit_text(sub));
			pickup_refused(m, sub, i);
			continue;
		}
		if (code == 452 && *ntaken_r > 0) {
			log_info("maildrop/%s: uid=%ld: %zu recipients in this "
				 "transaction (%s); the rest in another", m->name,
				 (long) m->uid, *ntaken_r, submit_text(sub));
			break;
		}
		buf_printf(&what, "recipient <%s>", env->rcpts[i]);
		pickup_retry(m, sub, buf_str(&what));
		buf_release(&what);
		return PICKUP_RETRY;
	}
	*end_r = i;
	return PICKUP_DONE;
}

/* One transaction: the envelope, then DATA for the recipients taken.
 * PICKUP_DONE when it settled at least one recipient, which it always
 * does unless it is PICKUP_RETRY.  *dirty: a transaction is open in
 * smtpd (RSET first). */
static enum pickup_result pickup_transaction(pickup_msg_t *m, submit_t *sub,
					     int *dirty)
{
	pickup_state_t *s = m->state;
	size_t mark = s->nrefused, ntaken, end;
	size_t *taken = mem_reallocarray(NULL, m->env->nrcpts - s->settled,
					 sizeof(size_t));
	enum pickup_result r;
	const char *what = "DATA";
	int code;

	if (*dirty && submit_command(sub, "RSET") != 250) {
		mem_free(taken);
		return pickup_retry(m, sub, "RSET");
	}
	*dirty = 1;
	r = pickup_envelope(m, sub, taken, &ntaken, &end);
	if (r != PICKUP_DONE || ntaken == 0)
		goto out;
	code = submit_command(sub, "DATA");
	if (code == 354) {
		*dirty = 0;
		what = "message";
		if (pickup_content(sub, m->fd, m->off) < 0) {
			log_error("maildrop/%s: read: %s; will try again", m->name,
				  strerror(errno));
			pickup_state_problem(s, "the file cannot be read");
			r = PICKUP_RETRY;
			goto out;
		}
		code = submit_content_end(sub);
	}
	if (code == 250) {
		log_info("maildrop/%s: uid=%ld from=<%s> nrcpt=%zu: %s", m->name,
			 (long) m->uid, m->env->sender, ntaken, submit_text(sub));
	} else if (code >= 500) {
		log_warn("maildrop/%s: uid=%ld: %s refused: %d %s", m->name,
			 (long) m->uid, what, code, submit_text(sub));
		for (size_t k = 0; k < ntaken; k++)
			pickup_refused(m, sub, taken[k]);
	} else {
		r = pickup_retry(m, sub, what);
	}
out:
	if (r == PICKUP_DONE)
		pickup_state_settle(s, end);
	else
		pickup_state_unrefuse(s, mark);
	mem_free(taken);
	return r;
}

enum pickup_result pickup_submit(pickup_msg_t *m)
{
	submit_t *sub = pickup_connect(m, 1);
	enum pickup_result r = PICKUP_DONE;
	int dirty = 0;

	if (sub == NULL)
		return PICKUP_DOWN;
	while (r == PICKUP_DONE && m->state->settled < m->env->nrcpts)
		r = pickup_transaction(m, sub, &dirty);
	submit_close(&sub);
	return r;
}

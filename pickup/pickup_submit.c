/* pickup_submit.c - one maildrop message to smtpd's submit service.
 *
 * The SMTP client is lib/submit.c, the one sendmail uses.  After EHLO,
 * "XUID uid" names the file's owner as the submitter (smtpd honours it
 * only from mail_owner or root): smtpd then records that uid as it would
 * for the user's own connection, adds Received, Date and Message-ID, and
 * leaves unknown local recipients to the queue, which bounces them to the
 * sender.  What smtpd answers decides the file's fate:
 *   250 after the content                     queued: remove it
 *   4xx anywhere, no reply, a lost connection  keep it, try later
 *   5xx to MAIL, DATA or the content, or to     refused for good: logged,
 *   every recipient                            removed (sendmail already
 *                                              told its caller "kept")
 * A recipient refused with 5xx while others are taken is logged and
 * dropped; one refused with 4xx makes the whole message wait, so that no
 * recipient gets it twice.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pickup.h"
#include "submit.h"

#define PICKUP_CONTENT_CHUNK 65536

/* A temporary failure (4xx, no reply, a lost connection): logged. */
static enum pickup_result pickup_retry(submit_t *sub, const char *name,
				       uid_t uid, const char *what)
{
	if (submit_code(sub) < 0)
		log_warn("maildrop/%s: uid=%ld: %s: %s; will try again", name,
			 (long) uid, what, submit_text(sub));
	else
		log_warn("maildrop/%s: uid=%ld: %s: %d %s; will try again", name,
			 (long) uid, what, submit_code(sub), submit_text(sub));
	return PICKUP_RETRY;
}

/* How a reply other than the one hoped for ends the attempt: logged. */
static enum pickup_result pickup_refused(submit_t *sub, const char *name,
					 uid_t uid, const char *what)
{
	if (submit_code(sub) < 500)
		return pickup_retry(sub, name, uid, what);
	log_warn("maildrop/%s: uid=%ld: %s refused: %d %s; removed", name,
		 (long) uid, what, submit_code(sub), submit_text(sub));
	return PICKUP_REFUSED;
}

/* MAIL and RCPT.  PICKUP_QUEUED here means "go on with DATA". */
static enum pickup_result pickup_envelope(submit_t *sub, const char *name,
					  uid_t uid, const maildrop_env_t *env)
{
	int utf8 = submit_is_utf8(env->sender), code;
	size_t accepted = 0;

	/* Refused only when pickup does not run as smtpd's user. */
	if (submit_command(sub, "XUID %ld", (long) uid) != 250)
		return pickup_retry(sub, name, uid, "XUID (does pickup run as "
				    "mail_owner?)");
	for (size_t i = 0; i < env->nrcpts; i++)
		utf8 |= submit_is_utf8(env->rcpts[i]);
	if (submit_mail(sub, env->sender, utf8) != 250)
		return pickup_refused(sub, name, uid, "sender");
	for (size_t i = 0; i < env->nrcpts; i++) {
		code = submit_command(sub, "RCPT TO:<%s>", env->rcpts[i]);
		if (code == 250 || code == 251) {
			accepted++;
			continue;
		}
		if (code < 500)
			return pickup_retry(sub, name, uid, "recipient");
		log_warn("maildrop/%s: uid=%ld: recipient <%s> refused: %d %s",
			 name, (long) uid, env->rcpts[i], code, submit_text(sub));
	}
	if (accepted == 0) {
		log_warn("maildrop/%s: uid=%ld: from=<%s>: every recipient "
			 "refused; removed", name, (long) uid, env->sender);
		return PICKUP_REFUSED;
	}
	return PICKUP_QUEUED;
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

enum pickup_result pickup_submit(const char *name, uid_t uid,
				 const maildrop_env_t *env, int fd, off_t off)
{
	submit_t *sub = submit_open(pickup_conf.submit, pickup_conf.ipc_timeout);
	enum pickup_result r;

	if (sub == NULL) {
		log_warn("maildrop/%s: uid=%ld: submit service %s: %s; will try "
			 "again", name, (long) uid, pickup_conf.submit,
			 strerror(errno));
		return PICKUP_RETRY;
	}
	/* A service that is not there for us is no fault of the message. */
	if (submit_code(sub) != 220 ||
	    submit_ehlo(sub, pickup_conf.myhostname) != 250) {
		r = pickup_retry(sub, name, uid, "submit service");
		submit_close(&sub);
		return r;
	}
	r = pickup_envelope(sub, name, uid, env);
	if (r == PICKUP_QUEUED && submit_command(sub, "DATA") != 354)
		r = pickup_refused(sub, name, uid, "DATA");
	if (r == PICKUP_QUEUED) {
		if (pickup_content(sub, fd, off) < 0) {
			log_error("maildrop/%s: read: %s; will try again", name,
				  strerror(errno));
			r = PICKUP_RETRY;
		} else if (submit_content_end(sub) != 250) {
			r = pickup_refused(sub, name, uid, "message");
		} else {
			log_info("maildrop/%s: uid=%ld from=<%s> nrcpt=%zu: %s",
				 name, (long) uid, env->sender, env->nrcpts,
				 submit_text(sub));
		}
	}
	submit_close(&sub);
	return r;
}

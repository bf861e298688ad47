/* pickup_bounce.c - telling a maildrop message's sender what was refused.
 *
 * sendmail told its caller that the message was kept (exit 0) once
 * terndrop had written it, so a recipient that smtpd later refuses for
 * good, or that pickup gives up on, must not vanish with only a log line:
 * the sender gets a delivery status notification, the RFC 3464 report
 * qmgr sends for queued mail (lib/dsn.c), one recipient block per
 * refusal with smtpd's reply, and the original header (the whole message
 * could make the report larger than smtpd takes).
 *
 * It goes through the same submit service, from the null sender (RFC
 * 5321 §4.5.5: never reported on in turn), in a session of pickup's own,
 * without XUID: the report comes from the mail system, not from the
 * file's owner, and an unknown local sender is then refused like any
 * unknown recipient.  A refusal of the report is logged, and that is the
 * end of it; a temporary failure keeps the file, as for the message.
 * Its Message-ID is made of the file's name, so a report sent again
 * after a restart of pickup is recognisably the same.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "dsn.h"
#include "log.h"
#include "mem.h"
#include "pickup.h"

/* Most of the content read to find its header. */
#define PICKUP_BOUNCE_HEADER_MAX (256 * 1024)

static void pickup_bounce_compose(const pickup_msg_t *m, const buf_t *orig,
				  buf_t *out)
{
	const pickup_state_t *s = m->state;
	dsn_rcpt_t *rcpts = mem_reallocarray(NULL, s->nrefused, sizeof(*rcpts));
	dsn_t d;

	memset(&d, 0, sizeof(d));
	memset(rcpts, 0, s->nrefused * sizeof(*rcpts));	/* no ORCPT, no alias */
	for (size_t i = 0; i < s->nrefused; i++) {
		rcpts[i].final = s->refused[i].rcpt;
		rcpts[i].status = s->refused[i].status;
		rcpts[i].text = s->refused[i].text;
	}
	d.action = DSN_FAILED;
	d.bounce_id = m->name;
	d.sender = m->env->sender;
	d.hostname = pickup_conf.myhostname;
	d.arrival = m->arrival;
	d.now = time(NULL);
	d.rcpts = rcpts;
	d.nrcpts = s->nrefused;
	d.orig = orig->len ? orig->data : "";
	d.orig_len = orig->len;
	d.headers_only = 1;
	dsn_compose(&d, out);
	mem_free(rcpts);
}

/* The report, over sub.  What was refused for good is logged and done. */
static enum pickup_result pickup_bounce_send(pickup_msg_t *m, submit_t *sub,
					     const buf_t *text)
{
	const char *to = m->env->sender;
	const char *what = "the report's sender <>";
	int code = submit_mail(sub, "", submit_is_utf8(to));

	if (code == 250) {
		what = "the report's recipient";
		code = submit_command(sub, "RCPT TO:<%s>", to);
	}
	if (code == 250 || code == 251) {
		what = "the report's DATA";
		code = submit_command(sub, "DATA");
	}
	if (code == 354) {
		what = "the report";
		submit_content(sub, text->data, text->len);
		code = submit_content_end(sub);
	}
	if (code == 250) {
		log_info("maildrop/%s: uid=%ld: sender non-delivery notification "
			 "to <%s> for %zu recipient%s: %s", m->name, (long) m->uid,
			 to, m->state->nrefused, m->state->nrefused == 1 ? "" : "s",
			 submit_text(sub));
		return PICKUP_DONE;
	}
	if (code >= 500) {
		log_warn("maildrop/%s: uid=%ld: %s refused: %d %s; the sender <%s> "
			 "is not told", m->name, (long) m->uid, what, code,
			 submit_text(sub), to);
		return PICKUP_DONE;
	}
	return pickup_retry(m, sub, what);
}

enum pickup_result pickup_bounce(pickup_msg_t *m)
{
	buf_t orig = BUF_INIT, text = BUF_INIT;
	enum pickup_result r;
	submit_t *sub;

	if (pickup_read_at(m->fd, m->off, PICKUP_BOUNCE_HEADER_MAX, &orig) < 0) {
		log_error("maildrop/%s: read: %s; will try again", m->name,
			  strerror(errno));
		pickup_state_problem(m->state, "the file cannot be read");
		buf_release(&orig);
		return PICKUP_RETRY;
	}
	pickup_bounce_compose(m, &orig, &text);
	buf_release(&orig);
	sub = pickup_connect(m, 0);
	if (sub == NULL) {
		buf_release(&text);
		return PICKUP_DOWN;
	}
	r = pickup_bounce_send(m, sub, &text);
	submit_close(&sub);
	buf_release(&text);
	return r;
}

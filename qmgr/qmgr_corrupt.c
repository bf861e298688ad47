/* qmgr_corrupt.c - queue files qmgr cannot read: reported, never dropped
 * in silence.
 *
 * A file queue_msg_read() refuses (damage on the disk, a bug in a writer)
 * holds a message whose client was told it was accepted.  It cannot be
 * delivered, so the people concerned must hear of it:
 *  - an error line naming the queue id and the cause;
 *  - a short notice to postmaster, with what could still be read;
 *  - a non-delivery report to the sender, when queue_msg_salvage() can
 *    still read a sender (not the null one) and recipients that were not
 *    yet final - the same report as any bounce (qmgr_notify.c);
 * and only then does the file move to corrupt/, where `mailctl queue list`
 * and `mailctl check` show it.  A crash before the move repeats the
 * notices after the restart (a duplicate, never a loss); when a notice
 * cannot be queued, the file waits in deferred/ and all of it is tried
 * again after minimal_backoff_time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "mem.h"
#include "qmgr.h"
#include "qmgr_notify.h"

/* Recipients named one by one in the notice to postmaster. */
#define QMGR_CORRUPT_LIST_MAX 20

/* Send the bounce; 0 sent or nothing to send (note_r says which), -1 not
 * queued. */
static int qmgr_corrupt_bounce(qmgr_msg_t *msg, const char *why,
			       buf_t *note_r)
{
	const char *sender = attr_get(msg->q.env, "sender");
	size_t *idx = mem_reallocarray(NULL, msg->q.nrcpts + 1, sizeof(size_t));
	size_t n = 0;
	int r = 0;

	/* Salvaged text may be anything: a sender no envelope could hold
	 * would make the report fail for ever. */
	if (sender != NULL && strlen(sender) > QUEUE_MAX_ADDR)
		sender = NULL;

	for (size_t i = 0; i < msg->q.nrcpts; i++) {
		queue_rcpt_t *rc = &msg->q.rcpts[i];

		if (rc->state != QUEUE_RCPT_PENDING &&
		    rc->state != QUEUE_RCPT_DEFERRED &&
		    rc->state != QUEUE_RCPT_FAILED)
			continue;
		if (!qmgr_msg_notify_has(rc, "FAILURE"))
			continue;
		if (rc->state != QUEUE_RCPT_FAILED) {
			/* A real failure keeps its own reason. */
			mem_free(rc->dsn);
			mem_free(rc->text);
			rc->dsn = mem_strdup("5.3.0");
			rc->text = mem_printf("the queue file of the message was "
					      "damaged (%s); it was not delivered "
					      "to this recipient", why);
		}
		idx[n++] = i;
	}
	if (sender == NULL)
		buf_set(note_r, "The sender could not be read: no report was sent.");
	else if (*sender == '\0')
		buf_set(note_r, "The sender is the null sender: no report was sent.");
	else if (n == 0)
		buf_printf(note_r, "No recipient is left to report: no report was "
			   "sent to <%s>.", sender);
	else if ((r = qmgr_notify_send(msg, DSN_FAILED, idx, n)) == 0)
		buf_printf(note_r, "A non-delivery report for %zu recipient%s was "
			   "sent to <%s>.", n, n == 1 ? "" : "s", sender);
	mem_free(idx);
	return r;
}

static void qmgr_corrupt_text(const qmgr_msg_t *msg, const char *why,
			      const char *note, buf_t *out)
{
	const char *sender = attr_get(msg->q.env, "sender");
	size_t listed = 0;

	buf_printf(out, "This is the mail system at host %s.\n\n",
		   qmgr_conf.myhostname);
	buf_printf(out, "The queue file %s could not be read: %s.\n"
		   "It was moved to %s/corrupt/%s\nand will not be delivered.\n\n",
		   msg->id, why, qmgr_conf.queue_dir, msg->id);
	if (sender != NULL)
		buf_printf(out, "Sender: <%s>\n", sender);
	else
		buf_puts(out, "Sender: could not be read\n");
	buf_printf(out, "Recipients that could be read: %zu\n", msg->q.nrcpts);
	for (size_t i = 0; i < msg->q.nrcpts; i++) {
		if (msg->q.rcpts[i].state == QUEUE_RCPT_EXPANDED)
			continue;
		if (listed++ == QMGR_CORRUPT_LIST_MAX) {
			buf_puts(out, "    ...\n");
			break;
		}
		buf_printf(out, "    <%s>\n", msg->q.rcpts[i].addr);
	}
	buf_printf(out, "\n%s\n\n`mailctl queue list` and `mailctl check` show "
		   "the file until it is removed\n(`mailctl queue delete %s`).\n",
		   note, msg->id);
}

/* Keep the file in deferred/ until the next try. */
static void qmgr_corrupt_retry(const char *id, int fd)
{
	time_t when = time(NULL) + qmgr_conf.min_backoff;
	struct timespec ts[2] = { { when, 0 }, { when, 0 } };

	if (futimens(fd, ts) < 0)
		log_warn("%s: set retry time: %s", id, strerror(errno));
	if (qmgr_move(id, "active", "deferred") < 0 && errno != ENOENT)
		log_error("%s: move to deferred/: %s", id, strerror(errno));
}

void qmgr_corrupt(const char *id, int fd, const char *why)
{
	qmgr_msg_t msg;
	buf_t note = BUF_INIT, text = BUF_INIT;
	char *subject;
	const char *arrival;
	struct stat st;
	int bounced, told;

	log_error("%s: corrupt queue file (%s)", id, why);
	memset(&msg, 0, sizeof(msg));
	memcpy(msg.id, id, QUEUE_ID_LEN + 1);
	msg.fd = fd;
	if (queue_msg_salvage(fd, &msg.q) < 0)
		msg.q.env = attr_new();		/* nothing: an empty envelope */
	arrival = attr_get(msg.q.env, "arrival");
	msg.arrival = arrival ? strtod(arrival, NULL) : 0;
	if (msg.arrival <= 0 && fstat(fd, &st) == 0)
		msg.arrival = (double) st.st_ctime;

	bounced = qmgr_corrupt_bounce(&msg, why, &note);
	qmgr_corrupt_text(&msg, why, buf_str(&note), &text);
	subject = mem_printf("Undeliverable queue file %s moved to corrupt/", id);
	told = qmgr_notify_postmaster(id, subject, buf_str(&text));
	if (bounced < 0 || told < 0) {
		log_error("%s: the notices about the corrupt queue file could not "
			  "be queued; trying again later", id);
		qmgr_corrupt_retry(id, fd);
	} else if (qmgr_move(id, "active", "corrupt") < 0) {
		log_error("%s: cannot move the corrupt queue file to corrupt/: %s",
			  id, strerror(errno));
	} else {
		log_error("%s: moved to corrupt/; postmaster notified; %s", id,
			  buf_str(&note));
		qmgr_index_remove(id);
	}
	mem_free(subject);
	buf_release(&note);
	buf_release(&text);
	queue_msg_clear(&msg.q);
}

/* pop3d_update.c - the UPDATE state (RFC 1939 §6), entered by QUIT.
 *
 * The messages marked deleted are removed; one that another program
 * removed meanwhile counts as removed.  The messages RETR sent and that
 * stay are flagged Seen, which moves them to cur/ ("Messages retrieved
 * over POP3 move to cur/ with the Seen flag", issue 4): done here rather
 * than at RETR time, so that, like deletion, it happens only for a session
 * that ended with QUIT, and a message retrieved and then deleted is never
 * renamed at all.  A failed flag change is logged, not reported: Seen is
 * advice, the mail is intact.  The directories are fsynced before the
 * answer, so a "+OK" to QUIT means the deletions survive a crash (a
 * client may drop its own copies on it).  The lock is released before
 * the answer, so a client that reconnects at once finds the mailbox free.
 * When some deletion or the sync fails, the answer is "-ERR [SYS/TEMP]"
 * (RFC 1939 §6: the session ends either way).
 */
#include <errno.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "pop3d_session.h"

void pop3d_update(pop3d_session_t *sess)
{
	size_t removed = 0, failed = 0;
	buf_t flags = BUF_INIT;

	for (size_t i = 0; i < sess->nmsgs; i++) {
		mailbox_msg_t *msg = &sess->msgs[i];

		if (sess->marks[i] & POP3D_MSG_DELETED) {
			if (mailbox_msg_delete(sess->mb, msg) == 0 || errno == ENOENT) {
				removed++;
			} else {
				failed++;
				log_error("user=<%s>: remove message %s: %m",
					  sess->info.user, msg->name);
			}
		} else if (sess->marks[i] & POP3D_MSG_RETRIEVED) {
			const char *f = mailbox_msg_flags(msg);

			if (!msg->in_new && strchr(f, 'S') != NULL)
				continue;
			buf_set(&flags, f);
			buf_putc(&flags, 'S');
			if (mailbox_msg_set_flags(sess->mb, msg, buf_str(&flags)) < 0 &&
			    errno != ENOENT)
				log_warn("user=<%s>: flag message %s seen: %m",
					 sess->info.user, msg->name);
		}
	}
	buf_release(&flags);
	if (mailbox_sync(sess->mb) < 0) {
		log_error("user=<%s>: fsync %s: %m", sess->info.user,
			  mailbox_dir(sess->mb));
		mailbox_unlock(sess->mb);
		sess->ndeleted = removed;
		pop3d_err(sess->s, POP3D_RC_SYS_TEMP,
			  "The mailbox could not be synced to disk");
		return;
	}
	mailbox_unlock(sess->mb);
	sess->ndeleted = removed;
	if (failed > 0) {
		pop3d_err(sess->s, POP3D_RC_SYS_TEMP,
			  "%zu of %zu deleted messages could not be removed",
			  failed, failed + removed);
		return;
	}
	pop3d_ok(sess->s, "Logging out, %zu message%s deleted, %zu left",
		 removed, removed == 1 ? "" : "s", sess->nmsgs - removed);
}

/* pop3d_cmd_misc.c - DELE, NOOP, RSET, CAPA and QUIT in the TRANSACTION
 * state (RFC 1939 §5, RFC 2449 §5), and the answer to AUTHORIZATION
 * commands sent after login.
 *
 * DELE only marks a message; nothing leaves the Maildir before QUIT
 * (pop3d_update.c), so RSET or a dropped connection undo every DELE.
 */
#include "pop3d_session.h"

void pop3d_cmd_dele(pop3d_session_t *sess)
{
	mailbox_msg_t *msg;
	size_t i;

	if ((msg = pop3d_session_msg(sess, sess->cmd.args[0], 0, &i)) == NULL) {
		sess->nerrors++;
		return;
	}
	sess->marks[i] |= POP3D_MSG_DELETED;
	sess->ndeleted++;
	sess->deleted_octets += msg->wsize;
	sess->ndele++;
	pop3d_ok(sess->s, "Message %zu deleted", i + 1);
}

void pop3d_cmd_noop(pop3d_session_t *sess)
{
	pop3d_ok(sess->s, "NOOP");
}

void pop3d_cmd_rset(pop3d_session_t *sess)
{
	/* Messages retrieved stay retrieved: RSET undoes deletions only. */
	for (size_t i = 0; i < sess->nmsgs; i++)
		sess->marks[i] &= (unsigned char) ~POP3D_MSG_DELETED;
	sess->ndeleted = 0;
	sess->deleted_octets = 0;
	pop3d_ok(sess->s, "%zu messages (%lld octets)", sess->nmsgs,
		 sess->total_octets);
}

void pop3d_cmd_capa(pop3d_session_t *sess)
{
	pop3d_capa(sess->s, 1, 0, pop3d_session_plaintext_ok(sess));
}

void pop3d_cmd_quit(pop3d_session_t *sess)
{
	sess->state = POP3D_UPDATE;
	pop3d_update(sess);
}

void pop3d_cmd_authorization(pop3d_session_t *sess)
{
	sess->nerrors++;
	sess->nbad++;
	pop3d_err(sess->s, NULL, "%s is not allowed after login", sess->cmd.name);
}

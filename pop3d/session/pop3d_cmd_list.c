/* pop3d_cmd_list.c - STAT, LIST [n] and UIDL [n] (RFC 1939 §5, §7).
 *
 * Every count comes from the snapshot taken at login and the ,W= size in
 * the file names (the octets as sent, CRLF line ends): none of these
 * commands reads a message, so they cost the same for any message size.
 * Messages marked deleted are left out of the listings and of STAT, and
 * named alone they get "-ERR Message N already deleted".
 */
#include "buf.h"
#include "pop3d_session.h"

/* "N SIZE\r\n" without printf: a listing of 5000 lines is one buffer. */
static void pop3d_list_num(buf_t *out, unsigned long long v)
{
	char digits[24];
	size_t n = 0;

	do {
		digits[sizeof(digits) - ++n] = (char) ('0' + v % 10);
		v /= 10;
	} while (v > 0);
	buf_append(out, digits + sizeof(digits) - n, n);
}

void pop3d_cmd_stat(pop3d_session_t *sess)
{
	pop3d_ok(sess->s, "%zu %lld", sess->nmsgs - sess->ndeleted,
		 sess->total_octets - sess->deleted_octets);
}

void pop3d_cmd_list(pop3d_session_t *sess)
{
	mailbox_msg_t *msg;
	size_t i;

	if (sess->cmd.nargs == 1) {
		if ((msg = pop3d_session_msg(sess, sess->cmd.args[0], 0, &i)) != NULL)
			pop3d_ok(sess->s, "%zu %lld", i + 1, msg->wsize);
		return;
	}
	pop3d_ok(sess->s, "%zu messages (%lld octets)", sess->nmsgs - sess->ndeleted,
		 sess->total_octets - sess->deleted_octets);
	buf_reserve(&sess->out, 16 * sess->nmsgs + 3);
	for (i = 0; i < sess->nmsgs; i++) {
		if (sess->marks[i] & POP3D_MSG_DELETED)
			continue;
		pop3d_list_num(&sess->out, i + 1);
		buf_putc(&sess->out, ' ');
		pop3d_list_num(&sess->out, (unsigned long long) sess->msgs[i].wsize);
		buf_append(&sess->out, "\r\n", 2);
	}
	buf_append(&sess->out, ".\r\n", 3);
	stream_write(sess->s, sess->out.data, sess->out.len);
	buf_release(&sess->out);
}

void pop3d_cmd_uidl(pop3d_session_t *sess)
{
	buf_t uidl = BUF_INIT;
	mailbox_msg_t *msg;
	size_t i;

	if (sess->cmd.nargs == 1) {
		if ((msg = pop3d_session_msg(sess, sess->cmd.args[0], 0, &i)) != NULL) {
			pop3d_uidl(msg->base, &uidl);
			pop3d_ok(sess->s, "%zu %s", i + 1, buf_str(&uidl));
		}
		buf_release(&uidl);
		return;
	}
	pop3d_ok(sess->s, "Unique-ID listing follows");
	for (i = 0; i < sess->nmsgs; i++) {
		if (sess->marks[i] & POP3D_MSG_DELETED)
			continue;
		pop3d_uidl(sess->msgs[i].base, &uidl);
		pop3d_list_num(&sess->out, i + 1);
		buf_putc(&sess->out, ' ');
		buf_append(&sess->out, uidl.data, uidl.len);
		buf_append(&sess->out, "\r\n", 2);
	}
	buf_append(&sess->out, ".\r\n", 3);
	stream_write(sess->s, sess->out.data, sess->out.len);
	buf_release(&sess->out);
	buf_release(&uidl);
}

/* pop3d_cmd_retr.c - RETR n and TOP n k (RFC 1939 §5, §7).
 *
 * The file is streamed in chunks through pop3d_dot.c (CRLF lines,
 * dot-stuffed, ending with "."), so a message of any size costs a fixed
 * amount of memory.  TOP sends the header, the blank line after it, and
 * then k lines of the body.
 *
 * RETR marks the message retrieved; UPDATE flags it Seen (pop3d_update.c).
 * TOP does not: it is how clients preview a message without taking it
 * (fetchmail uses it to leave the Seen state alone).  A message removed by
 * another program since login answers "-ERR [SYS/TEMP]" and the session
 * goes on.  A read error after "+OK" has gone out ends the connection, so
 * that a client can never take a cut message for a whole one.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "pop3d_session.h"

#define POP3D_SEND_CHUNK 131072

/* Send message i (after the checks): 1 when sent, 0 after answering
 * -ERR, -1 when the session must end. */
static int pop3d_send_message(pop3d_session_t *sess, size_t i, long top_lines)
{
	mailbox_msg_t *msg = &sess->msgs[i];
	pop3d_dot_t st;
	char *chunk;
	int fd = mailbox_msg_open(sess->mb, msg), err;
	ssize_t n = 0;

	if (fd < 0) {
		if (errno == ENOENT) {
			log_warn("user=<%s>: message %s was removed by another program",
				 sess->info.user, msg->base);
			pop3d_err(sess->s, POP3D_RC_SYS_TEMP,
				  "Message %zu was removed by another program", i + 1);
		} else {
			log_error("user=<%s>: open message %s: %m", sess->info.user,
				  msg->name);
			pop3d_err(sess->s, POP3D_RC_SYS_TEMP,
				  "Message %zu cannot be read", i + 1);
		}
		sess->nerrors++;
		return 0;
	}
	if (top_lines < 0)
		pop3d_ok(sess->s, "%lld octets", msg->wsize);
	else
		pop3d_ok(sess->s, "Top of message follows");
	pop3d_dot_init(&st, sess->s, top_lines);
	chunk = mem_alloc(POP3D_SEND_CHUNK);
	while (!st.done && stream_status(sess->s) == STREAM_OK) {
		n = read(fd, chunk, POP3D_SEND_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		pop3d_dot_write(&st, chunk, (size_t) n);
	}
	err = errno;
	mem_free(chunk);
	close(fd);
	if (n < 0) {
		errno = err;
		log_error("user=<%s>: read message %s: %m; closing the connection",
			  sess->info.user, msg->name);
		sess->state = POP3D_CLOSED;
		return -1;
	}
	pop3d_dot_end(&st);
	sess->sent_octets += st.octets;
	if (top_lines < 0 && st.octets != msg->wsize)
		log_warn("user=<%s>: message %s: %lld octets sent, its name says %lld",
			 sess->info.user, msg->name, st.octets, msg->wsize);
	return 1;
}

/* TOP's line count: any run of digits; clients ask for "all" with huge
 * numbers (fetchmail: 99999999), so large values saturate. */
static int pop3d_top_lines(const char *arg, long *out)
{
	long v = 0;

	if (*arg == '\0')
		return -1;
	for (; *arg != '\0'; arg++) {
		if (*arg < '0' || *arg > '9')
			return -1;
		if (v < 1000000000L)
			v = v * 10 + (*arg - '0');
	}
	*out = v;
	return 0;
}

void pop3d_cmd_retr(pop3d_session_t *sess)
{
	size_t i;

	if (pop3d_session_msg(sess, sess->cmd.args[0], 0, &i) == NULL) {
		sess->nerrors++;
		return;
	}
	if (pop3d_send_message(sess, i, -1) == 1) {
		sess->marks[i] |= POP3D_MSG_RETRIEVED;
		sess->nretr++;
	}
}

void pop3d_cmd_top(pop3d_session_t *sess)
{
	size_t i;
	long lines;

	if (pop3d_session_msg(sess, sess->cmd.args[0], 0, &i) == NULL) {
		sess->nerrors++;
		return;
	}
	if (pop3d_top_lines(sess->cmd.args[1], &lines) < 0) {
		sess->nerrors++;
		pop3d_err(sess->s, NULL, "Invalid number of lines");
		return;
	}
	if (pop3d_send_message(sess, i, lines) == 1)
		sess->ntop++;
}

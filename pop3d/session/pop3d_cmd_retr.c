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
 *
 * After sending message n the next one is opened and the kernel asked to
 * start reading it (POSIX_FADV_WILLNEED) while the client is still busy
 * with n: mail fetched over POP3 has usually left the page cache since it
 * arrived, and a client that walks the list in order then finds the next
 * message in memory.  A message that another program renames meanwhile
 * is still the same file; one that it removes is found out by the check
 * made when the message is wanted (mailbox_msg_verify()).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "pop3d_session.h"

#define POP3D_SEND_CHUNK 131072

void pop3d_read_ahead_drop(pop3d_session_t *sess)
{
	if (sess->ahead_fd >= 0)
		close(sess->ahead_fd);
	sess->ahead_fd = -1;
}

/* Open the first message after i that is not marked deleted, and start
 * reading it.  Failures are left to the RETR that may follow. */
static void pop3d_read_ahead(pop3d_session_t *sess, size_t i)
{
	size_t j = i + 1;

	pop3d_read_ahead_drop(sess);
	while (j < sess->nmsgs && (sess->marks[j] & POP3D_MSG_DELETED))
		j++;
	if (j >= sess->nmsgs)
		return;
	sess->ahead_fd = mailbox_msg_open_unverified(sess->mb, &sess->msgs[j]);
	if (sess->ahead_fd < 0)
		return;
	sess->ahead_index = j;
	/* Whole file (length 0); on anything but a regular file it fails,
	 * and mailbox_msg_verify() refuses that file later anyway. */
	(void) posix_fadvise(sess->ahead_fd, 0, 0, POSIX_FADV_WILLNEED);
}

/* Message i for reading, checked: the one read ahead, or opened now. */
static int pop3d_message_fd(pop3d_session_t *sess, size_t i, off_t *size_r)
{
	int fd, err;

	if (sess->ahead_fd < 0 || sess->ahead_index != i) {
		pop3d_read_ahead_drop(sess);
		return mailbox_msg_open(sess->mb, &sess->msgs[i], size_r);
	}
	fd = sess->ahead_fd;
	sess->ahead_fd = -1;
	if (mailbox_msg_verify(fd, size_r) == 0)
		return fd;
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

/* Send message i (after the checks): 1 when sent, 0 after answering
 * -ERR, -1 when the session must end. */
static int pop3d_send_message(pop3d_session_t *sess, size_t i, long top_lines)
{
	mailbox_msg_t *msg = &sess->msgs[i];
	pop3d_dot_t st;
	char *chunk;
	off_t left = 0;
	int fd = pop3d_message_fd(sess, i, &left), err;
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
	/* Up to the size fstat gave: no read(2) just to see the end. */
	while (left > 0 && !st.done && stream_status(sess->s) == STREAM_OK) {
		n = read(fd, chunk, left < POP3D_SEND_CHUNK ? (size_t) left :
			 POP3D_SEND_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		pop3d_dot_write(&st, chunk, (size_t) n);
		left -= n;
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
	/* The client first: unless it pipelined more commands (whose answers
	 * go out together), the message leaves before the read-ahead. */
	if (stream_pending(sess->s) == 0)
		stream_flush(sess->s);
	pop3d_read_ahead(sess, i);
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

/* local_spawn.c - system_accounts mode: a root parent that only forks and
 * switches ids, a reader that parses, writers that deliver.
 *
 * With system_accounts = yes local must become any system user, so it
 * stays uid 0 with CAP_SETUID and CAP_SETGID alone.  That process parses
 * nothing (architecture §2; qmail's qmail-lspawn is the model):
 *
 *   root parent   for each qmgr connection, forks the reader and then
 *                 answers only the reader's spawn requests: one fixed-size
 *                 binary message (uid, gid) with one descriptor, checked
 *                 field by field; it forks a writer that takes on that
 *                 user's ids (never uid 0), and reaps its children.
 *   reader        drops to vmail_owner first, then does everything that
 *                 parses: qmgr's records (local.c), auth's replies
 *                 (local_resolve.c), the writers' results; it delivers to
 *                 virtual users itself, as local does without system
 *                 accounts.
 *   writer        one per request and system user: as that user, reads
 *                 its job (the queue file descriptor, the message's place
 *                 in it and its recipients' mailboxes) from the reader
 *                 over a socketpair, delivers (local_deliver.c), and
 *                 writes one result line per recipient back.
 *
 * SECURITY: the parent trusts the reader no further than the message
 * format allows: a wrong size, anything but exactly one descriptor (all
 * that came are closed), uid 0, or a uid/gid pair that is not a system
 * user's account ends the reader's channel.  The children cannot count on
 * PR_SET_PDEATHSIG (a parent without CAP_KILL may not signal another
 * uid), so each watches its channel instead: when local stops or retires,
 * the parent shuts its side of the channel and the reader leaves at the
 * next request boundary; a writer whose reader has gone delivers nothing
 * more.  Nothing outlives local, which stays under master's care.
 */
#define _GNU_SOURCE	/* MSG_CMSG_CLOEXEC */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attr.h"
#include "daemon.h"
#include "event_wait.h"
#include "local.h"
#include "log.h"
#include "mem.h"
#include "priv.h"

#define LOCAL_SPAWN_MAGIC 0x746c7370u	/* "tlsp" */

/* The one message the reader may send the root parent, and the answer. */
struct local_spawn_msg {
	uint32_t magic;
	uint32_t uid;
	uint32_t gid;
};
struct local_spawn_answer {
	int32_t status;		/* 0: a writer runs; else an errno value */
};

/* In the reader: its end of the channel to the root parent; -1 elsewhere. */
static int local_spawn_fd = -1;

int local_spawn_active(void)
{
	return local_spawn_fd >= 0;
}

int local_spawn_stop_fd(void)
{
	/* The parent never sends unasked: between requests, readable means
	 * end of file. */
	return local_spawn_fd;
}

/* ---- root parent ---- */

/* Writer: take on uid's ids (the parent checked them against passwd),
 * then do the job the reader sends over work. */
static void local_spawn_writer_main(const struct passwd *pw, int work)
{
	if (setgid(pw->pw_gid) < 0 || initgroups(pw->pw_name, pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		log_error("writer: cannot switch to user %s (uid %ld): %s",
			  pw->pw_name, (long) pw->pw_uid, strerror(errno));
		_exit(1);
	}
	/* From uid 0 to another without KEEPCAPS: no capability is left. */
	if (setuid(0) == 0 || geteuid() == 0 || getuid() == 0) {
		log_error("writer: could regain root; stopping");
		_exit(1);
	}
	local_child_job(work);
	_exit(0);
}

/*
 * Wait for the reader's next message.  Waiting is no request, so the
 * watchdog is off meanwhile.  When local is told to stop or retire (the
 * skeleton's retire descriptor wakes the wait), the parent shuts its
 * sending side: the reader sees end of file and leaves at its next request
 * boundary, and can still ask for writers until then.
 */
static void local_spawn_wait(int ctl)
{
	event_wait_t w = EVENT_WAIT_INIT;

	w.fd = ctl;
	w.stop_fd = daemon_retire_fd();
	if (daemon_wait(&w) == EVENT_WAKE_STOP) {
		/* Again after every later wake-up, harmlessly: the retire
		 * descriptor stays readable. */
		shutdown(ctl, SHUT_WR);
		w.stop_fd = -1;
		(void) daemon_wait(&w);
	}
}

/* One spawn request: 0 answered (the reader goes on), -1 the channel is
 * done (end of file, or a message that breaks the format). */
/* Every descriptor that came with a message, whatever its shape, so that
 * none a broken reader sends stays open here (and in later children). */
#define LOCAL_SPAWN_FDS_MAX 16

static int local_spawn_take_fds(struct msghdr *msg, int *fds, int max)
{
	int n = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k && n < max; i++)
			memcpy(&fds[n++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
	return n;
}

static int local_spawn_one(int ctl)
{
	union {
		struct cmsghdr hdr;
		char space[CMSG_SPACE(LOCAL_SPAWN_FDS_MAX * sizeof(int))];
	} cbuf;
	int fds[LOCAL_SPAWN_FDS_MAX], nfds;
	struct local_spawn_msg m;
	struct local_spawn_answer a = { 0 };
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf.space,
			      .msg_controllen = sizeof(cbuf.space) };
	struct passwd *pw;
	int work;
	ssize_t n;
	pid_t pid;

	local_spawn_wait(ctl);
	do
		n = recvmsg(ctl, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	nfds = local_spawn_take_fds(&msg, fds, LOCAL_SPAWN_FDS_MAX);
	if (n != (ssize_t) sizeof(m) || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    nfds != 1 || m.magic != LOCAL_SPAWN_MAGIC) {
		log_error("reader broke the spawn protocol; closing its channel");
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		return -1;
	}
	work = fds[0];
	pw = getpwuid((uid_t) m.uid);
	if (m.uid == 0 || pw == NULL || pw->pw_gid != (gid_t) m.gid) {
		log_error("reader asked for uid %lu gid %lu, which is no system "
			  "user's account; closing its channel",
			  (unsigned long) m.uid, (unsigned long) m.gid);
		close(work);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		a.status = errno;
	} else if (pid == 0) {
		close(ctl);
		daemon_detach();
		local_spawn_writer_main(pw, work);
	}
	close(work);
	if (send(ctl, &a, sizeof(a), MSG_NOSIGNAL) != (ssize_t) sizeof(a))
		return -1;
	return 0;
}

static void local_spawn_reap(int block)
{
	while (waitpid(-1, NULL, block ? 0 : WNOHANG) > 0)
		;
}

void local_spawn_serve(int *client, void (*reader)(int client))
{
	pid_t pid;
	int ctl[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0) {
		log_error("socketpair: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		close(ctl[0]);
		close(ctl[1]);
		return;
	}
	if (pid == 0) {
		priv_spec_t spec = { local_conf.vmail_owner, NULL, NULL, 0 };

		close(ctl[0]);
		daemon_detach();
		priv_drop(&spec);
		local_spawn_fd = ctl[1];
		reader(*client);
		_exit(0);
	}
	close(ctl[1]);
	/* qmgr's connection is the reader's alone; no writer inherits it. */
	close(*client);
	*client = -1;
	while (local_spawn_one(ctl[0]) == 0)
		local_spawn_reap(0);
	close(ctl[0]);
	/* The reader has left: so have the writers it waited for. */
	local_spawn_reap(1);
}

/* ---- reader ---- */

int local_spawn_writer(uid_t uid, gid_t gid, int work)
{
	union {
		struct cmsghdr hdr;
		char space[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct local_spawn_msg m = { LOCAL_SPAWN_MAGIC, (uint32_t) uid, (uint32_t) gid };
	struct local_spawn_answer a;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf.space,
			      .msg_controllen = sizeof(cbuf.space) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	ssize_t n;

	memset(cbuf.space, 0, sizeof(cbuf.space));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &work, sizeof(int));
	if (sendmsg(local_spawn_fd, &msg, MSG_NOSIGNAL) != (ssize_t) sizeof(m))
		return -1;
	do
		n = recv(local_spawn_fd, &a, sizeof(a), 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t) sizeof(a))
		return -1;
	if (a.status != 0) {
		errno = a.status;
		return -1;
	}
	return 0;
}

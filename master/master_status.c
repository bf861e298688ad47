/* master_status.c - the status channel of each service (a datagram socket) (master_proto.h).
 *
 * Every child of a service writes fixed-size struct master_status records
 * into the service's pipe with one write(2) each; master reads them here and
 * updates its view of the pool: ready (start-up), busy/idle (whether the
 * pool needs another process), failed (the child will exit before serving,
 * which is a reason to throttle), draining (a many-client process that
 * accepts no more: out of the pool's count and of maxproc for good, alive
 * until its last clients leave).
 *
 * SECURITY: the writers are unprivileged children.  A report is believed
 * only from the process it is about (the kernel names the sender:
 * SO_PASSCRED), and only for a pid that master started for this very
 * service and generation; anything else is logged and dropped, so no
 * child can steer its siblings or another service's pool.
 */
#define _GNU_SOURCE	/* struct ucred */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "master.h"

static void master_status_apply(master_service_t *s, const struct master_status *st)
{
	master_proc_t *p = master_proc_find(s, st->pid);

	if (p == NULL || st->gen != s->gen) {
		log_warn("service %s: status report from pid %ld generation %u "
			 "that is not ours", s->def->name, (long) st->pid, st->gen);
		return;
	}
	switch (st->kind) {
	case MASTER_STAT_READY:
		p->ready = 1;
		break;
	case MASTER_STAT_BUSY:
		/* A draining process's reports change nothing: it is out of
		 * the count for good. */
		if (p->draining)
			break;
		if (!p->busy)
			s->nbusy++;
		p->busy = 1;
		/* A process that serves clients ends the crash streak. */
		s->crashes = 0;
		break;
	case MASTER_STAT_IDLE:
		if (p->draining)
			break;
		if (p->busy)
			s->nbusy--;
		p->busy = 0;
		break;
	case MASTER_STAT_DRAINING:
		if (p->draining)
			break;
		/* A backstop: however processes come to drain, no more of
		 * them than maxproc leave the count; past that a draining
		 * process holds its place as a busy one (it takes no new
		 * client, so it must not count as available either). */
		if (s->def->maxproc > 0 && s->ndraining >= s->def->maxproc) {
			log_warn("service %s: %d processes draining already; pid "
				 "%ld stays counted against maxproc", s->def->name,
				 s->ndraining, (long) st->pid);
			if (!p->busy)
				s->nbusy++;
			p->busy = 1;
			break;
		}
		if (p->busy)
			s->nbusy--;
		p->busy = 0;
		p->draining = 1;
		s->nprocs--;
		s->ndraining++;
		break;
	case MASTER_STAT_FAILED:
		/* It will exit; treat it as busy so it is not counted as
		 * available, and its exit as a failure before ready.  A
		 * draining process is in neither count: raising nbusy for it
		 * would outlive it (master_proc_unlink lowers only
		 * ndraining). */
		if (p->draining)
			break;
		if (!p->busy)
			s->nbusy++;
		p->busy = 1;
		p->ready = 0;
		break;
	default:
		log_warn("service %s: unknown status %d from pid %ld",
			 s->def->name, st->kind, (long) st->pid);
		return;
	}
	if (!s->retired) {
		master_service_adjust(s);
		master_check_started();
	}
}

/* One record per datagram, with the sender's pid from the kernel
 * (SCM_CREDENTIALS): a record is believed only about the process that
 * sent it, so a taken-over child cannot speak for its siblings (audit
 * i12-18: forged DRAINING reports made master start processes without
 * bound). */
static void master_status_read(int fd, int events, void *ctx)
{
	master_service_t *s = ctx;

	(void) events;
	for (;;) {
		struct master_status st;
		struct iovec iov = { &st, sizeof(st) };
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(struct ucred))];
		} control;
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
		};
		struct cmsghdr *cm;
		struct ucred cred = { .pid = 0 };
		ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;
		for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm))
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_CREDENTIALS &&
			    cm->cmsg_len == CMSG_LEN(sizeof(cred)))
				memcpy(&cred, CMSG_DATA(cm), sizeof(cred));
		if ((size_t) n != sizeof(st) || (msg.msg_flags & MSG_TRUNC)) {
			log_warn("service %s: status record of %zd bytes from pid "
				 "%ld dropped", s->def->name, n, (long) cred.pid);
			continue;
		}
		if (cred.pid <= 0 || cred.pid != st.pid) {
			log_warn("service %s: status report about pid %ld sent by "
				 "pid %ld dropped", s->def->name, (long) st.pid,
				 (long) cred.pid);
			continue;
		}
		master_status_apply(s, &st);
	}
}

void master_status_open(master_service_t *s)
{
	int p[2], on = 1;

	/* Datagrams: one record each, never torn or mixed between
	 * writers.  Only master's end is non-blocking (recvmsg with
	 * MSG_DONTWAIT): the children's single small writes must not fail
	 * just because master is slow to read. */
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, p) < 0)
		log_fatal("socketpair: %s", strerror(errno));
	if (setsockopt(p[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0)
		log_fatal("setsockopt SO_PASSCRED: %s", strerror(errno));
	s->status_rd = p[0];
	s->status_wr = p[1];
	event_add_fd(s->status_rd, EVENT_READ, master_status_read, s);
}

void master_status_close(master_service_t *s)
{
	if (s->status_rd >= 0) {
		event_del_fd(s->status_rd);
		close(s->status_rd);
		close(s->status_wr);
		s->status_rd = s->status_wr = -1;
	}
}

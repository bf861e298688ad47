/* master_status.c - the status pipe of each service (master_proto.h).
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
 * only for a pid that master started for this very service and generation;
 * anything else is logged and dropped, so one service cannot steer
 * another's pool.
 */
#define _GNU_SOURCE	/* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
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

static void master_status_read(int fd, int events, void *ctx)
{
	master_service_t *s = ctx;
	char buf[sizeof(struct master_status) * 64];
	ssize_t n;

	(void) events;
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		for (ssize_t off = 0; off < n;) {
			size_t want = sizeof(s->status_buf) - s->status_len;
			size_t take = (size_t) (n - off) < want ? (size_t) (n - off) : want;

			memcpy(s->status_buf + s->status_len, buf + off, take);
			s->status_len += take;
			off += (ssize_t) take;
			if (s->status_len == sizeof(s->status_buf)) {
				struct master_status st;

				memcpy(&st, s->status_buf, sizeof(st));
				s->status_len = 0;
				master_status_apply(s, &st);
			}
		}
	}
}

void master_status_open(master_service_t *s)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		log_fatal("pipe2: %s", strerror(errno));
	/* Only master's end is non-blocking: the children's single small
	 * writes must not fail just because master is slow to read. */
	if (fcntl(p[0], F_SETFL, O_NONBLOCK) < 0)
		log_fatal("fcntl: %s", strerror(errno));
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

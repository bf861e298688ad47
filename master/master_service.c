/* master_service.c - the process pool of each service.
 *
 * master keeps `process_prefork` processes of each service ready, starts
 * another when none is available and the service is below maxproc (as
 * many as clients already wait on a TCP listener), and
 * for on-demand services (process_prefork = 0) watches the listeners and
 * starts a process when a client waits.  A child that exits abnormally is
 * logged and replaced after a backoff; a service whose child fails before
 * it was ready, or that crashes MASTER_CRASH_LIMIT times within
 * MASTER_CRASH_WINDOW_MS, is throttled for service_throttle_time (its
 * listeners stay open: clients wait in the backlog instead of being
 * refused), and master logs the last line it said (master_output.c).  Retired services (reload) keep their processes until they
 * have finished their clients.
 *
 * SECURITY: runs as root; acts only on pids it started itself.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "mem.h"
#include "master.h"

#define MASTER_CRASH_LIMIT	5
#define MASTER_CRASH_WINDOW_MS	10000
#define MASTER_BACKOFF_MS	100	/* doubled per crash in the window */
#define MASTER_FORK_RETRY_MS	1000

master_service_t *master_service_new(master_svc_def_t *def, unsigned gen)
{
	master_service_t *s = MEM_NEW(master_service_t);

	s->def = def;
	s->gen = gen;
	s->status_rd = s->status_wr = -1;
	s->output_rd = s->output_wr = -1;
	s->listen_key = master_listen_key(def);
	master_status_open(s);
	master_output_open(s);
	return s;
}

static void master_service_free(master_service_t **sp)
{
	master_service_t *s = *sp;

	if (s->spawn_timer)
		event_cancel_timer(s->spawn_timer);
	if (s->throttle_timer)
		event_cancel_timer(s->throttle_timer);
	master_listen_close(s, 1);
	master_status_close(s);
	master_output_close(s);
	mem_free(s->listen_desc);
	mem_free(s->listen_key);
	master_svc_def_free(&s->def);
	MEM_FREE(*sp);
}

master_proc_t *master_proc_find(master_service_t *s, pid_t pid)
{
	for (master_proc_t *p = s->procs; p != NULL; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

int master_service_ready(const master_service_t *s)
{
	if (s->throttled || s->nprocs < s->def->prefork)
		return 0;
	for (master_proc_t *p = s->procs; p != NULL; p = p->next)
		if (!p->ready)
			return 0;
	return 1;
}

static int master_service_has_room(const master_service_t *s)
{
	return s->def->maxproc == 0 || s->nprocs < s->def->maxproc;
}

static int master_service_start_one(master_service_t *s)
{
	pid_t pid = master_spawn(s);
	master_proc_t *p;

	if (pid < 0)
		return -1;
	p = MEM_NEW(master_proc_t);
	p->pid = pid;
	p->started_ms = event_now_ms();
	p->svc = s;
	p->next = s->procs;
	s->procs = p;
	s->nprocs++;
	return 0;
}

static void master_service_on_spawn_timer(void *ctx)
{
	master_service_t *s = ctx;

	s->spawn_timer = 0;
	master_service_adjust(s);
}

/* A client waits on an on-demand service that has no free process. */
static void master_service_on_client(int fd, int events, void *ctx)
{
	master_service_t *s = ctx;

	(void) fd;
	(void) events;
	master_listen_watch(s, 0);
	if (master_service_has_room(s) && master_service_start_one(s) < 0)
		s->next_spawn_ms = event_now_ms() + MASTER_FORK_RETRY_MS;
	master_service_adjust(s);
}

void master_listen_watch(master_service_t *s, int on)
{
	if (on == s->watching)
		return;
	for (int i = 0; i < s->nfds; i++) {
		if (on)
			event_add_fd(s->fds[i], EVENT_READ, master_service_on_client, s);
		else
			event_del_fd(s->fds[i]);
	}
	s->watching = on;
}

/* Clients waiting in the accept queues of the service's TCP listeners
 * (TCP_INFO of a listener gives the queue length as tcpi_unacked); 0 for
 * UNIX sockets, where nothing tells. */
static int master_service_waiting(const master_service_t *s)
{
	int n = 0;

	for (int i = 0; i < s->nfds; i++) {
		struct tcp_info ti;
		socklen_t len = sizeof(ti);

		if (getsockopt(s->fds[i], IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
		    ti.tcpi_state == TCP_LISTEN)
			n += (int) ti.tcpi_unacked;
	}
	return n;
}

/* Processes that have not said busy (starting, or idle) count as
 * available.  Besides the prefork rule, there are as many of them as
 * clients wait: twenty clients arriving together start twenty processes
 * at once, not one after the other as each one's predecessor takes its
 * client (a ramp of twenty start-ups in a row). */
void master_service_adjust(master_service_t *s)
{
	int64_t now = event_now_ms();
	int waiting;

	if (s->retired || s->throttled || master.stopping) {
		master_listen_watch(s, 0);
		return;
	}
	waiting = master_service_waiting(s);
	while (master_service_has_room(s)) {
		int avail = s->nprocs - s->nbusy;

		if (s->nprocs >= s->def->prefork &&
		    (avail > 0 || s->def->prefork == 0) && avail >= waiting)
			break;
		if (now < s->next_spawn_ms) {
			if (!s->spawn_timer)
				s->spawn_timer = event_add_timer(
					(long) (s->next_spawn_ms - now),
					master_service_on_spawn_timer, s);
			break;
		}
		if (master_service_start_one(s) < 0) {
			s->next_spawn_ms = now + MASTER_FORK_RETRY_MS;
			continue;
		}
	}
	master_listen_watch(s, s->def->prefork == 0 && s->nprocs == s->nbusy &&
			    master_service_has_room(s) && now >= s->next_spawn_ms);
}

void master_service_adjust_all(void)
{
	for (master_service_t *s = master.services; s != NULL; s = s->next)
		master_service_adjust(s);
}

static void master_service_on_unthrottle(void *ctx)
{
	master_service_t *s = ctx;

	s->throttle_timer = 0;
	s->throttled = 0;
	s->crashes = 0;
	s->next_spawn_ms = 0;
	log_info("service %s: throttle time over, starting processes again",
		 s->def->name);
	master_service_adjust(s);
}

/* since_ms: when the failure began; what the service said from then on
 * is the failure's own account of itself. */
static void master_service_throttle(master_service_t *s, const char *reason,
				    int64_t since_ms)
{
	long secs = config_time("service_throttle_time");
	const char *said[MASTER_OUTPUT_LINES];
	int nsaid;

	s->throttled = 1;
	s->crashes = 0;
	log_warn("service %s: throttling: %s; trying again in %ld seconds",
		 s->def->name, reason, secs);
	/* Its last word, beside the verdict: a process that failed before
	 * its log was set up (a bad main.conf) said it nowhere else. */
	master_output_drain(s);
	nsaid = master_output_since(s, since_ms, said);
	if (nsaid > 0)
		log_warn("service %s: last output: %s", s->def->name,
			 said[nsaid - 1]);
	master_listen_watch(s, 0);
	s->throttle_timer = event_add_timer(secs * 1000,
					    master_service_on_unthrottle, s);
	if (master.ready_fd >= 0)
		master_start_failed_service(s, since_ms, "service %s: throttling: %s",
					    s->def->name, reason);
}

/* Crash bookkeeping for a child that had been ready. */
static void master_service_crashed(master_service_t *s)
{
	int64_t now = event_now_ms();

	if (now - s->crash_window_ms > MASTER_CRASH_WINDOW_MS) {
		s->crash_window_ms = now;
		s->crashes = 0;
	}
	if (++s->crashes >= MASTER_CRASH_LIMIT) {
		char *why = mem_printf("%d abnormal exits within %d seconds",
				       s->crashes, MASTER_CRASH_WINDOW_MS / 1000);

		master_service_throttle(s, why, s->crash_window_ms);
		mem_free(why);
		return;
	}
	s->next_spawn_ms = now + ((int64_t) MASTER_BACKOFF_MS << (s->crashes - 1));
}

void master_service_retire(master_service_t *s)
{
	s->retired = 1;
	master_listen_close(s, 1);
	if (s->spawn_timer)
		event_cancel_timer(s->spawn_timer);
	if (s->throttle_timer)
		event_cancel_timer(s->throttle_timer);
	s->spawn_timer = s->throttle_timer = 0;
	for (master_proc_t *p = s->procs; p != NULL; p = p->next)
		kill(p->pid, SIGHUP);
	if (s->nprocs + s->ndraining == 0) {
		master_service_free(&s);
		return;
	}
	s->next = master.retired;
	master.retired = s;
}

void master_service_signal_all(int signo)
{
	master_service_t *lists[2] = { master.services, master.retired };

	for (int i = 0; i < 2; i++)
		for (master_service_t *s = lists[i]; s != NULL; s = s->next)
			for (master_proc_t *p = s->procs; p != NULL; p = p->next)
				kill(p->pid, signo);
}

int master_service_count_procs(void)
{
	master_service_t *lists[2] = { master.services, master.retired };
	int n = 0;

	for (int i = 0; i < 2; i++)
		for (master_service_t *s = lists[i]; s != NULL; s = s->next)
			n += s->nprocs + s->ndraining;
	return n;
}

static master_proc_t *master_proc_unlink(master_service_t *list, pid_t pid)
{
	for (master_service_t *s = list; s != NULL; s = s->next) {
		for (master_proc_t **pp = &s->procs; *pp != NULL; pp = &(*pp)->next) {
			master_proc_t *p = *pp;

			if (p->pid != pid)
				continue;
			*pp = p->next;
			if (p->draining) {
				s->ndraining--;
			} else {
				s->nprocs--;
				if (p->busy)
					s->nbusy--;
			}
			return p;
		}
	}
	return NULL;
}

static void master_proc_exited(pid_t pid, int status)
{
	master_proc_t *p = master_proc_unlink(master.services, pid);
	master_service_t *s;
	int abnormal = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	int was_ready;
	int64_t started_ms;

	if (p == NULL)
		p = master_proc_unlink(master.retired, pid);
	if (p == NULL)
		return;		/* not a service process (detach helper) */
	s = p->svc;
	was_ready = p->ready;
	started_ms = p->started_ms;
	mem_free(p);
	if (WIFSIGNALED(status))
		log_warn("process %s pid %ld terminated on signal %d",
			 s->def->path, (long) pid, WTERMSIG(status));
	else if (abnormal)
		log_warn("process %s pid %ld exit status %d",
			 s->def->path, (long) pid, WEXITSTATUS(status));

	if (s->retired) {
		if (s->nprocs + s->ndraining == 0) {
			master_service_t **sp = &master.retired;

			while (*sp != s)
				sp = &(*sp)->next;
			*sp = s->next;
			master_service_free(&s);
		}
		return;
	}
	if (master.stopping)
		return;
	if (abnormal && !was_ready) {
		char *why = mem_printf("process %s pid %ld failed before it was ready",
				       s->def->path, (long) pid);

		master_service_throttle(s, why, started_ms);
		mem_free(why);
	} else if (abnormal) {
		master_service_crashed(s);
	}
	master_service_adjust(s);
}

void master_service_reap(void)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		master_proc_exited(pid, status);
	if (pid < 0 && errno != ECHILD)
		log_warn("waitpid: %s", strerror(errno));
	if (master.stopping)
		master_check_stopped();
	else
		master_check_started();
}

/* local_child.c - where mail is written: in local itself, or in a
 * delivery child running as the mailbox owner.
 *
 * When local already runs as the mailbox owner and not as root - virtual
 * users, where local dropped to vmail_owner with no capabilities, or an
 * instance started by an ordinary user - there are no ids to switch and
 * the recipients are delivered in this process, without a fork.
 *
 * Otherwise local is the privileged parent of system_accounts mode, which
 * only forks and switches ids (DESIGN §2): one child per request and
 * mailbox owner takes on that user's ids, refuses to continue as uid 0,
 * reads the message and writes the Maildirs.  Its results come back over
 * a pipe, one line per recipient, "N DSN TEXT"; a recipient without a
 * line (the child died) is a temporary failure.
 */
#define _GNU_SOURCE	/* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "local.h"
#include "log.h"
#include "mem.h"
#include "priv.h"

/* Room for one result line; longer texts are cut. */
#define LOCAL_CHILD_LINE 2048

static void local_child_become(const local_rcpt_t *r)
{
	if (!priv_is_root())
		return;		/* not root: everything runs as the caller */
	if (r->uid == 0) {
		log_error("refusing to deliver as uid 0 (%s)", r->lower);
		_exit(1);
	}
	if (setgid(r->gid) < 0 || initgroups(r->user, r->gid) < 0 ||
	    setuid(r->uid) < 0) {
		log_error("cannot switch to user %s (uid %ld): %s", r->user,
			  (long) r->uid, strerror(errno));
		_exit(1);
	}
	if (setuid(0) == 0 || geteuid() == 0) {
		log_error("delivery child could regain root; stopping");
		_exit(1);
	}
}

static int local_child_same(const local_rcpt_t *a, const local_rcpt_t *b)
{
	return b->resolved && b->dsn.len == 0 && a->uid == b->uid;
}

static void local_child_write(int fd, size_t i, const local_rcpt_t *r)
{
	buf_t line = BUF_INIT;

	buf_printf(&line, "%zu %s ", i, buf_str(&r->dsn));
	for (const char *s = buf_str(&r->text); *s &&
	     line.len < LOCAL_CHILD_LINE - 2; s++)
		buf_putc(&line, *s == '\n' || *s == '\r' ? ' ' : *s);
	buf_putc(&line, '\n');
	if (write(fd, line.data, line.len) != (ssize_t) line.len)
		_exit(1);
	buf_release(&line);
}

/* Deliver the recipients of rcpts[first]'s user; each result is also
 * written to out when out >= 0 (the child's pipe). */
static void local_child_deliver(const local_req_t *req, local_rcpt_t *rcpts,
				size_t n, size_t first, int out)
{
	const local_rcpt_t *who = &rcpts[first];
	buf_t hdr = BUF_INIT;
	int hdr_ok, err;

	hdr_ok = local_deliver_header(req, &hdr) == 0;
	err = errno;
	for (size_t i = first; i < n; i++) {
		local_rcpt_t *r = &rcpts[i];

		if (i != first && !local_child_same(who, r))
			continue;
		if (hdr_ok) {
			local_deliver_one(req, r, &hdr);
		} else {
			buf_set(&r->dsn, "4.3.0");
			buf_printf(&r->text, "cannot read the message: %s",
				   strerror(err));
		}
		if (out >= 0)
			local_child_write(out, i, r);
	}
	buf_release(&hdr);
}

static void local_child_main(const local_req_t *req, local_rcpt_t *rcpts,
			     size_t n, size_t first, int out, pid_t parent)
{
	local_child_become(&rcpts[first]);
	/* A delivery whose result can no longer reach qmgr must not finish:
	 * qmgr will retry it, and finishing too would deliver it twice.  Set
	 * after the id switch, which clears it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
		_exit(1);
	local_child_deliver(req, rcpts, n, first, out);
	_exit(0);
}

/* Is a child needed to write as who?  Only to switch ids, which root does;
 * never to deliver as root. */
static int local_child_needed(const local_rcpt_t *who)
{
	uid_t me = geteuid();

	return me == 0 || who->uid != me;
}

/* Apply one result line from the child. */
static void local_child_apply(char *line, local_rcpt_t *rcpts, size_t n)
{
	char *end, *dsn, *text;
	unsigned long i = strtoul(line, &end, 10);

	if (end == line || *end != ' ' || i >= n)
		return;
	dsn = end + 1;
	text = strchr(dsn, ' ');
	if (text == NULL || text - dsn != 5)
		return;
	*text++ = '\0';
	buf_set(&rcpts[i].dsn, dsn);
	buf_set(&rcpts[i].text, text);
}

static void local_child_collect(int in, local_rcpt_t *rcpts, size_t n)
{
	int timeout = (int) config_time("daemon_timeout");
	size_t limit = (n + 1) * LOCAL_CHILD_LINE;
	buf_t got = BUF_INIT;
	char chunk[4096];

	for (;;) {
		struct pollfd pfd = { .fd = in, .events = POLLIN };
		int r = poll(&pfd, 1, timeout > 0 ? timeout * 1000 : -1);
		ssize_t k;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		k = read(in, chunk, sizeof(chunk));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0 || got.len + (size_t) k > limit)
			break;
		buf_append(&got, chunk, (size_t) k);
	}
	for (char *line = got.data, *nl; line && (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = '\0';
		local_child_apply(line, rcpts, n);
	}
	buf_release(&got);
}

void local_child_run(const local_req_t *req, local_rcpt_t *rcpts, size_t n,
		     size_t first)
{
	local_rcpt_t *who = &rcpts[first];
	int p[2], status = 0;
	pid_t pid, parent;
	char *why = NULL;

	if (!local_child_needed(who)) {
		local_child_deliver(req, rcpts, n, first, -1);
		return;
	}
	parent = getpid();
	if (pipe2(p, O_CLOEXEC) < 0) {
		why = mem_printf("pipe: %s", strerror(errno));
	} else if ((pid = fork()) < 0) {
		why = mem_printf("fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
	} else if (pid == 0) {
		close(p[0]);
		local_child_main(req, rcpts, n, first, p[1], parent);
	} else {
		close(p[1]);
		local_child_collect(p[0], rcpts, n);
		close(p[0]);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			why = WIFSIGNALED(status) ?
				mem_printf("delivery process killed by signal %d",
					   WTERMSIG(status)) :
				mem_printf("delivery process failed (status %d)",
					   WEXITSTATUS(status));
	}
	for (size_t i = first; i < n; i++) {
		local_rcpt_t *r = &rcpts[i];

		if ((i == first || (r->resolved && r->uid == who->uid)) &&
		    r->dsn.len == 0) {
			buf_set(&r->dsn, "4.3.0");
			buf_set(&r->text, why ? why : "no result from the "
				"delivery process");
		}
	}
	mem_free(why);
}

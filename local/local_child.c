/* local_child.c - where mail is written: in local itself, or by a writer
 * running as the mailbox owner.
 *
 * When local already runs as the mailbox owner - virtual users, delivered
 * by local as vmail_owner (or by the reader of system_accounts mode, which
 * is vmail_owner too), or an instance started by an ordinary user - the
 * recipients are delivered in this process.
 *
 * A system account needs a writer with that user's ids: the reader of
 * system_accounts mode (local_spawn.c) asks the root parent for one and
 * sends it its job over a socketpair - the queue file descriptor, the
 * message's place in it, and each recipient's position and address - and
 * the writer delivers into its own user's ~/Maildir, whatever the reader
 * says.  Results come back one line per recipient, "N DSN TEXT"; a
 * recipient without a line (the writer died) is a temporary failure.
 */
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attr.h"
#include "local.h"
#include "log.h"
#include "mem.h"

/* Room for one result line; longer texts are cut. */
#define LOCAL_CHILD_LINE 2048

static int local_child_same(const local_rcpt_t *a, const local_rcpt_t *b)
{
	return b->resolved && b->dsn.len == 0 && a->uid == b->uid;
}

/* One result line; tag is the recipient's position in the array of the
 * process that reads the line. */
static void local_child_write(int fd, const char *tag, const local_rcpt_t *r)
{
	buf_t line = BUF_INIT;

	buf_printf(&line, "%s %s ", tag, buf_str(&r->dsn));
	for (const char *s = buf_str(&r->text); *s &&
	     line.len < LOCAL_CHILD_LINE - 2; s++)
		buf_putc(&line, *s == '\n' || *s == '\r' ? ' ' : *s);
	buf_putc(&line, '\n');
	if (write(fd, line.data, line.len) != (ssize_t) line.len)
		_exit(1);
	buf_release(&line);
}

/* Deliver the recipients of rcpts[first]'s user; each result is also
 * written to out when out >= 0 (the child's pipe or the writer's
 * socket), tagged with its position here, or with r->index when
 * by_index (a writer's recipients carry the reader's positions). */
static void local_child_deliver(const local_req_t *req, local_rcpt_t *rcpts,
				size_t n, size_t first, int out, int by_index)
{
	const local_rcpt_t *who = &rcpts[first];
	buf_t hdr = BUF_INIT;
	int hdr_ok, err;

	hdr_ok = local_deliver_header(req, &hdr) == 0;
	err = errno;
	for (size_t i = first; i < n; i++) {
		local_rcpt_t *r = &rcpts[i];
		struct pollfd pfd = { .fd = out, .events = POLLIN };

		if (i != first && !local_child_same(who, r))
			continue;
		/* A writer's reader sends nothing after the job: readable or
		 * hung up means it has gone, and a result nobody will pass on
		 * to qmgr must not be a delivery (it would be repeated). */
		if (by_index && poll(&pfd, 1, 0) > 0) {
			buf_set(&r->dsn, "4.3.0");
			buf_set(&r->text, "the reader went away; not delivered");
		} else if (hdr_ok) {
			local_deliver_one(req, r, &hdr);
		} else {
			buf_set(&r->dsn, "4.3.0");
			buf_printf(&r->text, "cannot read the message: %s",
				   strerror(err));
		}
		if (out >= 0) {
			char tag[32];

			snprintf(tag, sizeof(tag), "%zu", i);
			local_child_write(out, by_index ? r->index : tag, r);
		}
	}
	buf_release(&hdr);
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
	int timeout = local_conf.daemon_timeout;
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

/* The job of a writer: the message and the recipients of who's user. */
static void local_child_send_job(int work, const local_req_t *req,
				 const local_rcpt_t *rcpts, size_t n, size_t first)
{
	attr_t *job = attr_new();

	attr_add(job, "id", req->id);
	attr_add(job, "sender", req->sender);
	attr_addf(job, "offset", "%lld", (long long) req->offset);
	attr_addf(job, "length", "%zu", req->length);
	for (size_t i = first; i < n; i++) {
		if (i != first && !local_child_same(&rcpts[first], &rcpts[i]))
			continue;
		attr_addf(job, "i", "%zu", i);
		attr_add(job, "lower", rcpts[i].lower);
	}
	if (attr_send_fd(work, job, req->fd) != ATTR_OK)
		log_warn("%s: cannot send a writer its job: %s", req->id,
			 strerror(errno));
	attr_free(&job);
}

/* Reader side of system_accounts mode: a writer from the root parent. */
static char *local_child_spawned(const local_req_t *req, local_rcpt_t *rcpts,
				 size_t n, size_t first)
{
	const local_rcpt_t *who = &rcpts[first];
	int w[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, w) < 0)
		return mem_printf("socketpair: %s", strerror(errno));
	if (local_spawn_writer(who->uid, who->gid, w[1]) < 0) {
		int err = errno;

		close(w[0]);
		close(w[1]);
		return mem_printf("no writer for %s: %s", who->user, strerror(err));
	}
	close(w[1]);
	local_child_send_job(w[0], req, rcpts, n, first);
	local_child_collect(w[0], rcpts, n);
	close(w[0]);
	return NULL;
}

static long long local_child_number(const attr_t *a, const char *name)
{
	const char *v = attr_get(a, name);
	char *end;
	long long x;

	if (v == NULL || *v < '0' || *v > '9')
		return -1;
	errno = 0;
	x = strtoll(v, &end, 10);
	return errno || *end ? -1 : x;
}

void local_child_job(int work)
{
	struct passwd *pw = getpwuid(getuid());
	attr_t *job = attr_new();
	local_req_t req;
	local_rcpt_t *rcpts;
	char *mailbox;
	size_t n;
	long long off, len;
	int qfd = -1;

	memset(&req, 0, sizeof(req));
	if (pw == NULL || attr_recv_fd(work, job, &qfd, local_conf.ipc_timeout) != ATTR_OK ||
	    qfd < 0 || (req.id = attr_get(job, "id")) == NULL ||
	    (req.sender = attr_get(job, "sender")) == NULL ||
	    (off = local_child_number(job, "offset")) < 0 ||
	    (len = local_child_number(job, "length")) < 0 ||
	    (n = attr_count_of(job, "i")) == 0 || attr_count_of(job, "lower") != n) {
		log_error("writer: no usable job from the reader");
		_exit(1);
	}
	req.fd = qfd;
	req.offset = (off_t) off;
	req.length = (size_t) len;
	/* The user's own Maildir: never a place the reader names. */
	mailbox = mem_printf("%s/Maildir", pw->pw_dir);
	rcpts = mem_zalloc(n * sizeof(*rcpts));
	for (size_t k = 0; k < n; k++) {
		rcpts[k].index = attr_get_nth(job, "i", k);
		rcpts[k].lower = mem_strdup(attr_get_nth(job, "lower", k));
		rcpts[k].mailbox = mailbox;
		rcpts[k].user = pw->pw_name;
		rcpts[k].uid = pw->pw_uid;
		rcpts[k].resolved = 1;
	}
	local_child_deliver(&req, rcpts, n, 0, work, 1);
	_exit(0);
}

void local_child_run(const local_req_t *req, local_rcpt_t *rcpts, size_t n,
		     size_t first)
{
	local_rcpt_t *who = &rcpts[first];
	char *why = NULL;

	if (!local_child_needed(who)) {
		local_child_deliver(req, rcpts, n, first, -1, 0);
		return;
	}
	if (local_spawn_active())
		why = local_child_spawned(req, rcpts, n, first);
	else
		why = mem_strdup("no way to switch user ids here");
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

/* mailctl_queue.c - `mailctl queue list|show|delete|hold|release|flush|
 * reindex`: the administrator's view of the mail queue.
 *
 * list and show read the queue files themselves, the truth (architecture §4),
 * so they work whether qmgr runs or not.  delete, hold and release act on
 * the files directly, the way qmgr moves them (queue_file_move: link, then
 * unlink, never overwriting): a held message leaves the directories qmgr
 * schedules from, a released one goes back to incoming/ with its results
 * kept, so nothing is delivered twice.  qmgr copes with a file that moves
 * away under it.  After a change qmgr is asked over private/qmgr to wake
 * up and to rebuild its index; flush and reindex are only such requests
 * (flush also wakes pickup, for what waits in the maildrop).
 *
 * Files qmgr could not read wait in corrupt/ for the administrator: list
 * shows them in a section of their own, `mailctl check` reports them
 * (mailctl_queue_check) with the one queue limit main.conf can break,
 * delete removes them, and release gives back those that can be read
 * now (moved there by a version with smaller queue limits).
 *
 * As root mailctl acts as root; otherwise as the caller (an instance made
 * by that user).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "dns_wire.h"
#include "deliver_proto.h"
#include "header.h"
#include "log.h"
#include "mailctl.h"
#include "maildrop.h"
#include "mem.h"
#include "queue.h"
#include "sock.h"
#include "stream.h"

/* The directories a message can wait in, in the order list shows them. */
static const char *const mailctl_queue_subs[] = {
	"incoming", "active", "deferred", "hold", NULL
};

/* Most of a message's header that `queue show` prints. */
#define MAILCTL_QUEUE_HEADER_MAX (256 * 1024)

static const char *mailctl_queue_dir(void)
{
	return config_str("queue_directory");
}

/* Ask a queue service over its private socket (qmgr, pickup).  0 ok, -1
 * not reachable or refused. */
static int mailctl_queue_ask(const char *socket, const char *proto,
			     int version, const char *request, const char *domain,
			     int quiet)
{
	char *path = mem_printf("%s/%s", mailctl_queue_dir(), socket);
	int fd = sock_connect_unix(path, (int) config_time("ipc_timeout"));
	attr_t *a, *reply;
	stream_t *s;
	int r = -1;

	if (fd < 0) {
		if (!quiet)
			log_error("%s is not reachable at %s: %s", proto, path,
				  strerror(errno));
		mem_free(path);
		return -1;
	}
	s = stream_open(fd);
	stream_set_timeout(s, (int) config_time("ipc_timeout"));
	a = attr_new();
	reply = attr_new();
	attr_add(a, "request", request);
	if (domain != NULL)
		attr_add(a, "domain", domain);
	if (attr_hello_write(s, proto, version) == ATTR_OK &&
	    attr_write(s, a) == ATTR_OK && attr_read(s, reply) == ATTR_OK &&
	    attr_get(reply, "status") && strcmp(attr_get(reply, "status"), "ok") == 0)
		r = 0;
	else if (!quiet)
		log_error("%s did not accept request=%s", proto, request);
	attr_free(&a);
	attr_free(&reply);
	stream_close(&s);
	mem_free(path);
	return r;
}

static int mailctl_queue_qmgr(const char *request, const char *domain, int quiet)
{
	return mailctl_queue_ask(QMGR_SOCKET, QMGR_PROTO, QMGR_VERSION, request,
				 domain, quiet);
}

/* A queue file, as root, in a directory mail_owner writes: never through a
 * link, and only a regular file (a FIFO planted there would hang every
 * queue command).  -1 otherwise. */
static int mailctl_queue_open_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;

	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		log_warn("%s: not a regular file; ignored", path);
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

/* Open the file of id in any queue directory; its directory in *sub_r. */
static int mailctl_queue_open(const char *id, const char **sub_r)
{
	for (size_t i = 0; mailctl_queue_subs[i]; i++) {
		char *path = mem_printf("%s/%s/%s", mailctl_queue_dir(),
					mailctl_queue_subs[i], id);
		int fd = mailctl_queue_open_file(path);

		mem_free(path);
		if (fd >= 0) {
			*sub_r = mailctl_queue_subs[i];
			return fd;
		}
	}
	return -1;
}

static int mailctl_queue_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Sorted queue ids in one directory. */
static size_t mailctl_queue_ids(const char *sub, char ***ids_r)
{
	char *path = mem_printf("%s/%s", mailctl_queue_dir(), sub);
	DIR *d = opendir(path);
	struct dirent *de;
	char **ids = NULL;
	size_t n = 0;

	if (d == NULL)
		log_fatal("open %s: %s", path, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (!queue_id_valid(de->d_name))
			continue;
		ids = mem_reallocarray(ids, n + 1, sizeof(char *));
		ids[n++] = mem_strdup(de->d_name);
	}
	closedir(d);
	mem_free(path);
	if (n > 0)
		qsort(ids, n, sizeof(char *), mailctl_queue_cmp);
	*ids_r = ids;
	return n;
}

static void mailctl_queue_free_ids(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mem_free(ids[i]);
	mem_free(ids);
}

static const char *mailctl_queue_state_name(enum queue_rcpt_state s)
{
	static const char *const names[] = { "pending", "deferred", "delivered",
					     "failed", "bounced", "expanded" };

	return names[s];
}

static void mailctl_queue_time(const char *epoch, char out[32])
{
	time_t t = epoch ? (time_t) strtoll(epoch, NULL, 10) : 0;
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm);
}

/* t as `queue list` shows it, with the zone's offset and how long ago
 * or how soon: "2026-12-07 04:50:12 +0100 (3 minutes ago)". */
static void mailctl_queue_when(time_t t, buf_t *out)
{
	static const struct { long secs; const char *unit; } units[] = {
		{ 86400, "day" }, { 3600, "hour" }, { 60, "minute" }, { 1, "second" },
	};
	time_t now = time(NULL);
	long d = (long) (t > now ? t - now : now - t);
	char stamp[48];
	struct tm tm;
	size_t u = 0;

	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S %z", &tm);
	while (u + 1 < sizeof(units) / sizeof(units[0]) && d < units[u].secs)
		u++;
	d /= units[u].secs;
	if (d == 0)
		buf_printf(out, "%s (now)", stamp);
	else
		buf_printf(out, "%s (%s%ld %s%s%s)", stamp, t > now ? "in " : "", d,
			   units[u].unit, d == 1 ? "" : "s", t > now ? "" : " ago");
}

/* An envelope attribute that holds a time: shown as mailctl_queue_when(). */
static int mailctl_queue_show_time(const char *name, const char *value)
{
	buf_t when = BUF_INIT;
	char *end;
	long long t;

	if (strcmp(name, "arrival") != 0)
		return 0;
	t = strtoll(value, &end, 10);
	if (end == value || (*end != '\0' && *end != '.'))
		return 0;
	mailctl_queue_when((time_t) t, &when);
	printf("%s: %s\n", name, buf_str(&when));
	buf_release(&when);
	return 1;
}

/*
 * Envelope values and header fields came from the network (HELO, ORCPT,
 * ENVID, DSN texts of remote servers): written to a terminal as they are,
 * a control character could move the cursor or rewrite what the
 * administrator reads.  Each is shown as \xHH (and a backslash doubled);
 * keep_lines keeps LF and TAB, for header fields.
 */
static void mailctl_queue_put(const char *s, size_t len, int keep_lines)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char) s[i];

		if (c == '\\')
			fputs("\\\\", stdout);
		else if ((c < 0x20 || c == 0x7f) &&
			 !(keep_lines && (c == '\n' || c == '\t')))
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static void mailctl_queue_puts(const char *s)
{
	if (s != NULL)
		mailctl_queue_put(s, strlen(s), 0);
}

/* One entry of `queue list`; 1 when shown. */
static int mailctl_queue_list_one(const char *sub, const char *id, size_t *bytes)
{
	char *path = mem_printf("%s/%s/%s", mailctl_queue_dir(), sub, id);
	int fd = mailctl_queue_open_file(path);
	const char *err, *sender;
	char when[32];
	queue_msg_t q;

	mem_free(path);
	if (fd < 0)
		return 0;	/* moved on meanwhile */
	if (queue_msg_read(fd, &q, &err) < 0) {
		printf("%-21s  %-8s  (unreadable: %s)\n", id, sub, err);
		close(fd);
		return 1;
	}
	close(fd);
	sender = attr_get(q.env, "sender");
	mailctl_queue_time(attr_get(q.env, "arrival"), when);
	printf("%-21s  %-8s  %9zu  %s  <", id, sub, q.content_len, when);
	mailctl_queue_puts(sender);
	fputs(">\n", stdout);
	for (size_t i = 0; i < q.nrcpts; i++) {
		const queue_rcpt_t *r = &q.rcpts[i];

		if (r->state == QUEUE_RCPT_DONE || r->state == QUEUE_RCPT_NOTIFIED ||
		    r->state == QUEUE_RCPT_EXPANDED)
			continue;
		fputs("    ", stdout);
		mailctl_queue_puts(r->addr);
		if (r->text) {
			fputs("  (", stdout);
			if (r->dsn != NULL) {
				mailctl_queue_puts(r->dsn);
				putchar(' ');
			}
			mailctl_queue_puts(r->text);
			putchar(')');
		}
		if (r->state == QUEUE_RCPT_DEFERRED && r->next_try > 0) {
			buf_t next = BUF_INIT;

			mailctl_queue_when(r->next_try, &next);
			printf("  next try %s", buf_str(&next));
			buf_release(&next);
		}
		putchar('\n');
	}
	*bytes += q.content_len;
	queue_msg_clear(&q);
	return 1;
}

/* The queue ids in corrupt/, sorted; -1 with errno when it cannot be
 * read (mailctl_queue_ids() would end the program: check goes on). */
static ssize_t mailctl_queue_corrupt_ids(char ***ids_r)
{
	char *path = mem_printf("%s/corrupt", mailctl_queue_dir());
	int ok = access(path, R_OK | X_OK) == 0;

	mem_free(path);
	*ids_r = NULL;
	if (!ok)
		return -1;
	return (ssize_t) mailctl_queue_ids("corrupt", ids_r);
}

/* Why qmgr cannot read sub/id, or NULL when it can (a file moved to
 * corrupt/ by an older version with smaller limits); its size in *size_r. */
static const char *mailctl_queue_unreadable(const char *sub, const char *id,
					    off_t *size_r)
{
	char *path = mem_printf("%s/%s/%s", mailctl_queue_dir(), sub, id);
	int fd = mailctl_queue_open_file(path);
	const char *err = "cannot open it";
	struct stat st;
	queue_msg_t q;

	*size_r = 0;
	if (fd >= 0 && fstat(fd, &st) == 0)
		*size_r = st.st_size;
	if (fd >= 0 && queue_msg_read(fd, &q, &err) == 0) {
		err = strcmp(q.id, id) != 0 ?
			"queue id differs from the file name" : NULL;
		queue_msg_clear(&q);
	}
	if (fd >= 0)
		close(fd);
	mem_free(path);
	return err;
}

/* corrupt/: one line per file, with why qmgr could not read it. */
static void mailctl_queue_list_corrupt(void)
{
	char **ids;
	ssize_t n = mailctl_queue_corrupt_ids(&ids);

	if (n <= 0)
		return;
	printf("-- %zd corrupt file%s in %s/corrupt/, never delivered (qmgr(8)):\n",
	       n, n == 1 ? "" : "s", mailctl_queue_dir());
	for (ssize_t i = 0; i < n; i++) {
		off_t size;
		const char *err = mailctl_queue_unreadable("corrupt", ids[i], &size);

		printf("%-21s  %-8s  %9lld  (%s)\n", ids[i], "corrupt",
		       (long long) size, err ? err : "readable now: queue release "
		       "delivers it");
	}
	mailctl_queue_free_ids(ids, (size_t) n);
}

void mailctl_queue_check(buf_t *warnings)
{
	char **ids;
	ssize_t n;

	n = mailctl_queue_corrupt_ids(&ids);
	if (n <= 0)
		return;
	buf_printf(warnings, "queue_directory: %zd file%s in %s/corrupt/ that "
		   "qmgr could not read, never delivered (see `mailctl queue "
		   "list`):", n, n == 1 ? "" : "s", mailctl_queue_dir());
	for (ssize_t i = 0; i < n && i < 10; i++)
		buf_printf(warnings, " %s", ids[i]);
	buf_puts(warnings, n > 10 ? " ...\n" : "\n");
	mailctl_queue_free_ids(ids, (size_t) n);
}

static int mailctl_queue_list(void)
{
	size_t count = 0, bytes = 0;

	for (size_t s = 0; mailctl_queue_subs[s]; s++) {
		char **ids;
		size_t n = mailctl_queue_ids(mailctl_queue_subs[s], &ids);

		for (size_t i = 0; i < n; i++)
			count += (size_t) mailctl_queue_list_one(mailctl_queue_subs[s],
								 ids[i], &bytes);
		mailctl_queue_free_ids(ids, n);
	}
	if (count == 0)
		printf("Mail queue is empty\n");
	else
		printf("-- %zu message%s, %zu bytes\n", count,
		       count == 1 ? "" : "s", bytes);
	mailctl_queue_list_corrupt();
	return MAILCTL_OK;
}

static void mailctl_queue_show_header(int fd, const queue_msg_t *q)
{
	size_t want = q->content_len < MAILCTL_QUEUE_HEADER_MAX ?
		q->content_len : MAILCTL_QUEUE_HEADER_MAX;
	char *data = mem_alloc(want + 1);
	header_field_t f;
	size_t pos = 0, got = 0;

	while (got < want) {
		ssize_t n = pread(fd, data + got, want - got,
				  q->content_off + (off_t) got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t) n;
	}
	while (header_next(data, got, &pos, &f) == 1)
		mailctl_queue_put(f.start, f.len, 1);
	mem_free(data);
}

static int mailctl_queue_show(const char *id)
{
	const char *sub = NULL, *err;
	buf_t when = BUF_INIT;
	queue_msg_t q;
	int fd = queue_id_valid(id) ? mailctl_queue_open(id, &sub) : -1;

	if (fd < 0) {
		log_error("queue show: no message %s in the queue", id);
		return MAILCTL_FAIL;
	}
	if (queue_msg_read(fd, &q, &err) < 0) {
		log_error("queue show: %s/%s: %s", sub, id, err);
		close(fd);
		return MAILCTL_FAIL;
	}
	printf("id: %s\nstate: %s\nsize: %zu\n", id, sub, q.content_len);
	for (size_t i = 0; i < q.env->count; i++) {
		const char *n = q.env->names[i];

		if (strcmp(n, "id") == 0 || strncmp(n, "rcpt", 4) == 0 ||
		    mailctl_queue_show_time(n, q.env->values[i]))
			continue;
		printf("%s: ", n);
		mailctl_queue_put(q.env->values[i], q.env->values_len[i], 0);
		putchar('\n');
	}
	for (size_t i = 0; i < q.nrcpts; i++) {
		const queue_rcpt_t *r = &q.rcpts[i];

		fputs("recipient: ", stdout);
		mailctl_queue_puts(r->addr);
		printf("  %s", mailctl_queue_state_name(r->state));
		if (r->parent >= 0) {
			fputs("  (from alias ", stdout);
			mailctl_queue_puts(q.rcpts[r->parent].addr);
			putchar(')');
		}
		if (r->orcpt) {
			fputs("  orcpt=", stdout);
			mailctl_queue_puts(r->orcpt);
		}
		if (r->notify) {
			fputs("  notify=", stdout);
			mailctl_queue_puts(r->notify);
		}
		if (r->text) {
			fputs("  ", stdout);
			mailctl_queue_puts(r->dsn ? r->dsn : "");
			putchar(' ');
			mailctl_queue_puts(r->text);
		}
		putchar('\n');
		if (r->state == QUEUE_RCPT_DEFERRED && r->next_try > 0) {
			buf_reset(&when);
			mailctl_queue_when(r->next_try, &when);
			printf("  next try: %s, after %d tr%s\n", buf_str(&when),
			       r->tries, r->tries == 1 ? "y" : "ies");
		}
	}
	buf_release(&when);
	printf("\n");
	mailctl_queue_show_header(fd, &q);
	close(fd);
	queue_msg_clear(&q);
	return MAILCTL_OK;
}

/* Apply op to id (or to every message for ALL) in the directories from. */
static int mailctl_queue_each(const char *id, const char *const *from,
			      int (*op)(const char *sub, const char *id))
{
	size_t done = 0;
	int all = strcmp(id, "ALL") == 0;

	if (!all && !queue_id_valid(id)) {
		log_error("queue: \"%s\" is not a queue id", id);
		return MAILCTL_FAIL;
	}
	for (size_t s = 0; from[s]; s++) {
		char **ids;
		size_t n = mailctl_queue_ids(from[s], &ids);

		for (size_t i = 0; i < n; i++)
			if ((all || strcmp(ids[i], id) == 0) && op(from[s], ids[i]) == 0)
				done++;
		mailctl_queue_free_ids(ids, n);
	}
	if (done == 0 && !all) {
		log_error("queue: no such message %s where it could be", id);
		return MAILCTL_FAIL;
	}
	printf("%zu message%s\n", done, done == 1 ? "" : "s");
	return MAILCTL_OK;
}

static int mailctl_queue_op_delete(const char *sub, const char *id)
{
	char *path = mem_printf("%s/%s/%s", mailctl_queue_dir(), sub, id);
	int r = unlink(path);

	if (r < 0 && errno != ENOENT)
		log_error("unlink %s: %s", path, strerror(errno));
	else if (r == 0)
		log_info("%s: removed from %s/ by the administrator", id, sub);
	mem_free(path);
	return r;
}

static int mailctl_queue_op_move(const char *sub, const char *id, const char *to)
{
	int r = queue_file_move(mailctl_queue_dir(), id, sub, to);

	if (r < 0 && errno != ENOENT)
		log_error("%s: move from %s/ to %s/: %s", id, sub, to, strerror(errno));
	else if (r == 0)
		log_info("%s: moved from %s/ to %s/ by the administrator", id, sub, to);
	return r;
}

static int mailctl_queue_op_hold(const char *sub, const char *id)
{
	return mailctl_queue_op_move(sub, id, "hold");
}

static int mailctl_queue_op_release(const char *sub, const char *id)
{
	off_t size;
	const char *err;

	/* A corrupt file goes back only when qmgr can read it now; otherwise
	 * it would come straight back, reported to everyone once more. */
	if (strcmp(sub, "corrupt") == 0 &&
	    (err = mailctl_queue_unreadable(sub, id, &size)) != NULL) {
		log_error("%s: still cannot be read (%s); left in corrupt/", id, err);
		return -1;
	}
	return mailctl_queue_op_move(sub, id, "incoming");
}

int mailctl_cmd_queue(int argc, char **argv)
{
	static const char *const waiting[] = { "incoming", "active", "deferred",
					       "hold", "corrupt", NULL };
	static const char *const schedulable[] = { "incoming", "active",
						   "deferred", NULL };
	static const char *const held[] = { "hold", "corrupt", NULL };
	const char *sub = argc > 1 ? argv[1] : NULL;
	int r;

	if (sub == NULL)
		mailctl_usage_error("queue: give a subcommand");
	if (strcmp(sub, "list") == 0 && argc == 2)
		return mailctl_queue_list();
	if (strcmp(sub, "show") == 0 && argc == 3)
		return mailctl_queue_show(argv[2]);
	if (strcmp(sub, "flush") == 0 && (argc == 2 || argc == 3)) {
		const char *why;

		if (argc == 3 && dns_name_check(argv[2], &why) < 0)
			mailctl_usage_error("queue flush: \"%s\" is no domain: %s",
					    argv[2], why);
		/* pickup too, when it runs: the maildrop is waiting mail. */
		mailctl_queue_ask(PICKUP_SOCKET, PICKUP_PROTO, PICKUP_VERSION,
				  "wakeup", NULL, 1);
		return mailctl_queue_qmgr("flush", argc == 3 ? argv[2] : NULL, 0) < 0 ?
			MAILCTL_NOT_RUNNING : MAILCTL_OK;
	}
	if (strcmp(sub, "reindex") == 0 && argc == 2) {
		if (mailctl_queue_qmgr("reindex", NULL, 0) < 0) {
			log_error("the index is rebuilt when qmgr starts");
			return MAILCTL_NOT_RUNNING;
		}
		return MAILCTL_OK;
	}
	if (strcmp(sub, "delete") == 0 && argc == 3)
		r = mailctl_queue_each(argv[2], waiting, mailctl_queue_op_delete);
	else if (strcmp(sub, "hold") == 0 && argc == 3)
		r = mailctl_queue_each(argv[2], schedulable, mailctl_queue_op_hold);
	else if (strcmp(sub, "release") == 0 && argc == 3)
		r = mailctl_queue_each(argv[2], held, mailctl_queue_op_release);
	else
		mailctl_usage_error("queue: unknown subcommand or wrong arguments");
	/* qmgr, when it runs, takes released mail and refreshes its index. */
	if (r == MAILCTL_OK && mailctl_queue_qmgr("reindex", NULL, 1) == 0)
		mailctl_queue_qmgr("wakeup", NULL, 1);
	return r;
}

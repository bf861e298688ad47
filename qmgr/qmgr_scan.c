/* qmgr_scan.c - the queue directories: what waits in incoming/, deferred/
 * and active/, and the leftovers in tmp/.
 *
 * Files move between directories with queue_file_move() (link, unlink:
 * never a rename that could overwrite).  Within a directory, files are
 * taken in queue id order, which is arrival order.
 *
 * Memory stays bounded however many files wait: a scan keeps only as
 * many ids as there is room for in active/ (qmgr_message_active_limit),
 * the lowest ones, in a heap, while it reads the directory; the rest
 * stay on disk until room frees up, when the scan runs again
 * (qmgr_scan_room_freed()).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"
#include "mem.h"
#include "qmgr.h"

int qmgr_move(const char *id, const char *sub, const char *dest)
{
	return queue_file_move(".", id, sub, dest);
}

static int qmgr_scan_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Sift the heap's new last id up: the heap keeps the highest id on top,
 * so that a lower one can replace it. */
static void qmgr_scan_heap_up(char **h, size_t i)
{
	while (i > 0 && strcmp(h[(i - 1) / 2], h[i]) < 0) {
		char *t = h[i];

		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static void qmgr_scan_heap_down(char **h, size_t n)
{
	size_t i = 0;

	for (;;) {
		size_t big = i, l = 2 * i + 1, r = l + 1;
		char *t;

		if (l < n && strcmp(h[l], h[big]) > 0)
			big = l;
		if (r < n && strcmp(h[r], h[big]) > 0)
			big = r;
		if (big == i)
			return;
		t = h[i];
		h[i] = h[big];
		h[big] = t;
		i = big;
	}
}

static int qmgr_scan_more_flag;
/* Files left waiting for room: in incoming/ (a scan cut short, or a
 * wake-up's id that found no room), and due in deferred/. */
static int qmgr_scan_incoming_left, qmgr_scan_deferred_left;

/* The lowest `max` queue ids in sub/ that want() accepts (NULL: all),
 * sorted; NULL-terminated, free with qmgr_scan_free.  When more were
 * there, qmgr_scan_more_flag says so. */
static char **qmgr_scan_dir_max(const char *sub, size_t max,
				 int (*want)(const char *sub, const char *id))
{
	DIR *d = opendir(sub);
	struct dirent *de;
	char **ids = mem_reallocarray(NULL, max + 1, sizeof(char *));
	size_t n = 0;

	qmgr_scan_more_flag = 0;
	if (d == NULL) {
		log_error("open %s/: %s", sub, strerror(errno));
		ids[0] = NULL;
		return ids;
	}
	while ((de = readdir(d)) != NULL) {
		if (!queue_id_valid(de->d_name) || (want && !want(sub, de->d_name)))
			continue;
		if (n < max) {
			ids[n] = mem_strdup(de->d_name);
			qmgr_scan_heap_up(ids, n++);
			continue;
		}
		qmgr_scan_more_flag = 1;
		if (n > 0 && strcmp(de->d_name, ids[0]) < 0) {
			mem_free(ids[0]);
			ids[0] = mem_strdup(de->d_name);
			qmgr_scan_heap_down(ids, n);
		}
	}
	closedir(d);
	ids[n] = NULL;
	qsort(ids, n, sizeof(char *), qmgr_scan_cmp);
	return ids;
}

static char **qmgr_scan_dir(const char *sub)
{
	return qmgr_scan_dir_max(sub, (size_t) qmgr_conf.active_limit, NULL);
}

static void qmgr_scan_free(char **ids)
{
	for (size_t i = 0; ids[i]; i++)
		mem_free(ids[i]);
	mem_free(ids);
}

/* Room left in active/. */
static size_t qmgr_scan_space(void)
{
	size_t n = qmgr_msg_count();

	return n < (size_t) qmgr_conf.active_limit ?
		(size_t) qmgr_conf.active_limit - n : 0;
}

static int qmgr_scan_room(void)
{
	return !qmgr_stopping() &&
		qmgr_msg_count() < (size_t) qmgr_conf.active_limit;
}

void qmgr_scan_incoming(void)
{
	char **ids = qmgr_scan_dir_max("incoming", qmgr_scan_space(), NULL);

	qmgr_scan_incoming_left = qmgr_scan_more_flag;
	for (size_t i = 0; ids[i] && qmgr_scan_room(); i++) {
		if (qmgr_move(ids[i], "incoming", "active") < 0) {
			if (errno != ENOENT)
				log_error("%s: move to active/: %s", ids[i],
					  strerror(errno));
			continue;
		}
		qmgr_msg_take(ids[i]);
	}
	qmgr_scan_free(ids);
}

void qmgr_scan_incoming_id(const char *id)
{
	if (!qmgr_scan_room()) {
		qmgr_scan_incoming_left = 1;	/* qmgr_scan_room_freed() */
		return;
	}
	if (qmgr_move(id, "incoming", "active") < 0) {
		/* ENOENT: taken by a scan already, or deleted. */
		if (errno != ENOENT)
			log_error("%s: move to active/: %s", id, strerror(errno));
		return;
	}
	qmgr_msg_take(id);
}

static time_t qmgr_scan_now;
static int qmgr_scan_flush;

/* Is deferred/ID due (its modification time is its next retry)? */
static int qmgr_scan_due(const char *sub, const char *id)
{
	char *path = mem_printf("%s/%s", sub, id);
	struct stat st;
	int due = stat(path, &st) == 0 &&
		(qmgr_scan_flush || st.st_mtime <= qmgr_scan_now);

	/* A flush makes every file due now, also those this scan has no
	 * room for: the scans after it take them. */
	if (due && qmgr_scan_flush && st.st_mtime > qmgr_scan_now)
		(void) utimensat(AT_FDCWD, path, NULL, 0);

	mem_free(path);
	return due;
}

void qmgr_scan_deferred(int flush)
{
	char **ids;

	qmgr_scan_now = time(NULL);
	qmgr_scan_flush = flush;
	ids = qmgr_scan_dir_max("deferred", qmgr_scan_space(), qmgr_scan_due);
	qmgr_scan_deferred_left = qmgr_scan_more_flag;
	for (size_t i = 0; ids[i] && qmgr_scan_room(); i++) {
		if (qmgr_move(ids[i], "deferred", "active") < 0) {
			if (errno != ENOENT)
				log_error("%s: move to active/: %s", ids[i],
					  strerror(errno));
			continue;
		}
		qmgr_msg_take(ids[i]);
	}
	qmgr_scan_free(ids);
}

/* Set sub/id's modification time, its next retry, to now. */
static int qmgr_scan_make_due(const char *sub, const char *id)
{
	char *path = mem_printf("%s/%s", sub, id);
	int r = utimensat(AT_FDCWD, path, NULL, 0);

	mem_free(path);
	return r;
}

static const char *qmgr_scan_domain;

/* Does the file deferred/ID hold a deferred recipient in the domain? */
static int qmgr_scan_wants(const char *sub, const char *id)
{
	const char *domain = qmgr_scan_domain;
	char *path = mem_printf("%s/%s", sub, id);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), found = 0;
	const char *err;
	queue_msg_t q;

	mem_free(path);
	if (fd < 0)
		return 0;
	if (queue_msg_read(fd, &q, &err) == 0) {
		for (size_t i = 0; i < q.nrcpts && !found; i++)
			found = q.rcpts[i].state == QUEUE_RCPT_DEFERRED &&
				strcasecmp(addr_domain(q.rcpts[i].addr), domain) == 0;
		queue_msg_clear(&q);
	}
	close(fd);
	/* Due now, also for the scans after this one when it has no room
	 * for every file (as qmgr_scan_due() does for a whole flush). */
	if (found && qmgr_scan_make_due(sub, id) < 0)
		log_warn("%s: cannot make it due: %s", id, strerror(errno));
	return found;
}

void qmgr_scan_deferred_domain(const char *domain)
{
	char **ids;

	qmgr_scan_domain = domain;
	ids = qmgr_scan_dir_max("deferred", qmgr_scan_space(), qmgr_scan_wants);
	for (size_t i = 0; ids[i] && qmgr_scan_room(); i++) {
		if (qmgr_move(ids[i], "deferred", "active") < 0) {
			if (errno != ENOENT)
				log_error("%s: move to active/: %s", ids[i],
					  strerror(errno));
			continue;
		}
		qmgr_msg_take(ids[i]);
	}
	qmgr_scan_free(ids);
}

void qmgr_scan_room_freed(void)
{
	size_t want = (size_t) qmgr_conf.active_limit / 10;

	if (!qmgr_scan_incoming_left && !qmgr_scan_deferred_left)
		return;
	/* Not on every finished message: a scan reads a whole directory,
	 * so it waits until a tenth of active/ is free again. */
	if (qmgr_scan_space() < (want > 0 ? want : 1))
		return;
	qmgr_wakeup();
}

void qmgr_scan_resume(void)
{
	int deferred = qmgr_scan_deferred_left;

	qmgr_scan_incoming();
	if (deferred)
		qmgr_scan_deferred(0);
}

void qmgr_scan_active(void)
{
	char **ids = qmgr_scan_dir("active");

	for (size_t i = 0; ids[i] && !qmgr_stopping(); i++)
		qmgr_msg_take(ids[i]);
	qmgr_scan_free(ids);
}

void qmgr_scan_tmp(void)
{
	DIR *d = opendir("tmp");
	struct dirent *de;
	time_t now = time(NULL);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char *path;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		path = mem_printf("tmp/%s", de->d_name);
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    now - st.st_mtime > QMGR_TMP_MAX_AGE) {
			if (unlink(path) == 0)
				log_info("%s: removed an abandoned temporary "
					 "queue file", de->d_name);
		}
		mem_free(path);
	}
	closedir(d);
}

/* qmgr_scan.c - the queue directories: what waits in incoming/, deferred/
 * and active/, and the leftovers in tmp/.
 *
 * Files move between directories with queue_file_move() (link, unlink:
 * never a rename that could overwrite).  Within a directory, files are
 * taken in queue id order, which is arrival order.
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

/* The queue ids in sub/, sorted; NULL-terminated, free with qmgr_scan_free. */
static char **qmgr_scan_dir(const char *sub)
{
	DIR *d = opendir(sub);
	struct dirent *de;
	char **ids = NULL;
	size_t n = 0;

	if (d == NULL) {
		log_error("open %s/: %s", sub, strerror(errno));
		return mem_zalloc(sizeof(char *));
	}
	while ((de = readdir(d)) != NULL) {
		if (!queue_id_valid(de->d_name))
			continue;
		ids = mem_reallocarray(ids, n + 2, sizeof(char *));
		ids[n++] = mem_strdup(de->d_name);
	}
	closedir(d);
	if (ids == NULL)
		return mem_zalloc(sizeof(char *));
	ids[n] = NULL;
	qsort(ids, n, sizeof(char *), qmgr_scan_cmp);
	return ids;
}

static void qmgr_scan_free(char **ids)
{
	for (size_t i = 0; ids[i]; i++)
		mem_free(ids[i]);
	mem_free(ids);
}

static int qmgr_scan_room(void)
{
	return !qmgr_stopping() &&
		qmgr_msg_count() < (size_t) qmgr_conf.active_limit;
}

void qmgr_scan_incoming(void)
{
	char **ids = qmgr_scan_dir("incoming");

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
	if (!qmgr_scan_room())
		return;		/* qmgr_msg_free() wakes the scan */
	if (qmgr_move(id, "incoming", "active") < 0) {
		/* ENOENT: taken by a scan already, or deleted. */
		if (errno != ENOENT)
			log_error("%s: move to active/: %s", id, strerror(errno));
		return;
	}
	qmgr_msg_take(id);
}

void qmgr_scan_deferred(int flush)
{
	char **ids = qmgr_scan_dir("deferred");
	time_t now = time(NULL);

	for (size_t i = 0; ids[i] && qmgr_scan_room(); i++) {
		char *path = mem_printf("deferred/%s", ids[i]);
		struct stat st;
		int due = stat(path, &st) == 0 && (flush || st.st_mtime <= now);

		mem_free(path);
		if (!due)
			continue;
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

/* Does the file deferred/ID hold a deferred recipient in domain? */
static int qmgr_scan_wants(const char *id, const char *domain)
{
	char *path = mem_printf("deferred/%s", id);
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
	return found;
}

void qmgr_scan_deferred_domain(const char *domain)
{
	char **ids = qmgr_scan_dir("deferred");

	for (size_t i = 0; ids[i] && qmgr_scan_room(); i++) {
		if (!qmgr_scan_wants(ids[i], domain))
			continue;
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

/* qmgr_index.c - index/queue.db: a cache of the queue for `mailctl queue`.
 *
 * The queue files are the truth (architecture §4); this Berkeley DB file only
 * summarises them: queue id -> an attr record with state, arrival, size,
 * sender, recipients, next retry and last reason.  Only qmgr opens it.
 * It is rebuilt from the files at every start and on `mailctl queue
 * reindex`, which never changes a queue file, so a lost or damaged index
 * costs nothing.  Writes are synced every queue_run_delay, not each time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <dirent.h>

#include "log.h"
#include "map.h"
#include "mem.h"
#include "qmgr.h"

#define QMGR_INDEX_PATH "index/queue.db"
/* Recipients named in one summary; the rest are counted. */
#define QMGR_INDEX_RCPTS 10

static map_t *qmgr_index;

void qmgr_index_update(const char *id, const char *state, const queue_msg_t *q,
		       time_t next)
{
	attr_t *a;
	buf_t v = BUF_INIT, rcpts = BUF_INIT;
	const char *reason = NULL, *s;
	size_t shown = 0, more = 0;

	if (qmgr_index == NULL)
		return;
	a = attr_new();
	attr_add(a, "state", state);
	s = attr_get(q->env, "arrival");
	attr_add(a, "arrival", s ? s : "0");
	attr_addf(a, "size", "%zu", q->content_len);
	s = attr_get(q->env, "sender");
	attr_add(a, "sender", s ? s : "");
	for (size_t i = 0; i < q->nrcpts; i++) {
		const queue_rcpt_t *r = &q->rcpts[i];

		if (r->state == QUEUE_RCPT_EXPANDED || r->state == QUEUE_RCPT_DONE ||
		    r->state == QUEUE_RCPT_NOTIFIED)
			continue;
		if (r->text)
			reason = r->text;
		if (shown++ >= QMGR_INDEX_RCPTS) {
			more++;
			continue;
		}
		buf_printf(&rcpts, "%s%s", rcpts.len ? " " : "", r->addr);
	}
	if (more)
		buf_printf(&rcpts, " (+%zu more)", more);
	attr_add(a, "rcpts", buf_str(&rcpts));
	attr_addf(a, "next", "%lld", (long long) next);
	attr_add(a, "reason", reason ? reason : "");
	attr_encode(a, &v);
	if (map_put(qmgr_index, id, v.data, v.len) < 0)
		log_warn("%s: cannot update %s", id, QMGR_INDEX_PATH);
	attr_free(&a);
	buf_release(&v);
	buf_release(&rcpts);
}

void qmgr_index_remove(const char *id)
{
	if (qmgr_index != NULL)
		map_del(qmgr_index, id);
}

void qmgr_index_sync(void)
{
	if (qmgr_index != NULL && map_sync(qmgr_index) < 0)
		log_warn("cannot sync %s", QMGR_INDEX_PATH);
}

void qmgr_index_close(void)
{
	qmgr_index_sync();
	map_close(&qmgr_index);
}

static void qmgr_index_open(void)
{
	char *err = NULL;

	map_close(&qmgr_index);
	if (unlink(QMGR_INDEX_PATH) < 0 && errno != ENOENT)
		log_warn("unlink %s: %s", QMGR_INDEX_PATH, strerror(errno));
	qmgr_index = map_open(QMGR_INDEX_PATH, MAP_RDWR | MAP_CREATE, &err);
	if (qmgr_index == NULL) {
		log_warn("%s; running without the queue index", err);
		mem_free(err);
	}
}

static void qmgr_index_dir(const char *sub, size_t *count)
{
	DIR *d = opendir(sub);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char *path;
		queue_msg_t q;
		const char *err;
		int fd;

		if (!queue_id_valid(de->d_name))
			continue;
		path = mem_printf("%s/%s", sub, de->d_name);
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		mem_free(path);
		if (fd < 0)
			continue;
		if (queue_msg_read(fd, &q, &err) == 0) {
			time_t next = 0;

			for (size_t i = 0; i < q.nrcpts; i++)
				if (q.rcpts[i].state == QUEUE_RCPT_DEFERRED &&
				    (next == 0 || q.rcpts[i].next_try < next))
					next = q.rcpts[i].next_try;
			qmgr_index_update(de->d_name, sub, &q, next);
			queue_msg_clear(&q);
			(*count)++;
		}
		close(fd);
	}
	closedir(d);
}

void qmgr_index_rebuild(void)
{
	static const char *const subs[] = { "incoming", "active", "deferred",
					    "hold", NULL };
	size_t count = 0;

	qmgr_index_open();
	if (qmgr_index == NULL)
		return;
	for (size_t i = 0; subs[i]; i++)
		qmgr_index_dir(subs[i], &count);
	qmgr_index_sync();
	log_info("queue index rebuilt: %zu message%s", count, count == 1 ? "" : "s");
}

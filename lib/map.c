/* map.c - the map interface over Berkeley DB hash files (architecture §3).
 *
 * Each map is one DB_HASH file opened without an environment: no shared
 * region files, no locking between processes.  That is safe because a map
 * file is never changed while readers have it open; writers build a new file
 * and rename it over the old one (map_compile), and readers notice through
 * map_changed() and reopen.  The one exception, the per-mailbox IMAP index,
 * is serialised by its owner with a flock of its own.
 *
 * Berkeley DB's own error messages are routed into the log.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <db.h>

#include "log.h"
#include "map.h"
#include "mem.h"

struct map {
	DB *db;
	char *path;
	dev_t dev;		/* identity of the file opened, for map_changed */
	ino_t ino;
};

static void map_db_message(const DB_ENV *env, const char *prefix,
			   const char *msg)
{
	(void) env;
	log_warn("%s: %s", prefix ? prefix : "berkeley db", msg);
}

static void map_dbt(DBT *d, const void *data, size_t len)
{
	/* Berkeley DB's DBT has no const member, but reads only through it
	 * here: the one place the qualifier is dropped. */
	union { const void *c; void *v; } u = { .c = data };

	memset(d, 0, sizeof(*d));
	d->data = u.v;
	d->size = (u_int32_t) len;
}

/* Open path with the given DB->open flags. */
static map_t *map_open_db(const char *path, u_int32_t dbflags, char **err_r)
{
	map_t *m = MEM_NEW(map_t);
	struct stat st;
	int fd, ret;

	m->path = mem_strdup(path);
	ret = db_create(&m->db, NULL, 0);
	if (ret != 0) {
		*err_r = mem_printf("%s: db_create: %s", path, db_strerror(ret));
		m->db = NULL;
		map_close(&m);
		return NULL;
	}
	m->db->set_errcall(m->db, map_db_message);
	m->db->set_errpfx(m->db, m->path);
	ret = m->db->open(m->db, NULL, path, NULL, DB_HASH, dbflags, 0600);
	if (ret != 0) {
		*err_r = mem_printf("%s: open: %s", path, db_strerror(ret));
		map_close(&m);
		return NULL;
	}
	/* Daemons fork and exec helpers; the map stays theirs alone. */
	if ((ret = m->db->fd(m->db, &fd)) != 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 || fstat(fd, &st) < 0) {
		*err_r = mem_printf("%s: %s", path, ret ? db_strerror(ret) :
				    strerror(errno));
		map_close(&m);
		return NULL;
	}
	m->dev = st.st_dev;
	m->ino = st.st_ino;
	return m;
}

map_t *map_open(const char *path, int flags, char **err_r)
{
	u_int32_t dbflags = 0;

	if (!(flags & MAP_RDWR))
		dbflags |= DB_RDONLY;
	else if (flags & MAP_CREATE)
		dbflags |= DB_CREATE;
	return map_open_db(path, dbflags, err_r);
}

void map_close(map_t **mp)
{
	map_t *m = *mp;
	int ret;

	if (m == NULL)
		return;
	if (m->db != NULL && (ret = m->db->close(m->db, 0)) != 0)
		log_error("%s: close: %s", m->path, db_strerror(ret));
	mem_free(m->path);
	MEM_FREE(*mp);
}

int map_get(map_t *m, const char *key, buf_t *value_r)
{
	DBT k, v;
	int ret;

	map_dbt(&k, key, strlen(key));
	map_dbt(&v, NULL, 0);
	ret = m->db->get(m->db, NULL, &k, &v, 0);
	if (ret == DB_NOTFOUND)
		return 0;
	if (ret != 0) {
		log_error("%s: get %s: %s", m->path, key, db_strerror(ret));
		return -1;
	}
	buf_reset(value_r);
	buf_append(value_r, v.data, v.size);
	return 1;
}

int map_put(map_t *m, const char *key, const void *value, size_t len)
{
	DBT k, v;
	int ret;

	if (len > UINT32_MAX) {
		log_error("%s: put %s: value of %zu bytes is too large",
			  m->path, key, len);
		return -1;
	}
	map_dbt(&k, key, strlen(key));
	map_dbt(&v, value, len);
	ret = m->db->put(m->db, NULL, &k, &v, 0);
	if (ret != 0) {
		log_error("%s: put %s: %s", m->path, key, db_strerror(ret));
		return -1;
	}
	return 0;
}

int map_del(map_t *m, const char *key)
{
	DBT k;
	int ret;

	map_dbt(&k, key, strlen(key));
	ret = m->db->del(m->db, NULL, &k, 0);
	if (ret == DB_NOTFOUND)
		return 0;
	if (ret != 0) {
		log_error("%s: del %s: %s", m->path, key, db_strerror(ret));
		return -1;
	}
	return 1;
}

int map_iterate(map_t *m, int (*cb)(const char *key, size_t klen,
				    const char *value, size_t vlen, void *ctx),
		void *ctx)
{
	buf_t key = BUF_INIT, value = BUF_INIT;
	DBC *c;
	DBT k, v;
	int ret, stop = 0;

	ret = m->db->cursor(m->db, NULL, &c, 0);
	if (ret != 0) {
		log_error("%s: cursor: %s", m->path, db_strerror(ret));
		return -1;
	}
	map_dbt(&k, NULL, 0);
	map_dbt(&v, NULL, 0);
	while (stop == 0 && (ret = c->get(c, &k, &v, DB_NEXT)) == 0) {
		/* Copies give the callback NUL-terminated strings. */
		buf_reset(&key);
		buf_append(&key, k.data, k.size);
		buf_reset(&value);
		buf_append(&value, v.data, v.size);
		stop = cb(buf_str(&key), key.len, buf_str(&value), value.len,
			  ctx);
	}
	if (stop == 0 && ret != DB_NOTFOUND) {
		log_error("%s: cursor get: %s", m->path, db_strerror(ret));
		stop = -1;
	}
	if ((ret = c->close(c)) != 0) {
		log_error("%s: cursor close: %s", m->path, db_strerror(ret));
		stop = stop ? stop : -1;
	}
	buf_release(&key);
	buf_release(&value);
	return stop;
}

int map_sync(map_t *m)
{
	int fd, ret;

	ret = m->db->sync(m->db, 0);
	if (ret != 0) {
		log_error("%s: sync: %s", m->path, db_strerror(ret));
		return -1;
	}
	if ((ret = m->db->fd(m->db, &fd)) != 0) {
		log_error("%s: fd: %s", m->path, db_strerror(ret));
		return -1;
	}
	if (fsync(fd) < 0) {
		log_error("%s: fsync: %s", m->path, strerror(errno));
		return -1;
	}
	return 0;
}

int map_changed(map_t *m)
{
	struct stat st;

	if (stat(m->path, &st) < 0)
		return 1;
	return st.st_dev != m->dev || st.st_ino != m->ino;
}

const char *map_path(const map_t *m)
{
	return m->path;
}

/*
 * Compiling a text map.
 */

struct map_compile {
	const char *src;
	map_t *m;
	buf_t key;
	buf_t value;
	int key_line;		/* line of the pending key, 0 when none */
	int lower_keys;
	int entries;
	buf_t old;		/* scratch for the duplicate check */
};

static int map_is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static void map_trim(const char **sp, const char **ep)
{
	while (*sp < *ep && map_is_space(**sp))
		(*sp)++;
	while (*ep > *sp && map_is_space((*ep)[-1]))
		(*ep)--;
}

/* Store the pending entry, continuation lines included. */
static int map_compile_flush(struct map_compile *mc, char **err_r)
{
	int found;

	if (mc->key_line == 0)
		return 0;
	if (mc->value.len == 0) {
		*err_r = mem_printf("%s, line %d: no value for key \"%s\"",
				    mc->src, mc->key_line, buf_str(&mc->key));
		return -1;
	}
	found = map_get(mc->m, buf_str(&mc->key), &mc->old);
	if (found < 0 || map_put(mc->m, buf_str(&mc->key), mc->value.data,
				 mc->value.len) < 0) {
		*err_r = mem_printf("%s, line %d: cannot store key \"%s\" in "
				    "%s", mc->src, mc->key_line,
				    buf_str(&mc->key), map_path(mc->m));
		return -1;
	}
	if (found)
		log_warn("%s, line %d: duplicate key \"%s\"; the later value "
			 "wins", mc->src, mc->key_line, buf_str(&mc->key));
	else
		mc->entries++;
	buf_reset(&mc->key);
	buf_reset(&mc->value);
	mc->key_line = 0;
	return 0;
}

/* One physical line [s, e) without its newline. */
static int map_compile_line(struct map_compile *mc, const char *s,
			    const char *e, int line, int colon, char **err_r)
{
	const char *ks, *ke;
	int continued = s < e && map_is_space(*s);

	map_trim(&s, &e);
	if (s == e || *s == '#')
		return 0;
	if (continued) {
		if (mc->key_line == 0) {
			*err_r = mem_printf("%s, line %d: continuation line "
					    "without a key line before it",
					    mc->src, line);
			return -1;
		}
		if (mc->value.len > 0)
			buf_putc(&mc->value, ' ');
		buf_append(&mc->value, s, (size_t) (e - s));
		return 0;
	}
	if (map_compile_flush(mc, err_r) < 0)
		return -1;
	ks = s;
	if (colon) {
		ke = memchr(s, ':', (size_t) (e - s));
		if (ke == NULL || (ke + 1 < e && !map_is_space(ke[1]))) {
			*err_r = mem_printf("%s, line %d: expected \"key: "
					    "value\"", mc->src, line);
			return -1;
		}
		s = ke + 1;
		map_trim(&ks, &ke);
	} else {
		for (ke = ks; ke < e && !map_is_space(*ke); ke++)
			;
		s = ke;
	}
	for (const char *c = ks; c < ke; c++) {
		if (map_is_space(*c)) {
			*err_r = mem_printf("%s, line %d: white space in key",
					    mc->src, line);
			return -1;
		}
	}
	if (ks == ke) {
		*err_r = mem_printf("%s, line %d: empty key", mc->src, line);
		return -1;
	}
	buf_append(&mc->key, ks, (size_t) (ke - ks));
	if (mc->lower_keys)
		for (char *c = mc->key.data; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char) (*c - 'A' + 'a');
	map_trim(&s, &e);
	buf_append(&mc->value, s, (size_t) (e - s));
	mc->key_line = line;
	return 0;
}

static int map_compile_text(struct map_compile *mc, FILE *fp, int colon,
			    char **err_r)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0, ret = 0;

	while ((n = getline(&line, &cap, fp)) >= 0) {
		const char *e = line + n;

		lineno++;
		if (e > line && e[-1] == '\n')
			e--;
		if (memchr(line, '\0', (size_t) (e - line)) != NULL) {
			*err_r = mem_printf("%s, line %d: NUL byte in line",
					    mc->src, lineno);
			ret = -1;
			break;
		}
		if (map_compile_line(mc, line, e, lineno, colon, err_r) < 0) {
			ret = -1;
			break;
		}
	}
	if (ret == 0 && ferror(fp)) {
		*err_r = mem_printf("%s: read: %s", mc->src, strerror(errno));
		ret = -1;
	}
	if (ret == 0)
		ret = map_compile_flush(mc, err_r);
	mem_free(line);
	return ret;
}

static int map_fsync_dir(const char *path, char **err_r)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? mem_strdup(".") :
		mem_strndup(path, slash == path ? 1 : (size_t) (slash - path));
	int fd, ret = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0) {
		*err_r = mem_printf("%s: fsync directory: %s", dir,
				    strerror(errno));
		ret = -1;
	}
	if (fd >= 0)
		close(fd);
	mem_free(dir);
	return ret;
}

/* The database gets the source's permission bits and, when root compiles
 * it, its owner, so that `users` readable by auth_owner only gives a
 * users.db readable by auth_owner only, from the first byte on. */
static int map_copy_perms(map_t *m, const struct stat *src_st, char **err_r)
{
	int fd, ret;

	if ((ret = m->db->fd(m->db, &fd)) != 0) {
		*err_r = mem_printf("%s: fd: %s", m->path, db_strerror(ret));
		return -1;
	}
	if (fchmod(fd, src_st->st_mode & 0666) < 0 ||
	    (geteuid() == 0 && fchown(fd, src_st->st_uid, src_st->st_gid) < 0)) {
		*err_r = mem_printf("%s: set owner and mode: %s", m->path,
				    strerror(errno));
		return -1;
	}
	return 0;
}

int map_compile(const char *src, const char *dbpath, int colon,
		int lower_keys, char **err_r)
{
	struct map_compile mc;
	char *tmp = mem_printf("%s.tmp%ld", dbpath, (long) getpid());
	struct stat st;
	FILE *fp;
	int ret = -1;

	memset(&mc, 0, sizeof(mc));
	mc.src = src;
	mc.lower_keys = lower_keys;
	fp = fopen(src, "re");
	if (fp == NULL || fstat(fileno(fp), &st) < 0) {
		*err_r = mem_printf("%s: %s", src, strerror(errno));
		goto out;
	}
	/* A leftover of an earlier run with our pid would be reused. */
	if (unlink(tmp) < 0 && errno != ENOENT) {
		*err_r = mem_printf("%s: unlink: %s", tmp, strerror(errno));
		goto out;
	}
	mc.m = map_open_db(tmp, DB_CREATE | DB_EXCL, err_r);
	if (mc.m == NULL)
		goto out;
	if (map_copy_perms(mc.m, &st, err_r) < 0 ||
	    map_compile_text(&mc, fp, colon, err_r) < 0)
		goto out;
	if (map_sync(mc.m) < 0) {
		*err_r = mem_printf("%s: cannot write to disk", tmp);
		goto out;
	}
	map_close(&mc.m);
	if (rename(tmp, dbpath) < 0) {
		*err_r = mem_printf("rename %s to %s: %s", tmp, dbpath,
				    strerror(errno));
		goto out;
	}
	if (map_fsync_dir(dbpath, err_r) < 0)
		goto out;
	ret = mc.entries;
out:
	map_close(&mc.m);
	if (ret < 0)
		unlink(tmp);
	if (fp != NULL)
		fclose(fp);
	buf_release(&mc.key);
	buf_release(&mc.value);
	buf_release(&mc.old);
	mem_free(tmp);
	return ret;
}

/* queue.c - queue file writing, reading and result records; see queue.h.
 *
 * The order of the commit is the durability contract of architecture §4: fsync
 * of the file, link into incoming/, fsync of incoming/, and only then does
 * the caller acknowledge the message.  A crash before the link leaves a
 * file in tmp/ that nobody acknowledged (qmgr removes old ones); a crash
 * after it leaves a complete, synced file that qmgr will deliver.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "queue.h"

#define QUEUE_MAGIC "TERNQ1"
#define QUEUE_HEADER_LEN 33	/* "TERNQ1 " + 12 + " " + 12 + "\n" */
#define QUEUE_FLUSH_SIZE 65536
#define QUEUE_MAX_ENVELOPE (4 * 1024 * 1024)
#define QUEUE_MAX_RECORDS (64 * 1024 * 1024)

void queue_id_new(char out[QUEUE_ID_LEN + 1])
{
	static unsigned counter;
	struct timeval tv;
	unsigned long long usec;

	gettimeofday(&tv, NULL);
	usec = (unsigned long long) tv.tv_sec * 1000000ULL + (unsigned long long) tv.tv_usec;
	snprintf(out, QUEUE_ID_LEN + 1, "%013llX%05X%03X", usec & 0xFFFFFFFFFFFFFULL,
		 (unsigned) getpid() & 0xFFFFF, counter++ & 0xFFF);
}

int queue_id_valid(const char *id)
{
	size_t i;

	for (i = 0; id[i]; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'A' && id[i] <= 'F')))
			return 0;
	return i == QUEUE_ID_LEN;
}

/* ---- writer ---- */

struct queue_writer {
	char id[QUEUE_ID_LEN + 1];
	char *queue_dir;
	int fd;
	attr_t *env;
	buf_t out;		/* pending output */
	off_t written;		/* bytes already written to fd */
	off_t content_off;	/* 0 until the envelope was written */
	size_t content_len;
	int error;		/* sticky errno */
	int committed;
};

static char *queue_path(const char *queue_dir, const char *sub, const char *id)
{
	return mem_printf("%s/%s/%s", queue_dir, sub, id);
}

queue_writer_t *queue_writer_open(const char *queue_dir)
{
	queue_writer_t *w = MEM_NEW(queue_writer_t);
	char *path;

	w->queue_dir = mem_strdup(queue_dir);
	for (int tries = 0;; tries++) {
		queue_id_new(w->id);
		path = queue_path(queue_dir, "tmp", w->id);
		w->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			     O_CLOEXEC, 0600);
		mem_free(path);
		if (w->fd >= 0 || errno != EEXIST || tries > 10)
			break;
	}
	if (w->fd < 0) {
		int err = errno;

		mem_free(w->queue_dir);
		mem_free(w);
		errno = err;
		return NULL;
	}
	w->env = attr_new();
	attr_add(w->env, "id", w->id);
	buf_reserve(&w->out, QUEUE_FLUSH_SIZE);
	return w;
}

const char *queue_writer_id(const queue_writer_t *w)
{
	return w->id;
}

attr_t *queue_writer_envelope(queue_writer_t *w)
{
	return w->env;
}

static int queue_writer_flush(queue_writer_t *w)
{
	size_t off = 0;

	while (off < w->out.len && !w->error) {
		ssize_t n = write(w->fd, w->out.data + off, w->out.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			w->error = errno;
		else if (n == 0)
			w->error = EIO;
		else
			off += (size_t) n;
	}
	w->written += (off_t) off;
	buf_reset(&w->out);
	if (w->error) {
		errno = w->error;
		return -1;
	}
	return 0;
}

/* Header placeholder and envelope, once, before the first content byte. */
static void queue_writer_start(queue_writer_t *w)
{
	if (w->content_off != 0)
		return;
	buf_printf(&w->out, "%s %012d %012d\n", QUEUE_MAGIC, 0, 0);
	attr_encode(w->env, &w->out);
	w->content_off = (off_t) w->out.len;
}

int queue_writer_content(queue_writer_t *w, const void *data, size_t len)
{
	if (w->error) {
		errno = w->error;
		return -1;
	}
	queue_writer_start(w);
	buf_append(&w->out, data, len);
	w->content_len += len;
	if (w->out.len >= QUEUE_FLUSH_SIZE)
		return queue_writer_flush(w);
	return 0;
}

size_t queue_writer_content_len(const queue_writer_t *w)
{
	return w->content_len;
}

static int queue_fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

int queue_writer_commit(queue_writer_t *w)
{
	char header[QUEUE_HEADER_LEN + 1];
	char *tmp, *dst, *dir;
	int r = -1, err = 0;

	queue_writer_start(w);
	if (queue_writer_flush(w) < 0)
		return -1;
	snprintf(header, sizeof(header), "%s %012lld %012zu\n", QUEUE_MAGIC,
		 (long long) w->content_off, w->content_len);
	if (pwrite(w->fd, header, QUEUE_HEADER_LEN, 0) != QUEUE_HEADER_LEN) {
		w->error = errno ? errno : EIO;
		errno = w->error;
		return -1;
	}
	tmp = queue_path(w->queue_dir, "tmp", w->id);
	dst = queue_path(w->queue_dir, "incoming", w->id);
	dir = mem_printf("%s/incoming", w->queue_dir);
	if (fsync(w->fd) < 0 || link(tmp, dst) < 0) {
		err = errno;
	} else if (queue_fsync_dir(dir) < 0) {
		err = errno;
		unlink(dst);
	} else {
		r = 0;
		w->committed = 1;
	}
	unlink(tmp);
	mem_free(tmp);
	mem_free(dst);
	mem_free(dir);
	if (r < 0) {
		w->error = err;
		errno = err;
	}
	return r;
}

void queue_writer_free(queue_writer_t **wp)
{
	queue_writer_t *w = *wp;

	if (w == NULL)
		return;
	if (!w->committed) {
		char *tmp = queue_path(w->queue_dir, "tmp", w->id);

		unlink(tmp);
		mem_free(tmp);
	}
	close(w->fd);
	attr_free(&w->env);
	buf_release(&w->out);
	mem_free(w->queue_dir);
	MEM_FREE(*wp);
}

int queue_file_move(const char *queue_dir, const char *id, const char *from,
		    const char *to)
{
	char *src = mem_printf("%s/%s/%s", queue_dir, from, id);
	char *dst = mem_printf("%s/%s/%s", queue_dir, to, id);
	struct stat a, b;
	int r = 0, err = 0;

	if (link(src, dst) < 0) {
		err = errno;
		if (err == EEXIST && stat(src, &a) == 0 && stat(dst, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			err = 0;	/* an earlier move was cut short */
		else
			r = -1;
	}
	if (r == 0 && unlink(src) < 0 && errno != ENOENT) {
		err = errno;
		r = -1;
	}
	mem_free(src);
	mem_free(dst);
	errno = err;
	return r;
}

/* ---- records ---- */

static void queue_escape(buf_t *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char) *s;

		if (c == '%' || c == ' ' || c == '\r' || c == '\n' || c < 0x20)
			buf_printf(out, "%%%02X", c);
		else
			buf_putc(out, c);
	}
}

static int queue_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* In-place unescape; -1 on a bad escape. */
static int queue_unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (*s == '%') {
			int hi = queue_hexval((unsigned char) s[1]);
			int lo = hi < 0 ? -1 : queue_hexval((unsigned char) s[2]);

			if (lo < 0 || (hi == 0 && lo == 0))
				return -1;
			*d++ = (char) (hi * 16 + lo);
			s += 2;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
	return 0;
}

int queue_append(int fd, int sync, const char *type, ...)
{
	buf_t line = BUF_INIT;
	const char *name;
	char last;
	off_t end;
	va_list ap;
	int r = 0;

	/* End a record torn by a crash, so this one starts on its own line. */
	end = lseek(fd, 0, SEEK_END);
	if (end > 0 && pread(fd, &last, 1, end - 1) == 1 && last != '\n')
		buf_putc(&line, '\n');
	buf_puts(&line, type);
	va_start(ap, type);
	while ((name = va_arg(ap, const char *)) != NULL) {
		const char *value = va_arg(ap, const char *);

		if (value == NULL)
			continue;
		buf_printf(&line, " %s=", name);
		queue_escape(&line, value);
	}
	va_end(ap);
	buf_puts(&line, " .\n");
	if (write(fd, line.data, line.len) != (ssize_t) line.len)
		r = -1;
	else if (sync && fdatasync(fd) < 0)
		r = -1;
	buf_release(&line);
	return r;
}

/* ---- reader ---- */

static queue_rcpt_t *queue_msg_add_rcpt(queue_msg_t *m, const char *addr)
{
	queue_rcpt_t *r;

	m->rcpts = mem_reallocarray(m->rcpts, m->nrcpts + 1, sizeof(*m->rcpts));
	r = &m->rcpts[m->nrcpts++];
	memset(r, 0, sizeof(*r));
	r->addr = mem_strdup(addr);
	r->parent = -1;
	return r;
}

static void queue_set_str(char **dst, const char *v)
{
	mem_free(*dst);
	*dst = v ? mem_strdup(v) : NULL;
}

static const char *queue_field(char **names, char **values, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return values[i];
	return NULL;
}

/* Apply one complete record line (without " .\n"); 0 or -1 if malformed. */
static int queue_apply_record(queue_msg_t *m, char *line)
{
	char *names[8], *values[8];
	int n = 0;
	char *save = NULL;
	char *type = strtok_r(line, " ", &save);
	const char *v;
	queue_rcpt_t *r = NULL;

	if (type == NULL)
		return -1;
	for (char *tok; (tok = strtok_r(NULL, " ", &save)) != NULL;) {
		char *eq = strchr(tok, '=');

		if (eq == NULL || n == 8)
			return -1;
		*eq = '\0';
		if (queue_unescape(eq + 1) < 0)
			return -1;
		names[n] = tok;
		values[n++] = eq + 1;
	}
	if (strcmp(type, "warned") == 0) {
		m->warned = 1;
		return 0;
	}
	if (strcmp(type, "resolved") == 0) {
		m->resolved = 1;
		return 0;
	}
	if (strcmp(type, "add") == 0) {
		const char *addr = queue_field(names, values, n, "addr");
		const char *parent = queue_field(names, values, n, "parent");
		long p = parent ? strtol(parent, NULL, 10) : -1;

		if (addr == NULL || p < 0 || (size_t) p >= m->nrcpts)
			return -1;
		r = queue_msg_add_rcpt(m, addr);
		r->parent = (int) p;
		queue_set_str(&r->orcpt, queue_field(names, values, n, "orcpt"));
		queue_set_str(&r->notify, queue_field(names, values, n, "notify"));
		return 0;
	}
	v = queue_field(names, values, n, "rcpt");
	if (v == NULL)
		return -1;
	{
		char *end;
		long idx = strtol(v, &end, 10);

		if (*end || idx < 0 || (size_t) idx >= m->nrcpts)
			return -1;
		r = &m->rcpts[idx];
	}
	if (strcmp(type, "expand") == 0) {
		r->state = QUEUE_RCPT_EXPANDED;
		return 0;
	}
	if (strcmp(type, "notified") == 0) {
		if (r->state == QUEUE_RCPT_DONE)
			r->notified = 1;	/* a success notice */
		else
			r->state = QUEUE_RCPT_NOTIFIED;
		return 0;
	}
	queue_set_str(&r->dsn, queue_field(names, values, n, "dsn"));
	queue_set_str(&r->text, queue_field(names, values, n, "text"));
	if (strcmp(type, "done") == 0) {
		r->state = QUEUE_RCPT_DONE;
	} else if (strcmp(type, "fail") == 0) {
		if (r->state != QUEUE_RCPT_NOTIFIED)
			r->state = QUEUE_RCPT_FAILED;
	} else if (strcmp(type, "defer") == 0) {
		v = queue_field(names, values, n, "next");
		if (r->state == QUEUE_RCPT_PENDING || r->state == QUEUE_RCPT_DEFERRED)
			r->state = QUEUE_RCPT_DEFERRED;
		r->next_try = v ? (time_t) strtoll(v, NULL, 10) : 0;
		r->tries++;
	} else {
		return -1;
	}
	return 0;
}

static int queue_read_at(int fd, char *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, off + (off_t) got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t) n;
	}
	return 0;
}

int queue_msg_read(int fd, queue_msg_t *m, const char **err_r)
{
	char header[QUEUE_HEADER_LEN + 1];
	long long coff, clen;
	struct stat st;
	char *env = NULL, *recs = NULL;
	size_t envlen, reclen;
	const char *id;

	memset(m, 0, sizeof(*m));
	if (fstat(fd, &st) < 0 || queue_read_at(fd, header, QUEUE_HEADER_LEN, 0) < 0) {
		*err_r = "cannot read the queue file header";
		return -1;
	}
	header[QUEUE_HEADER_LEN] = '\0';
	if (memcmp(header, QUEUE_MAGIC " ", 7) != 0 ||
	    sscanf(header + 7, "%12lld %12lld", &coff, &clen) != 2 ||
	    coff <= QUEUE_HEADER_LEN || clen < 0 || coff + clen > st.st_size) {
		*err_r = "bad queue file header";
		return -1;
	}
	envlen = (size_t) coff - QUEUE_HEADER_LEN;
	if (envlen > QUEUE_MAX_ENVELOPE) {
		*err_r = "queue file envelope too large";
		return -1;
	}
	env = mem_alloc(envlen);
	m->env = attr_new();
	if (queue_read_at(fd, env, envlen, QUEUE_HEADER_LEN) < 0 ||
	    attr_decode(env, envlen, m->env) != ATTR_OK) {
		*err_r = "bad queue file envelope";
		goto bad;
	}
	id = attr_get(m->env, "id");
	if (id == NULL || !queue_id_valid(id)) {
		*err_r = "queue file envelope has no valid id";
		goto bad;
	}
	memcpy(m->id, id, QUEUE_ID_LEN + 1);
	m->content_off = (off_t) coff;
	m->content_len = (size_t) clen;
	for (size_t i = 0; i < attr_count_of(m->env, "rcpt"); i++) {
		queue_rcpt_t *r = queue_msg_add_rcpt(m, attr_get_nth(m->env, "rcpt", i));
		const char *o = attr_get_nth(m->env, "rcpt_orcpt", i);
		const char *n = attr_get_nth(m->env, "rcpt_notify", i);

		queue_set_str(&r->orcpt, o && *o ? o : NULL);
		queue_set_str(&r->notify, n && *n ? n : NULL);
	}
	if (m->nrcpts == 0) {
		*err_r = "queue file has no recipients";
		goto bad;
	}
	reclen = (size_t) (st.st_size - coff - clen);
	if (reclen > QUEUE_MAX_RECORDS) {
		*err_r = "queue file result records too large";
		goto bad;
	}
	recs = mem_alloc(reclen + 1);
	if (queue_read_at(fd, recs, reclen, (off_t) (coff + clen)) < 0) {
		*err_r = "cannot read queue file records";
		goto bad;
	}
	recs[reclen] = '\0';
	for (char *line = recs, *nl; *line; line = nl + 1) {
		size_t len;

		nl = strchr(line, '\n');
		if (nl == NULL) {
			m->torn = 1;	/* a crash mid-append: ignored */
			break;
		}
		*nl = '\0';
		len = (size_t) (nl - line);
		if (len < 2 || strcmp(line + len - 2, " .") != 0) {
			m->torn = 1;
			continue;
		}
		line[len - 2] = '\0';
		if (queue_apply_record(m, line) < 0) {
			*err_r = "bad queue file record";
			goto bad;
		}
	}
	mem_free(env);
	mem_free(recs);
	return 0;
bad:
	mem_free(env);
	mem_free(recs);
	queue_msg_clear(m);
	return -1;
}

void queue_msg_clear(queue_msg_t *m)
{
	for (size_t i = 0; i < m->nrcpts; i++) {
		mem_free(m->rcpts[i].addr);
		mem_free(m->rcpts[i].orcpt);
		mem_free(m->rcpts[i].notify);
		mem_free(m->rcpts[i].dsn);
		mem_free(m->rcpts[i].text);
	}
	MEM_FREE(m->rcpts);
	m->nrcpts = 0;
	attr_free(&m->env);
}

int queue_msg_finished(const queue_msg_t *m)
{
	for (size_t i = 0; i < m->nrcpts; i++) {
		enum queue_rcpt_state s = m->rcpts[i].state;

		if (s != QUEUE_RCPT_DONE && s != QUEUE_RCPT_NOTIFIED &&
		    s != QUEUE_RCPT_EXPANDED)
			return 0;
	}
	return 1;
}

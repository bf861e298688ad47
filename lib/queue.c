/* queue.c - queue file writing, reading and result records; see queue.h.
 *
 * The order of the commit is the durability contract of architecture §4: fsync
 * of the file, link into incoming/, fsync of incoming/, and only then does
 * the caller acknowledge the message.  A crash before the link leaves a
 * file in tmp/ that nobody acknowledged (qmgr removes old ones); a crash
 * after it leaves a complete, synced file that qmgr will deliver.
 *
 * The limits of queue.h are kept in one place each: the envelope goes
 * through queue_envelope_check() and queue_env_limits on the way out and on
 * the way in, a record line through QUEUE_MAX_RECORD_LINE in queue_append()
 * and in the reader.  The reader takes the records a chunk at a time, so
 * their total size (which grows with every retry) is not a limit.
 *
 * The reader parses through queue_src_read() alone, which reads from a
 * descriptor or copies from bytes in memory: the same parse runs on the
 * files qmgr reads and on the bytes the unit test and the fuzz target
 * (tests/fuzz/fuzz_queue_read.c) give it.
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
#define QUEUE_READ_CHUNK 65536

/* The envelope as an attr record: three attributes per recipient and the
 * others; a line as long as IPC allows (the fields are far shorter). */
static const attr_limits_t queue_env_limits = {
	.max_line = ATTR_MAX_LINE,
	.max_count = 3 * QUEUE_MAX_RCPTS + QUEUE_MAX_ENV_OTHER,
	.max_record = QUEUE_MAX_ENVELOPE,
};

/* A recipient's escaped fields fit in an envelope line and a record line. */
_Static_assert(3 * (QUEUE_MAX_ADDR + QUEUE_MAX_ORCPT) + 64 < ATTR_MAX_LINE,
	       "a recipient field must fit in an envelope line");
_Static_assert(QUEUE_MAX_RCPT_BYTES > 0 && QUEUE_MAX_RCPT_BYTES < QUEUE_MAX_ENVELOPE,
	       "the recipients' share of the envelope");

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

/* ---- limits ---- */

/* A field the reader keeps as a C string: no NUL, at most max octets. */
static int queue_field_ok(const attr_t *a, size_t i, size_t max)
{
	return a->values_len[i] <= max &&
		memchr(a->values[i], '\0', a->values_len[i]) == NULL;
}

/* The envelope's own rules, beyond those of its encoding: checked by the
 * writer before it writes and by the reader after it decodes. */
static int queue_envelope_check(const attr_t *env, const char **err_r)
{
	size_t nrcpt = 0, norcpt = 0, nnotify = 0, other = 0;

	for (size_t i = 0; i < env->count; i++) {
		const char *name = env->names[i];
		int ok;

		if (strcmp(name, "rcpt") == 0) {
			nrcpt++;
			ok = queue_field_ok(env, i, QUEUE_MAX_ADDR);
		} else if (strcmp(name, "rcpt_orcpt") == 0) {
			norcpt++;
			ok = queue_field_ok(env, i, QUEUE_MAX_ORCPT);
		} else if (strcmp(name, "rcpt_notify") == 0) {
			nnotify++;
			ok = queue_field_ok(env, i, QUEUE_MAX_NOTIFY);
		} else {
			other++;
			ok = strcmp(name, "sender") != 0 ||
				queue_field_ok(env, i, QUEUE_MAX_ADDR);
		}
		if (!ok) {
			*err_r = "queue file envelope field too long";
			return -1;
		}
	}
	if (nrcpt == 0) {
		*err_r = "queue file has no recipients";
		return -1;
	}
	if (nrcpt > QUEUE_MAX_RCPTS) {
		*err_r = "too many recipients in the queue file envelope";
		return -1;
	}
	if (norcpt > nrcpt || nnotify > nrcpt || other > QUEUE_MAX_ENV_OTHER) {
		*err_r = "too many queue file envelope attributes";
		return -1;
	}
	return 0;
}

size_t queue_rcpt_size(const char *addr, const char *orcpt, const char *notify)
{
	size_t la = strlen(addr);
	size_t lo = orcpt ? strlen(orcpt) : 0;
	size_t ln = notify ? strlen(notify) : 0;

	if (la > QUEUE_MAX_ADDR || lo > QUEUE_MAX_ORCPT || ln > QUEUE_MAX_NOTIFY)
		return 0;
	return attr_encoded_size("rcpt", addr, la) +
		attr_encoded_size("rcpt_orcpt", orcpt ? orcpt : "", lo) +
		attr_encoded_size("rcpt_notify", notify ? notify : "", ln);
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

/* Header placeholder and envelope, once, before the first content byte.
 * An envelope the reader would refuse is never written: EMSGSIZE. */
static int queue_writer_start(queue_writer_t *w)
{
	buf_t env = BUF_INIT;
	const char *why;

	if (w->error) {
		errno = w->error;
		return -1;
	}
	if (w->content_off != 0)
		return 0;
	if (queue_envelope_check(w->env, &why) < 0 ||
	    attr_encode_limited(w->env, &env, &queue_env_limits) != ATTR_OK) {
		buf_release(&env);
		w->error = EMSGSIZE;
		errno = EMSGSIZE;
		return -1;
	}
	buf_printf(&w->out, "%s %012d %012d\n", QUEUE_MAGIC, 0, 0);
	buf_append(&w->out, env.data, env.len);
	w->content_off = (off_t) w->out.len;
	buf_release(&env);
	return 0;
}

int queue_writer_content(queue_writer_t *w, const void *data, size_t len)
{
	if (queue_writer_start(w) < 0)
		return -1;
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

	if (queue_writer_start(w) < 0 || queue_writer_flush(w) < 0)
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

/* Escape at most max octets of s; a cut never splits a UTF-8 sequence. */
static void queue_escape(buf_t *out, const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len > max) {
		len = max;
		while (len > 0 && ((unsigned char) s[len] & 0xC0) == 0x80)
			len--;
	}
	for (const char *end = s + len; s < end; s++) {
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
	size_t lead;
	va_list ap;
	int r = 0;

	/* End a record torn by a crash, so this one starts on its own line. */
	end = lseek(fd, 0, SEEK_END);
	if (end > 0 && pread(fd, &last, 1, end - 1) == 1 && last != '\n')
		buf_putc(&line, '\n');
	lead = line.len;
	buf_puts(&line, type);
	va_start(ap, type);
	while ((name = va_arg(ap, const char *)) != NULL) {
		const char *value = va_arg(ap, const char *);

		if (value == NULL)
			continue;
		buf_printf(&line, " %s=", name);
		queue_escape(&line, value, strcmp(name, "text") == 0 ?
			     QUEUE_MAX_TEXT : (size_t) -1);
	}
	va_end(ap);
	buf_puts(&line, " .\n");
	/* What the reader would refuse is never written. */
	if (line.len - lead - 1 > QUEUE_MAX_RECORD_LINE) {
		errno = EMSGSIZE;
		r = -1;
	} else if (write(fd, line.data, line.len) != (ssize_t) line.len)
		r = -1;
	else if (sync && fdatasync(fd) < 0)
		r = -1;
	buf_release(&line);
	return r;
}

/* ---- reader ---- */

/* Room in m->rcpts for n recipients: powers of two, so that reading or
 * expanding tens of thousands of recipients does not copy the array each
 * time.  Every change of nrcpts goes through queue_msg_add_rcpt(). */
static size_t queue_rcpts_room(size_t n)
{
	size_t room = 8;

	if (n == 0)
		return 0;
	while (room < n)
		room *= 2;
	return room;
}

queue_rcpt_t *queue_msg_add_rcpt(queue_msg_t *m, const char *addr)
{
	queue_rcpt_t *r;

	if (queue_rcpts_room(m->nrcpts + 1) != queue_rcpts_room(m->nrcpts))
		m->rcpts = mem_reallocarray(m->rcpts, queue_rcpts_room(m->nrcpts + 1),
					    sizeof(*m->rcpts));
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

		if (addr == NULL || p < 0 || (size_t) p >= m->nrcpts ||
		    m->nrcpts >= QUEUE_MAX_TOTAL_RCPTS)
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

/* Where a queue file is read from: a descriptor, or (fd < 0) the bytes of
 * a whole file in memory. */
typedef struct queue_src {
	int fd;
	const char *data;
	size_t len;
} queue_src_t;

/* The size of the file: 0, or -1 when it cannot be had. */
static int queue_src_size(const queue_src_t *src, off_t *size_r)
{
	struct stat st;

	if (src->fd < 0) {
		*size_r = (off_t) src->len;
		return 0;
	}
	if (fstat(src->fd, &st) < 0)
		return -1;
	*size_r = st.st_size;
	return 0;
}

/* pread(2) on the source: octets read, 0 at the end, -1 with errno. */
static ssize_t queue_src_read(const queue_src_t *src, char *buf, size_t len,
			      off_t off)
{
	size_t n;

	if (src->fd >= 0)
		return pread(src->fd, buf, len, off);
	if (off < 0 || (size_t) off >= src->len)
		return 0;
	n = src->len - (size_t) off < len ? src->len - (size_t) off : len;
	memcpy(buf, src->data + off, n);
	return (ssize_t) n;
}

static int queue_read_at(const queue_src_t *src, char *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = queue_src_read(src, buf + got, len - got, off + (off_t) got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t) n;
	}
	return 0;
}

/* The recipients of the envelope, in order: the rcpt list, and beside it
 * the rcpt_orcpt and rcpt_notify lists (one pass each, not a search per
 * recipient: an envelope may hold QUEUE_MAX_RCPTS of them). */
static void queue_msg_envelope_rcpts(queue_msg_t *m, size_t max)
{
	const attr_t *env = m->env;
	size_t no = 0, nn = 0;

	for (size_t i = 0; i < env->count && m->nrcpts < max; i++)
		if (strcmp(env->names[i], "rcpt") == 0)
			queue_msg_add_rcpt(m, env->values[i]);
	for (size_t i = 0; i < env->count; i++) {
		const char *v = env->values[i];
		queue_rcpt_t *r;

		if (strcmp(env->names[i], "rcpt_orcpt") == 0 && no < m->nrcpts) {
			r = &m->rcpts[no++];
			queue_set_str(&r->orcpt, *v ? v : NULL);
		} else if (strcmp(env->names[i], "rcpt_notify") == 0 &&
			   nn < m->nrcpts) {
			r = &m->rcpts[nn++];
			queue_set_str(&r->notify, *v ? v : NULL);
		}
	}
}

/* What decodes of a damaged envelope, line by line up to its blank line. */
static void queue_envelope_salvage(const char *data, size_t len, attr_t *env)
{
	size_t pos = 0;

	while (pos < len && env->count < queue_env_limits.max_count) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t n = nl ? (size_t) (nl - (data + pos)) : len - pos;

		if (n == 0)
			break;
		(void) attr_decode_line(data + pos, n, queue_env_limits.max_line, env);
		pos += n + 1;
	}
}

/* One record line, without its LF.  A line that is not complete (no
 * trailing " .": a crash mid-append, or the zeros a crash can leave) is
 * torn and ignored; a complete one that does not apply is an error, or
 * skipped when salvaging. */
static int queue_apply_line(queue_msg_t *m, buf_t *line, int salvage,
			    const char **err_r)
{
	size_t len = line->len;
	char *s = line->data;	/* NUL-terminated by buf_append */

	if (len < 2 || memcmp(s + len - 2, " .", 2) != 0 ||
	    memchr(s, '\0', len) != NULL) {
		m->torn = 1;
		return 0;
	}
	s[len - 2] = '\0';
	if (queue_apply_record(m, s) < 0 && !salvage) {
		*err_r = "bad queue file record";
		return -1;
	}
	return 0;
}

/* The result records from start to end, a chunk at a time. */
static int queue_read_records(const queue_src_t *src, queue_msg_t *m,
			      off_t start, off_t end, int salvage,
			      const char **err_r)
{
	char *chunk = mem_alloc(QUEUE_READ_CHUNK);
	buf_t line = BUF_INIT;
	int skipping = 0, r = 0;	/* skipping: the rest of a long line */
	off_t off = start;

	while (off < end && r == 0) {
		size_t want = end - off < QUEUE_READ_CHUNK ? (size_t) (end - off) :
			QUEUE_READ_CHUNK;
		ssize_t n = queue_src_read(src, chunk, want, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*err_r = "cannot read queue file records";
			r = -1;
			break;
		}
		off += n;
		for (size_t i = 0; i < (size_t) n && r == 0;) {
			const char *nl = memchr(chunk + i, '\n', (size_t) n - i);
			size_t take = nl ? (size_t) (nl - (chunk + i)) : (size_t) n - i;

			if (!skipping)
				buf_append(&line, chunk + i, take);
			i += take;
			if (line.len > QUEUE_MAX_RECORD_LINE) {
				if (!salvage) {
					*err_r = "queue file record too long";
					r = -1;
					break;
				}
				skipping = 1;
				buf_reset(&line);
			}
			if (nl == NULL)
				break;
			i++;
			if (!skipping)
				r = queue_apply_line(m, &line, salvage, err_r);
			skipping = 0;
			buf_reset(&line);
		}
	}
	if (r == 0 && (line.len > 0 || skipping))
		m->torn = 1;	/* a crash mid-append: ignored */
	buf_release(&line);
	mem_free(chunk);
	return r;
}

/*
 * queue_msg_read() (salvage 0) and queue_msg_salvage() (salvage 1): one
 * reader, so that salvaging can never disagree with reading about where
 * things are.  Salvaging goes on past what it cannot read.
 */
static int queue_msg_parse(const queue_src_t *src, queue_msg_t *m, int salvage,
			   const char **err_r)
{
	char header[QUEUE_HEADER_LEN + 1];
	long long coff = 0, clen = 0;
	off_t size;
	char *env = NULL;
	size_t envlen;
	const char *id;
	int header_ok = 0;

	memset(m, 0, sizeof(*m));
	m->env = attr_new();
	if (queue_src_size(src, &size) < 0 ||
	    queue_read_at(src, header, QUEUE_HEADER_LEN, 0) < 0) {
		*err_r = "cannot read the queue file header";
		goto bad;
	}
	header[QUEUE_HEADER_LEN] = '\0';
	if (memcmp(header, QUEUE_MAGIC " ", 7) != 0) {
		*err_r = "bad queue file header";
		goto bad;	/* not a queue file: nothing to salvage */
	}
	if (sscanf(header + 7, "%12lld %12lld", &coff, &clen) == 2 &&
	    coff > QUEUE_HEADER_LEN && clen >= 0 && coff + clen <= size)
		header_ok = 1;
	if (!header_ok) {
		*err_r = "bad queue file header";
		if (!salvage)
			goto bad;
		/* The envelope still starts after the header. */
		coff = clen = 0;
		envlen = (size_t) (size - QUEUE_HEADER_LEN);
		if (envlen > QUEUE_MAX_ENVELOPE)
			envlen = QUEUE_MAX_ENVELOPE;
	} else {
		envlen = (size_t) coff - QUEUE_HEADER_LEN;
		if (envlen > QUEUE_MAX_ENVELOPE) {
			*err_r = "queue file envelope too large";
			if (!salvage)
				goto bad;
			envlen = QUEUE_MAX_ENVELOPE;
			header_ok = 0;	/* nor are the records where it says */
			coff = clen = 0;
		}
	}
	env = mem_alloc(envlen ? envlen : 1);
	if (queue_read_at(src, env, envlen, QUEUE_HEADER_LEN) < 0) {
		*err_r = "cannot read the queue file envelope";
		goto bad;
	}
	if (salvage) {
		queue_envelope_salvage(env, envlen, m->env);
	} else if (attr_decode_limited(env, envlen, m->env,
				       &queue_env_limits) != ATTR_OK) {
		*err_r = "bad queue file envelope";
		goto bad;
	} else if (queue_envelope_check(m->env, err_r) < 0) {
		goto bad;
	}
	id = attr_get(m->env, "id");
	if (id != NULL && queue_id_valid(id)) {
		memcpy(m->id, id, QUEUE_ID_LEN + 1);
	} else if (!salvage) {
		*err_r = "queue file envelope has no valid id";
		goto bad;
	}
	m->content_off = (off_t) coff;
	m->content_len = (size_t) clen;
	queue_msg_envelope_rcpts(m, salvage ? QUEUE_MAX_TOTAL_RCPTS : (size_t) -1);
	if (header_ok && queue_read_records(src, m, (off_t) (coff + clen),
					    size, salvage, err_r) < 0)
		goto bad;
	mem_free(env);
	return 0;
bad:
	mem_free(env);
	if (salvage && m->env->count > 0) {
		if (m->nrcpts == 0)
			queue_msg_envelope_rcpts(m, QUEUE_MAX_TOTAL_RCPTS);
		return 0;
	}
	queue_msg_clear(m);
	return -1;
}

int queue_msg_read(int fd, queue_msg_t *m, const char **err_r)
{
	queue_src_t src = { .fd = fd };

	return queue_msg_parse(&src, m, 0, err_r);
}

int queue_msg_salvage(int fd, queue_msg_t *m)
{
	queue_src_t src = { .fd = fd };
	const char *err;

	return queue_msg_parse(&src, m, 1, &err);
}

int queue_msg_read_bytes(const char *data, size_t len, queue_msg_t *m,
			 const char **err_r)
{
	queue_src_t src = { .fd = -1, .data = data, .len = len };

	return queue_msg_parse(&src, m, 0, err_r);
}

int queue_msg_salvage_bytes(const char *data, size_t len, queue_msg_t *m)
{
	queue_src_t src = { .fd = -1, .data = data, .len = len };
	const char *err;

	return queue_msg_parse(&src, m, 1, &err);
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

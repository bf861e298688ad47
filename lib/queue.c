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
 * The reader is queue_read.c; what both halves share is in queue_impl.h.
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

#include "hex.h"
#include "log.h"
#include "mem.h"
#include "queue.h"
#include "queue_impl.h"

#define QUEUE_FLUSH_SIZE 65536

/* The envelope as an attr record: three attributes per recipient and the
 * others; a line as long as IPC allows (the fields are far shorter). */
const attr_limits_t queue_env_limits = {
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
int queue_envelope_check(const attr_t *env, const char **err_r)
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
	int nprepend;		/* "prepend" records written: content ended */
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
	if (w->nprepend > 0) {
		errno = EINVAL;
		return -1;
	}
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

/* In-place unescape; -1 on a bad escape. */
int queue_unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (*s == '%') {
			int hi = hex_value((unsigned char) s[1]);
			int lo = hi < 0 ? -1 : hex_value((unsigned char) s[2]);

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

int queue_writer_prepend(queue_writer_t *w, const char *field)
{
	buf_t line = BUF_INIT;
	int r = 0;

	if (queue_writer_start(w) < 0)
		return -1;
	buf_puts(&line, "prepend field=");
	queue_escape(&line, field, (size_t) -1);
	buf_puts(&line, " .\n");
	if (w->nprepend >= QUEUE_MAX_PREPEND || *field == '\0' ||
	    field[strlen(field) - 1] != '\n') {
		errno = EINVAL;
		r = -1;
	} else if (line.len - 1 > QUEUE_MAX_RECORD_LINE) {
		errno = EMSGSIZE;
		r = -1;
	} else {
		buf_append(&w->out, line.data, line.len);
		w->nprepend++;
	}
	buf_release(&line);
	return r;
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

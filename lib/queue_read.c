/* queue_read.c - reading a queue file back (queue.h, architecture §4).
 *
 * The reader parses through queue_src_read() alone, which reads from a
 * descriptor or copies from bytes in memory: the same parse runs on the
 * files qmgr reads and on the bytes the unit test and the fuzz target
 * (tests/fuzz/fuzz_queue_read.c) give it.  Records are taken a chunk at a
 * time, so their total size (which grows with every retry) is not a limit;
 * the envelope is checked by the writer's own queue_envelope_check().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "queue.h"
#include "queue_impl.h"

#define QUEUE_READ_CHUNK 65536

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

/* The field of a "prepend" record line s (" ." cut off, NUL-ended):
 * unescaped in place into *field_r (when not NULL); 0, or -1 when the
 * line is not one "field=" holding a header field that ends in LF. */
static int queue_prepend_field(char *s, char **field_r)
{
	char *v = s + 8;

	if (strncmp(s, "prepend field=", 14) != 0 || strchr(v, ' ') != NULL)
		return -1;
	v += 6;
	if (queue_unescape(v) < 0 || *v == '\0' || v[strlen(v) - 1] != '\n')
		return -1;
	if (field_r != NULL)
		*field_r = v;
	return 0;
}

int queue_prepend_read(int fd, off_t off, size_t len, buf_t *out)
{
	queue_src_t src = { .fd = fd };
	char *data;
	size_t pos = 0, n = 0;
	int r = 0;

	if (len == 0 || len > QUEUE_MAX_PREPEND * (QUEUE_MAX_RECORD_LINE + 1))
		return -1;
	data = mem_alloc(len + 1);
	if (queue_read_at(&src, data, len, off) < 0 || data[len - 1] != '\n')
		r = -1;
	data[len] = '\0';
	while (r == 0 && pos < len) {
		char *nl = memchr(data + pos, '\n', len - pos), *field;
		size_t l = (size_t) (nl - (data + pos));

		if (++n > QUEUE_MAX_PREPEND || l < 2 || memchr(data + pos, '\0', l) ||
		    memcmp(data + pos + l - 2, " .", 2) != 0) {
			r = -1;
			break;
		}
		data[pos + l - 2] = '\0';
		if (queue_prepend_field(data + pos, &field) < 0)
			r = -1;
		else
			buf_puts(out, field);
		pos += l + 1;
	}
	mem_free(data);
	return r;
}

/* One record line, without its LF.  A line that is not complete (no
 * trailing " .": a crash mid-append, or the zeros a crash can leave) is
 * torn and ignored; a complete one that does not apply is an error, or
 * skipped when salvaging. */
static int queue_apply_line(queue_msg_t *m, buf_t *line, off_t off,
			    int salvage, const char **err_r)
{
	size_t len = line->len;
	char *s = line->data;	/* NUL-terminated by buf_append */
	int r;

	if (len < 2 || memcmp(s + len - 2, " .", 2) != 0 ||
	    memchr(s, '\0', len) != NULL) {
		m->torn = 1;
		return 0;
	}
	s[len - 2] = '\0';
	if (strncmp(s, "prepend ", 8) == 0) {
		/* Written before the commit, right after the content: only
		 * where no other record came before (see queue.h). */
		r = m->records_seen || m->nprepend >= QUEUE_MAX_PREPEND ||
			queue_prepend_field(s, NULL) < 0 ? -1 : 0;
		if (r == 0) {
			if (m->nprepend++ == 0)
				m->prepend_off = off;
			m->prepend_len = (size_t) (off - m->prepend_off) + len + 1;
		}
	} else {
		m->records_seen = 1;
		r = queue_apply_record(m, s);
	}
	if (r < 0 && !salvage) {
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
	off_t off = start, line_off = start;

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
				r = queue_apply_line(m, &line, line_off, salvage, err_r);
			skipping = 0;
			buf_reset(&line);
			line_off = off - n + (off_t) i;
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

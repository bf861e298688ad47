/* mail_uidlist.c - a folder's UID list file; see mail_uidlist.h.
 *
 * The list is kept in memory as an array in UID order with a hash of
 * the base names beside it, so that a sync of a large folder looks each
 * directory entry up in constant time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "file_util.h"
#include "log.h"
#include "mail_uidlist.h"
#include "mem.h"

#define MAIL_UIDLIST_CHUNK	65536

void mail_uidlist_init(mail_uidlist_t *ul, const char *label)
{
	memset(ul, 0, sizeof(*ul));
	ul->label = label;
}

static void mail_uidlist_clear(mail_uidlist_t *ul)
{
	for (size_t i = 0; i < ul->n; i++)
		mem_free(ul->v[i].base);
	ul->n = 0;
	ul->validity = ul->next = 0;
	ul->size = 0;
	ul->header_read = 0;
	if (ul->hash != NULL)
		memset(ul->hash, 0, ul->hcap * sizeof(*ul->hash));
}

void mail_uidlist_free(mail_uidlist_t *ul)
{
	const char *label = ul->label;

	mail_uidlist_clear(ul);
	mem_free(ul->v);
	mem_free(ul->hash);
	mail_uidlist_init(ul, label);
}

static size_t mail_uidlist_hash_of(const char *s)
{
	size_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char) *s) * 16777619u;
	return h;
}

static void mail_uidlist_hash_put(mail_uidlist_t *ul, size_t idx)
{
	size_t h = mail_uidlist_hash_of(ul->v[idx].base) & (ul->hcap - 1);

	while (ul->hash[h] != 0)
		h = (h + 1) & (ul->hcap - 1);
	ul->hash[h] = idx + 1;
}

/* Keep the hash at most half full. */
static void mail_uidlist_hash_grow(mail_uidlist_t *ul)
{
	if (ul->n * 2 < ul->hcap)
		return;
	mem_free(ul->hash);
	ul->hcap = ul->hcap ? ul->hcap * 2 : 64;
	while (ul->n * 2 >= ul->hcap)
		ul->hcap *= 2;
	ul->hash = mem_zalloc(ul->hcap * sizeof(*ul->hash));
	for (size_t i = 0; i < ul->n; i++)
		mail_uidlist_hash_put(ul, i);
}

static void mail_uidlist_add(mail_uidlist_t *ul, uint32_t uid, const char *base,
			     size_t len)
{
	if (ul->n == ul->cap) {
		ul->cap = ul->cap ? ul->cap * 2 : 64;
		ul->v = mem_reallocarray(ul->v, ul->cap, sizeof(*ul->v));
	}
	ul->v[ul->n].uid = uid;
	ul->v[ul->n].base = mem_memdup(base, len + 1);
	ul->v[ul->n].base[len] = '\0';
	ul->n++;
	mail_uidlist_hash_grow(ul);
	mail_uidlist_hash_put(ul, ul->n - 1);
	if (uid >= ul->next)
		ul->next = uid + 1;
}

uint32_t mail_uidlist_find(const mail_uidlist_t *ul, const char *base)
{
	size_t h;

	if (ul->hcap == 0)
		return 0;
	for (h = mail_uidlist_hash_of(base) & (ul->hcap - 1); ul->hash[h] != 0;
	     h = (h + 1) & (ul->hcap - 1))
		if (strcmp(ul->v[ul->hash[h] - 1].base, base) == 0)
			return ul->v[ul->hash[h] - 1].uid;
	return 0;
}

static int mail_uidlist_base_ok(const char *b, size_t len)
{
	if (len == 0 || len > MAIL_UIDLIST_BASE_MAX || b[0] == '.')
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char) b[i] <= ' ' || b[i] == '/' || b[i] == ':' ||
		    b[i] == 0x7f)
			return 0;
	return 1;
}

/* One line without its newline: 0, or -1 for a header that is not ours. */
static int mail_uidlist_line(mail_uidlist_t *ul, char *line, size_t len)
{
	unsigned long v, n, uid;
	char *end;

	line[len] = '\0';
	if (!ul->header_read) {
		if (sscanf(line, "T1 V%lu N%lu", &v, &n) == 2 && v > 0 &&
		    v <= UINT32_MAX && n > 0 && n <= UINT32_MAX) {
			ul->validity = (uint32_t) v;
			ul->next = (uint32_t) n;
			return 0;
		}
		log_error("%s/%s: not a UID list header; the folder's UIDs will "
			  "be given anew", ul->label, MAIL_UIDLIST_FILE);
		return -1;
	}
	uid = strtoul(line, &end, 10);
	if (end == line || *end != ' ' || uid == 0 || uid > UINT32_MAX - 1 ||
	    (ul->n > 0 && uid <= ul->v[ul->n - 1].uid) ||
	    !mail_uidlist_base_ok(end + 1, len - (size_t) (end + 1 - line))) {
		log_sanitize(line);
		log_warn("%s/%s: skipped a bad line: %.80s", ul->label,
			 MAIL_UIDLIST_FILE, line);
		return 0;
	}
	mail_uidlist_add(ul, (uint32_t) uid, end + 1, len - (size_t) (end + 1 - line));
	return 0;
}

int mail_uidlist_refresh(int dirfd, mail_uidlist_t *ul)
{
	int fd = openat(dirfd, MAIL_UIDLIST_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	buf_t text = BUF_INIT;
	struct stat st;
	size_t start = 0;
	ssize_t got;

	if (fd < 0) {
		if (errno != ENOENT)
			return -1;
		mail_uidlist_clear(ul);
		ul->dev = 0;
		ul->ino = 0;
		return 0;
	}
	if (fstat(fd, &st) < 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	if (st.st_dev != ul->dev || st.st_ino != ul->ino || st.st_size < ul->size) {
		mail_uidlist_clear(ul);
		ul->dev = st.st_dev;
		ul->ino = st.st_ino;
	}
	buf_reserve(&text, MAIL_UIDLIST_CHUNK + 1);
	for (;;) {
		got = pread(fd, text.data + text.len, MAIL_UIDLIST_CHUNK,
			    ul->size + (off_t) text.len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		text.len += (size_t) got;
		/* Whole lines only; the rest waits for the next read. */
		for (char *nl; (nl = memchr(text.data + start, '\n', text.len - start));) {
			if (mail_uidlist_line(ul, text.data + start,
					      (size_t) (nl - text.data) - start) < 0) {
				/* Replaced by the next append. */
				mail_uidlist_clear(ul);
				ul->dev = 0;
				ul->ino = 0;
				buf_release(&text);
				close(fd);
				return 0;
			}
			start = (size_t) (nl - text.data) + 1;
			ul->header_read = 1;
		}
		ul->size += (off_t) start;
		memmove(text.data, text.data + start, text.len - start);
		text.len -= start;
		start = 0;
		buf_reserve(&text, text.len + MAIL_UIDLIST_CHUNK + 1);
	}
	buf_release(&text);
	close(fd);
	return got < 0 ? -1 : 0;
}

int mail_uidlist_append(int dirfd, mail_uidlist_t *ul, const char *const *bases,
			size_t n, uint32_t min_validity)
{
	buf_t text = BUF_INIT;
	uint32_t uid = ul->next ? ul->next : 1;
	struct stat st;
	int fd, r = -1, err;

	for (size_t i = 0; i < n; i++) {
		if (!mail_uidlist_base_ok(bases[i], strlen(bases[i])) ||
		    uid + (uint32_t) i == UINT32_MAX) {
			errno = EINVAL;
			return -1;
		}
	}
	if (ul->validity == 0) {
		uint32_t v = (uint32_t) time(NULL);

		ul->validity = v > min_validity ? v : min_validity;
		uid = 1;
		buf_printf(&text, "T1 V%u N1\n", ul->validity);
	}
	for (size_t i = 0; i < n; i++)
		buf_printf(&text, "%u %s\n", uid + (uint32_t) i, bases[i]);
	if (ul->ino == 0) {
		r = file_replace_at(dirfd, MAIL_UIDLIST_FILE, text.data, text.len, 0600);
		fd = r == 0 ? openat(dirfd, MAIL_UIDLIST_FILE, O_RDONLY |
				     O_NOFOLLOW | O_CLOEXEC) : -1;
	} else {
		fd = openat(dirfd, MAIL_UIDLIST_FILE, O_WRONLY | O_APPEND |
			    O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 && file_write_all(fd, text.data, text.len) == 0 &&
		    fsync(fd) == 0)
			r = 0;
	}
	if (r == 0 && (fd < 0 || fstat(fd, &st) < 0))
		r = -1;
	err = errno;
	if (fd >= 0)
		close(fd);
	if (r < 0) {
		if (ul->ino == 0)
			ul->validity = 0;
		buf_release(&text);
		errno = err;
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		mail_uidlist_add(ul, uid + (uint32_t) i, bases[i], strlen(bases[i]));
	if (ul->next < uid)
		ul->next = uid;
	ul->dev = st.st_dev;
	ul->ino = st.st_ino;
	ul->size = st.st_size;
	/* What follows in the file is entries: the header is behind us. */
	ul->header_read = 1;
	buf_release(&text);
	return 0;
}

int mail_uidlist_rewrite(int dirfd, mail_uidlist_t *ul,
			 int (*keep)(const char *base, void *ctx), void *ctx)
{
	buf_t text = BUF_INIT;
	size_t kept = 0;
	struct stat st;
	int r;

	if (ul->validity == 0)
		return 0;
	buf_printf(&text, "T1 V%u N%u\n", ul->validity, ul->next);
	for (size_t i = 0; i < ul->n; i++)
		if (keep(ul->v[i].base, ctx))
			buf_printf(&text, "%u %s\n", ul->v[i].uid, ul->v[i].base);
	r = file_replace_at(dirfd, MAIL_UIDLIST_FILE, text.data, text.len, 0600);
	buf_release(&text);
	if (r < 0 || fstatat(dirfd, MAIL_UIDLIST_FILE, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	for (size_t i = 0; i < ul->n; i++) {
		if (keep(ul->v[i].base, ctx))
			ul->v[kept++] = ul->v[i];
		else
			mem_free(ul->v[i].base);
	}
	ul->n = kept;
	memset(ul->hash, 0, ul->hcap * sizeof(*ul->hash));
	for (size_t i = 0; i < ul->n; i++)
		mail_uidlist_hash_put(ul, i);
	ul->dev = st.st_dev;
	ul->ino = st.st_ino;
	ul->size = st.st_size;
	ul->header_read = 1;
	return 0;
}

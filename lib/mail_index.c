/* mail_index.c - a folder's cache in Berkeley DB; see mail_index.h.
 *
 * Keys: "v" (the UIDVALIDITY, 4 octets), "dirty" (present while a writer
 * is at work), "u<uid>" (a message's record: fields one after another,
 * each a letter, a 4-octet length and the value).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mail_index.h"
#include "map.h"
#include "mem.h"

struct mail_index {
	char *path;
	int dir_fd;
	uint32_t validity;
	int lock_fd;
	map_t *db;
	int writing, written;
	buf_t rec;
};

mail_index_t *mail_index_open(const char *dir, int dir_fd, uint32_t validity)
{
	mail_index_t *ix = MEM_NEW(mail_index_t);

	ix->path = mem_printf("%s/%s", dir, MAIL_INDEX_FILE);
	ix->dir_fd = dir_fd;
	ix->validity = validity;
	ix->lock_fd = -1;
	return ix;
}

void mail_index_close(mail_index_t **ixp)
{
	mail_index_t *ix = *ixp;

	if (ix == NULL)
		return;
	mail_index_end(ix);
	buf_release(&ix->rec);
	mem_free(ix->path);
	mem_free(ix);
	*ixp = NULL;
}

static void mail_index_encode_u32(uint32_t v, unsigned char out[4])
{
	out[0] = (unsigned char) (v >> 24);
	out[1] = (unsigned char) (v >> 16);
	out[2] = (unsigned char) (v >> 8);
	out[3] = (unsigned char) v;
}

static uint32_t mail_index_decode_u32(const unsigned char *p)
{
	return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 |
		(uint32_t) p[2] << 8 | p[3];
}

/* Open the database.  A reader takes it only when it is clean and of
 * this validity (else every lookup misses, and the next writer cleans
 * up); a writer, holding the exclusive lock, starts anew from a dead
 * writer's remains, another validity's cache or a new file. */
static int mail_index_open_db(mail_index_t *ix)
{
	unsigned char b[4];
	struct stat st;
	buf_t v = BUF_INIT;
	char *err = NULL;
	int ok;

	if (!ix->writing && fstatat(ix->dir_fd, MAIL_INDEX_FILE, &st,
				    AT_SYMLINK_NOFOLLOW) < 0)
		return -1;	/* nothing cached yet */
	ix->db = map_open(ix->path, ix->writing ? MAP_RDWR | MAP_CREATE : MAP_RDONLY,
			  &err);
	if (ix->db == NULL)
		goto fail;
	ok = map_get(ix->db, "dirty", &v) == 0 && map_get(ix->db, "v", &v) == 1 &&
		v.len == 4 && mail_index_decode_u32((unsigned char *) v.data) == ix->validity;
	buf_release(&v);
	if (ok)
		return 0;
	map_close(&ix->db);
	if (!ix->writing)
		return -1;
	if (unlinkat(ix->dir_fd, MAIL_INDEX_FILE, 0) < 0 && errno != ENOENT)
		log_warn("%s: remove: %s", ix->path, strerror(errno));
	ix->db = map_open(ix->path, MAP_RDWR | MAP_CREATE, &err);
	if (ix->db == NULL)
		goto fail;
	mail_index_encode_u32(ix->validity, b);
	if (map_put(ix->db, "v", b, 4) == 0 && map_sync(ix->db) == 0)
		return 0;
	map_close(&ix->db);
	return -1;
fail:
	log_warn("%s; going on without the cache", err);
	mem_free(err);
	return -1;
}

int mail_index_begin(mail_index_t *ix, int write)
{
	mail_index_end(ix);
	ix->lock_fd = openat(ix->dir_fd, MAIL_INDEX_LOCK_FILE, O_RDWR | O_CREAT |
			     O_NOFOLLOW | O_CLOEXEC, 0600);
	if (ix->lock_fd < 0)
		return -1;
	while (flock(ix->lock_fd, write ? LOCK_EX : LOCK_SH) < 0) {
		if (errno != EINTR) {
			close(ix->lock_fd);
			ix->lock_fd = -1;
			return -1;
		}
	}
	ix->writing = write;
	ix->written = 0;
	return mail_index_open_db(ix);
}

void mail_index_end(mail_index_t *ix)
{
	if (ix->db != NULL) {
		if (ix->written && (map_sync(ix->db) < 0 ||
				    map_del(ix->db, "dirty") < 0 ||
				    map_sync(ix->db) < 0))
			log_warn("%s: the cache could not be saved", ix->path);
		map_close(&ix->db);
	}
	if (ix->lock_fd >= 0) {
		close(ix->lock_fd);
		ix->lock_fd = -1;
	}
	ix->writing = ix->written = 0;
}

/* Before the first change of a writer: the mark that tells its remains
 * should it die before mail_index_end(). */
static int mail_index_dirty(mail_index_t *ix)
{
	if (ix->db == NULL || !ix->writing)
		return -1;
	if (!ix->written) {
		if (map_put(ix->db, "dirty", "1", 1) < 0 || map_sync(ix->db) < 0)
			return -1;
		ix->written = 1;
	}
	return 0;
}

static void mail_index_key(uint32_t uid, char *key, size_t size)
{
	snprintf(key, size, "u%u", uid);
}

/* The value of field in a record, or NULL. */
static const unsigned char *mail_index_field(const buf_t *rec, char field,
					     size_t *len_r)
{
	const unsigned char *p = (const unsigned char *) rec->data;
	size_t left = rec->len;

	while (left >= 5) {
		size_t len = mail_index_decode_u32(p + 1);

		if (len > left - 5)
			return NULL;	/* a broken record: a miss */
		if (p[0] == (unsigned char) field) {
			*len_r = len;
			return p + 5;
		}
		p += 5 + len;
		left -= 5 + len;
	}
	return NULL;
}

int mail_index_get(mail_index_t *ix, uint32_t uid, char field, buf_t *out)
{
	char key[16];
	const unsigned char *v;
	size_t len;

	if (ix->db == NULL)
		return 0;
	mail_index_key(uid, key, sizeof(key));
	if (map_get(ix->db, key, &ix->rec) != 1)
		return 0;
	v = mail_index_field(&ix->rec, field, &len);
	if (v == NULL)
		return 0;
	buf_reset(out);
	buf_append(out, v, len);
	return 1;
}

int mail_index_put(mail_index_t *ix, uint32_t uid, char field,
		   const void *data, size_t len)
{
	char key[16];
	buf_t rec = BUF_INIT;
	unsigned char head[5];
	const unsigned char *p;
	size_t left;
	int r;

	if (mail_index_dirty(ix) < 0)
		return -1;
	mail_index_key(uid, key, sizeof(key));
	if (map_get(ix->db, key, &ix->rec) != 1)
		buf_reset(&ix->rec);
	/* The record without the field's old value, then the new one. */
	p = (const unsigned char *) ix->rec.data;
	left = ix->rec.len;
	while (left >= 5) {
		size_t flen = mail_index_decode_u32(p + 1);

		if (flen > left - 5)
			break;
		if (p[0] != (unsigned char) field)
			buf_append(&rec, p, 5 + flen);
		p += 5 + flen;
		left -= 5 + flen;
	}
	head[0] = (unsigned char) field;
	mail_index_encode_u32((uint32_t) len, head + 1);
	buf_append(&rec, head, 5);
	buf_append(&rec, data, len);
	r = rec.len > MAIL_INDEX_RECORD_MAX ? -1 :
		map_put(ix->db, key, rec.data, rec.len);
	buf_release(&rec);
	return r;
}

int mail_index_forget(mail_index_t *ix, uint32_t uid)
{
	char key[16];

	if (mail_index_dirty(ix) < 0)
		return -1;
	mail_index_key(uid, key, sizeof(key));
	return map_del(ix->db, key) < 0 ? -1 : 0;
}

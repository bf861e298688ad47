/* mailbox.c - a Maildir as POP3 (and later IMAP) sees it; see mailbox.h.
 *
 * The mailbox keeps descriptors of its directory, new/ and cur/, and reaches
 * every file relative to them (openat, renameat, unlinkat), never following
 * a symlink.  Listing is one readdir of new/ and one of cur/ (in that order,
 * so a file that another process moves from new/ to cur/ meanwhile is seen
 * at least once; a base name seen twice is kept once, the cur/ copy).  No
 * file is stat()ed or read for a name that follows the convention:
 *   - the delivery time comes from the name, "<sec>.M<usec>P...", as every
 *     Maildir writer starts names with the time (and most put "M<usec>" in
 *     the second part); only a name that does not start with "<digits>."
 *     is stat()ed for its mtime;
 *   - the sizes come from ",S=" and ",W="; a name without them is read once
 *     (counting LFs gives the CRLF size).
 *
 * A message whose file is no longer where the list says is found again by
 * its base name: one rescan of new/ and cur/ refreshes the current names of
 * every listed message at once (through a hash of the base names), so a
 * client that renamed many files costs one rescan, not one per message.
 *
 * mailbox_path_virtual() leaves out empty when the user cannot name a
 * directory safely (no '@', an empty or hidden part, a '/'): the caller
 * refuses such a user, as local does.
 *
 * The POP3 lock is an flock() on "tern-pop3.lock" in the Maildir; the file
 * is never removed (removing lock files races with their users), and the
 * kernel drops the lock when the holder dies.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_util.h"
#include "mailbox.h"
#include "maildir.h"
#include "mem.h"

#define MAILBOX_LOCK_FILE "tern-pop3.lock"
#define MAILBOX_READ_CHUNK 65536

struct mailbox {
	char *dir;
	int dir_fd, new_fd, cur_fd;
	int lock_fd;
	mailbox_msg_t *msgs;
	size_t n;
	/* sort keys, parallel to msgs while listing */
	long *usec;
	/* open-addressing hash of base names -> index + 1, built on the
	 * first rescan */
	uint32_t *index;
	size_t index_size;
	char flags_tmp[64];
	int new_changed, cur_changed;	/* since the last mailbox_sync() */
};

static void mailbox_lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char) (*s - 'A' + 'a');
}

static int mailbox_component_ok(const char *s, size_t n)
{
	return n > 0 && s[0] != '.' && memchr(s, '/', n) == NULL;
}

void mailbox_path_virtual(const char *mail_directory, const char *user, buf_t *out)
{
	const char *at = strrchr(user, '@');
	size_t start;

	buf_reset(out);
	if (at == NULL || !mailbox_component_ok(user, (size_t) (at - user)) ||
	    !mailbox_component_ok(at + 1, strlen(at + 1)))
		return;
	buf_printf(out, "%s/", mail_directory);
	start = out->len;
	buf_printf(out, "%s/%.*s", at + 1, (int) (at - user), user);
	mailbox_lower(out->data + start);
}

static int mailbox_open_dir(int at, const char *name)
{
	return openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

mailbox_t *mailbox_open(const char *dir, char **err_r)
{
	mailbox_t *mb;
	int err;

	if (maildir_create(dir) < 0) {
		*err_r = mem_printf("create maildir %s: %s", dir, strerror(errno));
		return NULL;
	}
	mb = MEM_NEW(mailbox_t);
	mb->dir = mem_strdup(dir);
	mb->lock_fd = -1;
	mb->new_fd = mb->cur_fd = -1;
	mb->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mb->dir_fd >= 0)
		mb->new_fd = mailbox_open_dir(mb->dir_fd, "new");
	if (mb->new_fd >= 0)
		mb->cur_fd = mailbox_open_dir(mb->dir_fd, "cur");
	if (mb->cur_fd < 0) {
		err = errno;
		*err_r = mem_printf("open maildir %s: %s", dir, strerror(err));
		mailbox_close(&mb);
		errno = err;
		return NULL;
	}
	return mb;
}

static void mailbox_free_msgs(mailbox_t *mb)
{
	for (size_t i = 0; i < mb->n; i++) {
		mem_free(mb->msgs[i].base);
		mem_free(mb->msgs[i].name);
	}
	MEM_FREE(mb->msgs);
	MEM_FREE(mb->usec);
	MEM_FREE(mb->index);
	mb->n = 0;
	mb->index_size = 0;
}

void mailbox_close(mailbox_t **mbp)
{
	mailbox_t *mb = *mbp;

	if (mb == NULL)
		return;
	mailbox_unlock(mb);
	mailbox_free_msgs(mb);
	if (mb->cur_fd >= 0)
		close(mb->cur_fd);
	if (mb->new_fd >= 0)
		close(mb->new_fd);
	if (mb->dir_fd >= 0)
		close(mb->dir_fd);
	mem_free(mb->dir);
	mem_free(mb);
	*mbp = NULL;
}

const char *mailbox_dir(const mailbox_t *mb)
{
	return mb->dir;
}

int mailbox_dir_fd(const mailbox_t *mb)
{
	return mb->dir_fd;
}

int mailbox_lock(mailbox_t *mb)
{
	if (mb->lock_fd >= 0)
		return 0;
	mb->lock_fd = file_lock_at(mb->dir_fd, MAILBOX_LOCK_FILE, 0);
	return mb->lock_fd < 0 ? -1 : 0;
}

void mailbox_unlock(mailbox_t *mb)
{
	if (mb->lock_fd < 0)
		return;
	close(mb->lock_fd);	/* drops the flock */
	mb->lock_fd = -1;
}

/* Directory entries worth listing: not hidden, not a directory, symlink or
 * device (DT_UNKNOWN is let through; opening refuses what is no file). */
static int mailbox_entry_ok(const struct dirent *e)
{
	if (e->d_name[0] == '.')
		return 0;
	return e->d_type == DT_REG || e->d_type == DT_UNKNOWN;
}

/* The delivery time a conventional name carries: "<sec>.M<usec>..." or
 * "<sec>.<anything>".  0 when the name does not start that way. */
static int mailbox_name_time(const char *name, time_t *sec_r, long *usec_r)
{
	long long sec = 0;
	long usec = 0;
	const char *p = name;

	if (*p < '0' || *p > '9')
		return 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (sec > 100000000000LL)
			return 0;
		sec = sec * 10 + (*p - '0');
	}
	if (*p != '.')
		return 0;
	/* the microseconds: "M<usec>" in the second part ("1.M2P3" from
	 * local and Dovecot, "1.V801I2cM3" from Postfix) */
	for (p++; *p != '\0' && *p != '.' && *p != ',' && *p != ':'; p++) {
		if (*p == 'M' && p[1] >= '0' && p[1] <= '9') {
			int digits = 0;

			for (p++; *p >= '0' && *p <= '9' && digits < 9; p++, digits++)
				usec = usec * 10 + (*p - '0');
			break;
		}
	}
	*sec_r = (time_t) sec;
	*usec_r = usec;
	return 1;
}

/* Count octets and line ends (LF and CR: mime_wire.h) of an
 * unconventionally named file. */
static int mailbox_measure(int dfd, const char *name, long long *size_r,
			   long long *wsize_r)
{
	char *chunk;
	long long size = 0, lf = 0;
	ssize_t n;
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	chunk = mem_alloc(MAILBOX_READ_CHUNK);
	while ((n = read(fd, chunk, MAILBOX_READ_CHUNK)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		size += n;
		for (ssize_t i = 0; i < n; i++)
			lf += chunk[i] == '\n' || chunk[i] == '\r';
	}
	mem_free(chunk);
	close(fd);
	if (n < 0)
		return -1;
	*size_r = size;
	*wsize_r = size + lf;
	return 0;
}

static int mailbox_dirfd(const mailbox_t *mb, int in_new)
{
	return in_new ? mb->new_fd : mb->cur_fd;
}

/* A directory stream over new/ or cur/, read from the start.  The
 * descriptor is duplicated because closedir() closes what it reads. */
static DIR *mailbox_dir_read(int dfd)
{
	int fd = dup(dfd);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return NULL;
	}
	rewinddir(d);
	return d;
}

/* Read one of new/ and cur/ into the list. */
static int mailbox_scan_dir(mailbox_t *mb, int in_new, size_t *alloc)
{
	int dfd = mailbox_dirfd(mb, in_new);
	struct dirent *e;
	DIR *d = mailbox_dir_read(dfd);

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		mailbox_msg_t *m;
		long usec = 0;

		if (!mailbox_entry_ok(e))
			continue;
		if (mb->n == *alloc) {
			*alloc = *alloc ? *alloc * 2 : 256;
			mb->msgs = mem_reallocarray(mb->msgs, *alloc, sizeof(*mb->msgs));
			mb->usec = mem_reallocarray(mb->usec, *alloc, sizeof(*mb->usec));
		}
		m = &mb->msgs[mb->n];
		memset(m, 0, sizeof(*m));
		m->name = mem_strdup(e->d_name);
		m->base = mem_strndup(e->d_name, maildir_name_base_len(e->d_name));
		m->in_new = in_new;
		m->size = maildir_name_size(e->d_name);
		m->wsize = maildir_name_wsize(e->d_name);
		if (!mailbox_name_time(e->d_name, &m->mtime, &usec)) {
			struct stat st;

			if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISREG(st.st_mode)) {
				mem_free(m->name);
				mem_free(m->base);
				continue;	/* gone meanwhile, or no file */
			}
			m->mtime = st.st_mtime;
		}
		if ((m->size < 0 || m->wsize < 0) &&
		    mailbox_measure(dfd, e->d_name, &m->size, &m->wsize) < 0) {
			mem_free(m->name);
			mem_free(m->base);
			continue;
		}
		mb->usec[mb->n] = usec;
		mb->n++;
	}
	closedir(d);
	return 0;
}

/* qsort has no context argument: the key array rides along in a struct. */
typedef struct mailbox_sort {
	mailbox_msg_t msg;
	long usec;
} mailbox_sort_t;

static int mailbox_sort_cmp(const void *a, const void *b)
{
	const mailbox_sort_t *x = a, *y = b;
	int c;

	if (x->msg.mtime != y->msg.mtime)
		return x->msg.mtime < y->msg.mtime ? -1 : 1;
	if (x->usec != y->usec)
		return x->usec < y->usec ? -1 : 1;
	c = strcmp(x->msg.base, y->msg.base);
	if (c != 0)
		return c;
	/* the same message seen in new/ and then in cur/: cur/ first */
	return x->msg.in_new - y->msg.in_new;
}

int mailbox_list(mailbox_t *mb, mailbox_msg_t **msgs_r, size_t *n_r)
{
	mailbox_sort_t *tmp;
	size_t alloc = 0, out = 0;
	int err;

	mailbox_free_msgs(mb);
	if (mailbox_scan_dir(mb, 1, &alloc) < 0 || mailbox_scan_dir(mb, 0, &alloc) < 0) {
		err = errno;
		mailbox_free_msgs(mb);
		errno = err;
		return -1;
	}
	tmp = mem_reallocarray(NULL, mb->n ? mb->n : 1, sizeof(*tmp));
	for (size_t i = 0; i < mb->n; i++) {
		tmp[i].msg = mb->msgs[i];
		tmp[i].usec = mb->usec[i];
	}
	qsort(tmp, mb->n, sizeof(*tmp), mailbox_sort_cmp);
	for (size_t i = 0; i < mb->n; i++) {
		if (out > 0 && strcmp(mb->msgs[out - 1].base, tmp[i].msg.base) == 0) {
			mem_free(tmp[i].msg.base);
			mem_free(tmp[i].msg.name);
			continue;
		}
		mb->msgs[out++] = tmp[i].msg;
	}
	mem_free(tmp);
	MEM_FREE(mb->usec);
	mb->n = out;
	*msgs_r = mb->msgs;
	*n_r = mb->n;
	return 0;
}

/* FNV-1a over a base name. */
static uint32_t mailbox_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char) s[i];
		h *= 16777619u;
	}
	return h;
}

static void mailbox_index_build(mailbox_t *mb)
{
	size_t size = 16;

	while (size < mb->n * 2)
		size *= 2;
	mb->index = mem_reallocarray(NULL, size, sizeof(*mb->index));
	memset(mb->index, 0, size * sizeof(*mb->index));
	mb->index_size = size;
	for (size_t i = 0; i < mb->n; i++) {
		const char *b = mb->msgs[i].base;
		size_t h = mailbox_hash(b, strlen(b)) & (size - 1);

		while (mb->index[h] != 0)
			h = (h + 1) & (size - 1);
		mb->index[h] = (uint32_t) (i + 1);
	}
}

static mailbox_msg_t *mailbox_index_find(mailbox_t *mb, const char *base, size_t len)
{
	size_t h;

	if (mb->index_size == 0)
		return NULL;
	h = mailbox_hash(base, len) & (mb->index_size - 1);
	while (mb->index[h] != 0) {
		mailbox_msg_t *m = &mb->msgs[mb->index[h] - 1];

		if (strncmp(m->base, base, len) == 0 && m->base[len] == '\0')
			return m;
		h = (h + 1) & (mb->index_size - 1);
	}
	return NULL;
}

static void mailbox_msg_rename(mailbox_msg_t *m, const char *name, int in_new)
{
	if (m->in_new == in_new && strcmp(m->name, name) == 0)
		return;
	mem_free(m->name);
	m->name = mem_strdup(name);
	m->in_new = in_new;
}

/*
 * Find where every listed message is now, and msg (which may be a copy
 * outside the list) in particular.  0 when msg was found, -1 with ENOENT
 * when it is gone.
 */
static int mailbox_rescan(mailbox_t *mb, mailbox_msg_t *msg)
{
	size_t msg_len = strlen(msg->base);
	int found = 0;

	if (mb->index == NULL && mb->n > 0)
		mailbox_index_build(mb);
	for (int in_new = 1; in_new >= 0; in_new--) {
		struct dirent *e;
		DIR *d = mailbox_dir_read(mailbox_dirfd(mb, in_new));

		if (d == NULL)
			return -1;
		while ((e = readdir(d)) != NULL) {
			size_t len;
			mailbox_msg_t *m;

			if (!mailbox_entry_ok(e))
				continue;
			len = maildir_name_base_len(e->d_name);
			m = mailbox_index_find(mb, e->d_name, len);
			if (m != NULL && m != msg)
				mailbox_msg_rename(m, e->d_name, in_new);
			if (len == msg_len && memcmp(e->d_name, msg->base, len) == 0) {
				mailbox_msg_rename(msg, e->d_name, in_new);
				found = 1;
			}
		}
		closedir(d);
	}
	if (!found) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

static int mailbox_msg_dirfd(const mailbox_t *mb, const mailbox_msg_t *msg)
{
	return mailbox_dirfd(mb, msg->in_new);
}

/* O_NONBLOCK keeps a FIFO planted in the Maildir from blocking the open;
 * on the regular file that mailbox_msg_verify() admits it changes nothing,
 * so it is left set (one RETR is a handful of system calls: each counts). */
static int mailbox_msg_try_open(mailbox_t *mb, mailbox_msg_t *msg)
{
	return openat(mailbox_msg_dirfd(mb, msg), msg->name,
		      O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
}

int mailbox_msg_open_unverified(mailbox_t *mb, mailbox_msg_t *msg)
{
	int fd = mailbox_msg_try_open(mb, msg);

	if (fd >= 0 || errno != ENOENT)
		return fd;
	if (mailbox_rescan(mb, msg) < 0)
		return -1;
	return mailbox_msg_try_open(mb, msg);
}

int mailbox_msg_verify(int fd, off_t *size_r)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	if (st.st_nlink == 0) {
		errno = ENOENT;
		return -1;
	}
	if (size_r != NULL)
		*size_r = st.st_size;
	return 0;
}

int mailbox_msg_open(mailbox_t *mb, mailbox_msg_t *msg, off_t *size_r)
{
	int fd = mailbox_msg_open_unverified(mb, msg);
	int err;

	if (fd < 0 || mailbox_msg_verify(fd, size_r) == 0)
		return fd;
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

const char *mailbox_msg_flags(const mailbox_msg_t *msg)
{
	const char *p = strstr(msg->name, ":2,");

	return p ? p + 3 : "";
}

/* The flags sorted and deduplicated into out (size > 52): only letters
 * (Maildir flags are upper case; lower case letters are keywords in
 * other servers).  -1 for anything else. */
static int mailbox_flags_canon(const char *flags, char *out)
{
	unsigned char seen[128];
	size_t n = 0;

	memset(seen, 0, sizeof(seen));
	for (const unsigned char *p = (const unsigned char *) flags; *p; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
			return -1;
		seen[*p] = 1;
	}
	for (int c = 'A'; c <= 'z'; c++)
		if (seen[c])
			out[n++] = (char) c;
	out[n] = '\0';
	return 0;
}

static int mailbox_msg_try_rename(mailbox_t *mb, mailbox_msg_t *msg,
				  const char *canon)
{
	size_t keep = strcspn(msg->name, ":");
	char *name = mem_printf("%.*s:2,%s", (int) keep, msg->name, canon);
	int r = 0;

	if (msg->in_new || strcmp(name, msg->name) != 0) {
		r = renameat(mailbox_msg_dirfd(mb, msg), msg->name, mb->cur_fd, name);
		if (r == 0) {
			mb->new_changed |= msg->in_new;
			mb->cur_changed = 1;
		}
	}
	if (r == 0)
		mailbox_msg_rename(msg, name, 0);
	mem_free(name);
	return r;
}

int mailbox_msg_set_flags(mailbox_t *mb, mailbox_msg_t *msg, const char *flags)
{
	if (strlen(flags) >= sizeof(mb->flags_tmp) ||
	    mailbox_flags_canon(flags, mb->flags_tmp) < 0) {
		errno = EINVAL;
		return -1;
	}
	if (mailbox_msg_try_rename(mb, msg, mb->flags_tmp) == 0)
		return 0;
	if (errno != ENOENT || mailbox_rescan(mb, msg) < 0)
		return -1;
	return mailbox_msg_try_rename(mb, msg, mb->flags_tmp);
}

static int mailbox_msg_try_delete(mailbox_t *mb, mailbox_msg_t *msg)
{
	if (unlinkat(mailbox_msg_dirfd(mb, msg), msg->name, 0) < 0)
		return -1;
	if (msg->in_new)
		mb->new_changed = 1;
	else
		mb->cur_changed = 1;
	return 0;
}

int mailbox_msg_delete(mailbox_t *mb, mailbox_msg_t *msg)
{
	if (mailbox_msg_try_delete(mb, msg) == 0)
		return 0;
	if (errno != ENOENT || mailbox_rescan(mb, msg) < 0)
		return -1;
	return mailbox_msg_try_delete(mb, msg);
}

int mailbox_sync(mailbox_t *mb)
{
	if (mb->new_changed && fsync(mb->new_fd) < 0)
		return -1;
	mb->new_changed = 0;
	if (mb->cur_changed && fsync(mb->cur_fd) < 0)
		return -1;
	mb->cur_changed = 0;
	return 0;
}

/* mail_save.c - saving and copying messages into a folder; see
 * mail_save.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_util.h"
#include "mail_save.h"
#include "maildir.h"
#include "mem.h"

#define MAIL_SAVE_CHUNK 65536

struct mail_save {
	int folder_fd, tmp_fd, file_fd;
	buf_t base;		/* the unique part of the name */
	buf_t out;		/* converted octets not yet written */
	unsigned long long size, wsize;
	int pending_cr;		/* the last octet given was a CR */
	int error;		/* errno of the first failure */
};

mail_save_t *mail_save_begin(int folder_fd)
{
	mail_save_t *s = MEM_NEW(mail_save_t);
	int err;

	s->folder_fd = dup(folder_fd);
	s->tmp_fd = s->folder_fd >= 0 ?
		openat(s->folder_fd, "tmp", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		       O_CLOEXEC) : -1;
	s->file_fd = -1;
	for (int tries = 0; s->tmp_fd >= 0 && s->file_fd < 0 && tries < 5; tries++) {
		maildir_unique(&s->base);
		s->file_fd = openat(s->tmp_fd, buf_str(&s->base), O_WRONLY |
				    O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (s->file_fd < 0 && errno != EEXIST)
			break;
	}
	if (s->file_fd < 0) {
		err = errno;
		mail_save_abort(&s);
		errno = err;
		return NULL;
	}
	return s;
}

static void mail_save_put(mail_save_t *s, const char *p, size_t n)
{
	buf_append(&s->out, p, n);
	s->size += n;
}

static int mail_save_flush(mail_save_t *s)
{
	if (s->out.len == 0 || s->error)
		return s->error ? -1 : 0;
	if (file_write_all(s->file_fd, s->out.data, s->out.len) < 0)
		s->error = errno;
	buf_reset(&s->out);
	return s->error ? -1 : 0;
}

/* Stored octets without a CR: each LF goes out as CRLF. */
static void mail_save_run(mail_save_t *s, const char *p, size_t n)
{
	mail_save_put(s, p, n);
	s->wsize += n;
	for (const char *lf = p; (lf = memchr(lf, '\n', (size_t) (p + n - lf))) != NULL; lf++)
		s->wsize++;
}

/* A CR: with the LF after it one stored LF, else a bare CR; both are
 * two octets on the wire. */
static void mail_save_cr(mail_save_t *s, int lf_follows)
{
	mail_save_put(s, lf_follows ? "\n" : "\r", 1);
	s->wsize += 2;
}

int mail_save_write(mail_save_t *s, const char *data, size_t len)
{
	size_t i = 0;

	if (s->error) {
		errno = s->error;
		return -1;
	}
	if (s->pending_cr && len > 0) {
		s->pending_cr = 0;
		mail_save_cr(s, data[0] == '\n');
		i = data[0] == '\n';
	}
	while (i < len) {
		const char *cr = memchr(data + i, '\r', len - i);
		size_t end = cr ? (size_t) (cr - data) : len;

		mail_save_run(s, data + i, end - i);
		if (cr == NULL)
			break;
		if (end + 1 == len) {
			s->pending_cr = 1;	/* its LF may be in the next piece */
			break;
		}
		mail_save_cr(s, data[end + 1] == '\n');
		i = end + 1 + (data[end + 1] == '\n');
	}
	if (s->out.len >= MAIL_SAVE_CHUNK && mail_save_flush(s) < 0) {
		errno = s->error;
		return -1;
	}
	return 0;
}

unsigned long long mail_save_size(const mail_save_t *s)
{
	return s->size + (unsigned long long) s->pending_cr;
}

void mail_save_abort(mail_save_t **sp)
{
	mail_save_t *s = *sp;

	if (s == NULL)
		return;
	if (s->file_fd >= 0) {
		close(s->file_fd);
		(void) unlinkat(s->tmp_fd, buf_str(&s->base), 0);
	}
	if (s->tmp_fd >= 0)
		close(s->tmp_fd);
	if (s->folder_fd >= 0)
		close(s->folder_fd);
	buf_release(&s->base);
	buf_release(&s->out);
	mem_free(s);
	*sp = NULL;
}

/* Link a file into the folder's cur/, and make that durable when sync
 * is set. */
static int mail_save_link(int from_dir, const char *from, int folder_fd,
			  const char *to, int sync)
{
	int cur = openat(folder_fd, "cur", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			 O_CLOEXEC);
	int r = -1, err;

	if (cur < 0)
		return -1;
	if (linkat(from_dir, from, cur, to, 0) == 0) {
		r = sync ? fsync(cur) : 0;
		if (r < 0) {
			err = errno;
			(void) unlinkat(cur, to, 0);
			errno = err;
		}
	}
	err = errno;
	close(cur);
	errno = err;
	return r;
}

/* A unique name (maildir_unique) whose time part, up to the first '.',
 * is date instead, into out: lib/mailbox.c reads a message's internal
 * date from there without a stat.  The rest (microseconds, process,
 * counter, host) keeps it unique. */
static void mail_save_dated(const char *unique, long long date, buf_t *out)
{
	const char *rest = strchr(unique, '.');

	buf_reset(out);
	if (date > 0 && rest != NULL)
		buf_printf(out, "%lld%s", date, rest);
	else
		buf_puts(out, unique);
}

/* The internal date of a stored message: its name's time part, as
 * lib/mailbox.c reads it, else its mtime; 0 when neither is known. */
static long long mail_save_name_date(int dir_fd, const char *name)
{
	long long date = 0;
	const char *p = name;
	struct stat st;

	for (; *p >= '0' && *p <= '9' && date < 100000000000LL; p++)
		date = date * 10 + (*p - '0');
	if (p > name && *p == '.')
		return date;
	return fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ?
		(long long) st.st_mtime : 0;
}

int mail_save_finish(mail_save_t **sp, const mail_flags_t *f, time_t date,
		     buf_t *name_r)
{
	mail_save_t *s = *sp;
	struct timespec times[2];
	buf_t name = BUF_INIT;
	int r = -1, err;

	if (s->pending_cr) {
		s->pending_cr = 0;
		mail_save_cr(s, 0);
	}
	if (date == 0)
		date = time(NULL);
	times[0].tv_sec = times[1].tv_sec = date;
	times[0].tv_nsec = times[1].tv_nsec = 0;
	mail_save_dated(buf_str(&s->base), (long long) date, &name);
	buf_printf(&name, ",S=%llu,W=%llu", s->size, s->wsize);
	mail_flags_name(buf_str(&name), f, name_r);
	if (mail_save_flush(s) == 0 && fsync(s->file_fd) == 0 &&
	    futimens(s->file_fd, times) == 0 &&
	    mail_save_link(s->tmp_fd, buf_str(&s->base), s->folder_fd,
			   buf_str(name_r), 1) == 0)
		r = 0;
	else if (s->error)
		errno = s->error;
	buf_release(&name);
	err = errno;
	mail_save_abort(sp);	/* the tmp/ name goes either way */
	errno = err;
	return r;
}

int mail_save_copy(int src_dir_fd, const char *src_name, int dst_folder_fd,
		   const mail_flags_t *f, buf_t *name_r)
{
	buf_t unique = BUF_INIT, base = BUF_INIT;
	long long size = maildir_name_size(src_name), wsize = maildir_name_wsize(src_name);
	/* RFC 3501 §6.4.7: the copy keeps the internal date. */
	long long date = mail_save_name_date(src_dir_fd, src_name);
	int r = -1;

	for (int tries = 0; tries < 5 && r < 0; tries++) {
		maildir_unique(&unique);
		mail_save_dated(buf_str(&unique), date, &base);
		if (size >= 0 && wsize >= 0)
			buf_printf(&base, ",S=%lld,W=%lld", size, wsize);
		buf_reset(name_r);
		mail_flags_name(buf_str(&base), f, name_r);
		r = mail_save_link(src_dir_fd, src_name, dst_folder_fd,
				   buf_str(name_r), 0);
		if (r < 0 && errno != EEXIST)
			break;
	}
	buf_release(&unique);
	buf_release(&base);
	return r;
}

int mail_save_clean_tmp(int folder_fd, time_t now)
{
	int fd = openat(folder_fd, "tmp", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	struct stat st;
	int removed = 0;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' ||
		    fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) ||
		    st.st_mtime + MAIL_SAVE_TMP_MAX_AGE >= now ||
		    st.st_ctime + MAIL_SAVE_TMP_MAX_AGE >= now)
			continue;
		if (unlinkat(fd, e->d_name, 0) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}

int mail_save_copy_sync(int dst_folder_fd)
{
	int cur = openat(dst_folder_fd, "cur", O_RDONLY | O_DIRECTORY |
			 O_NOFOLLOW | O_CLOEXEC);
	int r, err;

	if (cur < 0)
		return -1;
	r = fsync(cur);
	err = errno;
	close(cur);
	errno = err;
	return r;
}

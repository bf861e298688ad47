/* maildir.c - Maildir delivery and names; see maildir.h.
 *
 * Names are "<sec>.M<usec>P<pid>Q<count>.<host>,S=<size>,W=<wsize>": unique
 * on this host because pid and counter differ between concurrent writers
 * and the time differs between reuses of a pid.  The link() into new/ fails
 * rather than overwrite, so a clash can never lose a message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "file_util.h"
#include "maildir.h"
#include "mem.h"

#define MAILDIR_COPY_CHUNK 65536

static int maildir_mkdir(const char *path)
{
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return 0;
	return -1;
}

int maildir_create(const char *dir)
{
	static const char *const subs[] = { "tmp", "new", "cur" };
	char *copy = mem_strdup(dir);
	int r = 0;

	/* parents first */
	for (char *p = copy + 1; *p && r == 0; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		r = maildir_mkdir(copy);
		*p = '/';
	}
	if (r == 0)
		r = maildir_mkdir(copy);
	for (size_t i = 0; i < 3 && r == 0; i++) {
		char *sub = mem_printf("%s/%s", dir, subs[i]);

		r = maildir_mkdir(sub);
		mem_free(sub);
	}
	mem_free(copy);
	return r;
}

const char *maildir_host(void)
{
	static char host[256];

	if (host[0] != '\0')
		return host;
	if (gethostname(host, sizeof(host)) < 0 || host[0] == '\0')
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	/* '/' and ':' cannot appear in a name: replace them (Maildir spec). */
	for (char *p = host; *p; p++)
		if (*p == '/' || *p == ':' || *p == ',')
			*p = '_';
	return host;
}

void maildir_unique(buf_t *out)
{
	static unsigned counter;
	struct timeval tv;

	gettimeofday(&tv, NULL);
	buf_reset(out);
	buf_printf(out, "%lld.M%06ldP%ldQ%u.%s", (long long) tv.tv_sec,
		   (long) tv.tv_usec, (long) getpid(), ++counter, maildir_host());
}

/* Copy the message; counts the line ends on the way for the ,W= size:
 * every stored LF and every stored CR goes out as CRLF (mime_wire.h). */
static int maildir_copy(int out, const char *prefix, size_t prefix_len,
			int src, off_t off, size_t len, size_t *lf_r)
{
	char *chunk = mem_alloc(MAILDIR_COPY_CHUNK);
	size_t lf = 0;
	int r = 0;

	for (size_t i = 0; i < prefix_len; i++)
		lf += prefix[i] == '\n' || prefix[i] == '\r';
	if (prefix_len && file_write_all(out, prefix, prefix_len) < 0)
		r = -1;
	while (r == 0 && len > 0) {
		size_t want = len < MAILDIR_COPY_CHUNK ? len : MAILDIR_COPY_CHUNK;
		ssize_t n = pread(src, chunk, want, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;	/* the queue file is shorter than said */
			r = -1;
			break;
		}
		for (ssize_t i = 0; i < n; i++)
			lf += chunk[i] == '\n' || chunk[i] == '\r';
		if (file_write_all(out, chunk, (size_t) n) < 0)
			r = -1;
		off += n;
		len -= (size_t) n;
	}
	mem_free(chunk);
	*lf_r = lf;
	return r;
}

int maildir_deliver(const char *dir, const char *prefix, size_t prefix_len,
		    int src_fd, off_t off, size_t len, buf_t *name_r, char **err_r)
{
	buf_t uniq = BUF_INIT;
	char *tmp = NULL, *dst = NULL, *newdir = NULL;
	size_t lf = 0, size = prefix_len + len;
	int fd = -1, err, dfd;

	/* The Maildir is made (parents included) only when it is missing,
	 * not checked on every delivery. */
	for (int tries = 0, made = 0; fd < 0 && tries < 5; tries++) {
		maildir_unique(&uniq);
		mem_free(tmp);
		tmp = mem_printf("%s/tmp/%s", dir, buf_str(&uniq));
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno == ENOENT && !made) {
			made = 1;
			if (maildir_create(dir) < 0) {
				err = errno;
				*err_r = mem_printf("create maildir %s: %s", dir,
						    strerror(err));
				goto fail_noclean;
			}
			continue;
		}
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		err = errno;
		*err_r = mem_printf("create %s: %s", tmp, strerror(err));
		goto fail_noclean;
	}
	if (maildir_copy(fd, prefix, prefix_len, src_fd, off, len, &lf) < 0) {
		err = errno;
		*err_r = mem_printf("write %s: %s", tmp, strerror(err));
		goto fail;
	}
	if (fsync(fd) < 0) {
		err = errno;
		*err_r = mem_printf("fsync %s: %s", tmp, strerror(err));
		goto fail;
	}
	buf_printf(&uniq, ",S=%zu,W=%zu", size, size + lf);
	dst = mem_printf("%s/new/%s", dir, buf_str(&uniq));
	/* new/ may be missing where only tmp/ was there: make it once. */
	if (link(tmp, dst) < 0 && (errno != ENOENT || maildir_create(dir) < 0 ||
				   link(tmp, dst) < 0)) {
		err = errno;
		*err_r = mem_printf("link %s: %s", dst, strerror(err));
		goto fail;
	}
	newdir = mem_printf("%s/new", dir);
	dfd = open(newdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0) {
		err = errno;
		*err_r = mem_printf("fsync %s: %s", newdir, strerror(err));
		if (dfd >= 0)
			close(dfd);
		unlink(dst);
		goto fail;
	}
	close(dfd);
	close(fd);
	unlink(tmp);
	buf_set(name_r, buf_str(&uniq));
	buf_release(&uniq);
	mem_free(tmp);
	mem_free(dst);
	mem_free(newdir);
	return 0;
fail:
	close(fd);
	unlink(tmp);
fail_noclean:
	buf_release(&uniq);
	mem_free(tmp);
	mem_free(dst);
	mem_free(newdir);
	errno = err;
	return -1;
}

static long long maildir_name_field(const char *name, const char *field)
{
	const char *end = strstr(name, ":2,");
	const char *p = name + maildir_name_base_len(name);

	while ((p = strstr(p, field)) != NULL && (end == NULL || p < end)) {
		char *e;
		long long v;

		p += strlen(field);
		v = strtoll(p, &e, 10);
		if (e != p && (*e == '\0' || *e == ',' || *e == ':'))
			return v;
	}
	return -1;
}

long long maildir_name_size(const char *name)
{
	return maildir_name_field(name, ",S=");
}

long long maildir_name_wsize(const char *name)
{
	return maildir_name_field(name, ",W=");
}

size_t maildir_name_base_len(const char *name)
{
	return strcspn(name, ",:");
}

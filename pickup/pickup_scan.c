/* pickup_scan.c - one pass over the maildrop.
 *
 * By name (lib/maildrop.h): a finished file is submitted (pickup_submit.c)
 * and removed once smtpd has queued it or has refused it for good; a
 * "tmp." file is one terndrop is still writing, or one a killed terndrop
 * left, removed once untouched for PICKUP_TMP_LIFETIME; any other entry
 * is nothing terndrop makes and is removed (a directory is left alone,
 * with a warning).
 *
 * A finished file must also be what terndrop makes: a regular file
 * (opened O_NOFOLLOW|O_NONBLOCK, so neither a link nor a FIFO can fool or
 * hold pickup), with one link, writable by no group or other, starting
 * with a maildrop envelope that parses.  Anything else is logged, with
 * its name and owner, and removed.  A temporary failure keeps the file
 * for a later pass and ends this one (the submit service is in trouble),
 * until the file is older than maximal_queue_lifetime.
 *
 * A crash between smtpd's 250 and the removal submits that message again
 * at the next start: at most one duplicate, never a loss.
 *
 * SECURITY: every file here came from a local user.  Only its first
 * MAILDROP_MAX_HEAD octets are ever held in memory; the content is
 * streamed to smtpd.  Names are resolved in the directory's descriptor.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "mem.h"
#include "pickup.h"

/* A "tmp." file untouched this long belongs to a terndrop that died. */
#define PICKUP_TMP_LIFETIME	(24 * 3600)
/* What is read first: most envelopes are far smaller. */
#define PICKUP_HEAD_FIRST	65536

static void pickup_remove(int dfd, const char *name)
{
	if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
		log_error("maildrop/%s: cannot remove: %s", name, strerror(errno));
}

/* Read up to want octets of fd from the start into head; -1 on error. */
static int pickup_read_head(int fd, size_t want, buf_t *head)
{
	buf_reserve(head, want - head->len);
	while (head->len < want) {
		ssize_t n = pread(fd, head->data + head->len, want - head->len,
				  (off_t) head->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		head->len += (size_t) n;
	}
	return 0;
}

/* The envelope of fd: MAILDROP_OK, or MAILDROP_BAD with *why_r. */
static int pickup_envelope(int fd, off_t size, maildrop_env_t *env,
			   size_t *off_r, const char **why_r)
{
	buf_t head = BUF_INIT;
	size_t want = (size_t) size < PICKUP_HEAD_FIRST ? (size_t) size :
		PICKUP_HEAD_FIRST;
	int r = MAILDROP_BAD;

	*why_r = "unreadable";
	for (;;) {
		if (pickup_read_head(fd, want, &head) < 0)
			break;
		r = maildrop_parse(head.data, head.len, env, off_r, why_r);
		if (r != MAILDROP_MORE)
			break;
		/* More only when there is more to read, and never past the
		 * largest envelope. */
		if (head.len < want || want >= (size_t) size ||
		    want == MAILDROP_MAX_HEAD) {
			r = MAILDROP_BAD;
			*why_r = "the envelope is cut short";
			break;
		}
		want = (size_t) size < MAILDROP_MAX_HEAD ? (size_t) size :
			MAILDROP_MAX_HEAD;
	}
	buf_release(&head);
	return r;
}

static int pickup_too_old(const struct stat *st)
{
	return time(NULL) - st->st_mtime > config_time("maximal_queue_lifetime");
}

/* One finished file.  0, or -1 when the pass should end (a temporary
 * failure of the submit service). */
static int pickup_file(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
			O_NOCTTY | O_CLOEXEC);
	maildrop_env_t env;
	const char *why = NULL;
	struct stat st;
	size_t off;
	int ret = 0;

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		log_warn("maildrop/%s: %s; removed", name, errno == ELOOP ?
			 "a symbolic link" : strerror(errno));
		pickup_remove(dfd, name);
		return 0;
	}
	if (fstat(fd, &st) < 0) {
		log_error("maildrop/%s: stat: %s", name, strerror(errno));
		close(fd);
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_nlink != 1)
		why = "more than one link";
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		why = "writable by others";
	/* On MAILDROP_BAD, why says what is wrong. */
	if (why != NULL ||
	    pickup_envelope(fd, st.st_size, &env, &off, &why) != MAILDROP_OK) {
		log_warn("maildrop/%s: uid=%ld: not a maildrop file (%s); removed",
			 name, (long) st.st_uid, why);
		pickup_remove(dfd, name);
		close(fd);
		return 0;
	}
	switch (pickup_submit(name, st.st_uid, &env, fd, (off_t) off)) {
	case PICKUP_QUEUED:
	case PICKUP_REFUSED:
		pickup_remove(dfd, name);
		break;
	case PICKUP_RETRY:
		if (pickup_too_old(&st)) {
			log_warn("maildrop/%s: uid=%ld from=<%s>: could not be "
				 "submitted for maximal_queue_lifetime; removed",
				 name, (long) st.st_uid, env.sender);
			pickup_remove(dfd, name);
		}
		ret = -1;
		break;
	}
	maildrop_env_clear(&env);
	close(fd);
	return ret;
}

/* An entry that is no finished file: a stale "tmp." one, or a stranger. */
static void pickup_other(int dfd, const char *name)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (maildrop_name_kind(name) == MAILDROP_NAME_TMP) {
		if (time(NULL) - st.st_mtime > PICKUP_TMP_LIFETIME) {
			log_warn("maildrop/%s: uid=%ld: unfinished for a day "
				 "(its terndrop died); removed", name,
				 (long) st.st_uid);
			pickup_remove(dfd, name);
		}
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		log_warn("maildrop/%s: a directory, which does not belong here",
			 name);
		return;
	}
	log_warn("maildrop/%s: uid=%ld: not a maildrop file name; removed",
		 name, (long) st.st_uid);
	pickup_remove(dfd, name);
}

int pickup_scan(void)
{
	char *names[PICKUP_BATCH];
	size_t n = 0;
	int dfd, more = 0, stop = 0;
	struct dirent *de;
	DIR *d;

	dfd = open(pickup_conf.maildrop, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		   O_CLOEXEC);
	if (dfd < 0 || (d = fdopendir(dup(dfd))) == NULL) {
		log_error("open %s: %s", pickup_conf.maildrop, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (maildrop_name_kind(de->d_name) != MAILDROP_NAME_FINAL) {
			pickup_other(dfd, de->d_name);
			continue;
		}
		if (n == PICKUP_BATCH) {
			more = 1;
			break;
		}
		names[n++] = mem_strdup(de->d_name);
	}
	closedir(d);
	for (size_t i = 0; i < n; i++) {
		/* After a temporary failure the rest waits for the interval. */
		if (!stop && !daemon_stopping() && pickup_file(dfd, names[i]) < 0) {
			stop = 1;
			more = 0;
		}
		mem_free(names[i]);
	}
	close(dfd);
	return more;
}

/* pickup_scan.c - rounds over the maildrop, and the fate of each file.
 *
 * A round reads the directory once, from the start to the end, a batch
 * of PICKUP_BATCH entries at a time (the directory stays open between
 * batches, so every entry gets its turn however many files fail), and
 * ends early only when the submit service itself fails (PICKUP_DOWN:
 * connect, greeting, EHLO, XUID), since every other file would then fail
 * too.  A message that fails for now is kept and the round goes on with
 * the next file: no file can hold up the others.
 *
 * By name (lib/maildrop.h): a finished file is submitted; a "tmp." file
 * is one terndrop is still writing, or one a dead terndrop left, removed
 * once untouched for MAILDROP_TMP_LIFETIME; any other entry is nothing
 * terndrop makes and is removed (a directory is left alone, with a
 * warning).
 *
 * A finished file must also be what terndrop makes: a regular file
 * (opened O_NOFOLLOW|O_NONBLOCK, so neither a link nor a FIFO can fool or
 * hold pickup), writable by no group or other, starting with a maildrop
 * envelope that parses, and with one link.  Two links are what terndrop
 * leaves for a moment where the file system cannot rename without
 * replacing (terndrop_file.c: link, then unlink the "tmp." name), so a
 * young file with more than one link is left for a later round, and only
 * one older than MAILDROP_TMP_LIFETIME is taken for a stranger.  Anything
 * else is logged, with its name and owner, and removed.
 *
 * A message's fate (pickup_message): its recipients are submitted
 * (pickup_submit.c) until each is queued or refused for good.  While it
 * fails for now it is kept, for pickup_retry_lifetime from its first
 * failure since it last made progress; then the recipients still open
 * are given up.  The sender then hears of every refused or given-up
 * recipient (pickup_bounce.c), since sendmail already said "kept"; the
 * null sender only gets a log line.  Then the file is removed.
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

/* What is read first: most envelopes are far smaller. */
#define PICKUP_HEAD_FIRST	65536

static struct {
	DIR *dir;		/* the round under way, or NULL */
	int dfd;
	unsigned long round;
} pickup_round = { NULL, -1, 0 };

static void pickup_remove(int dfd, const char *name)
{
	if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
		log_error("maildrop/%s: cannot remove: %s", name, strerror(errno));
}

int pickup_read_at(int fd, off_t base, size_t want, buf_t *out)
{
	buf_reserve(out, want - out->len);
	while (out->len < want) {
		ssize_t n = pread(fd, out->data + out->len, want - out->len,
				  base + (off_t) out->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		out->len += (size_t) n;
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
		if (pickup_read_at(fd, 0, want, &head) < 0)
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

/* A duration for people: "25 hours", "90 seconds". */
static void pickup_duration(long secs, buf_t *out)
{
	if (secs >= 2 * 86400 && secs % 86400 == 0)
		buf_printf(out, "%ld days", secs / 86400);
	else if (secs >= 2 * 3600)
		buf_printf(out, "%ld hours", secs / 3600);
	else if (secs >= 2 * 60)
		buf_printf(out, "%ld minutes", secs / 60);
	else
		buf_printf(out, "%ld seconds", secs);
}

/* m failed for now: has it done so for pickup_retry_lifetime? */
static int pickup_expired(pickup_msg_t *m)
{
	pickup_state_t *s = m->state;
	time_t now = time(NULL);

	if (s->failing_since == 0)
		s->failing_since = now;
	return now - s->failing_since >= pickup_conf.retry_lifetime;
}

/* Give up the recipients of m still open, for the report. */
static void pickup_give_up(pickup_msg_t *m)
{
	pickup_state_t *s = m->state;
	buf_t how_long = BUF_INIT, text = BUF_INIT;
	size_t open = m->env->nrcpts - s->settled;

	pickup_duration(pickup_conf.retry_lifetime, &how_long);
	buf_printf(&text, "could not be submitted for %s; last problem: %s",
		   buf_str(&how_long), s->problem ? s->problem : "unknown");
	log_warn("maildrop/%s: uid=%ld from=<%s>: %zu recipient%s %s; given up",
		 m->name, (long) m->uid, m->env->sender, open,
		 open == 1 ? "" : "s", buf_str(&text));
	for (size_t i = s->settled; i < m->env->nrcpts; i++)
		pickup_state_refuse(s, m->env->rcpts[i], "5.4.7", buf_str(&text));
	pickup_state_settle(s, m->env->nrcpts);
	buf_release(&how_long);
	buf_release(&text);
}

/* What becomes of a sound message: 0, or -1 when the round must end
 * (the submit service failed). */
static int pickup_message(int dfd, pickup_msg_t *m)
{
	pickup_state_t *s = m->state;
	enum pickup_result r = PICKUP_DONE;

	if (s->settled < m->env->nrcpts)
		r = pickup_submit(m);
	if (r == PICKUP_DOWN)
		return -1;
	if (r == PICKUP_RETRY) {
		if (!pickup_expired(m))
			return 0;
		pickup_give_up(m);
	}
	if (s->nrefused > 0 && m->env->sender[0] == '\0') {
		log_warn("maildrop/%s: uid=%ld from=<>: %zu recipient%s refused; "
			 "no report to the null sender", m->name, (long) m->uid,
			 s->nrefused, s->nrefused == 1 ? "" : "s");
	} else if (s->nrefused > 0) {
		r = pickup_bounce(m);
		if (r == PICKUP_DOWN)
			return -1;
		if (r == PICKUP_RETRY && !pickup_expired(m))
			return 0;
		if (r == PICKUP_RETRY)
			log_error("maildrop/%s: uid=%ld: the report to <%s> could "
				  "not be submitted either; removed", m->name,
				  (long) m->uid, m->env->sender);
	}
	pickup_remove(dfd, m->name);
	pickup_state_forget(&m->state);
	return 0;
}

/* Why st is no file terndrop made, or NULL; *later_r: neither that nor
 * a message yet (a young file with two links). */
static const char *pickup_file_why(const struct stat *st, int *later_r)
{
	*later_r = 0;
	if (!S_ISREG(st->st_mode))
		return "not a regular file";
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return "writable by others";
	if (st->st_nlink == 1)
		return NULL;
	if (time(NULL) - st->st_mtime < MAILDROP_TMP_LIFETIME) {
		*later_r = 1;
		return NULL;
	}
	return "more than one link for an hour";
}

/* One finished file.  0, or -1 when the round should end. */
static int pickup_file(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
			O_NOCTTY | O_CLOEXEC);
	maildrop_env_t env;
	pickup_msg_t m;
	const char *why;
	struct stat st;
	size_t off;
	int later, ret;

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
	why = pickup_file_why(&st, &later);
	if (later) {
		close(fd);
		return 0;
	}
	/* On MAILDROP_BAD, why says what is wrong. */
	if (why != NULL ||
	    pickup_envelope(fd, st.st_size, &env, &off, &why) != MAILDROP_OK) {
		log_warn("maildrop/%s: uid=%ld: not a maildrop file (%s); removed",
			 name, (long) st.st_uid, why);
		pickup_remove(dfd, name);
		close(fd);
		return 0;
	}
	m.name = name;
	m.uid = st.st_uid;
	m.fd = fd;
	m.off = (off_t) off;
	m.arrival = st.st_mtime;
	m.env = &env;
	m.state = pickup_state_get(name, &st, pickup_round.round);
	ret = pickup_message(dfd, &m);
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
		if (time(NULL) - st.st_mtime >= MAILDROP_TMP_LIFETIME) {
			log_warn("maildrop/%s: uid=%ld: unfinished for an hour "
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

static int pickup_round_begin(void)
{
	int dfd = open(pickup_conf.maildrop, O_RDONLY | O_DIRECTORY |
		       O_NOFOLLOW | O_CLOEXEC);

	if (dfd < 0 || (pickup_round.dir = fdopendir(dup(dfd))) == NULL) {
		log_error("open %s: %s", pickup_conf.maildrop, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	pickup_round.dfd = dfd;
	pickup_round.round++;
	return 0;
}

/* complete: the round saw every entry, so a state it did not see is of
 * a file that is gone. */
static void pickup_round_end(int complete)
{
	if (complete)
		pickup_state_sweep(pickup_round.round);
	closedir(pickup_round.dir);
	close(pickup_round.dfd);
	pickup_round.dir = NULL;
	pickup_round.dfd = -1;
}

int pickup_scan_busy(void)
{
	return pickup_round.dir != NULL;
}

int pickup_scan(void)
{
	struct dirent *de;

	if (pickup_round.dir == NULL && pickup_round_begin() < 0)
		return 0;
	for (int n = 0; n < PICKUP_BATCH; n++) {
		if (daemon_stopping()) {
			pickup_round_end(0);
			return 0;
		}
		errno = 0;
		de = readdir(pickup_round.dir);
		if (de == NULL) {
			int err = errno;

			if (err != 0)
				log_error("read %s: %s", pickup_conf.maildrop,
					  strerror(err));
			pickup_round_end(err == 0);
			return 0;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (maildrop_name_kind(de->d_name) != MAILDROP_NAME_FINAL)
			pickup_other(pickup_round.dfd, de->d_name);
		else if (pickup_file(pickup_round.dfd, de->d_name) < 0) {
			pickup_round_end(0);
			return 0;
		}
	}
	return 1;
}

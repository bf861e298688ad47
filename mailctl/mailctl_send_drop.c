/* mailctl_send_drop.c - keeping a message while tern is not running.
 *
 * When nothing listens on public/submit, sendmail must not refuse the
 * message (cron and PHP would lose it): it runs terndrop(8) from
 * daemon_directory and writes the envelope and the message to its
 * standard input (lib/maildrop.h: the message in chunks, and an end mark
 * without which terndrop keeps nothing, so a sendmail that stops half way,
 * e.g. at message_size_limit, never leaves half a message behind).
 * terndrop, setgid setgid_group, puts it into $queue_directory/maildrop,
 * where pickup(8) finds it once tern runs.  The message has been kept
 * only when terndrop exits 0.
 *
 * A recipient that is no valid SMTP path (maildrop_addr_ok: the rules
 * smtpd applies to RCPT) is left out first, logged, as smtpd would refuse
 * it were tern running: the message is kept for the others and sendmail
 * ends with EX_NOUSER, as it does for a 5xx to RCPT.  terndrop itself
 * refuses input with such an address whole (EX_DATAERR).
 *
 * SECURITY: sendmail gains nothing here; terndrop trusts nothing it is
 * given (terndrop(8)).  The configuration directory is passed with -c,
 * which terndrop honours only when it is root's (or gained no group).
 */
#define _GNU_SOURCE	/* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "mailctl.h"
#include "mailctl_send.h"
#include "maildrop.h"
#include "mem.h"

#define DROP_FLUSH_AT MAILDROP_CHUNK_MAX

extern char **environ;

struct mailctl_drop {
	pid_t pid;
	int fd;			/* terndrop's standard input */
	buf_t out;		/* content not yet written */
	int broken;		/* terndrop stopped reading */
};

static void mailctl_drop_put(mailctl_drop_t *d, const char *data, size_t len)
{
	while (!d->broken && len > 0) {
		ssize_t n = write(d->fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			d->broken = 1;
			break;
		}
		data += n;
		len -= (size_t) n;
	}
}

/* The buffered content as one chunk: its length on a line, then it. */
static void mailctl_drop_flush(mailctl_drop_t *d)
{
	char head[32];

	while (d->out.len > 0) {
		size_t n = d->out.len < MAILDROP_CHUNK_MAX ? d->out.len :
			MAILDROP_CHUNK_MAX;

		snprintf(head, sizeof(head), "%zu\n", n);
		mailctl_drop_put(d, head, strlen(head));
		mailctl_drop_put(d, d->out.data, n);
		buf_consume(&d->out, n);
	}
}

size_t mailctl_drop_check_rcpts(mailctl_rcpts_t *r)
{
	size_t kept = 0, left = 0;
	const char *why;

	for (size_t i = 0; i < r->count; i++) {
		if (maildrop_addr_ok(r->addr[i], strlen(r->addr[i]), 0, &why)) {
			r->addr[kept++] = r->addr[i];
			continue;
		}
		log_error("send: recipient <%s>: %s; left out", r->addr[i], why);
		mem_free(r->addr[i]);
		left++;
	}
	r->count = kept;
	return left;
}

mailctl_drop_t *mailctl_drop_open(const char *sender,
				  const mailctl_rcpts_t *rcpts, int *status_r)
{
	mailctl_drop_t *d;
	posix_spawn_file_actions_t fa;
	char *prog, *dir;
	char *argv[4];
	const char *why;
	buf_t env = BUF_INIT;
	pid_t pid;
	int fds[2], err;

	if (maildrop_encode(sender, rcpts->addr, rcpts->count, &env, &why) < 0) {
		log_error("send: the message cannot be kept: %s", why);
		buf_release(&env);
		*status_r = EX_DATAERR;
		return NULL;
	}
	if (pipe2(fds, O_CLOEXEC) < 0) {
		log_error("send: pipe: %s", strerror(errno));
		buf_release(&env);
		*status_r = EX_OSERR;
		return NULL;
	}
	/* exec's argv is not const: copies, not casts */
	prog = mem_printf("%s/terndrop", config_str("daemon_directory"));
	dir = mem_strdup(mailctl_dir());
	argv[0] = prog;
	argv[1] = mem_strdup("-c");
	argv[2] = dir;
	argv[3] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
	err = posix_spawn(&pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[0]);
	for (int i = 0; i < 3; i++)
		mem_free(argv[i]);
	if (err != 0) {
		log_error("send: run terndrop: %s", strerror(err));
		close(fds[1]);
		buf_release(&env);
		*status_r = EX_TEMPFAIL;
		return NULL;
	}
	/* A terndrop that refuses stops reading: a write error, not a
	 * signal, and its exit status says why. */
	signal(SIGPIPE, SIG_IGN);
	d = MEM_NEW(mailctl_drop_t);
	d->pid = pid;
	d->fd = fds[1];
	mailctl_drop_put(d, env.data, env.len);
	buf_release(&env);
	return d;
}

void mailctl_drop_write(mailctl_drop_t *d, const char *data, size_t len)
{
	buf_append(&d->out, data, len);
	if (d->out.len >= DROP_FLUSH_AT)
		mailctl_drop_flush(d);
}

int mailctl_drop_broken(const mailctl_drop_t *d)
{
	return d->broken;
}

int mailctl_drop_close(mailctl_drop_t **dp)
{
	mailctl_drop_t *d = *dp;
	int status;

	mailctl_drop_flush(d);
	mailctl_drop_put(d, MAILDROP_END, strlen(MAILDROP_END));
	close(d->fd);
	buf_release(&d->out);
	while (waitpid(d->pid, &status, 0) < 0) {
		if (errno != EINTR) {
			log_error("send: wait for terndrop: %s", strerror(errno));
			MEM_FREE(*dp);
			return EX_OSERR;
		}
	}
	MEM_FREE(*dp);
	if (WIFEXITED(status))
		/* terndrop's own statuses are sysexits.h values, passed on. */
		return WEXITSTATUS(status) == 0 ? 0 :
			WEXITSTATUS(status) >= EX__BASE &&
			WEXITSTATUS(status) <= EX__MAX ? WEXITSTATUS(status) :
			EX_TEMPFAIL;
	log_error("send: terndrop ended on signal %d", WTERMSIG(status));
	return EX_TEMPFAIL;
}

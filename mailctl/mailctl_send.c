/* mailctl_send.c - `mailctl send` and the sendmail entry point: local
 * submission of a message read on standard input.
 *
 *   mailctl send [-t] [-i] [-f sender] [-F name] [recipient ...]
 *   sendmail [same options, and -oi, -bm, -od*, -o*, -B, -N, -v ignored]
 *   sendmail -bi | -bp | -q     (mailctl_sendmail.c)
 *
 * The message goes over SMTP (lib/submit.h) to the smtpd `submit`
 * service on the UNIX socket $queue_directory/public/submit, which takes
 * the submitting uid from the socket (SO_PEERCRED) and records it.  The
 * header is read first (for -t, recipients come from To, Cc and Bcc, plus
 * any on the command line); the body is then streamed.  Without -i, a
 * line holding only "." ends the message, as in sendmail.  Bcc fields are
 * never sent.  A message without From gets one made of the sender (and
 * -F's full name).  Smtpd adds Date and Message-ID on this service.
 *
 * When nothing listens on the socket (tern is not running), the same
 * message goes to terndrop instead (mailctl_send_drop.c), which keeps it
 * in the maildrop for pickup: sendmail then succeeds, as its callers
 * expect, and never answers "try again later" for a stopped server.
 *
 * On success nothing is printed (cron mails any output to the user): the
 * record is a log line.  Exit statuses (sysexits.h, as sendmail's callers
 * expect): 0 only when every recipient was accepted and the message got
 * its 250 after DATA, or was kept in the maildrop; EX_TEMPFAIL (75) for a
 * 4xx reply, a service that fails or times out, or a message that could
 * not be kept; EX_NOUSER (67) when a recipient got a 5xx (the others
 * still get the message); EX_DATAERR (65) for a 5xx to DATA or to the
 * message, or a message over message_size_limit; EX_UNAVAILABLE (69) for
 * a 5xx to the greeting, EHLO or MAIL; EX_PROTOCOL (76) for a malformed
 * reply; EX_USAGE (64) for bad options or no recipients; EX_IOERR (74)
 * when standard input cannot be read.
 *
 * SECURITY: runs as its caller, with no privilege; the smtpd on the other
 * side trusts nothing it sends, nor does terndrop.  Standard input is the
 * caller's own data, read without a deadline (a slow local writer is not
 * an attack), but never beyond message_size_limit; every read from smtpd
 * has ipc_timeout.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "header.h"
#include "log.h"
#include "mailctl.h"
#include "mailctl_send.h"
#include "mem.h"
#include "submit.h"

#define SEND_READ_CHUNK		65536

struct send_job {
	char *sender;		/* "" for the null sender */
	const char *fullname;	/* -F, or NULL */
	int extract;		/* -t */
	int dot_ends;		/* no -i: a "." line ends the input */
	mailctl_rcpts_t rcpts;
	const char *origin;	/* myorigin */

	/* Standard input. */
	buf_t in;
	int in_eof;
	long long size, limit;	/* bytes read; message_size_limit */
	int ended_by_dot;

	buf_t header;		/* the header as read */
	buf_t first_body;	/* a body line that ended the header, if any */
	int blank_after_header;

	int mode;		/* 'm' send; -bi, -bp, -q: 'i', 'p', 'q' */

	/* Where the message goes: smtpd, or terndrop when tern is stopped. */
	submit_t *sub;
	mailctl_drop_t *drop;
	const char *path;	/* of the submit socket, for messages */
	int status;		/* worst outcome so far (sysexits) */
	size_t accepted;	/* recipients accepted */
};

static void send_usage(const char *why) __attribute__((noreturn));
static void send_usage(const char *why)
{
	log_error("send: %s", why);
	fputs("usage: mailctl send [-t] [-i] [-f sender] [-F name] "
	      "[recipient ...] < message\n"
	      "       sendmail [-t] [-i|-oi] [-f sender] [-F name] "
	      "[recipient ...] < message\n", stderr);
	exit(EX_USAGE);
}

static void send_options(struct send_job *j, int argc, char **argv)
{
	int c;

	opterr = 0;
	optind = 0;
	while ((c = getopt(argc, argv, "+f:r:F:tiB:N:o:b:q::vmnUX:C:")) != -1) {
		switch (c) {
		case 'f':
		case 'r':
			mem_free(j->sender);
			j->sender = mem_strdup(optarg);
			break;
		case 'F':
			j->fullname = optarg;
			break;
		case 't':
			j->extract = 1;
			break;
		case 'i':
			j->dot_ends = 0;
			break;
		case 'o':	/* -oi is -i; -odb, -odi, -oem ... mean nothing here */
			if (strcmp(optarg, "i") == 0)
				j->dot_ends = 0;
			break;
		case 'b':	/* -bm is this; -bi and -bp are mailctl's */
			if (strcmp(optarg, "m") != 0 && strcmp(optarg, "i") != 0 &&
			    strcmp(optarg, "p") != 0)
				send_usage(mem_printf("mode -b%s is not supported "
						      "(only -bm, -bi and -bp)",
						      optarg));
			j->mode = optarg[0];
			break;
		case 'q':	/* -q: one queue run; no queue daemon (-q30m) */
			if (optarg != NULL)
				send_usage(mem_printf("-q%s: periodic queue runs "
						      "are qmgr's (queue_run_delay); "
						      "-q alone retries now", optarg));
			j->mode = 'q';
			break;
		case 'B': case 'N': case 'X': case 'C':
		case 'v': case 'm': case 'n': case 'U':
			break;
		default:
			send_usage(mem_printf("bad option or missing value: -%c",
					      optopt));
		}
	}
}

/* The sender: -f as given (with @myorigin when it has no domain; "" or
 * "<>" is the null sender), else the calling user at myorigin. */
static void send_sender(struct send_job *j)
{
	struct passwd *pw;
	char *s = j->sender;

	if (s != NULL) {
		size_t n = strlen(s);

		if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
			memmove(s, s + 1, n - 2);
			s[n - 2] = '\0';
		}
		if (*s != '\0' && strchr(s, '@') == NULL) {
			j->sender = mem_printf("%s@%s", s, j->origin);
			mem_free(s);
		}
		return;
	}
	pw = getpwuid(getuid());
	if (pw == NULL) {
		log_error("send: uid %ld has no user name; give a sender with -f",
			  (long) getuid());
		exit(EX_OSERR);
	}
	j->sender = mem_printf("%s@%s", pw->pw_name, j->origin);
}

/* Next line of standard input, LF included when there is one.  1, 0 at
 * the end, or exits on a read error or a message over the limit. */
static int send_input_line(struct send_job *j, buf_t *line)
{
	buf_reset(line);
	for (;;) {
		char *nl = memchr(j->in.data == NULL ? "" : j->in.data, '\n',
				  j->in.len);
		size_t n = nl != NULL ? (size_t) (nl - j->in.data) + 1 :
			j->in_eof ? j->in.len : 0;
		ssize_t got;

		if (n > 0) {
			buf_append(line, j->in.data, n);
			buf_consume(&j->in, n);
			j->size += (long long) n;
			return 1;
		}
		if (j->in_eof)
			return 0;
		if (j->size + (long long) j->in.len > j->limit) {
			log_error("send: message larger than message_size_limit "
				  "(%lld bytes)", j->limit);
			exit(EX_DATAERR);
		}
		buf_reserve(&j->in, SEND_READ_CHUNK);
		got = read(0, j->in.data + j->in.len, SEND_READ_CHUNK);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			log_error("send: reading the message: %s", strerror(errno));
			exit(EX_IOERR);
		}
		if (got == 0)
			j->in_eof = 1;
		j->in.len += (size_t) got;
		j->in.data[j->in.len] = '\0';
	}
}

/* Is line (with its line end) the lone "." that ends input without -i? */
static int send_is_dot(const struct send_job *j, const buf_t *line)
{
	return j->dot_ends && line->len >= 1 && line->data[0] == '.' &&
		(line->len == 1 || strcmp(line->data + 1, "\n") == 0 ||
		 strcmp(line->data + 1, "\r\n") == 0);
}

/* Read the header: up to the blank line, a line that cannot be part of a
 * header (kept as the first body line), or the end of input. */
static void send_read_header(struct send_job *j)
{
	buf_t line = BUF_INIT;

	while (send_input_line(j, &line)) {
		if (send_is_dot(j, &line)) {
			j->ended_by_dot = 1;
			break;
		}
		if (strcmp(buf_str(&line), "\n") == 0 ||
		    strcmp(buf_str(&line), "\r\n") == 0) {
			j->blank_after_header = 1;
			break;
		}
		if (header_line_name_len(line.data, line.len) == 0 &&
		    !(j->header.len > 0 && (line.data[0] == ' ' ||
					     line.data[0] == '\t'))) {
			buf_append(&j->first_body, line.data, line.len);
			break;
		}
		buf_append(&j->header, line.data, line.len);
	}
	buf_release(&line);
}

/* Recipients from To, Cc and Bcc (-t). */
static void send_extract(struct send_job *j)
{
	header_field_t f;
	buf_t value = BUF_INIT;
	size_t pos = 0;

	while (header_next(j->header.data, j->header.len, &pos, &f) == 1) {
		if (!header_is(&f, "To") && !header_is(&f, "Cc") &&
		    !header_is(&f, "Bcc"))
			continue;
		header_value(&f, &value);
		if (mailctl_rcpts_add_list(&j->rcpts, buf_str(&value), j->origin))
			j->status = EX_DATAERR;
	}
	buf_release(&value);
}

/* ---- where the message goes ------------------------------------------- */

static void send_quit(struct send_job *j, int status) __attribute__((noreturn));
static void send_quit(struct send_job *j, int status)
{
	submit_close(&j->sub);
	exit(status);
}

/* The exit status for a reply other than the one hoped for, logged: for
 * 4xx EX_TEMPFAIL, for 5xx status5. */
static int send_refused(struct send_job *j, const char *what, int status5)
{
	int code = submit_code(j->sub);

	if (code == SUBMIT_IOERR || code == SUBMIT_BADREPLY) {
		log_error("send: %s: %s", j->path, submit_text(j->sub));
		return code == SUBMIT_IOERR ? EX_TEMPFAIL : EX_PROTOCOL;
	}
	log_error("send: %s refused: %d %s", what, code, submit_text(j->sub));
	return code < 500 ? EX_TEMPFAIL : status5;
}

static void send_out(struct send_job *j, const char *data, size_t len)
{
	if (j->sub != NULL)
		submit_content(j->sub, data, len);
	else
		mailctl_drop_write(j->drop, data, len);
}

static int send_broken(const struct send_job *j)
{
	return j->sub != NULL ? submit_broken(j->sub) :
		mailctl_drop_broken(j->drop);
}

/* Greeting, EHLO, MAIL and RCPT; exits when no recipient was accepted. */
static void send_envelope(struct send_job *j)
{
	buf_t what = BUF_INIT;
	int utf8 = submit_is_utf8(j->sender), code;

	if (submit_code(j->sub) != 220)
		send_quit(j, send_refused(j, "connection", EX_UNAVAILABLE));
	if (submit_ehlo(j->sub, config_str("myhostname")) != 250)
		send_quit(j, send_refused(j, "EHLO", EX_UNAVAILABLE));
	for (size_t i = 0; i < j->rcpts.count; i++)
		utf8 |= submit_is_utf8(j->rcpts.addr[i]);
	if (submit_mail(j->sub, j->sender, utf8) != 250)
		send_quit(j, send_refused(j, "sender", EX_UNAVAILABLE));
	for (size_t i = 0; i < j->rcpts.count; i++) {
		code = submit_command(j->sub, "RCPT TO:<%s>", j->rcpts.addr[i]);
		if (code == 250 || code == 251) {
			j->accepted++;
			continue;
		}
		if (code < 0)
			send_quit(j, send_refused(j, "recipient", EX_NOUSER));
		buf_reset(&what);
		buf_printf(&what, "recipient <%s>", j->rcpts.addr[i]);
		code = send_refused(j, buf_str(&what), EX_NOUSER);
		/* A permanent refusal outweighs a temporary one. */
		if (j->status == 0 || code != EX_TEMPFAIL)
			j->status = code;
	}
	buf_release(&what);
	if (j->accepted == 0)
		send_quit(j, j->status);
	if (submit_command(j->sub, "DATA") != 354)
		send_quit(j, send_refused(j, "DATA", EX_DATAERR));
}

static void send_header(struct send_job *j)
{
	header_field_t f;
	size_t pos = 0;
	int has_from = 0;
	buf_t from = BUF_INIT;

	while (header_next(j->header.data, j->header.len, &pos, &f) == 1)
		has_from |= header_is(&f, "From");
	if (!has_from) {
		buf_puts(&from, "From: ");
		if (j->fullname != NULL && *j->fullname != '\0') {
			buf_putc(&from, '"');
			for (const char *p = j->fullname; *p; p++) {
				if (*p == '"' || *p == '\\')
					buf_putc(&from, '\\');
				if (*p != '\r' && *p != '\n')
					buf_putc(&from, *p);
			}
			buf_puts(&from, "\" ");
		}
		buf_printf(&from, "<%s>\n", *j->sender ? j->sender : "MAILER-DAEMON");
		send_out(j, from.data, from.len);
	}
	pos = 0;
	while (header_next(j->header.data, j->header.len, &pos, &f) == 1)
		if (!header_is(&f, "Bcc"))
			send_out(j, f.start, f.len);
	if (j->blank_after_header || (!has_from && j->header.len == 0))
		send_out(j, "\n", 1);
	buf_release(&from);
}

/* The message: header, then the rest of standard input. */
static void send_content(struct send_job *j)
{
	buf_t line = BUF_INIT;

	send_header(j);
	send_out(j, j->first_body.data, j->first_body.len);
	while (!j->ended_by_dot && !send_broken(j) &&
	       send_input_line(j, &line)) {
		if (send_is_dot(j, &line))
			break;
		send_out(j, line.data, line.len);
	}
	buf_release(&line);
}

/* Nothing listens on public/submit: tern is not running.  The message
 * goes to the maildrop, for pickup once tern runs. */
static void send_drop(struct send_job *j, int why) __attribute__((noreturn));
static void send_drop(struct send_job *j, int why)
{
	int status;

	/* As smtpd would refuse them: EX_NOUSER, the others still get it. */
	if (mailctl_drop_check_rcpts(&j->rcpts) > 0)
		j->status = EX_NOUSER;
	if (j->rcpts.count == 0)
		exit(j->status);
	j->drop = mailctl_drop_open(j->sender, &j->rcpts, &status);
	if (j->drop != NULL) {
		send_content(j);
		status = mailctl_drop_close(&j->drop);
	}
	if (status != 0) {
		log_error("send: the submission service %s is unreachable (%s), "
			  "and the message could not be kept in the maildrop",
			  j->path, strerror(why));
		exit(status);
	}
	/* Silent on success: the record is in the log only, and nowhere
	 * when this user cannot write the log. */
	log_also_stderr(LOG_SEV_NONE);
	if (log_get_dest() != LOG_DEST_STDERR)
		log_info("send: tern is not running: message from <%s> for "
			 "%zu recipient%s kept in the maildrop", j->sender,
			 j->rcpts.count, j->rcpts.count == 1 ? "" : "s");
	exit(j->status);
}

int mailctl_cmd_send(int argc, char **argv)
{
	struct send_job j;
	char *path;

	memset(&j, 0, sizeof(j));
	j.dot_ends = 1;
	j.mode = 'm';
	j.origin = config_str("myorigin");
	j.limit = config_size("message_size_limit");
	send_options(&j, argc, argv);
	if (j.mode != 'm')
		return mailctl_sendmail_mode(j.mode);
	send_sender(&j);
	for (int i = optind; i < argc; i++)
		if (mailctl_rcpts_add_list(&j.rcpts, argv[i], j.origin))
			j.status = EX_USAGE;
	send_read_header(&j);
	if (j.extract)
		send_extract(&j);
	if (j.rcpts.count == 0)
		send_usage(j.extract ? "no recipients on the command line or in "
			   "To, Cc or Bcc" : "no recipients given");
	path = mem_printf("%s/%s", config_str("queue_directory"), SUBMIT_SOCKET);
	j.path = path;
	j.sub = submit_open(path, (int) config_time("ipc_timeout"));
	if (j.sub == NULL) {
		int err = errno;

		if (err == ENOENT || err == ECONNREFUSED)
			send_drop(&j, err);
		log_error("send: the submission service %s is unreachable: %s",
			  path, strerror(err));
		exit(EX_TEMPFAIL);
	}
	send_envelope(&j);
	send_content(&j);
	if (submit_content_end(j.sub) != 250)
		send_quit(&j, send_refused(&j, "message", EX_DATAERR));
	/* Silent on success: the record is in the log only, and nowhere
	 * when this user cannot write the log (smtpd logs the message). */
	log_also_stderr(LOG_SEV_NONE);
	if (log_get_dest() != LOG_DEST_STDERR)
		log_info("send: message from <%s> submitted for %zu recipient%s",
			 j.sender, j.accepted, j.accepted == 1 ? "" : "s");
	mem_free(path);
	send_quit(&j, j.status);
}

/* mailctl_send.c - `mailctl send` and the sendmail entry point: local
 * submission of a message read on standard input.
 *
 *   mailctl send [-t] [-i] [-f sender] [-F name] [recipient ...]
 *   sendmail [same options, and -oi, -bm, -od*, -o*, -B, -N, -v ignored]
 *
 * The message goes over SMTP to the smtpd `submit` service on the UNIX
 * socket $queue_directory/public/submit, which takes the submitting uid
 * from the socket (SO_PEERCRED) and records it.  The header is read first
 * (for -t, recipients come from To, Cc and Bcc, plus any on the command
 * line); the body is then streamed with LF turned into CRLF and leading
 * dots doubled.  Without -i, a line holding only "." ends the message, as
 * in sendmail.  Bcc fields are never sent.  A message without From gets
 * one made of the sender (and -F's full name).  Smtpd adds Date and
 * Message-ID on this service.
 *
 * Exit statuses (sysexits.h, as sendmail's callers expect): 0 only when
 * every recipient was accepted and the message got its 250 after DATA;
 * EX_TEMPFAIL (75) for a 4xx reply, an unreachable service or a timeout;
 * EX_NOUSER (67) when a recipient got a 5xx (the others still get the
 * message); EX_DATAERR (65) for a 5xx to DATA or to the message, or a
 * message over message_size_limit; EX_UNAVAILABLE (69) for a 5xx to the
 * greeting, EHLO or MAIL; EX_PROTOCOL (76) for a malformed reply; EX_USAGE
 * (64) for bad options or no recipients; EX_IOERR (74) when standard input
 * cannot be read.
 *
 * SECURITY: runs as its caller, with no privilege; the smtpd on the other
 * side trusts nothing it sends.  Standard input is the caller's own data,
 * read without a deadline (a slow local writer is not an attack), but
 * never beyond message_size_limit; every read from smtpd has ipc_timeout.
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
#include "sock.h"
#include "stream.h"

#define SEND_SOCKET		"public/submit"
#define SEND_REPLY_LINES	100	/* lines of one multi-line reply */
#define SEND_REPLY_LINE_MAX	2048
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

	stream_t *s;
	const char *path;	/* of the submit socket, for messages */
	int status;		/* worst outcome so far (sysexits) */
	int ext_8bit, ext_utf8;	/* EHLO keywords */
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
	while ((c = getopt(argc, argv, "+f:r:F:tiB:N:o:b:vmnUX:C:")) != -1) {
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
		case 'b':	/* -bm is this; no other mode is offered */
			if (strcmp(optarg, "m") != 0)
				send_usage(mem_printf("mode -b%s is not supported "
						      "(use mailctl queue list for "
						      "-bp)", optarg));
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

/* ---- SMTP ------------------------------------------------------------- */

/* One reply: its code, the text of its lines in text ("; " between). */
static int send_reply(struct send_job *j, buf_t *text)
{
	buf_t line = BUF_INIT;
	int code = -1;

	buf_reset(text);
	for (int n = 0; n < SEND_REPLY_LINES; n++) {
		int r = stream_read_line(j->s, &line), c;

		if (r != STREAM_OK) {
			log_error("send: %s: %s", j->path, r == STREAM_EOF ?
				  "connection closed" : stream_strerror(j->s));
			exit(EX_TEMPFAIL);
		}
		buf_chomp(&line);
		if (line.len < 3 || line.data[0] < '2' || line.data[0] > '5' ||
		    line.data[1] < '0' || line.data[1] > '9' ||
		    line.data[2] < '0' || line.data[2] > '9' ||
		    (line.len > 3 && line.data[3] != ' ' && line.data[3] != '-'))
			break;
		c = (line.data[0] - '0') * 100 + (line.data[1] - '0') * 10 +
			(line.data[2] - '0');
		if (code >= 0 && c != code)
			break;
		code = c;
		if (text->len)
			buf_puts(text, "\n");
		buf_puts(text, line.len > 4 ? line.data + 4 : "");
		if (line.len == 3 || line.data[3] == ' ') {
			buf_release(&line);
			return code;
		}
	}
	log_error("send: %s: malformed SMTP reply \"%.80s\"", j->path,
		  buf_str(&line));
	exit(EX_PROTOCOL);
}

/* Send a command and read its reply. */
static int send_command(struct send_job *j, buf_t *text, const char *fmt,
			const char *arg)
{
	stream_printf(j->s, fmt, arg);
	stream_puts(j->s, "\r\n");
	if (stream_flush(j->s) != STREAM_OK) {
		log_error("send: %s: %s", j->path, stream_strerror(j->s));
		exit(EX_TEMPFAIL);
	}
	return send_reply(j, text);
}

/* A refusal: logged; for 4xx EX_TEMPFAIL, else status5. */
static int send_refused(const char *what, int code, const buf_t *text,
			int status5)
{
	log_error("send: %s refused: %d %s", what, code, buf_str(text));
	return code < 500 ? EX_TEMPFAIL : status5;
}

static void send_quit(struct send_job *j, int status) __attribute__((noreturn));
static void send_quit(struct send_job *j, int status)
{
	buf_t line = BUF_INIT;

	/* The answer to QUIT is read for politeness; it changes nothing. */
	stream_puts(j->s, "QUIT\r\n");
	if (stream_flush(j->s) == STREAM_OK)
		stream_read_line(j->s, &line);
	buf_release(&line);
	stream_close(&j->s);
	exit(status);
}

static void send_connect(struct send_job *j)
{
	buf_t text = BUF_INIT;
	int fd, code;

	fd = sock_connect_unix(j->path, (int) config_time("ipc_timeout"));
	if (fd < 0) {
		log_error("send: the submission service %s is unreachable: %s",
			  j->path, strerror(errno));
		exit(EX_TEMPFAIL);
	}
	j->s = stream_open(fd);
	stream_set_timeout(j->s, (int) config_time("ipc_timeout"));
	stream_set_line_limit(j->s, SEND_REPLY_LINE_MAX);
	code = send_reply(j, &text);
	if (code != 220)
		send_quit(j, send_refused("connection", code, &text, EX_UNAVAILABLE));
	code = send_command(j, &text, "EHLO %s", config_str("myhostname"));
	if (code != 250)
		send_quit(j, send_refused("EHLO", code, &text, EX_UNAVAILABLE));
	for (const char *p = buf_str(&text); *p; p = strchr(p, '\n') ?
	     strchr(p, '\n') + 1 : "") {
		j->ext_8bit |= strncasecmp(p, "8BITMIME", 8) == 0;
		j->ext_utf8 |= strncasecmp(p, "SMTPUTF8", 8) == 0;
	}
	buf_release(&text);
}

static int send_is_utf8(const char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s >= 0x80)
			return 1;
	return 0;
}

/* MAIL and RCPT; exits when no recipient was accepted. */
static void send_envelope(struct send_job *j)
{
	buf_t text = BUF_INIT, cmd = BUF_INIT;
	int utf8 = send_is_utf8(j->sender), code;

	for (size_t i = 0; i < j->rcpts.count; i++)
		utf8 |= send_is_utf8(j->rcpts.addr[i]);
	buf_printf(&cmd, "MAIL FROM:<%s>%s%s", j->sender,
		   j->ext_8bit ? " BODY=8BITMIME" : "",
		   utf8 && j->ext_utf8 ? " SMTPUTF8" : "");
	code = send_command(j, &text, "%s", buf_str(&cmd));
	if (code != 250)
		send_quit(j, send_refused("sender", code, &text, EX_UNAVAILABLE));
	for (size_t i = 0; i < j->rcpts.count; i++) {
		buf_reset(&cmd);
		buf_printf(&cmd, "recipient <%s>", j->rcpts.addr[i]);
		code = send_command(j, &text, "RCPT TO:<%s>", j->rcpts.addr[i]);
		if (code == 250 || code == 251) {
			j->accepted++;
			continue;
		}
		code = send_refused(buf_str(&cmd), code, &text, EX_NOUSER);
		/* A permanent refusal outweighs a temporary one. */
		if (j->status == 0 || code != EX_TEMPFAIL)
			j->status = code;
	}
	buf_release(&cmd);
	buf_release(&text);
	if (j->accepted == 0)
		send_quit(j, j->status);
}

/* One line of content: CRLF line end, a leading dot doubled. */
static void send_line(struct send_job *j, const char *data, size_t len)
{
	if (len > 0 && data[len - 1] == '\n')
		len--;
	if (len > 0 && data[len - 1] == '\r')
		len--;
	if (len > 0 && data[0] == '.')
		stream_write(j->s, ".", 1);
	stream_write(j->s, data, len);
	stream_write(j->s, "\r\n", 2);
}

/* Every line of a block of text. */
static void send_lines(struct send_job *j, const char *data, size_t len)
{
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl != NULL ? (size_t) (nl - data) + 1 : len;

		send_line(j, data, n);
		data += n;
		len -= n;
	}
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
		buf_printf(&from, "<%s>", *j->sender ? j->sender : "MAILER-DAEMON");
		send_line(j, from.data, from.len);
	}
	pos = 0;
	while (header_next(j->header.data, j->header.len, &pos, &f) == 1)
		if (!header_is(&f, "Bcc"))
			send_lines(j, f.start, f.len);
	if (j->blank_after_header || (!has_from && j->header.len == 0))
		send_line(j, "", 0);
	buf_release(&from);
}

static void send_content(struct send_job *j)
{
	buf_t text = BUF_INIT, line = BUF_INIT;
	int code;

	code = send_command(j, &text, "%s", "DATA");
	if (code != 354)
		send_quit(j, send_refused("DATA", code, &text, EX_DATAERR));
	send_header(j);
	send_lines(j, j->first_body.data, j->first_body.len);
	while (!j->ended_by_dot && send_input_line(j, &line)) {
		if (send_is_dot(j, &line))
			break;
		send_line(j, line.data, line.len);
		if (stream_status(j->s) != STREAM_OK)
			break;
	}
	code = send_command(j, &text, "%s", ".");
	if (code != 250)
		send_quit(j, send_refused("message", code, &text, EX_DATAERR));
	buf_release(&line);
	buf_release(&text);
}

int mailctl_cmd_send(int argc, char **argv)
{
	struct send_job j;
	char *path;

	memset(&j, 0, sizeof(j));
	j.dot_ends = 1;
	j.origin = config_str("myorigin");
	j.limit = config_size("message_size_limit");
	send_options(&j, argc, argv);
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
	path = mem_printf("%s/%s", config_str("queue_directory"), SEND_SOCKET);
	j.path = path;
	send_connect(&j);
	send_envelope(&j);
	send_content(&j);
	log_info("send: message from <%s> submitted for %zu recipient%s",
		 j.sender, j.accepted, j.accepted == 1 ? "" : "s");
	mem_free(path);
	send_quit(&j, j.status);
}

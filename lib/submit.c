/* submit.c - SMTP client of the local submit service (see submit.h).
 *
 * The content writer is a small state machine over arbitrary pieces, so
 * that sendmail can pass the lines it reads and pickup the blocks of a
 * file alike: `bol` says the next octet starts a line (a dot there is
 * doubled), `cr` that a CR was seen and waits for the next octet to tell
 * whether it ends a line.
 *
 * SECURITY: the server is smtpd, reached only through a socket master
 * made (sock_connect_unix checks its credentials); its replies are still
 * read with a deadline and bounded in lines and length.
 */
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mem.h"
#include "sock.h"
#include "stream.h"
#include "submit.h"

struct submit {
	stream_t *s;
	int code;		/* of the last reply, or SUBMIT_* */
	buf_t text;
	int ext_8bit, ext_utf8;	/* EHLO keywords */
	int bol, cr;		/* content writer state */
};

static int submit_fail(submit_t *sub, int code, const char *what)
{
	sub->code = code;
	buf_set(&sub->text, what);
	return code;
}

/* One reply, possibly of several lines. */
static int submit_read_reply(submit_t *sub)
{
	buf_t line = BUF_INIT;
	int code = -1;

	if (sub->code == SUBMIT_IOERR)
		return SUBMIT_IOERR;
	buf_reset(&sub->text);
	for (int n = 0; n < SUBMIT_REPLY_LINES; n++) {
		int r = stream_read_line(sub->s, &line), c;

		if (r != STREAM_OK) {
			buf_release(&line);
			return submit_fail(sub, SUBMIT_IOERR, r == STREAM_EOF ?
					   "connection closed" :
					   r == STREAM_TOOLONG ? "reply line too long" :
					   stream_strerror(sub->s));
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
		if (sub->text.len)
			buf_puts(&sub->text, "; ");
		buf_puts(&sub->text, line.len > 4 ? line.data + 4 : "");
		if (line.len == 3 || line.data[3] == ' ') {
			buf_release(&line);
			sub->code = code;
			if (code == 354) {	/* the content starts a line */
				sub->bol = 1;
				sub->cr = 0;
			}
			return code;
		}
	}
	buf_reset(&sub->text);
	buf_printf(&sub->text, "malformed SMTP reply \"%.80s\"", buf_str(&line));
	buf_release(&line);
	sub->code = SUBMIT_BADREPLY;
	return SUBMIT_BADREPLY;
}

submit_t *submit_open(const char *path, int timeout)
{
	int fd = sock_connect_unix(path, timeout);
	submit_t *sub;

	if (fd < 0)
		return NULL;
	sub = MEM_NEW(submit_t);
	sub->s = stream_open(fd);
	stream_set_timeout(sub->s, timeout);
	stream_set_line_limit(sub->s, SUBMIT_REPLY_LINE_MAX);
	submit_read_reply(sub);
	return sub;
}

int submit_command(submit_t *sub, const char *fmt, ...)
{
	va_list ap;
	buf_t cmd = BUF_INIT;

	if (sub->code == SUBMIT_IOERR)
		return SUBMIT_IOERR;
	va_start(ap, fmt);
	buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	buf_puts(&cmd, "\r\n");
	stream_write(sub->s, cmd.data, cmd.len);
	buf_release(&cmd);
	if (stream_flush(sub->s) != STREAM_OK)
		return submit_fail(sub, SUBMIT_IOERR, stream_strerror(sub->s));
	return submit_read_reply(sub);
}

int submit_ehlo(submit_t *sub, const char *helo)
{
	int code = submit_command(sub, "EHLO %s", helo);

	if (code != 250)
		return code;
	/* The keywords follow the first line's "; " separators. */
	for (const char *p = buf_str(&sub->text); (p = strstr(p, "; ")) != NULL; ) {
		p += 2;
		sub->ext_8bit |= strncasecmp(p, "8BITMIME", 8) == 0;
		sub->ext_utf8 |= strncasecmp(p, "SMTPUTF8", 8) == 0;
	}
	return code;
}

int submit_mail(submit_t *sub, const char *sender, int utf8)
{
	return submit_command(sub, "MAIL FROM:<%s>%s%s", sender,
			      sub->ext_8bit ? " BODY=8BITMIME" : "",
			      utf8 && sub->ext_utf8 ? " SMTPUTF8" : "");
}

int submit_code(const submit_t *sub)
{
	return sub->code;
}

const char *submit_text(const submit_t *sub)
{
	return buf_str(&sub->text);
}

void submit_content(submit_t *sub, const void *data, size_t len)
{
	const char *p = data, *end = p + len;

	while (p < end) {
		size_t run;

		if (sub->cr) {
			sub->cr = 0;
			if (*p == '\n') {
				stream_write(sub->s, "\r\n", 2);
				sub->bol = 1;
				p++;
				continue;
			}
			stream_write(sub->s, "\r", 1);
			sub->bol = 0;
		}
		if (*p == '\r') {
			sub->cr = 1;
			p++;
			continue;
		}
		if (*p == '\n') {
			stream_write(sub->s, "\r\n", 2);
			sub->bol = 1;
			p++;
			continue;
		}
		if (sub->bol && *p == '.')
			stream_write(sub->s, ".", 1);
		for (run = 0; p + run < end && p[run] != '\r' && p[run] != '\n'; run++)
			;
		stream_write(sub->s, p, run);
		sub->bol = 0;
		p += run;
	}
}

int submit_broken(const submit_t *sub)
{
	return sub->code == SUBMIT_IOERR || stream_status(sub->s) != STREAM_OK;
}

int submit_content_end(submit_t *sub)
{
	/* A CR at the very end ends the last line, as CRLF would. */
	if (sub->cr || !sub->bol)
		stream_write(sub->s, "\r\n", 2);
	sub->cr = 0;
	sub->bol = 1;
	if (stream_status(sub->s) != STREAM_OK)
		return submit_fail(sub, SUBMIT_IOERR, stream_strerror(sub->s));
	return submit_command(sub, ".");
}

void submit_close(submit_t **sp)
{
	submit_t *sub = *sp;
	buf_t line = BUF_INIT;

	if (sub == NULL)
		return;
	if (sub->code != SUBMIT_IOERR) {
		stream_puts(sub->s, "QUIT\r\n");
		if (stream_flush(sub->s) == STREAM_OK)
			stream_read_line(sub->s, &line);
	}
	buf_release(&line);
	stream_close(&sub->s);
	buf_release(&sub->text);
	MEM_FREE(*sp);
}

int submit_is_utf8(const char *str)
{
	for (; *str; str++)
		if ((unsigned char) *str >= 0x80)
			return 1;
	return 0;
}

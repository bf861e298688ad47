/* pop3d_reply.c - status lines of both roles: "+OK ..." and "-ERR ...".
 *
 * Replies are buffered on the stream; pop3d_read_command() flushes them
 * before it waits for the next command, so the answers to pipelined
 * commands (RFC 2449 §6.6) leave in as few packets as possible.  Response
 * codes (RFC 2449 §8, RFC 3206) go in brackets right after "-ERR".
 */
#include <stdarg.h>

#include "buf.h"
#include "pop3d.h"

static void pop3d_reply(stream_t *s, const char *status, const char *code,
			const char *fmt, va_list ap)
{
	buf_t line = BUF_INIT;

	buf_puts(&line, status);
	if (code != NULL)
		buf_printf(&line, " [%s]", code);
	buf_putc(&line, ' ');
	buf_vprintf(&line, fmt, ap);
	/* Never let text break the line structure. */
	for (size_t i = 0; i < line.len; i++)
		if (line.data[i] == '\r' || line.data[i] == '\n')
			line.data[i] = ' ';
	buf_puts(&line, "\r\n");
	stream_write(s, line.data, line.len);
	buf_release(&line);
}

void pop3d_ok(stream_t *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pop3d_reply(s, "+OK", NULL, fmt, ap);
	va_end(ap);
}

void pop3d_err(stream_t *s, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pop3d_reply(s, "-ERR", code, fmt, ap);
	va_end(ap);
}

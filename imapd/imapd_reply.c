/* imapd_reply.c - status lines of both roles (RFC 3501 §7.1).
 *
 * Replies are buffered on the stream; the readers flush before they wait
 * for the next command, so the answers to pipelined commands leave
 * together.  Response codes go in brackets right after the status word.
 */
#include <stdarg.h>

#include "buf.h"
#include "imapd.h"

void imapd_status(stream_t *s, const char *tag, const char *status,
		  const char *code, const char *fmt, ...)
{
	buf_t line = BUF_INIT;
	va_list ap;

	buf_printf(&line, "%s %s ", tag != NULL ? tag : "*", status);
	if (code != NULL)
		buf_printf(&line, "[%s] ", code);
	va_start(ap, fmt);
	buf_vprintf(&line, fmt, ap);
	va_end(ap);
	/* Never let text break the line structure. */
	for (size_t i = 0; i < line.len; i++)
		if (line.data[i] == '\r' || line.data[i] == '\n')
			line.data[i] = ' ';
	buf_puts(&line, "\r\n");
	stream_write(s, line.data, line.len);
	buf_release(&line);
}

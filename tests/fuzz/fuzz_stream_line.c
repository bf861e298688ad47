/* fuzz_stream_line.c - libFuzzer target for stream_read.c's line reader.
 *
 * The first input byte picks the line limit and the reading style (blocking
 * stream_read_line, or the event-loop pair stream_fill + stream_try_line);
 * the rest is written into a socketpair that is then shut down for writing,
 * so reads never wait and no process is forked.  Every result is compared
 * with a plain model of the contract in stream.h: lines up to the limit,
 * TOOLONG with the first `limit` bytes and the rest of that line skipped,
 * a final unterminated line, then EOF.  Any difference aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "stream.h"

/* Small enough to sit in a socketpair's buffer without a reader. */
#define FUZZ_MAX_INPUT 32768

static int fuzz_next_line(stream_t *s, buf_t *line, int event_style)
{
	int status;

	if (!event_style)
		return stream_read_line(s, line);
	while ((status = stream_try_line(s, line)) == STREAM_TIMEOUT) {
		ssize_t n = stream_fill(s);

		/* All input is already there: a fill that finds nothing is a bug. */
		if (n == 0)
			abort();
		if (n < 0 && n != STREAM_EOF)
			return (int) n;
	}
	return status;
}

/* What the next read must return, per stream.h; advances *pos. */
static int fuzz_model(const uint8_t *data, size_t size, size_t limit, size_t *pos,
		      size_t *start_r, size_t *len_r)
{
	size_t avail = size - *pos;
	size_t scan = avail < limit ? avail : limit;
	const uint8_t *lf;

	*start_r = *pos;
	if (avail == 0) {
		*len_r = 0;
		return STREAM_EOF;
	}
	lf = memchr(data + *pos, '\n', scan);
	if (lf != NULL) {
		*len_r = (size_t) (lf - (data + *pos)) + 1;
		*pos += *len_r;
		return STREAM_OK;
	}
	if (avail > limit) {
		*len_r = limit;
		*pos += limit;
		lf = memchr(data + *pos, '\n', size - *pos);
		*pos = lf != NULL ? (size_t) (lf - data) + 1 : size;
		return STREAM_TOOLONG;
	}
	*len_r = avail;
	*pos = size;
	return STREAM_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	buf_t line = BUF_INIT;
	size_t limit, pos = 0;
	int sv[2], event_style, status;
	stream_t *s;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	limit = (size_t) (data[0] & 0x3f) + 1;
	event_style = data[0] >> 7;
	data++;
	size--;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	if (size > 0 && write(sv[1], data, size) != (ssize_t) size)
		abort();
	shutdown(sv[1], SHUT_WR);
	s = stream_open(sv[0]);
	stream_set_timeout(s, 5);
	stream_set_line_limit(s, limit);
	do {
		size_t start, len;
		int expect = fuzz_model(data, size, limit, &pos, &start, &len);

		status = fuzz_next_line(s, &line, event_style);
		if (status != expect || line.len != len ||
		    (len > 0 && memcmp(line.data, data + start, len) != 0))
			abort();
	} while (status != STREAM_EOF);
	if (stream_read_line(s, &line) != STREAM_EOF || stream_status(s) != STREAM_OK)
		abort();
	stream_close(&s);
	close(sv[1]);
	buf_release(&line);
	return 0;
}

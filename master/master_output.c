/* master_output.c - each service's output pipe: its children's stderr.
 *
 * Every child of a service writes its warnings and worse (every log line
 * under master -f) to stderr, a pipe master reads here (master_proto.h).
 * master keeps the service's last MASTER_OUTPUT_LINES lines with the time
 * it read them, so that a failed start can tell mailctl what the failing
 * process said, even when it failed before its own log was set up; under
 * -f it copies each line to its own stderr, whole, so the lines of all
 * daemons reach the terminal one by one.
 *
 * SECURITY: the writers are unprivileged children.  Both ends are
 * non-blocking: a child never waits for master, and master never waits
 * for a child.  A line is cut at MASTER_OUTPUT_LINE_MAX bytes and its
 * control characters masked before it is kept or shown; master never
 * interprets what it reads, and keeps a fixed number of lines.
 */
#define _GNU_SOURCE	/* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "master.h"

/* Read per wake-up at most this much, so a flooding child cannot hold
 * master's loop; the rest waits for the next round. */
#define MASTER_OUTPUT_READ_MAX	65536

static void master_output_show(const buf_t *line)
{
	buf_t out = BUF_INIT;
	const char *p;
	size_t left;

	buf_append(&out, line->data, line->len);
	buf_putc(&out, '\n');
	p = out.data;
	left = out.len;
	while (left > 0) {
		ssize_t n = write(2, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		left -= (size_t) n;
	}
	buf_release(&out);
}

static void master_output_keep(master_service_t *s)
{
	struct master_output_line *slot = &s->output[s->output_next];

	s->output_cut = 0;
	if (s->output_line.len == 0)
		return;
	log_sanitize(s->output_line.data);
	if (master.foreground)
		master_output_show(&s->output_line);
	mem_free(slot->text);
	slot->text = buf_steal(&s->output_line);
	slot->ms = event_now_ms();
	s->output_next = (s->output_next + 1) % MASTER_OUTPUT_LINES;
}

static void master_output_take(master_service_t *s, const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char) data[i];

		if (c == '\n') {
			master_output_keep(s);
		} else if (s->output_line.len >= MASTER_OUTPUT_LINE_MAX) {
			s->output_cut = 1;
		} else if (!s->output_cut) {
			buf_putc(&s->output_line, c < 0x20 || c == 0x7f ? '?' : c);
		}
	}
}

static void master_output_read(int fd, int events, void *ctx)
{
	master_service_t *s = ctx;
	char chunk[4096];
	size_t total = 0;

	(void) events;
	while (total < MASTER_OUTPUT_READ_MAX) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		master_output_take(s, chunk, (size_t) n);
		total += (size_t) n;
	}
}

void master_output_drain(master_service_t *s)
{
	if (s->output_rd >= 0)
		master_output_read(s->output_rd, EVENT_READ, s);
}

int master_output_since(const master_service_t *s, int64_t since_ms,
			const char **lines)
{
	int n = 0;

	for (int i = 0; i < MASTER_OUTPUT_LINES; i++) {
		const struct master_output_line *l =
			&s->output[(s->output_next + i) % MASTER_OUTPUT_LINES];

		if (l->text != NULL && l->ms >= since_ms)
			lines[n++] = l->text;
	}
	return n;
}

void master_output_open(master_service_t *s)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		log_fatal("pipe2: %s", strerror(errno));
	s->output_rd = p[0];
	s->output_wr = p[1];
	buf_init(&s->output_line);
	event_add_fd(s->output_rd, EVENT_READ, master_output_read, s);
}

void master_output_close(master_service_t *s)
{
	if (s->output_rd >= 0) {
		event_del_fd(s->output_rd);
		close(s->output_rd);
		close(s->output_wr);
		s->output_rd = s->output_wr = -1;
	}
	buf_release(&s->output_line);
	for (int i = 0; i < MASTER_OUTPUT_LINES; i++)
		MEM_FREE(s->output[i].text);
}

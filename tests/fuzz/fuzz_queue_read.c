/* fuzz_queue_read.c - libFuzzer target for the queue file reader
 * (lib/queue_read.c, through queue_msg_read_bytes: the parse qmgr runs on every
 * queue file, with the reads taken from memory).
 *
 * A file the reader accepts has a valid id, at least one recipient, its
 * content inside the file, and recipients whose parents come before them;
 * salvaging such a file also succeeds and finds the same id and
 * recipients.  A refusal says why.  Salvaging anything never fails
 * otherwise than by returning -1 with nothing kept.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"

static void check_read(const queue_msg_t *m, size_t size)
{
	if (!queue_id_valid(m->id) || m->nrcpts == 0 || m->env == NULL ||
	    m->content_off < 0 || (size_t) m->content_off > size ||
	    m->content_len > size - (size_t) m->content_off)
		abort();
	for (size_t i = 0; i < m->nrcpts; i++)
		if (m->rcpts[i].addr == NULL || m->rcpts[i].parent >= (int) i)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *) data, *err = NULL;
	queue_msg_t m, s;
	int r = queue_msg_read_bytes(in, size, &m, &err);
	int rs = queue_msg_salvage_bytes(in, size, &s);

	if (r == 0) {
		check_read(&m, size);
		if (rs != 0 || strcmp(s.id, m.id) != 0 || s.nrcpts != m.nrcpts)
			abort();
		for (size_t i = 0; i < m.nrcpts; i++)
			if (strcmp(s.rcpts[i].addr, m.rcpts[i].addr) != 0 ||
			    s.rcpts[i].state != m.rcpts[i].state)
				abort();
		queue_msg_clear(&m);
	} else if (err == NULL || m.env != NULL || m.nrcpts != 0) {
		abort();
	}
	if (rs == 0)
		queue_msg_clear(&s);
	else if (s.env != NULL || s.nrcpts != 0)
		abort();
	return 0;
}

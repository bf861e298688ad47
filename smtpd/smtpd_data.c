/* smtpd_data.c - DATA and BDAT input into queue file content.
 *
 * The decoders of lib/smtp_data.h (dot-stuffing, CRLF -> LF, the end of
 * data, and the line-end rules that stop SMTP smuggling) turn what the
 * client sends into content; this file reads the stream, feeds them, and
 * passes their output to one sink.  The sink counts the size, enforces
 * smtpd_max_line_length, counts Received fields while the header lasts
 * (hopcount_limit), notes Date and Message-ID, and writes to the queue
 * writer in 64 KiB pieces: a message is never held in memory.  Only with
 * smtpd_add_missing_headers is the header held back (up to
 * header_size_limit) so that missing Date and Message-ID fields can be
 * added at its end.
 *
 * A refused message (too big, a too long line, too many hops, a write
 * error) is still read to its end, and only then refused (§4.5.3.1.9),
 * so the session stays in step with the client.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "header.h"
#include "log.h"
#include "mem.h"
#include "smtp_data.h"
#include "smtpd.h"

#define SMTPD_CHUNK		65536	/* bytes taken from the stream at once */
#define SMTPD_HLINE_MAX		1000	/* octets of a header line kept to
					 * classify it (RFC 5322 §2.1.1) */

struct smtpd_msg {
	queue_writer_t *w;
	unsigned long long size;	/* content octets, as stored */
	unsigned long long line_len;	/* octets on the current line */
	int error;			/* enum smtpd_msg_error, first one */
	int err_no;
	/* header scan */
	int in_header;
	int seen_field;
	int classified;			/* the current line was looked at */
	buf_t hline;			/* its first octets */
	long hops;
	int have_date, have_msgid;
	/* held header (smtpd_add_missing_headers) */
	int holding;
	buf_t held;
	size_t held_line;		/* where the current line starts in held */
	dkim_msg_t *dkim;		/* NULL: not signed */
	/* decoders */
	smtp_data_t data;
	smtp_bdat_t bdat;
	buf_t out;			/* decoded octets of one chunk */
	buf_t in;			/* raw octets of one chunk */
};

smtpd_msg_t *smtpd_msg_new(queue_writer_t *w, int add_headers, int sign)
{
	smtpd_msg_t *m = MEM_NEW(smtpd_msg_t);

	if (sign) {
		m->dkim = MEM_NEW(dkim_msg_t);
		dkim_msg_init(m->dkim, (size_t) smtpd_conf.header_hold);
	}
	m->w = w;
	m->in_header = 1;
	m->holding = add_headers;
	smtp_data_init(&m->data);
	smtp_bdat_init(&m->bdat);
	buf_init(&m->hline);
	buf_init(&m->held);
	buf_init(&m->out);
	buf_init(&m->in);
	return m;
}

void smtpd_msg_free(smtpd_msg_t **mp)
{
	smtpd_msg_t *m = *mp;

	if (m == NULL)
		return;
	queue_writer_free(&m->w);
	if (m->dkim != NULL) {
		dkim_msg_release(m->dkim);
		mem_free(m->dkim);
	}
	buf_release(&m->hline);
	buf_release(&m->held);
	buf_release(&m->out);
	buf_release(&m->in);
	MEM_FREE(*mp);
}

queue_writer_t *smtpd_msg_writer(smtpd_msg_t *m)
{
	return m->w;
}

dkim_msg_t *smtpd_msg_dkim(smtpd_msg_t *m)
{
	return m->dkim;
}

int smtpd_msg_error(const smtpd_msg_t *m)
{
	return m->error;
}

int smtpd_msg_errno(const smtpd_msg_t *m)
{
	return m->err_no;
}

unsigned long long smtpd_msg_size(const smtpd_msg_t *m)
{
	return m->size;
}

static void smtpd_msg_fail(smtpd_msg_t *m, int error, int err_no)
{
	if (m->error == SMTPD_MSG_OK) {
		m->error = error;
		m->err_no = err_no;
	}
}

static void smtpd_msg_write(smtpd_msg_t *m, const void *p, size_t n)
{
	if (m->error != SMTPD_MSG_OK || n == 0)
		return;
	if (m->dkim != NULL)
		dkim_msg_update(m->dkim, p, n);
	if (queue_writer_content(m->w, p, n) < 0)
		smtpd_msg_fail(m, SMTPD_MSG_IO, errno);
}

/* The header ended (before the line at held_line): hop check, and the
 * held header goes out with the fields it lacked. */
static void smtpd_msg_end_header(smtpd_msg_t *m)
{
	buf_t add = BUF_INIT;
	time_t now = time(NULL);

	m->in_header = 0;
	if (smtpd_conf.hop_limit > 0 && m->hops > smtpd_conf.hop_limit)
		smtpd_msg_fail(m, SMTPD_MSG_HOPS, 0);
	if (!m->holding)
		return;
	if (!m->have_date)
		smtpd_date_header(now, &add);
	if (!m->have_msgid)
		smtpd_msgid_header(queue_writer_id(m->w), &add);
	smtpd_msg_write(m, m->held.data, m->held_line);
	smtpd_msg_write(m, add.data, add.len);
	smtpd_msg_write(m, m->held.data + m->held_line, m->held.len - m->held_line);
	buf_release(&add);
	buf_release(&m->held);
	m->holding = 0;
}

/* Decide what the current line is: a field, a continuation, or the end
 * of the header (an empty line, or a line that is neither; RFC 5322 §2.2,
 * header.h). */
static void smtpd_msg_classify(smtpd_msg_t *m)
{
	const char *l = m->hline.data;
	size_t len = m->hline.len;

	m->classified = 1;
	if (l[0] == '\n' || (l[0] == '\r' && len > 1 && l[1] == '\n')) {
		smtpd_msg_end_header(m);
		return;
	}
	if ((l[0] == ' ' || l[0] == '\t') && m->seen_field)
		return;
	if (header_line_name_len(l, len) == 0) {
		smtpd_msg_end_header(m);
		return;
	}
	m->seen_field = 1;
	if (header_line_is(l, len, "Received"))
		m->hops++;
	else if (header_line_is(l, len, "Date"))
		m->have_date = 1;
	else if (header_line_is(l, len, "Message-ID"))
		m->have_msgid = 1;
}

/* Octets of one line (n, ending in LF when ends_line) in the header. */
static void smtpd_msg_header_part(smtpd_msg_t *m, const char *p, size_t n,
				  int ends_line)
{
	if (m->holding)
		buf_append(&m->held, p, n);
	else
		smtpd_msg_write(m, p, n);
	if (!m->classified) {
		size_t room = SMTPD_HLINE_MAX - m->hline.len;

		buf_append(&m->hline, p, n < room ? n : room);
		if (ends_line || m->hline.len >= SMTPD_HLINE_MAX)
			smtpd_msg_classify(m);
	}
	if (ends_line) {
		buf_reset(&m->hline);
		m->classified = 0;
		if (m->holding)
			m->held_line = m->held.len;
	}
	if (m->holding && m->held.len > smtpd_conf.header_hold) {
		/* Too big to hold: pass it on unchanged, add nothing. */
		log_info("%s: header longer than header_size_limit; "
			 "Date and Message-ID not checked", queue_writer_id(m->w));
		smtpd_msg_write(m, m->held.data, m->held.len);
		buf_release(&m->held);
		m->holding = 0;
	}
}

/* Decoded content, LF line ends, in any pieces. */
static void smtpd_msg_put(smtpd_msg_t *m, const char *p, size_t len)
{
	m->size += len;
	if (smtpd_conf.size_limit > 0 && m->size > smtpd_conf.size_limit)
		smtpd_msg_fail(m, SMTPD_MSG_TOOBIG, 0);
	while (len > 0) {
		const char *lf = memchr(p, '\n', len);
		size_t n = lf ? (size_t) (lf - p) + 1 : len;

		m->line_len += lf ? n - 1 : n;
		if (m->line_len > smtpd_conf.line_max)
			smtpd_msg_fail(m, SMTPD_MSG_LINE, 0);
		if (m->in_header)
			smtpd_msg_header_part(m, p, n, lf != NULL);
		else
			smtpd_msg_write(m, p, n);
		if (lf)
			m->line_len = 0;
		p += n;
		len -= n;
	}
}

int smtpd_msg_finish(smtpd_msg_t *m)
{
	if (m->in_header && m->hline.len > 0 && !m->classified)
		smtpd_msg_classify(m);
	if (m->in_header) {
		/* All header, no body: added fields go at the very end. */
		if (m->holding && m->held.len > 0 &&
		    m->held.data[m->held.len - 1] != '\n')
			buf_putc(&m->held, '\n');
		m->held_line = m->held.len;
		smtpd_msg_end_header(m);
	}
	return m->error;
}

int smtpd_msg_read_data(smtpd_msg_t *m, stream_t *s)
{
	buf_reserve(&m->in, SMTPD_CHUNK);
	while (!smtp_data_done(&m->data)) {
		int status = smtpd_wait_input(s, 0);
		ssize_t n;
		size_t used;

		if (status != STREAM_OK)
			return status;
		n = stream_read(s, m->in.data, SMTPD_CHUNK);
		if (n < 0)
			return (int) n;
		buf_reset(&m->out);
		used = smtp_data_decode(&m->data, m->in.data, (size_t) n, &m->out);
		smtpd_msg_put(m, m->out.data, m->out.len);
		if (smtp_data_done(&m->data) && used < (size_t) n)
			stream_unread(s, m->in.data + used, (size_t) n - used);
	}
	return STREAM_OK;
}

int smtpd_msg_read_chunk(smtpd_msg_t *m, stream_t *s, unsigned long long size,
			 int last)
{
	buf_reserve(&m->in, SMTPD_CHUNK);
	while (size > 0) {
		int status = smtpd_wait_input(s, 0);
		ssize_t n;

		if (status != STREAM_OK)
			return status;
		n = stream_read(s, m->in.data, size < SMTPD_CHUNK ? (size_t) size :
				SMTPD_CHUNK);
		if (n < 0)
			return (int) n;
		buf_reset(&m->out);
		smtp_bdat_decode(&m->bdat, m->in.data, (size_t) n, &m->out);
		smtpd_msg_put(m, m->out.data, m->out.len);
		size -= (unsigned long long) n;
	}
	if (last) {
		buf_reset(&m->out);
		smtp_bdat_finish(&m->bdat, &m->out);
		smtpd_msg_put(m, m->out.data, m->out.len);
	}
	return STREAM_OK;
}

int smtpd_bdat_discard(stream_t *s, unsigned long long size)
{
	buf_t junk = BUF_INIT;
	int status = STREAM_OK;

	buf_reserve(&junk, SMTPD_CHUNK);
	while (size > 0 && status == STREAM_OK) {
		ssize_t n;

		if ((status = smtpd_wait_input(s, 0)) != STREAM_OK)
			break;
		n = stream_read(s, junk.data, size < SMTPD_CHUNK ? (size_t) size :
				SMTPD_CHUNK);
		if (n < 0)
			status = (int) n;
		else
			size -= (unsigned long long) n;
	}
	buf_release(&junk);
	return status;
}

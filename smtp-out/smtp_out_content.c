/* smtp_out_content.c - the message content as it goes to one server.
 *
 * The queue file holds the content with LF line ends; lib/smtp_body.c
 * makes the wire form (CRLF, dot-stuffing for DATA, exact sizes for
 * BDAT and SIZE=).  Before MAIL, smtp_out_content_prepare() decides
 * whether this server may have the message at all:
 *   - SMTPUTF8 (RFC 6531 §3.2): a message that needs it (non-ASCII
 *     envelope addresses, or 8-bit header fields, which only RFC 6532
 *     allows) cannot go to a server that does not offer it: 5.6.7.  A
 *     message received with SMTPUTF8 that turns out not to need it is
 *     sent without.
 *   - 8BITMIME (RFC 6152 §3): 8-bit content goes to a server without it
 *     only as 7-bit MIME; lib/mime_downgrade.c converts it (in memory:
 *     a rare case), or says why it cannot, and the mail bounces with
 *     5.6.3.  A message labelled 8BITMIME that is 7-bit goes as it is.
 *   - SIZE (RFC 1870 §4): larger than the server's announced limit
 *     bounces at once with 5.3.4, before MAIL: no server of the same
 *     destination will take it either.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "mime_downgrade.h"
#include "smtp_body.h"
#include "smtp_out.h"

/* Stored content is read in pieces of this size. */
#define SMTP_OUT_READ_SIZE (64 * 1024)

/* Read len octets at off of the queue file into out.  0 or -1. */
static int smtp_out_content_pread(const smtp_out_req_t *req, size_t off,
				  size_t len, char *out)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(req->fd, out + got, len - got,
				  req->offset + (off_t) (off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t) n;
	}
	return 0;
}

static int smtp_out_content_load(const smtp_out_req_t *req, buf_t *out)
{
	buf_reset(out);
	buf_reserve(out, req->length + 1);
	if (smtp_out_content_pread(req, 0, req->length, out->data) < 0)
		return -1;
	out->len = req->length;
	out->data[out->len] = '\0';
	return 0;
}

static int smtp_out_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s >= 0x80)
			return 0;
	return 1;
}

/* The header of msg: up to the first empty line. */
static size_t smtp_out_header_len(const char *msg, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (msg[i] == '\n' && (i == 0 || (i + 1 < len && msg[i + 1] == '\n')))
			return i + 1;
	return len;
}

static void smtp_out_content_fail(smtp_out_req_t *req, const char *dsn,
				  char *text)
{
	smtp_out_rcpt_set_all(req, dsn, text);
	mem_free(text);
}

int smtp_out_content_prepare(smtp_out_sess_t *s, smtp_out_req_t *req,
			     smtp_out_content_t *c)
{
	int need_8bit = req->body_8bit && !(s->ehlo.ext & SMTP_EXT_8BITMIME);
	int need_utf8 = req->smtputf8 && !(s->ehlo.ext & SMTP_EXT_SMTPUTF8);
	buf_t msg = BUF_INIT;
	const char *err = NULL;
	int r = 0;

	memset(c, 0, sizeof(*c));
	c->send_8bit = req->body_8bit && (s->ehlo.ext & SMTP_EXT_8BITMIME);
	if (need_utf8) {
		int ascii = smtp_out_ascii(req->sender);

		for (size_t i = 0; i < req->nrcpt && ascii; i++)
			ascii = smtp_out_ascii(req->rcpt[i].addr);
		if (!ascii) {
			smtp_out_content_fail(req, "5.6.7", mem_printf(
				"%s does not support SMTPUTF8, which the "
				"addresses of this message need", s->label));
			return -1;
		}
	}
	if (!need_8bit && !need_utf8)
		return 0;
	if (smtp_out_content_load(req, &msg) < 0) {
		smtp_out_content_fail(req, "4.3.0", mem_printf(
			"cannot read the queue file: %s", strerror(errno)));
		return -1;
	}
	if (need_utf8 && mime_has_8bit(msg.data, smtp_out_header_len(msg.data, msg.len))) {
		smtp_out_content_fail(req, "5.6.7", mem_printf(
			"%s does not support SMTPUTF8, which the header of this "
			"message needs", s->label));
		r = -1;
	} else if (need_8bit && mime_has_8bit(msg.data, msg.len)) {
		if (mime_downgrade(msg.data, msg.len, &c->converted, &err) < 0) {
			smtp_out_content_fail(req, "5.6.3", mem_printf(
				"%s does not support 8BITMIME and the message "
				"cannot be converted to 7 bits: %s", s->label, err));
			buf_release(&c->converted);
			r = -1;
		} else {
			c->use_converted = 1;
		}
	}
	buf_release(&msg);
	return r;
}

/* Feed the content to an encoder: the prepended fields, then the content
 * from memory or the queue file in pieces; each piece's output goes to
 * sink (NULL: count only), so SIZE= and BDAT counts include the fields. */
static int smtp_out_content_walk(const smtp_out_req_t *req,
				 const smtp_out_content_t *c, smtp_body_t *b,
				 int (*sink)(void *arg, buf_t *out), void *arg)
{
	buf_t out = BUF_INIT;
	char *piece = NULL;
	size_t total = c->use_converted ? c->converted.len : req->length;
	int r = 0;

	if (!c->use_converted)
		piece = mem_alloc(SMTP_OUT_READ_SIZE);
	/* The DKIM signatures smtpd recorded come first. */
	if (req->prepend.len > 0) {
		smtp_body_encode(b, req->prepend.data, req->prepend.len,
				 sink ? &out : NULL);
		if (sink != NULL)
			r = sink(arg, &out);
	}
	for (size_t off = 0; off < total && r == 0; off += SMTP_OUT_READ_SIZE) {
		size_t n = total - off < SMTP_OUT_READ_SIZE ? total - off :
			SMTP_OUT_READ_SIZE;
		const char *in = c->use_converted ? c->converted.data + off : piece;

		if (!c->use_converted && smtp_out_content_pread(req, off, n, piece) < 0) {
			r = -1;
			break;
		}
		smtp_body_encode(b, in, n, sink ? &out : NULL);
		if (sink != NULL)
			r = sink(arg, &out);
	}
	/* The end of the content completes the mail: not when qmgr has
	 * stopped waiting for the answer (smtp_out.c, duplicates). */
	if (r == 0 && sink != NULL && smtp_out_abandoned())
		r = -1;
	if (r == 0) {
		smtp_body_finish(b, sink ? &out : NULL);
		if (sink != NULL)
			r = sink(arg, &out);
	}
	mem_free(piece);
	buf_release(&out);
	return r;
}

unsigned long long smtp_out_content_size(const smtp_out_req_t *req,
					 const smtp_out_content_t *c, int stuffed)
{
	smtp_body_t b;

	smtp_body_init(&b, stuffed);
	if (smtp_out_content_walk(req, c, &b, NULL, NULL) < 0)
		return req->length;	/* an estimate will do for SIZE= */
	return smtp_body_octets(&b);
}

/* ---- sending ---- */

struct smtp_out_sender {
	smtp_out_sess_t *s;
	int bdat;
	buf_t chunk;		/* BDAT: encoded octets not yet sent */
	int failed;		/* BDAT: a chunk was refused */
};

static int smtp_out_write(smtp_out_sess_t *s, const char *data, size_t len)
{
	stream_set_timeout(s->s, smtp_out_limit(smtp_out_conf.data_xfer_timeout));
	if (smtp_out_expired() || stream_write(s->s, data, len) < 0) {
		s->cut = 1;
		return -1;
	}
	return 0;
}

/* One BDAT command with the first len octets not yet sent, and its
 * reply (RFC 3030 §2). */
static int smtp_out_bdat(struct smtp_out_sender *o, size_t len, int last)
{
	smtp_out_sess_t *s = o->s;
	char head[64];
	char *why = NULL;
	int n = snprintf(head, sizeof(head), "BDAT %zu%s\r\n", len,
			 last ? " LAST" : "");

	if (smtp_out_write(s, head, (size_t) n) < 0 ||
	    smtp_out_write(s, o->chunk.data, len) < 0 ||
	    stream_flush(s->s) < 0) {
		s->cut = 1;
		return -1;
	}
	buf_consume(&o->chunk, len);
	if (smtp_out_session_reply(s, smtp_out_conf.data_done_timeout, &why) < 0) {
		mem_free(why);
		return -1;
	}
	if (s->reply.code / 100 != 2) {
		o->failed = 1;
		return -1;
	}
	return 0;
}

static int smtp_out_sink(void *arg, buf_t *out)
{
	struct smtp_out_sender *o = arg;
	int r = 0;

	if (!o->bdat) {
		r = smtp_out_write(o->s, out->data, out->len);
		buf_reset(out);
		return r;
	}
	buf_append(&o->chunk, out->data, out->len);
	buf_reset(out);
	/* Chunks of smtp_bdat_chunk_size; octets are kept back until more
	 * follow, so that the LAST chunk is never empty (one round trip
	 * less) unless the message is. */
	while (r == 0 && o->chunk.len > (size_t) smtp_out_conf.chunk_size)
		r = smtp_out_bdat(o, (size_t) smtp_out_conf.chunk_size, 0);
	return r;
}

int smtp_out_content_send(smtp_out_sess_t *s, smtp_out_req_t *req,
			  smtp_out_content_t *c, int bdat, int *failed_r)
{
	struct smtp_out_sender o = { s, bdat, BUF_INIT, 0 };
	smtp_body_t b;
	int r;

	*failed_r = 0;
	smtp_body_init(&b, !bdat);
	r = smtp_out_content_walk(req, c, &b, smtp_out_sink, &o);
	if (r == 0 && bdat)
		r = smtp_out_bdat(&o, o.chunk.len, 1);
	else if (r == 0 && stream_flush(s->s) < 0)
		r = -1;
	if (r < 0 && !o.failed)
		s->cut = 1;	/* out of step: a read error or a lost server */
	*failed_r = o.failed;
	buf_release(&o.chunk);
	return r;
}

void smtp_out_content_free(smtp_out_content_t *c)
{
	buf_release(&c->converted);
}

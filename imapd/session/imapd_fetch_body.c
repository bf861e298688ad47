/* imapd_fetch_body.c - the content of BODY[section]<partial> and of the
 * RFC822 items of one message (RFC 3501 §6.4.5, §7.4.2); see
 * imapd_fetch.h.
 *
 * lib/mime_section.h resolves the section to stored segments of the
 * mapped file and lib/mime_wire.h gives their wire form (CRLF) from the
 * partial's origin, in pieces: a 30 MB BODY[] goes out through one
 * piece-sized buffer and the stream's own, never whole in memory.  The
 * whole message, its TEXT and the sections of its header need no MIME
 * tree (imapd_msgfile_header() finds the header's end), so a client
 * that asks for BODY.PEEK[HEADER.FIELDS (...)] of a large message reads
 * its first pages only.  The
 * literal's size is known before its first octet (the wire size of the
 * segments), so nothing is read twice to announce it.
 *
 * Choices the RFC leaves open:
 *   - a section that does not exist, and a partial whose origin is at or
 *     past the end, are the empty string "" (§6.4.5 for the partial;
 *     for a missing part as Dovecot answers);
 *   - a NUL in the message, which no IMAP4rev1 string can carry (§9:
 *     CHAR8 is %x01-FF), goes out as 0x80, as lib/imap_quote.h does for
 *     header values: the literal keeps its announced length.
 */
#include <stdint.h>
#include <string.h>

#include "imapd_fetch.h"
#include "mime_wire.h"

#define IMAPD_FETCH_PIECE 65536	/* octets read from the message at a time */

/* Send the reader's octets as the literal's content. */
static uint64_t imapd_fetch_body_send(imapd_session_t *sess, mime_wire_t *w)
{
	buf_t piece = BUF_INIT;
	uint64_t sent = 0;
	size_t n;

	while (stream_status(sess->s) == STREAM_OK &&
	       (n = mime_wire_read(w, &piece, IMAPD_FETCH_PIECE)) > 0) {
		char *p = piece.data;

		while ((p = memchr(p, '\0', (size_t) (piece.data + piece.len - p))) != NULL)
			*p++ = (char) 0x80;
		stream_write(sess->s, piece.data, piece.len);
		sent += n;
		buf_reset(&piece);
	}
	buf_release(&piece);
	return sent;
}

uint64_t imapd_fetch_body_write(imapd_session_t *sess, imapd_msgfile_t *mf,
				const imapd_fetch_item_t *item, buf_t *out)
{
	mime_content_t c = MIME_CONTENT_INIT;
	mime_wire_seg_t whole;
	const mime_wire_seg_t *seg = NULL;
	size_t nseg = 0, left;
	const char *msg = mf->data != NULL ? mf->data : "";
	mime_wire_t w;
	uint64_t sent = 0;

	buf_puts(out, item->label);
	buf_putc(out, ' ');
	if (item->spec.nparts == 0 && (item->spec.kind == MIME_SECTION_PART ||
					item->spec.kind == MIME_SECTION_TEXT)) {
		size_t start = item->spec.kind == MIME_SECTION_TEXT ?
			imapd_msgfile_header(mf) : 0;

		whole.p = msg + start;
		whole.len = mf->len - start;
		seg = &whole;
		nseg = 1;
	} else if (item->spec.nparts == 0 && mf->mime == NULL) {
		/* a section of the message's own header: the header alone
		 * is parsed, the body never read */
		size_t hlen = imapd_msgfile_header(mf);
		mime_part_t *root = mime_parse(msg, hlen);

		if (mime_section_get(msg, hlen, root, &item->spec, &c) == 0) {
			seg = c.seg;
			nseg = c.nseg;
		}
		mime_part_free(&root);
	} else if (mime_section_get(msg, mf->len, imapd_msgfile_mime(mf),
				    &item->spec, &c) == 0) {
		seg = c.seg;
		nseg = c.nseg;
	}
	mime_wire_init(&w, seg, nseg, item->partial ? item->start : 0,
		       item->partial ? item->len : SIZE_MAX);
	left = mime_wire_left(&w);
	if (left == 0) {
		buf_puts(out, "\"\"");
	} else {
		buf_printf(out, "{%zu}\r\n", left);
		stream_write(sess->s, out->data, out->len);
		buf_reset(out);
		sent = imapd_fetch_body_send(sess, &w);
	}
	mime_content_release(&c);
	return sent;
}

/* mime_wire.h - the wire form (CRLF line ends) of stored message content,
 * as IMAP shows it, without I/O.
 *
 * Messages are stored with LF line ends (maildir.h).  Every size and
 * offset IMAP shows is of the wire form: RFC822.SIZE, body-fld-octets,
 * the <start.len> of a partial fetch, body-fld-lines.  The rule is
 * smtp_body.h's, so that a message looks the same whether tern relays it
 * or serves it: every stored LF and every stored CR is a line end of its
 * own and goes out as CRLF; no bare CR ever reaches a client (RFC 5322
 * §2.3 has CR only in CRLF).  The wire size of stored octets is thus
 * their count plus the count of their CRs and LFs: the ,W= size that
 * mail_save.c (APPEND) writes into a file name, so RFC822.SIZE can come
 * from the name and always equals the octets BODY[] gives.  (smtpd keeps
 * a received bare CR as a stored CR, and a stored "\r\n" is one it
 * received as "\r\r\n": both come out as two line ends, as smtp-out
 * sends them.)  mime_parse reads the structure of this same wire form,
 * so BODYSTRUCTURE describes exactly the octets BODY[] sends.
 *
 * A piece of content to send is a list of stored segments (a whole
 * message, one part's body, or the chosen fields of a header); a reader
 * gives its wire form from any wire offset, in pieces of any size, so a
 * 30 MB BODY[] never needs 30 MB of memory.
 */
#ifndef TERN_MIME_WIRE_H
#define TERN_MIME_WIRE_H

#include <stddef.h>

#include "buf.h"

/* Wire octets of the stored octets p[0..len). */
size_t mime_wire_size(const char *p, size_t len);
/* Octets before the first line end (CR or LF) of p[0..len), or len;
 * costs no more than reading up to the first LF. */
size_t mime_wire_eol(const char *p, size_t len);

typedef struct mime_wire_seg {
	const char *p;		/* stored octets, owned by the caller */
	size_t len;
} mime_wire_seg_t;

typedef struct mime_wire {
	const mime_wire_seg_t *seg;	/* the caller's array, kept while reading */
	size_t nseg;
	size_t i;		/* current segment */
	size_t off;		/* next stored octet in it */
	int lf_owed;		/* a line end's CR went out, its LF not yet */
	size_t left;		/* wire octets still to give */
} mime_wire_t;

/*
 * Read the wire form of seg[0..nseg) from wire octet start, at most max
 * octets (SIZE_MAX: to the end).  A start at or past the end gives
 * nothing (RFC 3501 §6.4.5: a partial fetch past the end is "").
 */
void mime_wire_init(mime_wire_t *w, const mime_wire_seg_t *seg, size_t nseg,
		    size_t start, size_t max);
/* Octets the reader will still give (the size of the literal to send). */
size_t mime_wire_left(const mime_wire_t *w);
/* Append up to max of the next octets to out; returns how many (0 only
 * at the end). */
size_t mime_wire_read(mime_wire_t *w, buf_t *out, size_t max);

#endif

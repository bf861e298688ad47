/* mime_section.h - the octets of a FETCH BODY[section] (RFC 3501
 * §6.4.5), from a part tree of mime_parse.h, without I/O.
 *
 * A section is resolved to a list of stored segments of the message
 * (mime_wire.h), whose wire form is what goes out; a reader then gives
 * any <start.len> of it in wire octets, in pieces, so the content is
 * never copied whole.  Part numbers, as RFC 3501 numbers them:
 *   - in a message (the root, or a message/rfc822 part's enclosed
 *     message) that is multipart, n is its n-th body part; in one that is
 *     not, only 1 exists, and is the message's body;
 *   - after a multipart part, n is its n-th body part; after a
 *     message/rfc822 part, n counts in its enclosed message as above;
 *     after any other part, 1 is the part itself (as Dovecot answers
 *     "1.1" of a text part: the rule for messages, for every part).
 * Section texts:
 *   ""                  the whole message;
 *   N                   the body of part N (of a message/rfc822 part:
 *                       the whole enclosed message);
 *   [N.]HEADER, [N.]TEXT, [N.]HEADER.FIELDS (list), [N.]HEADER.FIELDS.NOT
 *                       (list): of the message, or of the message
 *                       enclosed in part N, which must be message/rfc822;
 *   N.MIME              the MIME header of part N (of part 1 of a
 *                       non-multipart message: the message's header).
 * HEADER is the header as stored, with its empty line when it has one.
 * HEADER.FIELDS keeps each matching field whole (folded lines and all;
 * names compared without case) in the message's order, and always ends
 * with an empty line, as RFC 3501 says; a last field without a line end
 * gets one.  HEADER.FIELDS.NOT keeps the other fields, lines without a
 * colon included.  A part that does not exist, or a HEADER of a part
 * that is not message/rfc822, gives empty content (RFC 3501 shows "" for
 * a section that does not exist; it is not an error).
 */
#ifndef TERN_MIME_SECTION_H
#define TERN_MIME_SECTION_H

#include <stddef.h>

#include "mime_parse.h"
#include "mime_wire.h"

#define MIME_SECTION_MAX_PARTS (MIME_MAX_DEPTH + 2)	/* numbers in "1.2.3" */

typedef enum mime_section_kind {
	MIME_SECTION_PART,		/* "" or "N": a whole message or a body */
	MIME_SECTION_HEADER,
	MIME_SECTION_HEADER_FIELDS,
	MIME_SECTION_HEADER_FIELDS_NOT,
	MIME_SECTION_TEXT,
	MIME_SECTION_MIME
} mime_section_kind_t;

typedef struct mime_section_spec {
	unsigned int parts[MIME_SECTION_MAX_PARTS];
	unsigned int nparts;
	mime_section_kind_t kind;
	const char *const *fields;	/* HEADER.FIELDS names, the caller's */
	unsigned int nfields;
} mime_section_spec_t;

/*
 * Parse the section-spec of RFC 3501 §9 from s[0..len) up to, not
 * including, a HEADER.FIELDS list (whose astrings, perhaps literals, the
 * command parser reads and puts in spec->fields).  0 with *used_r the
 * octets taken (the caller checks what follows: "]" or " ("); -1 when it
 * is not a section-spec (a zero, an overflowing number, "1.", an unknown
 * word, MIME without a part number, too many numbers).
 */
int mime_section_parse(const char *s, size_t len, mime_section_spec_t *spec,
		       size_t *used_r);

#define MIME_SECTION_MAX_FIELDS 1000	/* names in one HEADER.FIELDS list */

/*
 * The list after HEADER.FIELDS [.NOT] in s[0..len): SP "(" name *(SP
 * name) ")", each name an atom or a quoted string (header-fld-name is an
 * astring; a literal cannot stand inside a FETCH item's brackets as
 * imap_arg.h tokenizes them).  0 with a new array of new names in
 * *names_r, their count in *n_r and the octets taken in *used_r; -1 on
 * bad syntax, an empty list, or more than MIME_SECTION_MAX_FIELDS names.
 * Free the names with mime_section_fields_free().
 */
int mime_section_parse_fields(const char *s, size_t len, char ***names_r,
			      unsigned int *n_r, size_t *used_r);
void mime_section_fields_free(char ***names, unsigned int n);

typedef struct mime_content {
	mime_wire_seg_t *seg;	/* points into the message (or static "\n") */
	size_t nseg;
	size_t wsize;		/* octets of the wire form */
} mime_content_t;

/*
 * The content of section spec of msg[0..len), whose tree is root, into
 * c (empty at first: MIME_CONTENT_INIT, or released).  0 when the
 * section exists; -1 when not, with c empty (send ""). c points into
 * msg; read its wire form with mime_wire_init(&w, c->seg, c->nseg,
 * start, max).
 */
int mime_section_get(const char *msg, size_t len, const mime_part_t *root,
		     const mime_section_spec_t *spec, mime_content_t *c);
#define MIME_CONTENT_INIT { NULL, 0, 0 }
/* Free the segment list and empty c. */
void mime_content_release(mime_content_t *c);

#endif

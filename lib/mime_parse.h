/* mime_parse.h - the MIME structure of a message in memory (RFC 2045,
 * RFC 2046), the base of IMAP's ENVELOPE, BODYSTRUCTURE and BODY[section].
 *
 * The caller maps or reads the stored message (LF line ends, maildir.h)
 * and passes a pointer and length; out comes a tree of parts:
 *   - the root is the message; a multipart/... part has its body parts as
 *     children (RFC 2046 §5.1.1: the preamble before the first delimiter
 *     and the epilogue after the close delimiter belong to no part, and
 *     the line end before a delimiter belongs to the delimiter); a
 *     message/rfc822 part has one child, the enclosed message, whose
 *     header is that message's header (its ENVELOPE);
 *   - every part has the stored offsets of its header, its body and its
 *     end, the wire sizes (mime_wire.h) of header and body, the body's
 *     line count, and the fields of its header that BODYSTRUCTURE shows.
 *
 * One pass over the lines, with a stack of the multiparts whose boundary
 * is open, so the cost is linear in the message, whatever the nesting.
 * The lines are those of the wire form (mime_wire.h): a stored CR ends a
 * line as an LF does, so the structure is that of the octets BODY[]
 * sends (a stored "\r\n" is two line ends, the second an empty line).
 * Decisions for what the RFCs leave open or real mail gets wrong:
 *   - A header ends at its first empty line; a line
 *     without a colon inside it is kept as part of the header (a field
 *     without a name, matched by nothing), so a stray "From " line does
 *     not turn the header into body.  A part without an empty line is
 *     all header and has an empty body.
 *   - A delimiter line is "--" boundary, then "--" for the close
 *     delimiter, then only spaces and tabs before its line end (RFC
 *     2046 §5.1.1 allows linear white space); so boundary "b" never
 *     matches "--b2".  The innermost open multipart is tried first.  A
 *     delimiter of an outer multipart ends every part inside it; a part
 *     whose close delimiter never comes ends where its parent ends.  The
 *     line end between an inner close delimiter and an outer delimiter
 *     right after it is the outer delimiter's (RFC 2046: the CRLF before
 *     a delimiter is part of it; Dovecot counts it to the inner part).
 *   - Content-Type that cannot be parsed, or is absent: text/plain;
 *     charset=us-ascii (RFC 2045 §5.2), in a multipart/digest:
 *     message/rfc822 (RFC 2046 §5.1.5).  A multipart without a boundary
 *     parameter has no children.
 *   - body_lines: the line ends of the body, as Dovecot counts its LFs
 *     (the line before a delimiter has its line end in the delimiter, so
 *     "a\nb" before "\n--b" counts 1).
 *   - Limits (never a crash, never unbounded memory): a part at depth
 *     MIME_MAX_DEPTH is not looked into, nor any after the first
 *     MIME_MAX_PARTS: a multipart or message/rfc822 part that cannot be
 *     descended into is a leaf marked MIME_PART_OPAQUE (BODYSTRUCTURE
 *     shows it as application/octet-stream), and the delimiters of a
 *     multipart that reached the limit end the part before them without
 *     starting another (the rest is in the multipart's body only).  At
 *     most MIME_MAX_PARAMS parameters per field and MIME_MAX_LANGUAGES
 *     languages are kept, and field values longer than MIME_MAX_VALUE
 *     are cut there.
 * RFC 2231 parameters (name*0*=...) are kept as written, undecoded.
 * Memory: a part's strings are copies of distinct octets of its header
 * (the first field of each name only), so a tree costs at most about the
 * message's size plus a few hundred octets per part.  The root's
 * hdr_wsize + body_wsize is the message's RFC822.SIZE.
 */
#ifndef TERN_MIME_PARSE_H
#define TERN_MIME_PARSE_H

#include <stddef.h>

#include "mime_field.h"

#define MIME_MAX_DEPTH 100	/* nesting of multiparts and messages */
#define MIME_MAX_PARTS 10000	/* parts in one message, the root included */

/* mime_part_t flags */
#define MIME_PART_MESSAGE   1	/* the root, or the child of a message/rfc822 */
#define MIME_PART_MULTIPART 2	/* children are its body parts */
#define MIME_PART_RFC822    4	/* its one child is the enclosed message */
#define MIME_PART_OPAQUE    8	/* multipart or message not looked into */
#define MIME_PART_DEFAULT_TYPE 16	/* no usable Content-Type */

typedef struct mime_part {
	struct mime_part *parent, *next;	/* next: the following sibling */
	struct mime_part *children;		/* the first child */
	unsigned int nchildren;
	unsigned int flags;
	unsigned int depth;			/* 0 for the root */

	/* Stored offsets in the message: header [hdr_off, body_off) with
	 * its empty line, body [body_off, end). */
	size_t hdr_off, body_off, end;
	size_t hdr_wsize, body_wsize;		/* octets on the wire */
	size_t body_lines;

	char *type, *subtype;			/* as written ("text" "plain" by default) */
	mime_param_t *params;			/* Content-Type parameters */
	unsigned int nparams;
	char *id, *description, *encoding, *md5, *location;	/* NULL: absent */
	char *disposition;			/* NULL: absent */
	mime_param_t *disp_params;
	unsigned int ndisp_params;
	char **languages;
	unsigned int nlanguages;
} mime_part_t;

/* Parse msg[0..len) (owned by the caller, which keeps it while offsets
 * are used; never NULL, "" for an empty message).  Returns the root;
 * free it with mime_part_free(). */
mime_part_t *mime_parse(const char *msg, size_t len);
/* Free a tree from its root; sets *root NULL. */
void mime_part_free(mime_part_t **root);

/* The n-th child (1-based) of a part, or NULL. */
const mime_part_t *mime_part_child(const mime_part_t *part, unsigned int n);
/* Is the part of this type and subtype (case-insensitive; subtype NULL:
 * any)? */
int mime_part_is(const mime_part_t *part, const char *type, const char *subtype);

#endif

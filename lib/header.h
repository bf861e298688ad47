/* header.h - RFC 5322 header fields of a message held in memory or read
 * line by line.
 *
 * Messages in tern have LF line ends (queue files, Maildir); CRLF is
 * accepted too.  The header ends at the first empty line, or at the first
 * line that is neither a field ("name:") nor a continuation (leading white
 * space) - such a line starts the body, as RFC 5322 §2.1 has the body
 * follow the header.  Used by smtpd (hop count, Date and Message-ID on
 * submission), local (Delivered-To loops), qmgr (bounces) and mailctl.
 */
#ifndef TERN_HEADER_H
#define TERN_HEADER_H

#include <stddef.h>

#include "buf.h"

typedef struct header_field {
	const char *name;	/* not NUL-terminated */
	size_t name_len;
	const char *value;	/* after the ':', raw (folding kept), no final EOL */
	size_t value_len;
	const char *start;	/* the whole field, with its line ends */
	size_t len;
} header_field_t;

/*
 * Next field from data[*pos..len).  1 with *f filled and *pos advanced;
 * 0 at the end of the header (*pos then points at the body: after the
 * blank line, or at the first non-header line).
 */
int header_next(const char *data, size_t len, size_t *pos, header_field_t *f);
/* Case-insensitive field name test. */
int header_is(const header_field_t *f, const char *name);
/* The value unfolded (CR/LF removed) and trimmed, into out. */
void header_value(const header_field_t *f, buf_t *out);

/* For line-at-a-time readers: the field name length of a line that starts
 * a field ("Name:"), 0 for anything else. */
size_t header_line_name_len(const char *line, size_t len);
/* Does a line that starts a field name this field (case-insensitive)? */
int header_line_is(const char *line, size_t len, const char *name);

#endif

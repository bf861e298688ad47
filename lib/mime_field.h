/* mime_field.h - header fields of a MIME entity and the values of the
 * Content-* fields (RFC 2045 §5.1, RFC 2183, RFC 3282), without I/O.
 *
 * Used by mime_parse (the fields of every part), imap_envelope (the
 * fields of a message header) and mime_section (HEADER.FIELDS), so all
 * three agree on where a field starts and ends.
 *
 * Field values are parsed leniently: comments (nested, RFC 5322 §3.2.2)
 * and folding are skipped wherever white space may stand; a token is any
 * run of octets above SP other than DEL and RFC 2045's tspecials (8-bit
 * octets included: real mail has them); a parameter that cannot be
 * parsed is skipped up to the next ";" and the rest still read.
 * Bounded: at most MIME_MAX_PARAMS parameters and MIME_MAX_LANGUAGES
 * language tags are kept, and each value is cut at MIME_MAX_VALUE octets.
 */
#ifndef TERN_MIME_FIELD_H
#define TERN_MIME_FIELD_H

#include <stddef.h>

#define MIME_MAX_PARAMS 64	/* parameters of one Content-Type/-Disposition */
#define MIME_MAX_LANGUAGES 32	/* tags of one Content-Language */
#define MIME_MAX_VALUE 8192	/* octets kept of one field value or parameter */

/*
 * A header field: a line and the lines after it that start with a space
 * or a tab.  Lines end at a CR or an LF, each a line end of its own on
 * the wire (mime_wire.h).  A line without a colon (or with an empty or invalid name
 * before it, RFC 5322 §3.6.8) is a field with name_len 0: it stays part
 * of the header but no name matches it.
 */
typedef struct mime_field {
	const char *name;	/* not NUL-terminated */
	size_t name_len;	/* 0: a line that is no field */
	const char *value;	/* after the colon, raw, without the last line end */
	size_t value_len;
	const char *start;	/* the whole field with its line ends */
	size_t len;
} mime_field_t;

/*
 * The next field of the header hdr[0..len), from *pos (start at 0).
 * Returns 1 with *f filled and *pos after the field; 0 at the end of the
 * header: at an empty line (only its line end; *pos then after it) or
 * at the end of hdr.
 */
int mime_field_next(const char *hdr, size_t len, size_t *pos, mime_field_t *f);
/* Case-insensitive name test (name NUL-terminated). */
int mime_field_is(const mime_field_t *f, const char *name);
/* The same for a name of n octets. */
int mime_field_is_n(const mime_field_t *f, const char *name, size_t n);
/* The value unfolded (every CR and LF removed), trimmed
 * of spaces and tabs at both ends, cut at max octets: a new string
 * (mem_free it). */
char *mime_field_unfold(const mime_field_t *f, size_t max);

typedef struct mime_param {
	char *name;		/* as written (RFC 2231 names such as "x*0*" too) */
	char *value;		/* a quoted-string unquoted */
} mime_param_t;

/*
 * Content-Type: type "/" subtype *(";" parameter).  0 with the new
 * strings and parameter array (NULL when none) in the _r arguments; -1
 * when there is no type and subtype (the caller uses the default).
 */
int mime_field_content_type(const char *v, size_t len, char **type_r,
			    char **subtype_r, mime_param_t **params_r,
			    unsigned int *nparams_r);
/*
 * Content-Disposition (RFC 2183): a token and parameters.  0 with new
 * strings in the _r arguments; -1 when there is no token.
 */
int mime_field_disposition(const char *v, size_t len, char **disp_r,
			   mime_param_t **params_r, unsigned int *nparams_r);
/* The first token of a value (Content-Transfer-Encoding), comments
 * skipped: a new string, or NULL when there is none. */
char *mime_field_token(const char *v, size_t len);
/* Content-Language (RFC 3282): the comma-separated tags as a new array
 * of new strings; the count in *n_r (0: NULL). */
char **mime_field_languages(const char *v, size_t len, unsigned int *n_r);

/* Free an array of n parameters; sets *params NULL. */
void mime_params_free(mime_param_t **params, unsigned int n);

#endif

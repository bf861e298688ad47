/* buf.h - the one growable byte/string type.
 *
 * All variable-length text in tern (protocol lines, records, paths built at
 * run time) lives in a buf_t.  The data is always NUL-terminated one byte
 * past `len`, so it can be used as a C string when it holds no NUL bytes,
 * while `len` stays the authority for binary content.
 *
 * A buffer that will hold a secret (a command line that may carry a
 * password) is marked with buf_set_secret(): its old memory is then wiped
 * whenever it grows, shrinks by buf_consume() or is released, so no copy
 * of the secret is left in freed memory.  buf_wipe() zeroes it at once.
 */
#ifndef TERN_BUF_H
#define TERN_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
	char *data;	/* always NUL-terminated at data[len] */
	size_t len;
	size_t size;	/* allocated bytes, > len */
	int secret;	/* wipe every copy it leaves behind */
} buf_t;

#define BUF_INIT { NULL, 0, 0, 0 }
#define BUF_INIT_SECRET { NULL, 0, 0, 1 }

buf_t *buf_new(size_t hint);
void buf_free(buf_t **bp);
void buf_init(buf_t *b);		/* for embedded/stack buf_t */
void buf_release(buf_t *b);		/* frees contents of an embedded buf_t */

void buf_reset(buf_t *b);
void buf_reserve(buf_t *b, size_t extra);
void buf_truncate(buf_t *b, size_t len);
void buf_append(buf_t *b, const void *data, size_t len);
void buf_puts(buf_t *b, const char *s);
void buf_putc(buf_t *b, int c);
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf_t *b, const char *fmt, va_list ap);
void buf_set(buf_t *b, const char *s);	/* reset + puts */
void buf_consume(buf_t *b, size_t n);	/* drop n bytes from the front */
const char *buf_str(const buf_t *b);	/* "" for an empty, never-allocated buf */
char *buf_steal(buf_t *b);		/* hand the string to the caller, reset b */
void buf_chomp(buf_t *b);		/* strip a trailing CRLF or LF */
void buf_set_secret(buf_t *b);		/* see above; stays until release */
void buf_wipe(buf_t *b);		/* zero all it holds and reset */

#endif

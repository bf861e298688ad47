/* buf.c - growable byte buffer; see buf.h. */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "mem.h"

buf_t *buf_new(size_t hint)
{
	buf_t *b = MEM_NEW(buf_t);

	buf_reserve(b, hint ? hint : 64);
	return b;
}

void buf_free(buf_t **bp)
{
	if (*bp == NULL)
		return;
	buf_release(*bp);
	MEM_FREE(*bp);
}

void buf_init(buf_t *b)
{
	b->data = NULL;
	b->len = b->size = 0;
	b->secret = 0;
}

void buf_set_secret(buf_t *b)
{
	b->secret = 1;
}

void buf_wipe(buf_t *b)
{
	if (b->data != NULL)
		explicit_bzero(b->data, b->size);
	b->len = 0;
}

void buf_release(buf_t *b)
{
	if (b->secret)
		buf_wipe(b);
	MEM_FREE(b->data);
	b->len = b->size = 0;
	b->secret = 0;
}

void buf_reset(buf_t *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_reserve(buf_t *b, size_t extra)
{
	size_t need;

	if (extra > (size_t) -1 - b->len - 1)
		log_fatal("buffer size overflow");
	need = b->len + extra + 1;
	if (need <= b->size)
		return;
	size_t nsize = b->size ? b->size : 64;
	while (nsize < need)
		nsize = nsize * 2 > nsize ? nsize * 2 : need;
	if (b->secret && b->data != NULL) {
		/* realloc would free the old block unwiped */
		char *fresh = mem_alloc(nsize);

		memcpy(fresh, b->data, b->len);
		explicit_bzero(b->data, b->size);
		mem_free(b->data);
		b->data = fresh;
	} else {
		b->data = mem_realloc(b->data, nsize);
	}
	b->size = nsize;
	b->data[b->len] = '\0';
}

void buf_truncate(buf_t *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

void buf_append(buf_t *b, const void *data, size_t len)
{
	buf_reserve(b, len);
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void buf_puts(buf_t *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_putc(buf_t *b, int c)
{
	char ch = (char) c;

	buf_append(b, &ch, 1);
}

void buf_vprintf(buf_t *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	buf_reserve(b, 64);
	n = vsnprintf(b->data + b->len, b->size - b->len, fmt, ap);
	if (n < 0)
		log_panic("vsnprintf failed for format \"%s\"", fmt);
	if ((size_t) n >= b->size - b->len) {
		buf_reserve(b, (size_t) n);
		vsnprintf(b->data + b->len, b->size - b->len, fmt, ap2);
	}
	va_end(ap2);
	b->len += (size_t) n;
}

void buf_printf(buf_t *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void buf_set(buf_t *b, const char *s)
{
	buf_reset(b);
	buf_puts(b, s);
}

void buf_consume(buf_t *b, size_t n)
{
	if (n >= b->len) {
		if (b->secret)
			buf_wipe(b);
		buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	if (b->secret)
		explicit_bzero(b->data + b->len - n, n);
	b->len -= n;
	b->data[b->len] = '\0';
}

const char *buf_str(const buf_t *b)
{
	return b->data ? b->data : "";
}

char *buf_steal(buf_t *b)
{
	char *s = b->data ? b->data : mem_strdup("");

	buf_init(b);
	return s;
}

void buf_chomp(buf_t *b)
{
	if (b->len && b->data[b->len - 1] == '\n')
		b->len--;
	if (b->len && b->data[b->len - 1] == '\r')
		b->len--;
	if (b->data)
		b->data[b->len] = '\0';
}

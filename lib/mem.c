/* mem.c - allocation wrappers: out of memory is fatal, never a NULL. */
#define _GNU_SOURCE	/* vasprintf */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"

void *mem_alloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		log_fatal("out of memory allocating %zu bytes", size);
	return p;
}

void *mem_zalloc(size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (p == NULL)
		log_fatal("out of memory allocating %zu bytes", size);
	return p;
}

void *mem_realloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (p == NULL)
		log_fatal("out of memory reallocating %zu bytes", size);
	return p;
}

void *mem_reallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		log_fatal("allocation overflow: %zu x %zu", nmemb, size);
	return mem_realloc(ptr, nmemb * size);
}

char *mem_strdup(const char *s)
{
	return mem_memdup(s, strlen(s) + 1);
}

char *mem_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = mem_alloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void *mem_memdup(const void *src, size_t n)
{
	void *p = mem_alloc(n);

	memcpy(p, src, n);
	return p;
}

char *mem_printf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0)
		log_fatal("out of memory formatting a string");
	va_end(ap);
	return p;
}

void mem_free(void *ptr)
{
	free(ptr);
}

/* mem.h - allocation that never returns NULL.
 *
 * Every allocation in tern goes through these wrappers: on failure they log
 * a fatal error and exit, so callers never test for NULL.  Free functions
 * that take a pointer-to-pointer set it to NULL (see STYLE.md).
 */
#ifndef TERN_MEM_H
#define TERN_MEM_H

#include <stddef.h>

void *mem_alloc(size_t size);
void *mem_zalloc(size_t size);
void *mem_realloc(void *ptr, size_t size);
void *mem_reallocarray(void *ptr, size_t nmemb, size_t size);
char *mem_strdup(const char *s);
char *mem_strndup(const char *s, size_t n);
void *mem_memdup(const void *p, size_t n);
char *mem_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mem_free(void *ptr);

#define MEM_NEW(type) ((type *) mem_zalloc(sizeof(type)))
#define MEM_FREE(p) do { mem_free(p); (p) = NULL; } while (0)

#endif

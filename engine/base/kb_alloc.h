/*
** kb_alloc.h -- the engine's allocator hook.
** Every engine allocation goes through these functions so that a host can
** count, limit or replace them, and so tests can inject failures.
*/
#ifndef KB_ALLOC_H
#define KB_ALLOC_H

#include <stddef.h>

/* malloc/calloc/realloc/free with the usual contracts; NULL on failure. */
void *kb_malloc(size_t size);
void *kb_calloc(size_t count, size_t size);
void *kb_realloc(void *ptr, size_t size);
void kb_free(void *ptr);

/* Copy of 'len' bytes of 's' plus a terminating NUL; NULL on failure. */
char *kb_strndup(const char *s, size_t len);
char *kb_strdup(const char *s);

/* Overflow-checked 'a * b'; returns 0 and sets *out on success, -1 on overflow. */
int kb_mul_size(size_t a, size_t b, size_t *out);

#endif

/*
** kb_alloc.c -- default allocator hook (the C library's).
*/
#include "kb_alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *kb_malloc(size_t size) { return malloc(size ? size : 1); }

void *kb_calloc(size_t count, size_t size) {
    return calloc(count ? count : 1, size ? size : 1);
}

void *kb_realloc(void *ptr, size_t size) { return realloc(ptr, size ? size : 1); }

void kb_free(void *ptr) { free(ptr); }

char *kb_strndup(const char *s, size_t len) {
    char *copy = kb_malloc(len + 1);
    if (copy == NULL) return NULL;
    if (len) memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

char *kb_strdup(const char *s) { return kb_strndup(s, strlen(s)); }

int kb_mul_size(size_t a, size_t b, size_t *out) {
    if (b != 0 && a > SIZE_MAX / b) return -1;
    *out = a * b;
    return 0;
}

/*
** kb_buf.h -- growable byte buffer and a generic growable array.
*/
#ifndef KB_BUF_H
#define KB_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kb_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} kb_buf;

/* All return false (buffer unchanged) when memory runs out. */
bool kb_buf_reserve(kb_buf *b, size_t extra);
bool kb_buf_append(kb_buf *b, const void *bytes, size_t n);
bool kb_buf_byte(kb_buf *b, uint8_t byte);
bool kb_buf_uleb(kb_buf *b, uint64_t value);
bool kb_buf_sleb(kb_buf *b, int64_t value);
/* Frees the storage and resets to empty. */
void kb_buf_free(kb_buf *b);
/* Hands the storage to the caller (who frees it with kb_free) and resets. */
uint8_t *kb_buf_take(kb_buf *b, size_t *len);

/*
** Generic array: KB_VEC(T) declares an anonymous struct { T *items; size_t len, cap; }.
** kb_vec_push(v, x) evaluates to true on success, false when memory runs out.
*/
#define KB_VEC(T) struct { T *items; size_t len; size_t cap; }

bool kb_vec_grow_(void **items, size_t *cap, size_t elem_size, size_t need);

#define kb_vec_reserve(v, n) \
    ((v)->len + (n) <= (v)->cap || \
     kb_vec_grow_((void **)&(v)->items, &(v)->cap, sizeof(*(v)->items), (v)->len + (n)))
#define kb_vec_push(v, x) \
    (kb_vec_reserve((v), 1) ? ((v)->items[(v)->len++] = (x), true) : false)
#define kb_vec_free(v) \
    (kb_free((v)->items), (v)->items = NULL, (v)->len = 0, (v)->cap = 0)

#endif

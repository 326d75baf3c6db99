/*
** kb_buf.c -- growable byte buffer and generic array growth.
*/
#include "kb_buf.h"

#include <string.h>

#include "kb_alloc.h"

bool kb_vec_grow_(void **items, size_t *cap, size_t elem_size, size_t need) {
    size_t new_cap = *cap ? *cap : 8;
    while (new_cap < need) {
        if (new_cap > SIZE_MAX / 2) return false;
        new_cap *= 2;
    }
    size_t bytes;
    if (kb_mul_size(new_cap, elem_size, &bytes) != 0) return false;
    void *grown = kb_realloc(*items, bytes);
    if (grown == NULL) return false;
    *items = grown;
    *cap = new_cap;
    return true;
}

bool kb_buf_reserve(kb_buf *b, size_t extra) {
    if (extra > SIZE_MAX - b->len) return false;
    if (b->len + extra <= b->cap) return true;
    void *data = b->data;
    if (!kb_vec_grow_(&data, &b->cap, 1, b->len + extra)) return false;
    b->data = data;
    return true;
}

bool kb_buf_append(kb_buf *b, const void *bytes, size_t n) {
    if (!kb_buf_reserve(b, n)) return false;
    if (n) memcpy(b->data + b->len, bytes, n);
    b->len += n;
    return true;
}

bool kb_buf_byte(kb_buf *b, uint8_t byte) { return kb_buf_append(b, &byte, 1); }

bool kb_buf_uleb(kb_buf *b, uint64_t value) {
    uint8_t tmp[10];
    size_t n = 0;
    do {
        uint8_t byte = value & 0x7F;
        value >>= 7;
        if (value) byte |= 0x80;
        tmp[n++] = byte;
    } while (value);
    return kb_buf_append(b, tmp, n);
}

bool kb_buf_sleb(kb_buf *b, int64_t value) {
    uint8_t tmp[10];
    size_t n = 0;
    bool more = true;
    while (more) {
        uint8_t byte = value & 0x7F;
        value >>= 7; /* arithmetic shift: gcc and clang define it for signed values */
        if ((value == 0 && !(byte & 0x40)) || (value == -1 && (byte & 0x40)))
            more = false;
        else
            byte |= 0x80;
        tmp[n++] = byte;
    }
    return kb_buf_append(b, tmp, n);
}

void kb_buf_free(kb_buf *b) {
    kb_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

uint8_t *kb_buf_take(kb_buf *b, size_t *len) {
    uint8_t *data = b->data;
    if (len) *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return data;
}

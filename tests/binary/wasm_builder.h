/*
** wasm_builder.h -- tiny helpers to assemble module bytes in tests
** (section framing and LEB128 sizes computed for the test author).
** Header-only, static functions: each test file gets its own copy.
*/
#ifndef WASM_BUILDER_H
#define WASM_BUILDER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct wb {
    uint8_t b[1 << 17];
    size_t n;
} wb;

static inline void wb_bytes(wb *w, const uint8_t *p, size_t n) {
    memcpy(w->b + w->n, p, n);
    w->n += n;
}
static inline void wb_u32(wb *w, uint32_t v) {
    do {
        uint8_t byte = v & 0x7F;
        v >>= 7;
        w->b[w->n++] = v ? (byte | 0x80) : byte;
    } while (v);
}
/* A fresh module: magic and version. */
static inline void wb_module(wb *w) {
    static const uint8_t hdr[8] = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
    w->n = 0;
    wb_bytes(w, hdr, 8);
}
/* Appends section 'id' with 'n' content bytes, computing its size. */
static inline void wb_section(wb *w, uint8_t id, const uint8_t *content, size_t n) {
    w->b[w->n++] = id;
    wb_u32(w, (uint32_t)n);
    wb_bytes(w, content, n);
}

#define WB_ARR(...) ((const uint8_t[]){__VA_ARGS__})
#define WB_LEN(...) sizeof((const uint8_t[]){__VA_ARGS__})
/* WB_SEC(&w, id, bytes...) */
#define WB_SEC(w, id, ...) wb_section((w), (id), WB_ARR(__VA_ARGS__), WB_LEN(__VA_ARGS__))
#define WB_RAW(w, ...) wb_bytes((w), WB_ARR(__VA_ARGS__), WB_LEN(__VA_ARGS__))

/*
** A module with one type "(func (param ...) (result ...))" given as raw
** type-section bytes, one function of type 0 with the given body (locals
** declaration included), and optional extra sections placed before the code
** section by the caller. Most validator tests use wb_func_module.
*/
static inline void wb_code1(wb *w, const uint8_t *body, size_t n) {
    static uint8_t tmp[1 << 17]; /* not thread-safe: tests are single-threaded here */
    size_t k = 0;
    tmp[k++] = 1; /* one function */
    /* entry size */
    uint32_t v = (uint32_t)n;
    do {
        uint8_t byte = v & 0x7F;
        v >>= 7;
        tmp[k++] = v ? (byte | 0x80) : byte;
    } while (v);
    memcpy(tmp + k, body, n);
    k += n;
    wb_section(w, 10, tmp, k);
}

#endif

/*
** text_helpers.h -- shared helpers for the engine/text tests.
*/
#ifndef TEXT_HELPERS_H
#define TEXT_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/kb_buf.h"
#include "base/kb_error.h"
#include "text/ktext.h"

/* Converts 'wat'; on error returns NULL and stores the message in errbuf. */
static inline kb_buf *th_convert(const char *wat, char *errbuf, size_t errsize) {
    static kb_buf out;
    memset(&out, 0, sizeof out);
    kb_error *e = ktext_wat_to_wasm(wat, strlen(wat), &out);
    if (e) {
        if (errbuf) snprintf(errbuf, errsize, "%s", e->message);
        kb_error_free(e);
        return NULL;
    }
    return &out;
}

/* Drops custom sections (the name section) from a binary, in place. */
static inline void th_strip_custom(kb_buf *b) {
    size_t r = 8, w = 8;
    while (r < b->len) {
        uint8_t id = b->data[r];
        size_t p = r + 1;
        uint64_t n = 0;
        unsigned sh = 0;
        while (p < b->len) {
            uint8_t x = b->data[p++];
            n |= (uint64_t)(x & 0x7F) << sh;
            sh += 7;
            if (!(x & 0x80)) break;
        }
        size_t end = p + (size_t)n;
        if (end > b->len) end = b->len;
        if (id != 0) {
            memmove(b->data + w, b->data + r, end - r);
            w += end - r;
        }
        r = end;
    }
    b->len = w;
}

/* Hex string of the bytes after the 8-byte header, sections separated by nothing. */
static inline char *th_hex(const kb_buf *b) {
    static char hex[8192];
    size_t k = 0;
    for (size_t i = 8; i < b->len && k + 3 < sizeof hex; i++) k += (size_t)snprintf(hex + k, 4, "%02x", b->data[i]);
    hex[k] = 0;
    return hex;
}

/* Copies 'in' without spaces (expected strings may be spaced for reading). */
static inline const char *th_nospace(const char *in) {
    static char buf[8192];
    size_t k = 0;
    for (; *in && k + 1 < sizeof buf; in++)
        if (*in != ' ') buf[k++] = *in;
    buf[k] = 0;
    return buf;
}

/* Hex of the first function body's expression (after its locals), or "" . */
static inline const char *th_code_hex(const kb_buf *b) {
    static char hex[8192];
    hex[0] = 0;
    size_t r = 8;
    while (r < b->len) {
        uint8_t id = b->data[r++];
        uint64_t n = 0;
        unsigned sh = 0;
        while (r < b->len) {
            uint8_t x = b->data[r++];
            n |= (uint64_t)(x & 0x7F) << sh;
            sh += 7;
            if (!(x & 0x80)) break;
        }
        if (id == 10) {
            size_t p = r + 1; /* skip count (assumed < 128) */
            uint64_t size = 0;
            sh = 0;
            for (;;) {
                uint8_t x = b->data[p++];
                size |= (uint64_t)(x & 0x7F) << sh;
                sh += 7;
                if (!(x & 0x80)) break;
            }
            size_t end = p + (size_t)size;
            uint8_t groups = b->data[p++]; /* assumed < 128 */
            for (uint8_t g = 0; g < groups; g++) {
                while (b->data[p] & 0x80) p++;
                p++;
                p++; /* a one-byte type */
            }
            size_t k = 0;
            for (; p < end && k + 3 < sizeof hex; p++) k += (size_t)snprintf(hex + k, 4, "%02x", b->data[p]);
            hex[k] = 0;
            return hex;
        }
        r += (size_t)n;
    }
    return hex;
}

/* Asserts the first function's code bytes (hex, spaces ignored). */
#define TH_EXPECT_CODE(wat, hexstr) TH_EXPECT_RENDERED(th_code_hex, wat, hexstr)

/* Asserts what 'render' (th_code_hex, th_hex) makes of the converted 'wat'. */
#define TH_EXPECT_RENDERED(render, wat, hexstr)                                             \
    do {                                                                                     \
        char th_err_[512] = "";                                                              \
        kb_buf *th_b_ = th_convert((wat), th_err_, sizeof th_err_);                          \
        if (th_b_ == NULL) fail_msg("%s: unexpected error: %s", (wat), th_err_);             \
        const char *th_h_ = render(th_b_);                                                   \
        const char *th_x_ = th_nospace(hexstr);                                              \
        if (strcmp(th_h_, th_x_) != 0) {                                                     \
            kb_buf_free(th_b_);                                                              \
            fail_msg("%s\n  got      %s\n  expected %s", (wat), th_h_, th_x_);               \
        }                                                                                    \
        kb_buf_free(th_b_);                                                                  \
    } while (0)

/* The hex of 'b' without its custom sections. */
static inline char *th_hex_no_custom(kb_buf *b) {
    th_strip_custom(b);
    return th_hex(b);
}

/*
** Asserts that 'wat' converts to a module whose non-custom sections are
** exactly 'hex' (lowercase; spaces are ignored).
*/
#define TH_EXPECT_HEX(wat, hexstr) TH_EXPECT_RENDERED(th_hex_no_custom, wat, hexstr)

/* Asserts that 'wat' is rejected with a message containing 'needle'. */
#define TH_EXPECT_ERR(wat, needle)                                                          \
    do {                                                                                     \
        char th_err_[512] = "";                                                              \
        kb_buf *th_b_ = th_convert((wat), th_err_, sizeof th_err_);                          \
        if (th_b_ != NULL) {                                                                 \
            kb_buf_free(th_b_);                                                              \
            fail_msg("%s: accepted, expected error '%s'", (wat), (needle));                  \
        }                                                                                    \
        if (strstr(th_err_, (needle)) == NULL)                                               \
            fail_msg("%s: error '%s' lacks '%s'", (wat), th_err_, (needle));                 \
    } while (0)

/* Asserts that two texts convert to the same binary (custom sections ignored). */
#define TH_EXPECT_SAME(a, b)                                                                \
    do {                                                                                     \
        char th_err_[512] = "";                                                              \
        kb_buf *th_p_ = th_convert((a), th_err_, sizeof th_err_);                            \
        if (th_p_ == NULL) fail_msg("%s: unexpected error: %s", (a), th_err_);               \
        kb_buf th_a_ = *th_p_;                                                               \
        kb_buf *th_q_ = th_convert((b), th_err_, sizeof th_err_);                            \
        if (th_q_ == NULL) {                                                                 \
            kb_buf_free(&th_a_);                                                             \
            fail_msg("%s: unexpected error: %s", (b), th_err_);                              \
        }                                                                                    \
        th_strip_custom(&th_a_);                                                             \
        th_strip_custom(th_q_);                                                              \
        bool th_same_ = th_a_.len == th_q_->len && memcmp(th_a_.data, th_q_->data, th_a_.len) == 0; \
        char th_ha_[8192];                                                                   \
        snprintf(th_ha_, sizeof th_ha_, "%s", th_hex(&th_a_));                               \
        if (!th_same_) fail_msg("%s\n  vs %s\n  %s\n  %s", (a), (b), th_ha_, th_hex(th_q_)); \
        kb_buf_free(&th_a_);                                                                 \
        kb_buf_free(th_q_);                                                                  \
    } while (0)

#endif

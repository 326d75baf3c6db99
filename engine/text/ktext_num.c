/*
** ktext_num.c -- numeric literals (core spec 6.3.2 "Integers" and 6.3.3
** "Floating-Point").
**
** Integers: decimal or 0x-hex digits with single '_' between digits, an
** optional sign for sN/iN. Floats: decimal and hexadecimal forms with
** optional fraction and exponent, 'inf', 'nan' and 'nan:0x...'. Decimal and
** hexadecimal floats are converted with strtof/strtod after removing the
** underscores; both are correctly rounded (round to nearest, ties to even)
** in the C library. A finite literal that rounds to infinity is out of range.
*/
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/kb_alloc.h"
#include "text/ktext_int.h"

static int digit_val(char c, bool hex) {
    if (c >= '0' && c <= '9') return c - '0';
    if (hex && c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (hex && c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/*
** Scans digits with '_' separators (spec: num / hexnum) at s[*i..n); returns
** the number of digits, 0 if the syntax is wrong (leading, trailing or
** doubled '_').
*/
static size_t scan_digits(const char *s, size_t n, size_t *i, bool hex) {
    size_t digits = 0;
    bool last_us = false;
    while (*i < n) {
        char c = s[*i];
        if (c == '_') {
            if (digits == 0 || last_us) return 0;
            last_us = true;
        } else if (digit_val(c, hex) >= 0) {
            digits++;
            last_us = false;
        } else {
            break;
        }
        (*i)++;
    }
    if (last_us) return 0;
    return digits;
}

/* Magnitude of an unsigned integer literal (no sign). */
static ktext_num_status parse_mag(const char *s, size_t n, uint64_t *out) {
    bool hex = n > 2 && s[0] == '0' && s[1] == 'x';
    size_t i = hex ? 2 : 0;
    size_t start = i;
    if (scan_digits(s, n, &i, hex) == 0 || i != n) return KTEXT_NUM_SYNTAX;
    uint64_t v = 0;
    bool over = false;
    unsigned base = hex ? 16 : 10;
    for (size_t k = start; k < n; k++) {
        if (s[k] == '_') continue;
        uint64_t d = (uint64_t)digit_val(s[k], hex);
        if (v > (UINT64_MAX - d) / base) over = true;
        else v = v * base + d;
    }
    if (over) return KTEXT_NUM_RANGE;
    *out = v;
    return KTEXT_NUM_OK;
}

ktext_num_status ktext_num_u(const char *s, size_t n, unsigned bits, uint64_t *out) {
    uint64_t v;
    ktext_num_status st = parse_mag(s, n, &v);
    if (st != KTEXT_NUM_OK) return st;
    if (bits < 64 && v >> bits) return KTEXT_NUM_RANGE;
    *out = v;
    return KTEXT_NUM_OK;
}

ktext_num_status ktext_num_i(const char *s, size_t n, unsigned bits, uint64_t *out) {
    if (n == 0) return KTEXT_NUM_SYNTAX;
    if (s[0] != '+' && s[0] != '-') return ktext_num_u(s, n, bits, out);
    bool neg = s[0] == '-';
    uint64_t v;
    ktext_num_status st = parse_mag(s + 1, n - 1, &v);
    if (st != KTEXT_NUM_OK) return st;
    uint64_t lim = (uint64_t)1 << (bits - 1); /* 2^(N-1) */
    if (neg ? v > lim : v >= lim) return KTEXT_NUM_RANGE;
    uint64_t r = neg ? (uint64_t)0 - v : v;
    if (bits < 64) r &= ((uint64_t)1 << bits) - 1;
    *out = r;
    return KTEXT_NUM_OK;
}

/*
** Checks float syntax (without sign) and writes a cleaned copy (no '_') for
** strtod into buf. Returns false on bad syntax.
*/
static bool float_syntax(const char *s, size_t n, char *buf, size_t bufsize) {
    bool hex = n > 2 && s[0] == '0' && s[1] == 'x';
    size_t i = hex ? 2 : 0;
    if (scan_digits(s, n, &i, hex) == 0) return false;
    if (i < n && s[i] == '.') {
        i++;
        if (i < n && digit_val(s[i], hex) >= 0 && scan_digits(s, n, &i, hex) == 0) return false;
    }
    if (i < n && (hex ? (s[i] == 'p' || s[i] == 'P') : (s[i] == 'e' || s[i] == 'E'))) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        if (scan_digits(s, n, &i, false) == 0) return false;
    }
    if (i != n) return false;
    size_t k = 0;
    for (size_t j = 0; j < n; j++) {
        if (s[j] == '_') continue;
        if (k + 1 >= bufsize) return false;
        buf[k++] = s[j];
    }
    buf[k] = 0;
    return true;
}

typedef struct fparts {
    bool neg;
    int kind;          /* 0 number, 1 inf, 2 nan canonical, 3 nan with payload */
    uint64_t payload;
    const char *body;
    size_t body_len;
} fparts;

static ktext_num_status float_prefix(const char *s, size_t n, fparts *f) {
    memset(f, 0, sizeof *f);
    if (n > 0 && (s[0] == '+' || s[0] == '-')) {
        f->neg = s[0] == '-';
        s++;
        n--;
    }
    f->body = s;
    f->body_len = n;
    if (n == 3 && memcmp(s, "inf", 3) == 0) {
        f->kind = 1;
        return KTEXT_NUM_OK;
    }
    if (n == 3 && memcmp(s, "nan", 3) == 0) {
        f->kind = 2;
        return KTEXT_NUM_OK;
    }
    if (n > 6 && memcmp(s, "nan:0x", 6) == 0) {
        size_t i = 6;
        if (scan_digits(s, n, &i, true) == 0 || i != n) return KTEXT_NUM_SYNTAX;
        ktext_num_status st = parse_mag(s + 4, n - 4, &f->payload);
        if (st != KTEXT_NUM_OK) return KTEXT_NUM_RANGE;
        f->kind = 3;
        return KTEXT_NUM_OK;
    }
    if (n == 0 || digit_val(s[0], false) < 0) return KTEXT_NUM_SYNTAX;
    return KTEXT_NUM_OK;
}

/*
** Checks a finite literal's syntax (underscores, hex digits, exponent) and
** converts it with strtof or strtod, which round to nearest as spec 6.3.2
** requires. Writes *f32 when !is64, else *f64.
*/
static ktext_num_status convert_finite(const fparts *f, bool is64, float *f32, double *f64) {
    char stackbuf[128];
    char *buf = stackbuf;
    size_t need = f->body_len + 1;
    if (need > sizeof stackbuf) {
        buf = kb_malloc(need);
        if (buf == NULL) return KTEXT_NUM_RANGE;
    }
    ktext_num_status st = KTEXT_NUM_SYNTAX;
    if (float_syntax(f->body, f->body_len, buf, need)) {
        errno = 0;
        if (is64)
            *f64 = strtod(buf, NULL);
        else
            *f32 = strtof(buf, NULL);
        st = KTEXT_NUM_OK;
    }
    if (buf != stackbuf) kb_free(buf);
    return st;
}

ktext_num_status ktext_num_f32(const char *s, size_t n, uint32_t *out) {
    fparts f;
    ktext_num_status st = float_prefix(s, n, &f);
    if (st != KTEXT_NUM_OK) return st;
    uint32_t sign = f.neg ? 0x80000000u : 0;
    switch (f.kind) {
    case 1: *out = sign | 0x7F800000u; return KTEXT_NUM_OK;
    case 2: *out = sign | 0x7FC00000u; return KTEXT_NUM_OK;
    case 3:
        if (f.payload == 0 || f.payload >= (1u << 23)) return KTEXT_NUM_RANGE;
        *out = sign | 0x7F800000u | (uint32_t)f.payload;
        return KTEXT_NUM_OK;
    default: break;
    }
    float v;
    if ((st = convert_finite(&f, false, &v, NULL)) != KTEXT_NUM_OK) return st;
    if (isinf(v)) return KTEXT_NUM_RANGE;
    uint32_t bits;
    memcpy(&bits, &v, 4);
    *out = (bits & 0x7FFFFFFFu) | sign;
    return KTEXT_NUM_OK;
}

ktext_num_status ktext_num_f64(const char *s, size_t n, uint64_t *out) {
    fparts f;
    ktext_num_status st = float_prefix(s, n, &f);
    if (st != KTEXT_NUM_OK) return st;
    uint64_t sign = f.neg ? 0x8000000000000000ull : 0;
    switch (f.kind) {
    case 1: *out = sign | 0x7FF0000000000000ull; return KTEXT_NUM_OK;
    case 2: *out = sign | 0x7FF8000000000000ull; return KTEXT_NUM_OK;
    case 3:
        if (f.payload == 0 || f.payload >= (1ull << 52)) return KTEXT_NUM_RANGE;
        *out = sign | 0x7FF0000000000000ull | f.payload;
        return KTEXT_NUM_OK;
    default: break;
    }
    double v;
    if ((st = convert_finite(&f, true, NULL, &v)) != KTEXT_NUM_OK) return st;
    if (isinf(v)) return KTEXT_NUM_RANGE;
    uint64_t bits;
    memcpy(&bits, &v, 8);
    *out = (bits & 0x7FFFFFFFFFFFFFFFull) | sign;
    return KTEXT_NUM_OK;
}

/* ------------------------------------------------- token-level helpers */

bool ktext_at_num(const ktext_p *p) {
    const ktext_tok *t = ktext_peek(p);
    if (t->kind != KTEXT_T_ATOM) return false;
    char c = p->src[t->off];
    if (c == '+' || c == '-') c = t->len > 1 ? p->src[t->off + 1] : 0;
    return c >= '0' && c <= '9';
}

static bool num_result(ktext_p *p, const ktext_tok *t, ktext_num_status st, const char *what) {
    if (st == KTEXT_NUM_OK) {
        p->i++;
        return true;
    }
    if (t->kind != KTEXT_T_ATOM) return ktext_unexpected(p);
    if (st == KTEXT_NUM_RANGE) return ktext_fail(p, t, "%s constant out of range", what);
    return ktext_fail(p, t, "unknown operator '%.*s' (expected %s)",
                      (int)(t->len > 40 ? 40 : t->len), p->src + t->off, what);
}

#define TOKSTR(p, t) ((p)->src + (t)->off), (t)->len

bool ktext_parse_u32(ktext_p *p, uint32_t *out) {
    const ktext_tok *t = ktext_peek(p);
    uint64_t v = 0;
    ktext_num_status st = t->kind == KTEXT_T_ATOM ? ktext_num_u(TOKSTR(p, t), 32, &v) : KTEXT_NUM_SYNTAX;
    *out = (uint32_t)v;
    return num_result(p, t, st, "u32");
}

bool ktext_parse_u64(ktext_p *p, uint64_t *out) {
    const ktext_tok *t = ktext_peek(p);
    uint64_t v = 0;
    ktext_num_status st = t->kind == KTEXT_T_ATOM ? ktext_num_u(TOKSTR(p, t), 64, &v) : KTEXT_NUM_SYNTAX;
    *out = v;
    return num_result(p, t, st, "u64");
}

bool ktext_parse_i32(ktext_p *p, uint32_t *out) {
    const ktext_tok *t = ktext_peek(p);
    uint64_t v = 0;
    ktext_num_status st = t->kind == KTEXT_T_ATOM ? ktext_num_i(TOKSTR(p, t), 32, &v) : KTEXT_NUM_SYNTAX;
    *out = (uint32_t)v;
    return num_result(p, t, st, "i32");
}

bool ktext_parse_i64(ktext_p *p, uint64_t *out) {
    const ktext_tok *t = ktext_peek(p);
    uint64_t v = 0;
    ktext_num_status st = t->kind == KTEXT_T_ATOM ? ktext_num_i(TOKSTR(p, t), 64, &v) : KTEXT_NUM_SYNTAX;
    *out = v;
    return num_result(p, t, st, "i64");
}

bool ktext_parse_f32(ktext_p *p, uint32_t *out) {
    const ktext_tok *t = ktext_peek(p);
    uint32_t v = 0;
    ktext_num_status st = t->kind == KTEXT_T_ATOM ? ktext_num_f32(TOKSTR(p, t), &v) : KTEXT_NUM_SYNTAX;
    *out = v;
    return num_result(p, t, st, "f32");
}

bool ktext_parse_f64(ktext_p *p, uint64_t *out) {
    const ktext_tok *t = ktext_peek(p);
    uint64_t v = 0;
    ktext_num_status st = t->kind == KTEXT_T_ATOM ? ktext_num_f64(TOKSTR(p, t), &v) : KTEXT_NUM_SYNTAX;
    *out = v;
    return num_result(p, t, st, "f64");
}

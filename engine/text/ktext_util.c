/*
** ktext_util.c -- parser plumbing shared by the text parsers: error
** reporting with line:column, token tests, strings and names, and the
** identifier maps used for every index space (spec 6.4.x "identifier context").
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/kb_alloc.h"
#include "base/kb_utf8.h"
#include "text/ktext_int.h"

/* ------------------------------------------------------------ errors */

static bool fail_v(ktext_p *p, const ktext_tok *at, uint32_t kind, const char *fmt, va_list ap) {
    if (p->err != NULL) return false;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (at == NULL) at = ktext_peek(p);
    p->err = kb_error_new(kind, "%u:%u: %s", at->line, at->col, msg);
    return false;
}

bool ktext_fail(ktext_p *p, const ktext_tok *at, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    bool r = fail_v(p, at, KB_ERR_MALFORMED, fmt, ap);
    va_end(ap);
    return r;
}

bool ktext_fail_kind(ktext_p *p, const ktext_tok *at, uint32_t kind, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    bool r = fail_v(p, at, kind, fmt, ap);
    va_end(ap);
    return r;
}

void ktext_p_init(ktext_p *p, const char *src, size_t len, ktext_lexed *lx) {
    memset(p, 0, sizeof *p);
    p->src = src;
    p->len = len;
    p->t = lx->toks;
    p->n = lx->count;
    p->an = lx->annots;
    p->nan = lx->nannots;
    p->at = lx->atoks;
}

bool ktext_oom(ktext_p *p) {
    if (p->err == NULL) p->err = kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
    return false;
}

void ktext_p_free_arena(ktext_p *p) {
    for (size_t i = 0; i < p->arena.len; i++) kb_free(p->arena.items[i]);
    kb_vec_free(&p->arena);
}

/* ------------------------------------------------------------ tokens */

bool ktext_tok_is(const ktext_p *p, const ktext_tok *t, const char *kw) {
    size_t n = strlen(kw);
    return t->kind == KTEXT_T_ATOM && t->len == n && memcmp(p->src + t->off, kw, n) == 0;
}

bool ktext_at_sexpr(const ktext_p *p, const char *kw) {
    return ktext_peek(p)->kind == KTEXT_T_LPAR && ktext_tok_is(p, ktext_peek2(p), kw);
}

bool ktext_unexpected(ktext_p *p) {
    const ktext_tok *t = ktext_peek(p);
    if (t->kind == KTEXT_T_EOF) return ktext_fail(p, t, "unexpected end of input");
    return ktext_fail(p, t, "unexpected token '%.*s'", (int)(t->len > 40 ? 40 : t->len),
                      p->src + t->off);
}

bool ktext_expect_lpar(ktext_p *p) {
    if (ktext_peek(p)->kind != KTEXT_T_LPAR) return ktext_unexpected(p);
    p->i++;
    return true;
}

bool ktext_expect_rpar(ktext_p *p) {
    if (ktext_peek(p)->kind != KTEXT_T_RPAR) return ktext_unexpected(p);
    p->i++;
    return true;
}

bool ktext_expect_open(ktext_p *p, const char *kw) {
    if (!ktext_at_sexpr(p, kw)) return ktext_unexpected(p);
    p->i += 2;
    return true;
}

size_t ktext_match_close(const ktext_p *p, size_t open) {
    size_t depth = 0;
    size_t i = open;
    for (; i < p->n; i++) {
        uint32_t k = p->t[i].kind;
        if (k == KTEXT_T_LPAR) depth++;
        else if (k == KTEXT_T_RPAR) {
            if (--depth == 0) return i + 1;
        } else if (k == KTEXT_T_EOF) {
            return i;
        }
    }
    return p->n - 1;
}

void ktext_skip_to_close(ktext_p *p) {
    if (p->i == 0) return;
    p->i = ktext_match_close(p, p->i - 1);
}

/* ----------------------------------------------------------- strings */

static bool arena_keep(ktext_p *p, kb_buf *b, const char **s, size_t *n) {
    if (!kb_buf_byte(b, 0)) {
        kb_buf_free(b);
        return ktext_oom(p);
    }
    size_t len;
    char *data = (char *)kb_buf_take(b, &len);
    if (!kb_vec_push(&p->arena, data)) {
        kb_free(data);
        return ktext_oom(p);
    }
    *s = data;
    *n = len - 1;
    return true;
}

bool ktext_string(ktext_p *p, const ktext_tok *t, const char **s, size_t *n) {
    kb_buf b = {0};
    if (!ktext_string_decode(p->src, t, &b)) {
        kb_buf_free(&b);
        return ktext_oom(p);
    }
    return arena_keep(p, &b, s, n);
}

bool ktext_name(ktext_p *p, const char **s, size_t *n) {
    const ktext_tok *t = ktext_peek(p);
    if (t->kind != KTEXT_T_STRING) return ktext_unexpected(p);
    if (!ktext_string(p, t, s, n)) return false;
    if (!kb_utf8_valid((const uint8_t *)*s, *n)) return ktext_fail(p, t, "malformed UTF-8 encoding");
    p->i++;
    return true;
}

bool ktext_id_key(ktext_p *p, const ktext_tok *t, const char **k, size_t *n) {
    const char *s = p->src + t->off;
    if (t->len >= 2 && s[1] == '"') {
        if (!ktext_string(p, t, k, n)) return false;
        if (*n == 0) return ktext_fail(p, t, "empty identifier");
        if (!kb_utf8_valid((const uint8_t *)*k, *n)) return ktext_fail(p, t, "malformed UTF-8 encoding");
        return true;
    }
    *k = s + 1;
    *n = t->len - 1;
    return true;
}

/* -------------------------------------------------------------- maps */

static uint64_t hash_bytes(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static bool map_grow(ktext_map *m) {
    size_t cap = m->cap ? m->cap * 2 : 16;
    ktext_map_ent *e = kb_calloc(cap, sizeof *e);
    if (e == NULL) return false;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->ents[i].used) continue;
        size_t j = (size_t)hash_bytes(m->ents[i].key, m->ents[i].klen) & (cap - 1);
        while (e[j].used) j = (j + 1) & (cap - 1);
        e[j] = m->ents[i];
    }
    kb_free(m->ents);
    m->ents = e;
    m->cap = cap;
    return true;
}

int ktext_map_put(ktext_map *m, const char *key, size_t klen, uint32_t val) {
    if ((m->count + 1) * 2 > m->cap && !map_grow(m)) return -1;
    size_t j = (size_t)hash_bytes(key, klen) & (m->cap - 1);
    while (m->ents[j].used) {
        if (m->ents[j].klen == klen && memcmp(m->ents[j].key, key, klen) == 0) return 1;
        j = (j + 1) & (m->cap - 1);
    }
    m->ents[j].key = key;
    m->ents[j].klen = klen;
    m->ents[j].val = val;
    m->ents[j].used = 1;
    m->count++;
    return 0;
}

bool ktext_map_get(const ktext_map *m, const char *key, size_t klen, uint32_t *val) {
    if (m->cap == 0) return false;
    size_t j = (size_t)hash_bytes(key, klen) & (m->cap - 1);
    while (m->ents[j].used) {
        if (m->ents[j].klen == klen && memcmp(m->ents[j].key, key, klen) == 0) {
            *val = m->ents[j].val;
            return true;
        }
        j = (j + 1) & (m->cap - 1);
    }
    return false;
}

void ktext_map_clear(ktext_map *m) {
    if (m->ents) memset(m->ents, 0, m->cap * sizeof *m->ents);
    m->count = 0;
}

void ktext_map_free(ktext_map *m) {
    kb_free(m->ents);
    m->ents = NULL;
    m->cap = m->count = 0;
}

/*
** ktext_annot.c -- the annotations the text front end gives a meaning to:
**
**   (@custom "name" placement? "data"*)   custom sections (spec appendix
**                                          "Custom Sections and Annotations")
**   (@name "name")                         names of the module, functions and
**                                          tags for the name section
**   (@metadata.code.branch_hint "\00")     branch hints (branch hinting
**                                          proposal, code metadata format)
**
** The lexer keeps these three kinds aside (ktext_lexed.annots), each with the
** index of the main token it precedes. The parsers claim an annotation where
** it may stand (a module field boundary, after a function's or tag's id,
** before an 'if' or 'br_if'); ktext_annot_unclaimed then reports the rest as
** misplaced. Every other annotation is dropped by the lexer, as the
** annotations proposal says a tool may do with ones it does not know.
*/
#include <string.h>

#include "base/kb_alloc.h"
#include "base/kb_utf8.h"
#include "text/ktext_mod.h"

#define OOM(m) ktext_oom((m)->p)

/* First annotation whose 'at' is >= at (the array is sorted by 'at'). */
static size_t lower(const ktext_p *p, size_t at) {
    size_t lo = 0, hi = p->nan;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->an[mid].at < at) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Token j of annotation a, or NULL past its end. */
static const ktext_tok *atok(const ktext_p *p, const ktext_annot *a, size_t j) {
    return j < a->count ? &p->at[a->first + j] : NULL;
}

/* Where an error about token 't' of annotation 'a' is reported. */
static const ktext_tok *where(const ktext_annot *a, const ktext_tok *t) { return t ? t : &a->open; }

static bool atom_is(const ktext_p *p, const ktext_tok *t, const char *kw) {
    return t && t->kind == KTEXT_T_ATOM && strlen(kw) == t->len && memcmp(p->src + t->off, kw, t->len) == 0;
}

/* ---------------------------------------------------------------- @custom */

/*
** Section kinds a placement may name, at their position in the binary order
** that ktext_module.c's assembly follows (spec 5.5.16, tags after memories).
*/
static const char *const sec_kinds[] = {"type",  "import", "func", "table", "memory",    "tag", "global",
                                        "export", "start", "elem", "datacount", "code", "data"};
#define NSEC_KINDS (sizeof sec_kinds / sizeof sec_kinds[0])

/*
** Parses '(@custom "name" placement? "data"*)' (custom sections appendix):
**   placement ::= '(' 'before' 'first' ')' | '(' 'after' 'last' ')'
**               | '(' ('before' | 'after') seckind ')'
** The default placement is '(after last)'. Slots: 0 before first, 2k+1
** before the k-th section kind, 2k+2 after it, KTEXT_SLOTS - 1 after last. 'data' (may be NULL) receives the
** concatenated strings.
*/
static bool custom_parse(ktext_p *p, const ktext_annot *a, const char **name, size_t *nlen, unsigned *slot,
                         kb_buf *data) {
    const ktext_tok *t = atok(p, a, 0);
    if (t == NULL || t->kind != KTEXT_T_STRING)
        return ktext_fail(p, where(a, t), "@custom annotation: missing section name");
    if (!ktext_string(p, t, name, nlen)) return false;
    if (!kb_utf8_valid((const uint8_t *)*name, *nlen))
        return ktext_fail(p, t, "@custom annotation: malformed UTF-8 encoding");
    size_t j = 1;
    *slot = KTEXT_SLOTS - 1;
    t = atok(p, a, j);
    if (t && t->kind == KTEXT_T_LPAR) {
        const ktext_tok *rel = atok(p, a, j + 1);
        bool before = atom_is(p, rel, "before");
        if (!before && !atom_is(p, rel, "after"))
            return ktext_fail(p, where(a, rel), "@custom annotation: malformed placement");
        const ktext_tok *k = atok(p, a, j + 2);
        if (before && atom_is(p, k, "first")) {
            *slot = 0;
        } else if (!before && atom_is(p, k, "last")) {
            *slot = KTEXT_SLOTS - 1;
        } else {
            size_t s = 0;
            while (s < NSEC_KINDS && !atom_is(p, k, sec_kinds[s])) s++;
            if (s == NSEC_KINDS) return ktext_fail(p, where(a, k), "@custom annotation: malformed section kind");
            *slot = (unsigned)(2 * s + (before ? 1 : 2));
        }
        const ktext_tok *r = atok(p, a, j + 3);
        if (r == NULL || r->kind != KTEXT_T_RPAR)
            return ktext_fail(p, where(a, r), "@custom annotation: malformed placement");
        j += 4;
    }
    for (; (t = atok(p, a, j)) != NULL; j++) {
        if (t->kind != KTEXT_T_STRING)
            return ktext_fail(p, t, "@custom annotation: unexpected token '%.*s'", (int)(t->len > 40 ? 40 : t->len),
                              p->src + t->off);
        if (data && !ktext_string_decode(p->src, t, data)) return ktext_oom(p);
    }
    return true;
}

/* ------------------------------------------------------------------ @name */

static bool name_parse(ktext_p *p, const ktext_annot *a, const char **k, size_t *n) {
    const ktext_tok *t = atok(p, a, 0);
    if (t == NULL || t->kind != KTEXT_T_STRING)
        return ktext_fail(p, where(a, t), "@name annotation: missing name string");
    if (a->count > 1) return ktext_fail(p, atok(p, a, 1), "@name annotation: unexpected token");
    if (!ktext_string(p, t, k, n)) return false;
    if (!kb_utf8_valid((const uint8_t *)*k, *n)) return ktext_fail(p, t, "@name annotation: malformed UTF-8 encoding");
    return true;
}

/* --------------------------------------------------------- branch hints */

/* The hint's value: one byte, 0 (likely not taken) or 1 (likely taken). */
static bool hint_parse(ktext_p *p, const ktext_annot *a, int *value) {
    const ktext_tok *t = atok(p, a, 0);
    if (t == NULL || t->kind != KTEXT_T_STRING || a->count > 1)
        return ktext_fail(p, where(a, t), "@metadata.code.branch_hint annotation: unexpected token");
    const char *s;
    size_t n;
    if (!ktext_string(p, t, &s, &n)) return false;
    if (n != 1 || (s[0] != 0 && s[0] != 1))
        return ktext_fail(p, t, "@metadata.code.branch_hint annotation: invalid hint value");
    *value = s[0];
    return true;
}

/* -------------------------------------------------------------- checks */

bool ktext_annot_check(ktext_mod *m, size_t start, size_t end) {
    ktext_p *p = m->p;
    for (size_t i = lower(p, start); i < p->nan && p->an[i].at <= end; i++) {
        const ktext_annot *a = &p->an[i];
        bool same_prev = i > 0 && p->an[i - 1].at == a->at && p->an[i - 1].kind == a->kind;
        const char *s;
        size_t n;
        unsigned slot;
        int v;
        switch (a->kind) {
        case KTEXT_AN_CUSTOM:
            if (!custom_parse(p, a, &s, &n, &slot, NULL)) return false;
            break;
        case KTEXT_AN_NAME:
            if (!name_parse(p, a, &s, &n)) return false;
            if (same_prev && a->at == start) return ktext_fail(p, &a->open, "@name annotation: multiple module");
            if (same_prev) return ktext_fail(p, &a->open, "@name annotation: multiple names");
            break;
        case KTEXT_AN_BRANCH_HINT:
            if (!hint_parse(p, a, &v)) return false;
            if (same_prev)
                return ktext_fail(p, &a->open, "@metadata.code.branch_hint annotation: duplicate annotation");
            break;
        default:
            break;
        }
    }
    return true;
}

bool ktext_annot_unclaimed(ktext_mod *m, size_t start, size_t end) {
    ktext_p *p = m->p;
    for (size_t i = lower(p, start); i < p->nan && p->an[i].at <= end; i++) {
        const ktext_annot *a = &p->an[i];
        if (a->used) continue;
        switch (a->kind) {
        case KTEXT_AN_CUSTOM: return ktext_fail(p, &a->open, "misplaced @custom annotation");
        case KTEXT_AN_NAME: return ktext_fail(p, &a->open, "misplaced @name annotation");
        default: return ktext_fail(p, &a->open, "@metadata.code.branch_hint annotation: not in a function");
        }
    }
    return true;
}

/* -------------------------------------------------------------- claims */

bool ktext_annot_claim_customs(ktext_mod *m, size_t at) {
    ktext_p *p = m->p;
    for (size_t i = lower(p, at); i < p->nan && p->an[i].at == at; i++) {
        ktext_annot *a = &p->an[i];
        if (a->kind != KTEXT_AN_CUSTOM || a->used) continue;
        a->used = 1;
        if (!kb_vec_push(&m->customs, i)) return OOM(m);
    }
    return true;
}

bool ktext_annot_name(ktext_mod *m, const char **k, size_t *n) {
    ktext_p *p = m->p;
    for (size_t i = lower(p, p->i); i < p->nan && p->an[i].at == p->i; i++) {
        ktext_annot *a = &p->an[i];
        if (a->kind != KTEXT_AN_NAME || a->used) continue;
        a->used = 1;
        return name_parse(p, a, k, n);
    }
    return true;
}

/* The opcode row of the instruction at token 'i': 'if' and 'br_if' by name. */
static bool hint_target(const ktext_p *p, size_t i) {
    const ktext_tok *t = &p->t[i];
    if (t->kind == KTEXT_T_LPAR && i + 1 < p->n) t = &p->t[i + 1];
    return atom_is(p, t, "if") || atom_is(p, t, "br_if");
}

int ktext_annot_hint(ktext_mod *m) {
    ktext_p *p = m->p;
    for (size_t i = lower(p, p->i); i < p->nan && p->an[i].at == p->i; i++) {
        ktext_annot *a = &p->an[i];
        if (a->kind != KTEXT_AN_BRANCH_HINT || a->used) continue;
        if (!m->in_func) return -1; /* reported as "not in a function" */
        a->used = 1;
        int v = 0;
        if (!hint_parse(p, a, &v)) return -2;
        /* The branch hinting proposal hints 'if' and 'br_if' only; the
        ** reference interpreter checks it with validation (assert_invalid_custom). */
        if (!hint_target(p, p->i)) {
            ktext_fail_kind(p, &a->open, KB_ERR_INVALID, "@metadata.code.branch_hint annotation: invalid target");
            return -2;
        }
        return v;
    }
    return -1;
}

bool ktext_hint_add(ktext_mod *m, int value, size_t off) {
    if (value < 0) return true;
    if (off > UINT32_MAX) return ktext_fail(m->p, NULL, "function too large");
    ktext_hint h = {(uint32_t)off, (uint8_t)value};
    return kb_vec_push(&m->hints, h) || OOM(m);
}

bool ktext_hint_func_done(ktext_mod *m, uint32_t funcidx, size_t base) {
    if (m->hints.len == 0) return true;
    kb_buf *b = &m->hint_sec;
    bool ok = kb_buf_uleb(b, funcidx) && kb_buf_uleb(b, m->hints.len);
    /* code metadata instance (branch hinting): offset, size 1, the hint byte */
    for (size_t i = 0; ok && i < m->hints.len; i++)
        ok = kb_buf_uleb(b, m->hints.items[i].off + base) && kb_buf_uleb(b, 1) &&
             kb_buf_byte(b, m->hints.items[i].value);
    m->hints.len = 0;
    m->hint_funcs++;
    return ok || OOM(m);
}

/* ------------------------------------------------------------- emission */

/* A custom section 'name' with 'body' (spec 5.5.3). */
static bool emit_custom(kb_buf *out, const char *name, size_t nlen, const kb_buf *body) {
    size_t nl = 0;
    uint64_t x = nlen;
    do { nl++; x >>= 7; } while (x);
    return kb_buf_byte(out, 0) && kb_buf_uleb(out, nl + nlen + body->len) && kb_buf_uleb(out, nlen) &&
           kb_buf_append(out, name, nlen) && kb_buf_append(out, body->data, body->len);
}

bool ktext_annot_emit_customs(ktext_mod *m, kb_buf *out, unsigned slot) {
    ktext_p *p = m->p;
    for (size_t i = 0; i < m->customs.len; i++) {
        const char *name = NULL;
        size_t nlen = 0;
        unsigned s = 0; /* set by custom_parse when it succeeds; gcc -O3 cannot see that */
        kb_buf data = {0};
        bool ok = custom_parse(p, &p->an[m->customs.items[i]], &name, &nlen, &s, &data);
        if (ok && s == slot) ok = emit_custom(out, name, nlen, &data) || OOM(m);
        kb_buf_free(&data);
        if (!ok) return false;
    }
    return true;
}

bool ktext_annot_has_custom(ktext_mod *m, const char *name) {
    ktext_p *p = m->p;
    for (size_t i = 0; i < m->customs.len; i++) {
        const ktext_tok *t = atok(p, &p->an[m->customs.items[i]], 0);
        const char *s;
        size_t n;
        /* already checked by ktext_annot_check: a string */
        if (ktext_string(p, t, &s, &n) && n == strlen(name) && memcmp(s, name, n) == 0) return true;
    }
    return false;
}

bool ktext_hint_emit(ktext_mod *m, kb_buf *out) {
    if (m->hint_funcs == 0) return true;
    static const char name[] = "metadata.code.branch_hint";
    kb_buf body = {0};
    bool ok = kb_buf_uleb(&body, m->hint_funcs) && kb_buf_append(&body, m->hint_sec.data, m->hint_sec.len) &&
              emit_custom(out, name, sizeof name - 1, &body);
    kb_buf_free(&body);
    return ok || OOM(m);
}

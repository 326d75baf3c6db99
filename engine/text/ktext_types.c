/*
** ktext_types.c -- types in the text format (core spec 6.4 "Types") and
** type uses (spec 6.6.x "Type uses", 6.5.2 block types), plus resolution of
** indices written as numbers or identifiers (spec 6.4.x, 6.6.x contexts).
*/
#include <string.h>

#include "base/kb_alloc.h"
#include "text/ktext_mod.h"

/* ------------------------------------------------------------ indices */

static const char *const space_names[KTEXT_SP_COUNT] = {
    "type", "function", "table", "memory", "global", "tag", "elem segment", "data segment",
};

bool ktext_at_index(const ktext_mod *m) {
    const ktext_tok *t = ktext_peek(m->p);
    if (t->kind == KTEXT_T_ID) return true;
    if (t->kind != KTEXT_T_ATOM) return false;
    char c = m->p->src[t->off];
    return c >= '0' && c <= '9';
}

bool ktext_index(ktext_mod *m, int sp, uint32_t *out) {
    ktext_p *p = m->p;
    const ktext_tok *t = ktext_peek(p);
    if (t->kind == KTEXT_T_ID) {
        const char *k;
        size_t n;
        if (!ktext_id_key(p, t, &k, &n)) return false;
        if (!ktext_map_get(&m->names[sp], k, n, out))
            return ktext_fail(p, t, "unknown %s $%.*s", space_names[sp], (int)(n > 60 ? 60 : n), k);
        p->i++;
        return true;
    }
    if (t->kind != KTEXT_T_ATOM) return ktext_unexpected(p);
    return ktext_parse_u32(p, out);
}

bool ktext_field_index(ktext_mod *m, uint32_t type, uint32_t *out) {
    ktext_p *p = m->p;
    const ktext_tok *t = ktext_peek(p);
    if (t->kind == KTEXT_T_ID) {
        const char *k;
        size_t n;
        if (!ktext_id_key(p, t, &k, &n)) return false;
        if (type >= m->types.len || !ktext_map_get(&m->types.items[type].fields, k, n, out))
            return ktext_fail(p, t, "unknown field $%.*s", (int)(n > 60 ? 60 : n), k);
        p->i++;
        return true;
    }
    return ktext_parse_u32(p, out);
}

/* -------------------------------------------------------- value types */

static const struct {
    const char *name;
    uint8_t habs;
} heap_names[] = {
    {"func", KTEXT_HT_FUNC},     {"extern", KTEXT_HT_EXTERN}, {"any", KTEXT_HT_ANY},
    {"eq", KTEXT_HT_EQ},         {"i31", KTEXT_HT_I31},       {"struct", KTEXT_HT_STRUCT},
    {"array", KTEXT_HT_ARRAY},   {"exn", KTEXT_HT_EXN},       {"noexn", KTEXT_HT_NOEXN},
    {"nofunc", KTEXT_HT_NOFUNC}, {"noextern", KTEXT_HT_NOEXTERN}, {"none", KTEXT_HT_NONE},
    {"cont", KTEXT_HT_CONT},     {"nocont", KTEXT_HT_NOCONT},
};

/* Shorthands (spec 6.4.x reftype abbreviations): all nullable. */
static const struct {
    const char *name;
    uint8_t habs;
} ref_shorthands[] = {
    {"funcref", KTEXT_HT_FUNC},     {"externref", KTEXT_HT_EXTERN},
    {"anyref", KTEXT_HT_ANY},       {"eqref", KTEXT_HT_EQ},
    {"i31ref", KTEXT_HT_I31},       {"structref", KTEXT_HT_STRUCT},
    {"arrayref", KTEXT_HT_ARRAY},   {"exnref", KTEXT_HT_EXN},
    {"nullref", KTEXT_HT_NONE},     {"nullfuncref", KTEXT_HT_NOFUNC},
    {"nullexternref", KTEXT_HT_NOEXTERN}, {"nullexnref", KTEXT_HT_NOEXN},
    {"contref", KTEXT_HT_CONT},     {"nullcontref", KTEXT_HT_NOCONT},
};

static const struct {
    const char *name;
    uint8_t code;
} num_types[] = {
    {"i32", 0x7F}, {"i64", 0x7E}, {"f32", 0x7D}, {"f64", 0x7C}, {"v128", 0x7B},
};

bool ktext_heaptype(ktext_mod *m, ktext_vt *vt) {
    ktext_p *p = m->p;
    const ktext_tok *t = ktext_peek(p);
    vt->code = KTEXT_VT_REF;
    vt->exact = 0;
    vt->habs = 0;
    vt->idx = 0;
    if (t->kind == KTEXT_T_ATOM) {
        for (size_t i = 0; i < sizeof heap_names / sizeof heap_names[0]; i++)
            if (ktext_tok_is(p, t, heap_names[i].name)) {
                vt->habs = heap_names[i].habs;
                p->i++;
                return true;
            }
        char c = p->src[t->off];
        if (!(c >= '0' && c <= '9')) return ktext_fail(p, t, "unknown type '%.*s'", (int)t->len, p->src + t->off);
    }
    if (ktext_at_sexpr(p, "exact")) {
        p->i += 2;
        vt->exact = 1;
        if (!ktext_index(m, KTEXT_SP_TYPE, &vt->idx)) return false;
        return ktext_expect_rpar(p);
    }
    if (t->kind == KTEXT_T_ID || t->kind == KTEXT_T_ATOM) return ktext_index(m, KTEXT_SP_TYPE, &vt->idx);
    return ktext_unexpected(p);
}

bool ktext_reftype(ktext_mod *m, ktext_vt *vt) {
    ktext_p *p = m->p;
    const ktext_tok *t = ktext_peek(p);
    if (t->kind == KTEXT_T_ATOM) {
        for (size_t i = 0; i < sizeof ref_shorthands / sizeof ref_shorthands[0]; i++)
            if (ktext_tok_is(p, t, ref_shorthands[i].name)) {
                vt->code = KTEXT_VT_REF;
                vt->null = 1;
                vt->exact = 0;
                vt->habs = ref_shorthands[i].habs;
                vt->idx = 0;
                p->i++;
                return true;
            }
        return ktext_fail(p, t, "unknown type '%.*s'", (int)(t->len > 40 ? 40 : t->len), p->src + t->off);
    }
    if (!ktext_at_sexpr(p, "ref")) return ktext_unexpected(p);
    p->i += 2;
    uint8_t null = 0;
    if (ktext_tok_is(p, ktext_peek(p), "null")) {
        null = 1;
        p->i++;
    }
    if (!ktext_heaptype(m, vt)) return false;
    vt->null = null;
    return ktext_expect_rpar(p);
}

bool ktext_at_valtype(const ktext_mod *m) {
    const ktext_p *p = m->p;
    const ktext_tok *t = ktext_peek(p);
    if (t->kind == KTEXT_T_ATOM) {
        for (size_t i = 0; i < sizeof num_types / sizeof num_types[0]; i++)
            if (ktext_tok_is(p, t, num_types[i].name)) return true;
        for (size_t i = 0; i < sizeof ref_shorthands / sizeof ref_shorthands[0]; i++)
            if (ktext_tok_is(p, t, ref_shorthands[i].name)) return true;
        return false;
    }
    return ktext_at_sexpr(p, "ref");
}

bool ktext_valtype(ktext_mod *m, ktext_vt *vt) {
    ktext_p *p = m->p;
    const ktext_tok *t = ktext_peek(p);
    if (t->kind == KTEXT_T_ATOM) {
        for (size_t i = 0; i < sizeof num_types / sizeof num_types[0]; i++)
            if (ktext_tok_is(p, t, num_types[i].name)) {
                memset(vt, 0, sizeof *vt);
                vt->code = num_types[i].code;
                p->i++;
                return true;
            }
    }
    return ktext_reftype(m, vt);
}

/* storagetype: valtype | i8 | i16 (spec 6.4.x packed types) */
static bool storagetype(ktext_mod *m, ktext_vt *vt) {
    ktext_p *p = m->p;
    const ktext_tok *t = ktext_peek(p);
    if (ktext_tok_is(p, t, "i8") || ktext_tok_is(p, t, "i16")) {
        memset(vt, 0, sizeof *vt);
        vt->code = ktext_tok_is(p, t, "i8") ? 0x78 : 0x77;
        p->i++;
        return true;
    }
    return ktext_valtype(m, vt);
}

bool ktext_ht_emit(kb_buf *b, const ktext_vt *vt) {
    if (vt->exact && !kb_buf_byte(b, 0x62)) return false;
    if (vt->habs) return kb_buf_byte(b, vt->habs);
    return kb_buf_sleb(b, (int64_t)vt->idx);
}

bool ktext_vt_emit(kb_buf *b, const ktext_vt *vt) {
    if (vt->code != KTEXT_VT_REF) return kb_buf_byte(b, vt->code);
    /* Nullable abstract references use the one-byte shorthand (spec 5.3.x). */
    if (vt->null && vt->habs && !vt->exact) return kb_buf_byte(b, vt->habs);
    if (!kb_buf_byte(b, vt->null ? 0x63 : 0x64)) return false;
    return ktext_ht_emit(b, vt);
}

bool ktext_vt_eq(const ktext_vt *a, const ktext_vt *b) {
    if (a->code != b->code) return false;
    if (a->code != KTEXT_VT_REF) return true;
    return a->null == b->null && a->exact == b->exact && a->habs == b->habs &&
           (a->habs != 0 || a->idx == b->idx);
}

/* ------------------------------------------------------ signatures */

typedef KB_VEC(ktext_vt) vt_vec;

/*
** Parses '(param ...)'* '(result ...)'* (spec 6.4.x functype and 6.6.x
** typeuse). Parameter identifiers go to 'names' when it is not NULL.
*/
static bool parse_sig(ktext_mod *m, vt_vec *params, vt_vec *results, ktext_param_names *names,
                      bool allow_names) {
    ktext_p *p = m->p;
    while (ktext_at_sexpr(p, "param")) {
        p->i += 2;
        if (ktext_peek(p)->kind == KTEXT_T_ID) {
            const ktext_tok *idt = ktext_peek(p);
            if (!allow_names) return ktext_unexpected(p);
            ktext_label l = {NULL, 0, NULL, 0};
            if (!ktext_id_key(p, idt, &l.key, &l.klen)) return false;
            p->i++;
            /* '(param $x (@name "n") t)': the name section shows "n" */
            if (p->nan && !ktext_annot_name(m, &l.shown, &l.slen)) return false;
            ktext_vt vt;
            if (!ktext_valtype(m, &vt)) return false;
            if (!kb_vec_push(params, vt)) return ktext_oom(p);
            if (names && !kb_vec_push(&names->names, l)) return ktext_oom(p);
        } else {
            /* '(param (@name "n") t ...)': the name is the first parameter's */
            ktext_label l = {NULL, 0, NULL, 0};
            if (names && p->nan && !ktext_annot_name(m, &l.shown, &l.slen)) return false;
            while (ktext_peek(p)->kind != KTEXT_T_RPAR) {
                ktext_vt vt;
                if (!ktext_valtype(m, &vt)) return false;
                if (!kb_vec_push(params, vt)) return ktext_oom(p);
                if (names && !kb_vec_push(&names->names, l)) return ktext_oom(p);
                l.shown = NULL;
                l.slen = 0;
            }
        }
        if (!ktext_expect_rpar(p)) return false;
    }
    while (ktext_at_sexpr(p, "result")) {
        p->i += 2;
        while (ktext_peek(p)->kind != KTEXT_T_RPAR) {
            ktext_vt vt;
            if (!ktext_valtype(m, &vt)) return false;
            if (!kb_vec_push(results, vt)) return ktext_oom(p);
        }
        if (!ktext_expect_rpar(p)) return false;
    }
    return true;
}

static bool sig_matches(const ktext_type *ty, const vt_vec *params, const vt_vec *results) {
    if (ty->kind != 0x60 || ty->nparams != params->len || ty->nresults != results->len) return false;
    for (size_t i = 0; i < params->len; i++)
        if (!ktext_vt_eq(&ty->vts[i], &params->items[i])) return false;
    for (size_t i = 0; i < results->len; i++)
        if (!ktext_vt_eq(&ty->vts[ty->nparams + i], &results->items[i])) return false;
    return true;
}

static bool emit_sig(kb_buf *b, const vt_vec *params, const vt_vec *results) {
    if (!kb_buf_uleb(b, params->len)) return false;
    for (size_t i = 0; i < params->len; i++)
        if (!ktext_vt_emit(b, &params->items[i])) return false;
    if (!kb_buf_uleb(b, results->len)) return false;
    for (size_t i = 0; i < results->len; i++)
        if (!ktext_vt_emit(b, &results->items[i])) return false;
    return true;
}

static bool fill_func_type(ktext_mod *m, ktext_type *ty, const vt_vec *params, const vt_vec *results) {
    ty->kind = 0x60;
    ty->nparams = (uint32_t)params->len;
    ty->nresults = (uint32_t)results->len;
    size_t n = params->len + results->len;
    ty->vts = kb_calloc(n ? n : 1, sizeof(ktext_vt));
    if (ty->vts == NULL) return ktext_oom(m->p);
    if (params->len) memcpy(ty->vts, params->items, params->len * sizeof(ktext_vt));
    if (results->len) memcpy(ty->vts + params->len, results->items, results->len * sizeof(ktext_vt));
    return true;
}

/*
** Finds the type an inline signature stands for (spec 6.6.x): the first
** type that is a lone final function type with that signature, else a new
** type appended after all others.
*/
static bool implicit_type(ktext_mod *m, const vt_vec *params, const vt_vec *results, uint32_t *idx) {
    for (size_t i = 0; i < m->types.len; i++) {
        const ktext_type *ty = &m->types.items[i];
        if (ty->parsed && ty->final_ && !ty->has_super && ty->group_size == 1 &&
            sig_matches(ty, params, results)) {
            *idx = (uint32_t)i;
            return true;
        }
    }
    ktext_type ty;
    memset(&ty, 0, sizeof ty);
    ty.final_ = 1;
    ty.group_size = 1;
    ty.parsed = 1;
    if (!fill_func_type(m, &ty, params, results)) return false;
    if (!kb_vec_push(&m->types, ty)) {
        kb_free(ty.vts);
        return ktext_oom(m->p);
    }
    kb_buf *b = &m->sec[KTEXT_SEC_TYPE];
    if (!kb_buf_byte(b, 0x60) || !emit_sig(b, params, results)) return ktext_oom(m->p);
    m->type_groups++;
    *idx = (uint32_t)(m->types.len - 1);
    return true;
}

static bool typeuse_impl(ktext_mod *m, uint32_t *idx, ktext_param_names *names, bool block,
                         kb_buf *blockout) {
    ktext_p *p = m->p;
    bool has_type = false;
    uint32_t x = 0;
    const ktext_tok *at = ktext_peek(p);
    if (ktext_at_sexpr(p, "type")) {
        p->i += 2;
        if (!ktext_index(m, KTEXT_SP_TYPE, &x) || !ktext_expect_rpar(p)) return false;
        has_type = true;
    }
    vt_vec params = {0}, results = {0};
    bool ok = parse_sig(m, &params, &results, names, names != NULL);
    if (!ok) goto done;
    if (has_type) {
        if (params.len || results.len) {
            if (x >= m->types.len || !sig_matches(&m->types.items[x], &params, &results)) {
                ok = ktext_fail(p, at, "inline function type does not match type %u", x);
                goto done;
            }
        } else if (names && x < m->types.len && m->types.items[x].kind == 0x60) {
            for (uint32_t i = 0; i < m->types.items[x].nparams; i++) {
                ktext_label l = {NULL, 0, NULL, 0};
                if (!kb_vec_push(&names->names, l)) {
                    ok = ktext_oom(p);
                    goto done;
                }
            }
        }
        *idx = x;
        if (block) ok = kb_buf_sleb(blockout, (int64_t)x) || ktext_oom(p);
        goto done;
    }
    if (block && params.len == 0 && results.len <= 1) {
        /* spec 6.5.2: the short forms of block types */
        if (results.len == 0) ok = kb_buf_byte(blockout, 0x40) || ktext_oom(p);
        else ok = ktext_vt_emit(blockout, &results.items[0]) || ktext_oom(p);
        goto done;
    }
    ok = implicit_type(m, &params, &results, idx);
    if (ok && block) ok = kb_buf_sleb(blockout, (int64_t)*idx) || ktext_oom(p);
done:
    kb_vec_free(&params);
    kb_vec_free(&results);
    return ok;
}

bool ktext_typeuse(ktext_mod *m, uint32_t *idx, ktext_param_names *names) {
    return typeuse_impl(m, idx, names, false, NULL);
}

bool ktext_blocktype(ktext_mod *m, kb_buf *out) {
    uint32_t idx;
    return typeuse_impl(m, &idx, NULL, true, out);
}

/* ------------------------------------------------- type definitions */

/* fieldtype: storagetype | '(' 'mut' storagetype ')' ; emits type and mutability */
static bool fieldtype(ktext_mod *m, kb_buf *b, ktext_vt *vt) {
    ktext_p *p = m->p;
    uint8_t mut = 0;
    if (ktext_at_sexpr(p, "mut")) {
        p->i += 2;
        mut = 1;
        if (!storagetype(m, vt) || !ktext_expect_rpar(p)) return false;
    } else if (!storagetype(m, vt)) {
        return false;
    }
    if (!ktext_vt_emit(b, vt) || !kb_buf_byte(b, mut)) return ktext_oom(p);
    return true;
}

/* comptype (spec 6.4.x): func, struct, array (and cont for stack switching) */
static bool comptype(ktext_mod *m, ktext_type *ty, kb_buf *b) {
    ktext_p *p = m->p;
    if (!ktext_expect_lpar(p)) return false;
    const ktext_tok *kw = ktext_peek(p);
    vt_vec vts = {0};
    bool ok = true;
    if (ktext_tok_is(p, kw, "func")) {
        p->i++;
        vt_vec results = {0};
        ok = parse_sig(m, &vts, &results, NULL, true);
        if (ok) ok = fill_func_type(m, ty, &vts, &results);
        if (ok) ok = (kb_buf_byte(b, 0x60) && emit_sig(b, &vts, &results)) || ktext_oom(p);
        kb_vec_free(&results);
    } else if (ktext_tok_is(p, kw, "struct")) {
        p->i++;
        ty->kind = 0x5F;
        kb_buf fb = {0};
        while (ok && ktext_at_sexpr(p, "field")) {
            p->i += 2;
            if (ktext_peek(p)->kind == KTEXT_T_ID) {
                const ktext_tok *idt = ktext_peek(p);
                const char *k;
                size_t n;
                ok = ktext_id_key(p, idt, &k, &n);
                if (!ok) break;
                int r = ktext_map_put(&ty->fields, k, n, (uint32_t)vts.len);
                if (r < 0) ok = ktext_oom(p);
                else if (r > 0) ok = ktext_fail(p, idt, "duplicate field $%.*s", (int)n, k);
                if (!ok) break;
                p->i++;
                ktext_vt vt;
                ok = fieldtype(m, &fb, &vt) && (kb_vec_push(&vts, vt) || ktext_oom(p));
            } else {
                while (ok && ktext_peek(p)->kind != KTEXT_T_RPAR) {
                    ktext_vt vt;
                    ok = fieldtype(m, &fb, &vt) && (kb_vec_push(&vts, vt) || ktext_oom(p));
                }
            }
            if (ok) ok = ktext_expect_rpar(p);
        }
        if (ok) {
            ok = (kb_buf_byte(b, 0x5F) && kb_buf_uleb(b, vts.len) && kb_buf_append(b, fb.data, fb.len)) ||
                 ktext_oom(p);
        }
        kb_buf_free(&fb);
        ty->nfields = (uint32_t)vts.len;
    } else if (ktext_tok_is(p, kw, "array")) {
        p->i++;
        ty->kind = 0x5E;
        ktext_vt vt;
        ok = kb_buf_byte(b, 0x5E) || ktext_oom(p);
        if (ok && ktext_at_sexpr(p, "field")) {
            p->i += 2;
            ok = fieldtype(m, b, &vt) && ktext_expect_rpar(p);
        } else if (ok) {
            ok = fieldtype(m, b, &vt);
        }
        if (ok) ok = kb_vec_push(&vts, vt) || ktext_oom(p);
        ty->nfields = 1;
    } else if (ktext_tok_is(p, kw, "cont")) {
        p->i++;
        ty->kind = 0x5D;
        uint32_t x;
        ok = ktext_index(m, KTEXT_SP_TYPE, &x) &&
             ((kb_buf_byte(b, 0x5D) && kb_buf_sleb(b, x)) || ktext_oom(p));
    } else {
        ok = ktext_unexpected(p);
    }
    if (ok && ty->kind != 0x60 && vts.len) {
        ty->vts = vts.items;
        vts.items = NULL;
    }
    kb_vec_free(&vts);
    return ok && ktext_expect_rpar(p);
}

/*
** subtype: '(' 'sub' 'final'? typeidx* clause* comptype ')' | clause* comptype
** where clause is '(describes x)' or '(descriptor x)' (custom descriptors).
*/
static bool subtype(ktext_mod *m, ktext_type *ty, kb_buf *b) {
    ktext_p *p = m->p;
    bool sub = ktext_at_sexpr(p, "sub");
    KB_VEC(uint32_t) supers = {0};
    bool ok = true;
    ty->final_ = 1;
    if (sub) {
        p->i += 2;
        ty->final_ = 0;
        if (ktext_tok_is(p, ktext_peek(p), "final")) {
            ty->final_ = 1;
            p->i++;
        }
        while (ok && ktext_at_index(m)) {
            uint32_t x;
            ok = ktext_index(m, KTEXT_SP_TYPE, &x) && (kb_vec_push(&supers, x) || ktext_oom(p));
        }
    }
    kb_buf extra = {0};
    int clause = 0; /* 1 after describes, 2 after descriptor: in this order, once each */
    while (ok && (ktext_at_sexpr(p, "describes") || ktext_at_sexpr(p, "descriptor"))) {
        bool describes = ktext_at_sexpr(p, "describes");
        if (clause >= (describes ? 1 : 2)) {
            ok = ktext_fail(p, ktext_peek2(p), "unexpected token '%s'", describes ? "describes" : "descriptor");
            break;
        }
        clause = describes ? 1 : 2;
        p->i += 2;
        uint32_t x;
        ok = ktext_index(m, KTEXT_SP_TYPE, &x) && ktext_expect_rpar(p);
        if (ok) ok = (kb_buf_byte(&extra, describes ? 0x4C : 0x4D) && kb_buf_uleb(&extra, x)) || ktext_oom(p);
    }
    if (ok) {
        ty->has_super = supers.len > 0;
        /* 'sub final' without supertypes is the plain form (spec 5.3.x). */
        if (!ty->final_ || supers.len) {
            ok = (kb_buf_byte(b, ty->final_ ? 0x4F : 0x50) && kb_buf_uleb(b, supers.len)) || ktext_oom(p);
            for (size_t i = 0; ok && i < supers.len; i++) ok = kb_buf_uleb(b, supers.items[i]) || ktext_oom(p);
        }
        if (ok) ok = kb_buf_append(b, extra.data, extra.len) || ktext_oom(p);
        if (extra.len) ty->has_super = 1; /* never matches an implicit function type */
    }
    kb_buf_free(&extra);
    kb_vec_free(&supers);
    ok = ok && comptype(m, ty, b);
    return ok && (!sub || ktext_expect_rpar(p));
}

/* '(' 'type' id? subtype ')' ; 'idx' is the type's index from the scan */
static bool typedef_(ktext_mod *m, uint32_t idx, uint32_t group_size, kb_buf *b) {
    ktext_p *p = m->p;
    if (!ktext_expect_open(p, "type")) return false;
    if (ktext_peek(p)->kind == KTEXT_T_ID) p->i++; /* bound by the scan */
    /* a type's (@name ...) is accepted; Keel's name section has no type names yet */
    const char *nk;
    size_t nn;
    if (p->nan && !ktext_annot_name(m, &nk, &nn)) return false;
    if (idx >= m->types.len) return ktext_fail(p, NULL, "internal: type index");
    ktext_type *ty = &m->types.items[idx];
    ty->group_size = group_size;
    if (!subtype(m, ty, b)) return false;
    /* A plain 'sub' without supertypes and not final must still use 0x50. */
    ty->parsed = 1;
    return ktext_expect_rpar(p);
}

static uint32_t next_type_index(ktext_mod *m) {
    uint32_t n = 0;
    while (n < m->types.len && m->types.items[n].parsed) n++;
    return n;
}

bool ktext_typefield(ktext_mod *m) {
    ktext_p *p = m->p;
    kb_buf *b = &m->sec[KTEXT_SEC_TYPE];
    uint32_t first = next_type_index(m);
    if (ktext_at_sexpr(p, "rec")) {
        size_t save = p->i;
        p->i += 2;
        uint32_t n = 0;
        while (ktext_at_sexpr(p, "type")) {
            p->i = ktext_match_close(p, p->i);
            n++;
        }
        p->i = save + 2;
        if (n != 1 && (!kb_buf_byte(b, 0x4E) || !kb_buf_uleb(b, n))) return ktext_oom(p);
        for (uint32_t k = 0; k < n; k++)
            if (!typedef_(m, first + k, n, b)) return false;
        m->type_groups++;
        return ktext_expect_rpar(p);
    }
    m->type_groups++;
    return typedef_(m, first, 1, b);
}

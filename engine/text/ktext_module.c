/*
** ktext_module.c -- modules in the text format (core spec 6.6 "Modules"),
** encoded as a binary module (spec 5.5). See ktext_mod.h for the passes.
** Also the entry point ktext_wat_to_wasm (ktext.h).
*/
#include <string.h>

#include "base/kb_alloc.h"
#include "text/ktext.h"
#include "text/ktext_mod.h"

#define OOM(m) ktext_oom((m)->p)

static const char *const def_names[KTEXT_SP_COUNT] = {
    "type", "function", "table", "memory", "global", "tag", "elem", "data",
};

/* ======================================================== pass 1: scan */

/* Binds the optional identifier at the cursor in space 'sp' to 'idx'. */
static bool bind_id(ktext_mod *m, int sp, uint32_t idx) {
    ktext_p *p = m->p;
    const ktext_tok *t = ktext_peek(p);
    if (t->kind != KTEXT_T_ID) return true;
    const char *k;
    size_t n;
    if (!ktext_id_key(p, t, &k, &n)) return false;
    int r = ktext_map_put(&m->names[sp], k, n, idx);
    if (r < 0) return OOM(m);
    if (r > 0) {
        static const char *const dup[KTEXT_SP_COUNT] = {"type", "func", "table", "memory",
                                                        "global", "tag", "elem", "data"};
        return ktext_fail(p, t, "duplicate %s $%.*s", dup[sp], (int)(n > 60 ? 60 : n), k);
    }
    p->i++;
    return true;
}

static int field_space(const ktext_p *p, const ktext_tok *t) {
    if (ktext_tok_is(p, t, "func")) return KTEXT_SP_FUNC;
    if (ktext_tok_is(p, t, "table")) return KTEXT_SP_TABLE;
    if (ktext_tok_is(p, t, "memory")) return KTEXT_SP_MEM;
    if (ktext_tok_is(p, t, "global")) return KTEXT_SP_GLOBAL;
    if (ktext_tok_is(p, t, "tag")) return KTEXT_SP_TAG;
    return -1;
}

static bool new_type_slot(ktext_mod *m) {
    ktext_type ty;
    memset(&ty, 0, sizeof ty);
    ty.group_size = 1;
    if (!kb_vec_push(&m->types, ty)) return OOM(m);
    return bind_id(m, KTEXT_SP_TYPE, (uint32_t)(m->types.len - 1));
}

/* Skips '(export ...)' clauses. */
static void skip_exports(ktext_p *p) {
    while (ktext_at_sexpr(p, "export")) p->i = ktext_match_close(p, p->i);
}

/* Records whether a memory/table at the cursor (after id, exports, import) uses i64. */
static bool note_addr(ktext_mod *m, int sp) {
    ktext_p *p = m->p;
    uint8_t is64 = ktext_tok_is(p, ktext_peek(p), "i64") ? 1 : 0;
    if (sp == KTEXT_SP_MEM && !kb_vec_push(&m->mem64, is64)) return OOM(m);
    if (sp == KTEXT_SP_TABLE && !kb_vec_push(&m->table64, is64)) return OOM(m);
    return true;
}

static bool scan(ktext_mod *m) {
    ktext_p *p = m->p;
    int defined = -1; /* first kind of definition seen, for "import after" */
    while (ktext_peek(p)->kind == KTEXT_T_LPAR) {
        size_t open = p->i;
        size_t end = ktext_match_close(p, open);
        p->i++;
        const ktext_tok *kw = ktext_peek(p);
        int sp = field_space(p, kw);
        if (ktext_tok_is(p, kw, "type")) {
            p->i++;
            if (!new_type_slot(m)) return false;
        } else if (ktext_tok_is(p, kw, "rec")) {
            p->i++;
            while (ktext_at_sexpr(p, "type")) {
                size_t tend = ktext_match_close(p, p->i);
                p->i += 2;
                if (!new_type_slot(m)) return false;
                p->i = tend;
            }
        } else if (sp >= 0) {
            p->i++;
            uint32_t idx = m->counts[sp]++;
            if (!bind_id(m, sp, idx)) return false;
            skip_exports(p);
            bool import = ktext_at_sexpr(p, "import");
            if (import) {
                if (defined >= 0) return ktext_fail(p, ktext_peek2(p), "import after %s", def_names[defined]);
                p->i = ktext_match_close(p, p->i);
            } else if (defined < 0) {
                defined = sp;
            }
            if (sp == KTEXT_SP_MEM || sp == KTEXT_SP_TABLE) {
                if (!note_addr(m, sp)) return false;
                /* inline (elem ...) / (data ...) define a segment */
                for (size_t i = p->i; i < end; i++) {
                    if (p->t[i].kind != KTEXT_T_LPAR || i + 1 >= end) continue;
                    if (sp == KTEXT_SP_TABLE && ktext_tok_is(p, &p->t[i + 1], "elem")) m->counts[KTEXT_SP_ELEM]++;
                    if (sp == KTEXT_SP_MEM && ktext_tok_is(p, &p->t[i + 1], "data")) m->counts[KTEXT_SP_DATA]++;
                    i = ktext_match_close(p, i) - 1;
                }
            }
        } else if (ktext_tok_is(p, kw, "import")) {
            p->i++;
            /* '(' 'import' name name '(' kind id? ... ')' ')' */
            while (ktext_peek(p)->kind == KTEXT_T_STRING) p->i++;
            if (ktext_peek(p)->kind == KTEXT_T_LPAR) {
                int isp = field_space(p, ktext_peek2(p));
                if (isp >= 0) {
                    if (defined >= 0) return ktext_fail(p, kw, "import after %s", def_names[defined]);
                    p->i += 2;
                    uint32_t idx = m->counts[isp]++;
                    if (!bind_id(m, isp, idx)) return false;
                    if ((isp == KTEXT_SP_MEM || isp == KTEXT_SP_TABLE) && !note_addr(m, isp)) return false;
                }
            }
        } else if (ktext_tok_is(p, kw, "elem") || ktext_tok_is(p, kw, "data")) {
            int ssp = ktext_tok_is(p, kw, "elem") ? KTEXT_SP_ELEM : KTEXT_SP_DATA;
            p->i++;
            uint32_t idx = m->counts[ssp]++;
            if (!bind_id(m, ssp, idx)) return false;
        } else if (ktext_tok_is(p, kw, "export") || ktext_tok_is(p, kw, "start")) {
            /* nothing to bind */
        } else if (kw->kind == KTEXT_T_ATOM) {
            return ktext_fail(p, kw, "unknown operator '%.*s'", (int)(kw->len > 40 ? 40 : kw->len),
                              p->src + kw->off);
        } else {
            return ktext_unexpected(p);
        }
        p->i = end;
        if (end > 0 && p->t[end - 1].kind != KTEXT_T_RPAR) return ktext_unexpected(p);
    }
    return true;
}

/* ===================================================== pass 3: fields */

static bool emit_name(kb_buf *b, const char *s, size_t n) {
    return kb_buf_uleb(b, n) && kb_buf_append(b, s, n);
}

static bool add_export(ktext_mod *m, const char *name, size_t n, uint8_t kind, uint32_t idx) {
    kb_buf *b = &m->sec[KTEXT_SEC_EXPORT];
    if (!emit_name(b, name, n) || !kb_buf_byte(b, kind) || !kb_buf_uleb(b, idx)) return OOM(m);
    m->sec_count[KTEXT_SEC_EXPORT]++;
    return true;
}

/* '(export name)'* after a definition's identifier (spec 6.6.x abbreviations). */
static bool inline_exports(ktext_mod *m, uint8_t kind, uint32_t idx) {
    ktext_p *p = m->p;
    while (ktext_at_sexpr(p, "export")) {
        p->i += 2;
        const char *s;
        size_t n;
        if (!ktext_name(p, &s, &n) || !ktext_expect_rpar(p)) return false;
        if (!add_export(m, s, n, kind, idx)) return false;
    }
    return true;
}

/* '(import mod name)' inside a definition: emits the import header. */
static bool inline_import(ktext_mod *m, bool *is_import) {
    ktext_p *p = m->p;
    *is_import = false;
    if (!ktext_at_sexpr(p, "import")) return true;
    p->i += 2;
    const char *a, *b;
    size_t an, bn;
    if (!ktext_name(p, &a, &an) || !ktext_name(p, &b, &bn) || !ktext_expect_rpar(p)) return false;
    kb_buf *s = &m->sec[KTEXT_SEC_IMPORT];
    if (!emit_name(s, a, an) || !emit_name(s, b, bn)) return OOM(m);
    m->sec_count[KTEXT_SEC_IMPORT]++;
    *is_import = true;
    return true;
}

static bool skip_id_raw(ktext_mod *m, const char **k, size_t *n) {
    *k = NULL;
    *n = 0;
    const ktext_tok *t = ktext_peek(m->p);
    if (t->kind != KTEXT_T_ID) return true;
    if (!ktext_id_key(m->p, t, k, n)) return false;
    m->p->i++;
    return true;
}

/*
** A field's id? then its (@name ...)?, which replaces the id as the name
** (annotations proposal: the annotation stands after the binder or keyword).
*/
static bool skip_id(ktext_mod *m, const char **k, size_t *n) {
    return skip_id_raw(m, k, n) && (m->p->nan == 0 || ktext_annot_name(m, k, n));
}

/* -------------------------------------------------------- functions */

/* Binds local $k (if any) and names it 'shown' (an (@name ...)) or k. */
static bool bind_local(ktext_mod *m, const ktext_tok *at, const char *k, size_t n, const char *shown,
                       size_t slen, uint32_t idx, kb_buf *lnames, uint32_t *lcount) {
    if (k != NULL) {
        int r = ktext_map_put(&m->locals, k, n, idx);
        if (r < 0) return OOM(m);
        if (r > 0) return ktext_fail(m->p, at, "duplicate local $%.*s", (int)(n > 60 ? 60 : n), k);
    }
    if (shown == NULL) {
        shown = k;
        slen = n;
    }
    if (shown == NULL) return true;
    if (!kb_buf_uleb(lnames, idx) || !emit_name(lnames, shown, slen)) return OOM(m);
    (*lcount)++;
    return true;
}

static bool add_func_name(ktext_mod *m, uint32_t idx, const char *k, size_t n) {
    if (k == NULL) return true;
    if (!kb_buf_uleb(&m->func_names, idx) || !emit_name(&m->func_names, k, n)) return OOM(m);
    m->func_name_count++;
    return true;
}

/* func (spec 6.6.x): '(' 'func' id? export* import? typeuse local* instr* ')' */
static bool func_field(ktext_mod *m) {
    ktext_p *p = m->p;
    uint32_t idx = m->counts[KTEXT_SP_FUNC]++;
    const char *k;
    size_t n;
    bool imp;
    if (!skip_id(m, &k, &n) || !add_func_name(m, idx, k, n)) return false;
    if (!inline_exports(m, 0x00, idx) || !inline_import(m, &imp)) return false;
    ktext_param_names names = {{0}};
    uint32_t type;
    const ktext_tok *at = ktext_peek(p);
    if (imp && ktext_at_sexpr(p, "exact")) {
        /* custom descriptors: an exact function import (kind 0x20) */
        p->i += 2;
        bool ok = ktext_typeuse(m, &type, &names) && ktext_expect_rpar(p);
        kb_buf *s = &m->sec[KTEXT_SEC_IMPORT];
        ok = ok && ((kb_buf_byte(s, 0x20) && kb_buf_uleb(s, type)) || OOM(m));
        kb_vec_free(&names.names);
        return ok && ktext_expect_rpar(p);
    }
    bool ok = ktext_typeuse(m, &type, &names);
    if (ok && imp) {
        kb_buf *s = &m->sec[KTEXT_SEC_IMPORT];
        ok = (kb_buf_byte(s, 0x00) && kb_buf_uleb(s, type)) || OOM(m);
        kb_vec_free(&names.names);
        return ok && ktext_expect_rpar(p);
    }
    kb_buf lnames = {0}, locals = {0}, code = {0};
    uint32_t lcount = 0, groups = 0;
    ktext_map_clear(&m->locals);
    m->labels.len = 0;
    uint32_t nlocals = 0;
    for (size_t i = 0; ok && i < names.names.len; i++, nlocals++)
        ok = bind_local(m, at, names.names.items[i].key, names.names.items[i].klen, names.names.items[i].shown,
                        names.names.items[i].slen, nlocals, &lnames, &lcount);
    kb_vec_free(&names.names);
    /* locals: runs of equal types are compressed (spec 5.5.13) */
    ktext_vt last;
    uint32_t run = 0;
    kb_buf runs = {0};
    while (ok && ktext_at_sexpr(p, "local")) {
        p->i += 2;
        const ktext_tok *lt = ktext_peek(p);
        const char *lk = NULL;
        size_t ln = 0;
        bool named = lt->kind == KTEXT_T_ID;
        if (named) {
            ok = ktext_id_key(p, lt, &lk, &ln);
            p->i++;
        }
        /* '(local $x? (@name "n") t ...)': the name is the first local's */
        const char *shown = NULL;
        size_t slen = 0;
        if (ok && p->nan) ok = ktext_annot_name(m, &shown, &slen);
        while (ok && ktext_peek(p)->kind != KTEXT_T_RPAR) {
            ktext_vt vt;
            ok = ktext_valtype(m, &vt);
            if (!ok) break;
            if (run > 0 && ktext_vt_eq(&vt, &last)) {
                run++;
            } else {
                if (run > 0) {
                    ok = (kb_buf_uleb(&locals, run) && ktext_vt_emit(&locals, &last)) || OOM(m);
                    groups++;
                }
                last = vt;
                run = 1;
            }
            if (ok && (named || shown)) ok = bind_local(m, lt, lk, ln, shown, slen, nlocals, &lnames, &lcount);
            shown = NULL;
            nlocals++;
            if (named) break;
        }
        if (ok) ok = ktext_expect_rpar(p);
    }
    if (ok && run > 0) {
        ok = (kb_buf_uleb(&locals, run) && ktext_vt_emit(&locals, &last)) || OOM(m);
        groups++;
    }
    kb_buf_free(&runs);
    m->nlocals = nlocals;
    /* branch hints are allowed in the body only (branch hinting proposal) */
    m->hints.len = 0;
    m->hint_next = -1;
    m->in_func = true;
    if (ok) ok = ktext_expr(m, &code);
    m->in_func = false;
    if (ok) ok = ktext_expect_rpar(p);
    if (ok) {
        kb_buf *fs = &m->sec[KTEXT_SEC_FUNC];
        kb_buf *cs = &m->sec[KTEXT_SEC_CODE];
        size_t gl = 0;
        {
            uint64_t g = groups;
            do { gl++; g >>= 7; } while (g);
        }
        ok = (kb_buf_uleb(fs, type) && kb_buf_uleb(cs, gl + locals.len + code.len) && kb_buf_uleb(cs, groups) &&
              kb_buf_append(cs, locals.data, locals.len) && kb_buf_append(cs, code.data, code.len)) || OOM(m);
        m->sec_count[KTEXT_SEC_FUNC]++;
        m->sec_count[KTEXT_SEC_CODE]++;
        /* hint offsets count from the body's start: its locals first */
        if (ok) ok = ktext_hint_func_done(m, idx, gl + locals.len);
    }
    if (ok && lcount > 0) {
        ok = (kb_buf_uleb(&m->local_names, idx) && kb_buf_uleb(&m->local_names, lcount) &&
              kb_buf_append(&m->local_names, lnames.data, lnames.len)) || OOM(m);
        m->local_name_funcs++;
    }
    kb_buf_free(&lnames);
    kb_buf_free(&locals);
    kb_buf_free(&code);
    return ok;
}

/* ----------------------------------------------------- tables, memories */

/*
** limits (spec 6.4.x): min max?. Parsed as u64 whatever the address type:
** sizes too large for the type are a validation error ("table size").
*/
static bool limits(ktext_mod *m, bool is64, uint64_t *min, uint64_t *max, bool *has_max) {
    (void)is64;
    if (!ktext_parse_u64(m->p, min)) return false;
    *has_max = ktext_at_num(m->p);
    *max = 0;
    return !*has_max || ktext_parse_u64(m->p, max);
}

/* Optional address type keyword (memory64/table64): 'i32' | 'i64'. */
static bool addrtype(ktext_mod *m) {
    ktext_p *p = m->p;
    if (ktext_tok_is(p, ktext_peek(p), "i64")) {
        p->i++;
        return true;
    }
    if (ktext_tok_is(p, ktext_peek(p), "i32")) p->i++;
    return false;
}

static bool emit_limits(ktext_mod *m, kb_buf *b, uint8_t flags, uint64_t min, uint64_t max, bool has_max) {
    if (has_max) flags |= 0x01;
    if (!kb_buf_byte(b, flags) || !kb_buf_uleb(b, min)) return OOM(m);
    if (has_max && !kb_buf_uleb(b, max)) return OOM(m);
    return true;
}

/* tabletype (spec 6.4.x): addrtype? limits reftype */
static bool table_type(ktext_mod *m, kb_buf *b) {
    bool is64 = addrtype(m);
    uint64_t min, max;
    bool has_max;
    ktext_vt rt;
    if (!limits(m, is64, &min, &max, &has_max) || !ktext_reftype(m, &rt)) return false;
    if (!ktext_vt_emit(b, &rt)) return OOM(m);
    return emit_limits(m, b, is64 ? 0x04 : 0x00, min, max, has_max);
}

/* An element list being collected (spec 6.6.x element segments). */
typedef struct elemlist {
    ktext_vt type;
    kb_buf exprs;   /* each item as an expression ending in 0x0B */
    uint32_t count;
    bool all_funcs; /* every item is 'ref.func x' */
    kb_buf funcs;   /* the same items as function indices */
} elemlist;

/*
** The 'func x*' and bare 'x*' element lists mean '(ref func) (ref.func x)*'
** in 3.0 (spec 6.6.12), so the default element type is non-nullable.
*/
static void elemlist_init(elemlist *el) {
    memset(el, 0, sizeof *el);
    el->type.code = KTEXT_VT_REF;
    el->type.null = 0;
    el->type.habs = KTEXT_HT_FUNC;
    el->all_funcs = true;
}

static void elemlist_free(elemlist *el) {
    kb_buf_free(&el->exprs);
    kb_buf_free(&el->funcs);
}

static bool elem_func(ktext_mod *m, elemlist *el) {
    uint32_t x;
    if (!ktext_index(m, KTEXT_SP_FUNC, &x)) return false;
    if (!kb_buf_byte(&el->exprs, 0xD2) || !kb_buf_uleb(&el->exprs, x) || !kb_buf_byte(&el->exprs, 0x0B) ||
        !kb_buf_uleb(&el->funcs, x))
        return OOM(m);
    el->count++;
    return true;
}

/* elemexpr: '(' 'item' expr ')' | '(' instr ')' */
static bool elem_expr(ktext_mod *m, elemlist *el) {
    ktext_p *p = m->p;
    kb_buf e = {0};
    bool ok;
    if (ktext_at_sexpr(p, "item")) {
        p->i += 2;
        ok = ktext_expr(m, &e) && ktext_expect_rpar(p);
    } else {
        ok = ktext_instr1(m, &e) && (kb_buf_byte(&e, 0x0B) || OOM(m));
    }
    if (ok) {
        /* is it exactly 'ref.func x' ? */
        bool is_func = false;
        if (e.len >= 3 && e.data[0] == 0xD2 && e.data[e.len - 1] == 0x0B) {
            size_t i = 1;
            uint64_t x = 0;
            unsigned shift = 0;
            while (i < e.len - 1 && shift < 35) {
                x |= (uint64_t)(e.data[i] & 0x7F) << shift;
                shift += 7;
                if (!(e.data[i++] & 0x80)) break;
            }
            if (i == e.len - 1) {
                is_func = true;
                ok = kb_buf_uleb(&el->funcs, x) || OOM(m);
            }
        }
        if (!is_func) el->all_funcs = false;
        if (ok) ok = kb_buf_append(&el->exprs, e.data, e.len) || OOM(m);
        el->count++;
    }
    kb_buf_free(&e);
    return ok;
}

/* elemlist: 'func' funcidx* | reftype elemexpr* | funcidx* (legacy abbreviation) */
static bool elem_list(ktext_mod *m, elemlist *el) {
    ktext_p *p = m->p;
    if (ktext_tok_is(p, ktext_peek(p), "func")) {
        p->i++;
        while (ktext_at_index(m))
            if (!elem_func(m, el)) return false;
        return true;
    }
    if (ktext_at_valtype(m)) {
        if (!ktext_reftype(m, &el->type)) return false;
        while (ktext_peek(p)->kind == KTEXT_T_LPAR)
            if (!elem_expr(m, el)) return false;
        return true;
    }
    while (ktext_at_index(m))
        if (!elem_func(m, el)) return false;
    return true;
}

static bool is_funcref(const ktext_vt *t) {
    return t->code == KTEXT_VT_REF && t->null && t->habs == KTEXT_HT_FUNC && !t->exact;
}

/* '(ref func)': the type the binary's function-index forms 0-3 imply (spec 5.5.12). */
static bool is_ref_func(const ktext_vt *t) {
    return t->code == KTEXT_VT_REF && !t->null && t->habs == KTEXT_HT_FUNC && !t->exact;
}

/*
** Emits an element segment in the shortest binary form (spec 5.5.12),
** choosing as the reference interpreter does. mode: 0 passive, 1 active,
** 2 declarative.
*/
static bool emit_elem(ktext_mod *m, int mode, uint32_t table, const kb_buf *offset, elemlist *el) {
    kb_buf *b = &m->sec[KTEXT_SEC_ELEM];
    bool ok = true;
    m->sec_count[KTEXT_SEC_ELEM]++;
    if (el->all_funcs && is_ref_func(&el->type)) {
        if (mode == 0) ok = kb_buf_byte(b, 0x01) && kb_buf_byte(b, 0x00);
        else if (mode == 2) ok = kb_buf_byte(b, 0x03) && kb_buf_byte(b, 0x00);
        else if (table == 0) ok = kb_buf_byte(b, 0x00) && kb_buf_append(b, offset->data, offset->len);
        else
            ok = kb_buf_byte(b, 0x02) && kb_buf_uleb(b, table) && kb_buf_append(b, offset->data, offset->len) &&
                 kb_buf_byte(b, 0x00);
        ok = ok && kb_buf_uleb(b, el->count) && kb_buf_append(b, el->funcs.data, el->funcs.len);
    } else {
        if (mode == 0) ok = kb_buf_byte(b, 0x05) && ktext_vt_emit(b, &el->type);
        else if (mode == 2) ok = kb_buf_byte(b, 0x07) && ktext_vt_emit(b, &el->type);
        else if (table == 0 && is_funcref(&el->type)) ok = kb_buf_byte(b, 0x04) && kb_buf_append(b, offset->data, offset->len);
        else
            ok = kb_buf_byte(b, 0x06) && kb_buf_uleb(b, table) && kb_buf_append(b, offset->data, offset->len) &&
                 ktext_vt_emit(b, &el->type);
        ok = ok && kb_buf_uleb(b, el->count) && kb_buf_append(b, el->exprs.data, el->exprs.len);
    }
    return ok || OOM(m);
}

/* A constant expression 'i32.const 0' / 'i64.const 0' for inline segments. */
static bool zero_offset(ktext_mod *m, kb_buf *b, bool is64) {
    if (!kb_buf_byte(b, is64 ? 0x42 : 0x41) || !kb_buf_byte(b, 0) || !kb_buf_byte(b, 0x0B)) return OOM(m);
    return true;
}

/* table (spec 6.6.x) with the inline import/export/elem abbreviations */
static bool table_field(ktext_mod *m) {
    ktext_p *p = m->p;
    uint32_t idx = m->counts[KTEXT_SP_TABLE]++;
    const char *k;
    size_t n;
    bool imp;
    if (!skip_id(m, &k, &n) || !inline_exports(m, 0x01, idx) || !inline_import(m, &imp)) return false;
    if (imp) {
        kb_buf *s = &m->sec[KTEXT_SEC_IMPORT];
        if (!kb_buf_byte(s, 0x01)) return OOM(m);
        return table_type(m, s) && ktext_expect_rpar(p);
    }
    kb_buf *s = &m->sec[KTEXT_SEC_TABLE];
    m->sec_count[KTEXT_SEC_TABLE]++;
    size_t save = p->i;
    bool is64 = addrtype(m);
    if (!ktext_at_num(p)) {
        /* reftype '(' 'elem' ... ')' : table sized by its inline segment */
        ktext_vt rt;
        if (!ktext_reftype(m, &rt) || !ktext_expect_open(p, "elem")) return false;
        elemlist el;
        elemlist_init(&el);
        el.type = rt;
        bool ok = true;
        if (ktext_peek(p)->kind == KTEXT_T_LPAR) {
            while (ok && ktext_peek(p)->kind == KTEXT_T_LPAR) ok = elem_expr(m, &el);
        } else {
            while (ok && ktext_at_index(m)) ok = elem_func(m, &el);
        }
        if (ok) ok = ktext_expect_rpar(p) && ktext_expect_rpar(p);
        if (ok) ok = ktext_vt_emit(s, &rt) || OOM(m);
        if (ok) ok = emit_limits(m, s, is64 ? 0x04 : 0x00, el.count, el.count, true);
        kb_buf off = {0};
        if (ok) ok = zero_offset(m, &off, is64);
        m->counts[KTEXT_SP_ELEM]++;
        if (ok) ok = emit_elem(m, 1, idx, &off, &el);
        kb_buf_free(&off);
        elemlist_free(&el);
        return ok;
    }
    p->i = save;
    kb_buf tt = {0};
    bool ok = table_type(m, &tt);
    if (ok && ktext_peek(p)->kind != KTEXT_T_RPAR) {
        /* table with an initializer expression: 0x40 0x00 tabletype expr */
        ok = (kb_buf_byte(s, 0x40) && kb_buf_byte(s, 0x00) && kb_buf_append(s, tt.data, tt.len)) || OOM(m);
        if (ok) ok = ktext_expr(m, s);
    } else if (ok) {
        ok = kb_buf_append(s, tt.data, tt.len) || OOM(m);
    }
    kb_buf_free(&tt);
    return ok && ktext_expect_rpar(p);
}

/* memtype (spec 6.4.x): addrtype? limits 'shared'? '(' 'pagesize' n ')'? */
static bool mem_type(ktext_mod *m, kb_buf *b) {
    ktext_p *p = m->p;
    bool is64 = addrtype(m);
    uint64_t min, max;
    bool has_max;
    if (!limits(m, is64, &min, &max, &has_max)) return false;
    uint8_t flags = is64 ? 0x04 : 0x00;
    int page_log = -1;
    for (;;) {
        if (ktext_tok_is(p, ktext_peek(p), "shared")) {
            flags |= 0x02;
            p->i++;
        } else if (ktext_at_sexpr(p, "pagesize")) {
            p->i += 2;
            const ktext_tok *t = ktext_peek(p);
            uint64_t ps;
            if (!ktext_parse_u64(p, &ps) || !ktext_expect_rpar(p)) return false;
            if (ps == 0 || (ps & (ps - 1)) != 0) return ktext_fail(p, t, "invalid custom page size");
            page_log = 0;
            while (((uint64_t)1 << page_log) < ps) page_log++;
            flags |= 0x08;
        } else {
            break;
        }
    }
    if (!emit_limits(m, b, flags, min, max, has_max)) return false;
    if (page_log >= 0 && !kb_buf_uleb(b, (uint64_t)page_log)) return OOM(m);
    return true;
}

/* Concatenated data strings (spec 6.6.x datastring). */
static bool data_strings(ktext_mod *m, kb_buf *b) {
    ktext_p *p = m->p;
    while (ktext_peek(p)->kind == KTEXT_T_STRING) {
        if (!ktext_string_decode(p->src, ktext_peek(p), b)) return OOM(m);
        p->i++;
    }
    return true;
}

static bool emit_data(ktext_mod *m, int mode, uint32_t mem, const kb_buf *offset, const kb_buf *bytes) {
    kb_buf *b = &m->sec[KTEXT_SEC_DATA];
    bool ok;
    m->sec_count[KTEXT_SEC_DATA]++;
    if (mode == 0) ok = kb_buf_byte(b, 0x01);
    else if (mem == 0) ok = kb_buf_byte(b, 0x00) && kb_buf_append(b, offset->data, offset->len);
    else ok = kb_buf_byte(b, 0x02) && kb_buf_uleb(b, mem) && kb_buf_append(b, offset->data, offset->len);
    ok = ok && kb_buf_uleb(b, bytes->len) && kb_buf_append(b, bytes->data, bytes->len);
    return ok || OOM(m);
}

/* memory (spec 6.6.x) with inline import/export/data abbreviations */
static bool memory_field(ktext_mod *m) {
    ktext_p *p = m->p;
    uint32_t idx = m->counts[KTEXT_SP_MEM]++;
    const char *k;
    size_t n;
    bool imp;
    if (!skip_id(m, &k, &n) || !inline_exports(m, 0x02, idx) || !inline_import(m, &imp)) return false;
    if (imp) {
        kb_buf *s = &m->sec[KTEXT_SEC_IMPORT];
        if (!kb_buf_byte(s, 0x02)) return OOM(m);
        return mem_type(m, s) && ktext_expect_rpar(p);
    }
    kb_buf *s = &m->sec[KTEXT_SEC_MEM];
    m->sec_count[KTEXT_SEC_MEM]++;
    size_t save = p->i;
    bool is64 = addrtype(m);
    if (!ktext_at_num(p)) {
        uint64_t page = 65536;
        int page_log = -1;
        if (ktext_at_sexpr(p, "pagesize")) {
            p->i += 2;
            const ktext_tok *t = ktext_peek(p);
            if (!ktext_parse_u64(p, &page) || !ktext_expect_rpar(p)) return false;
            if (page == 0 || (page & (page - 1)) != 0) return ktext_fail(p, t, "invalid custom page size");
            page_log = 0;
            while (((uint64_t)1 << page_log) < page) page_log++;
        }
        if (!ktext_expect_open(p, "data")) return false;
        kb_buf bytes = {0}, off = {0};
        bool ok = data_strings(m, &bytes) && ktext_expect_rpar(p) && ktext_expect_rpar(p);
        uint64_t pages = (bytes.len + page - 1) / page;
        if (ok) ok = emit_limits(m, s, (uint8_t)((is64 ? 0x04 : 0x00) | (page_log >= 0 ? 0x08 : 0)), pages, pages, true);
        if (ok && page_log >= 0) ok = kb_buf_uleb(s, (uint64_t)page_log) || OOM(m);
        if (ok) ok = zero_offset(m, &off, is64);
        m->counts[KTEXT_SP_DATA]++;
        if (ok) ok = emit_data(m, 1, idx, &off, &bytes);
        kb_buf_free(&bytes);
        kb_buf_free(&off);
        return ok;
    }
    p->i = save;
    return mem_type(m, s) && ktext_expect_rpar(p);
}

/* ------------------------------------------------------ globals, tags */

/* globaltype: valtype | '(' 'mut' valtype ')' */
static bool global_type(ktext_mod *m, kb_buf *b) {
    ktext_p *p = m->p;
    ktext_vt vt;
    uint8_t mut = 0;
    if (ktext_at_sexpr(p, "mut")) {
        p->i += 2;
        mut = 1;
        if (!ktext_valtype(m, &vt) || !ktext_expect_rpar(p)) return false;
    } else if (!ktext_valtype(m, &vt)) {
        return false;
    }
    if (!ktext_vt_emit(b, &vt) || !kb_buf_byte(b, mut)) return OOM(m);
    return true;
}

static bool global_field(ktext_mod *m) {
    ktext_p *p = m->p;
    uint32_t idx = m->counts[KTEXT_SP_GLOBAL]++;
    const char *k;
    size_t n;
    bool imp;
    if (!skip_id(m, &k, &n) || !inline_exports(m, 0x03, idx) || !inline_import(m, &imp)) return false;
    if (imp) {
        kb_buf *s = &m->sec[KTEXT_SEC_IMPORT];
        if (!kb_buf_byte(s, 0x03)) return OOM(m);
        return global_type(m, s) && ktext_expect_rpar(p);
    }
    kb_buf *s = &m->sec[KTEXT_SEC_GLOBAL];
    m->sec_count[KTEXT_SEC_GLOBAL]++;
    return global_type(m, s) && ktext_expr(m, s) && ktext_expect_rpar(p);
}

static bool tag_field(ktext_mod *m) {
    ktext_p *p = m->p;
    uint32_t idx = m->counts[KTEXT_SP_TAG]++;
    const char *k;
    size_t n;
    bool imp;
    if (!skip_id_raw(m, &k, &n)) return false;
    /* a tag's (@name ...) goes to the name section's tag names (subsection 11) */
    const char *an = NULL;
    size_t ann = 0;
    if (!ktext_annot_name(m, &an, &ann)) return false;
    if (an != NULL) {
        if (!kb_buf_uleb(&m->tag_names, idx) || !emit_name(&m->tag_names, an, ann)) return OOM(m);
        m->tag_name_count++;
    }
    if (!inline_exports(m, 0x04, idx) || !inline_import(m, &imp)) return false;
    uint32_t type;
    ktext_param_names names = {{0}};
    bool ok = ktext_typeuse(m, &type, &names);
    kb_vec_free(&names.names);
    if (!ok) return false;
    kb_buf *s = &m->sec[imp ? KTEXT_SEC_IMPORT : KTEXT_SEC_TAG];
    if (imp && !kb_buf_byte(s, 0x04)) return OOM(m);
    if (!kb_buf_byte(s, 0x00) || !kb_buf_uleb(s, type)) return OOM(m);
    if (!imp) m->sec_count[KTEXT_SEC_TAG]++;
    return ktext_expect_rpar(p);
}

/* --------------------------------------------- imports, exports, start */

static bool import_field(ktext_mod *m) {
    ktext_p *p = m->p;
    const char *a, *b;
    size_t an, bn;
    if (!ktext_name(p, &a, &an) || !ktext_name(p, &b, &bn)) return false;
    kb_buf *s = &m->sec[KTEXT_SEC_IMPORT];
    if (!emit_name(s, a, an) || !emit_name(s, b, bn)) return OOM(m);
    m->sec_count[KTEXT_SEC_IMPORT]++;
    if (!ktext_expect_lpar(p)) return false;
    const ktext_tok *kw = ktext_peek(p);
    int sp = field_space(p, kw);
    if (sp < 0) return ktext_unexpected(p);
    p->i++;
    uint32_t idx = m->counts[sp]++;
    const char *k;
    size_t n;
    if (!skip_id(m, &k, &n)) return false;
    bool ok;
    switch (sp) {
    case KTEXT_SP_FUNC: {
        uint32_t type;
        ktext_param_names names = {{0}};
        bool exact = ktext_at_sexpr(p, "exact");
        if (exact) p->i += 2;
        ok = add_func_name(m, idx, k, n) && ktext_typeuse(m, &type, &names);
        if (ok && exact) ok = ktext_expect_rpar(p);
        kb_vec_free(&names.names);
        ok = ok && ((kb_buf_byte(s, exact ? 0x20 : 0x00) && kb_buf_uleb(s, type)) || OOM(m));
        break;
    }
    case KTEXT_SP_TABLE:
        ok = (kb_buf_byte(s, 0x01) || OOM(m)) && table_type(m, s);
        break;
    case KTEXT_SP_MEM:
        ok = (kb_buf_byte(s, 0x02) || OOM(m)) && mem_type(m, s);
        break;
    case KTEXT_SP_GLOBAL:
        ok = (kb_buf_byte(s, 0x03) || OOM(m)) && global_type(m, s);
        break;
    default: {
        uint32_t type;
        ok = ktext_typeuse(m, &type, NULL) &&
             ((kb_buf_byte(s, 0x04) && kb_buf_byte(s, 0x00) && kb_buf_uleb(s, type)) || OOM(m));
        break;
    }
    }
    return ok && ktext_expect_rpar(p) && ktext_expect_rpar(p);
}

static bool export_field(ktext_mod *m) {
    ktext_p *p = m->p;
    const char *s;
    size_t n;
    if (!ktext_name(p, &s, &n) || !ktext_expect_lpar(p)) return false;
    int sp = field_space(p, ktext_peek(p));
    if (sp < 0) return ktext_unexpected(p);
    p->i++;
    static const uint8_t kinds[KTEXT_SP_COUNT] = {0, 0x00, 0x01, 0x02, 0x03, 0x04, 0, 0};
    uint32_t x;
    if (!ktext_index(m, sp, &x) || !ktext_expect_rpar(p)) return false;
    return add_export(m, s, n, kinds[sp], x) && ktext_expect_rpar(p);
}

static bool start_field(ktext_mod *m, const ktext_tok *at) {
    ktext_p *p = m->p;
    if (m->has_start) return ktext_fail(p, at, "multiple start sections");
    m->has_start = true;
    uint32_t x;
    if (!ktext_index(m, KTEXT_SP_FUNC, &x)) return false;
    if (!kb_buf_uleb(&m->sec[KTEXT_SEC_START], x)) return OOM(m);
    return ktext_expect_rpar(p);
}

/* ------------------------------------------------------------ segments */

/* Offset: '(' 'offset' instr* ')' | one folded instruction (abbreviation). */
static bool offset_expr(ktext_mod *m, kb_buf *b) {
    ktext_p *p = m->p;
    if (ktext_at_sexpr(p, "offset")) {
        p->i += 2;
        return ktext_expr(m, b) && ktext_expect_rpar(p);
    }
    return ktext_instr1(m, b) && (kb_buf_byte(b, 0x0B) || OOM(m));
}

static bool at_offset(const ktext_mod *m) {
    const ktext_p *p = m->p;
    if (ktext_peek(p)->kind != KTEXT_T_LPAR) return false;
    return ktext_at_sexpr(p, "offset") || ktext_is_instr_token(m, ktext_peek2(p));
}

static bool elem_field(ktext_mod *m) {
    ktext_p *p = m->p;
    const char *k;
    size_t n;
    m->counts[KTEXT_SP_ELEM]++;
    if (!skip_id(m, &k, &n)) return false;
    int mode = 0;
    uint32_t table = 0;
    kb_buf off = {0};
    bool ok = true;
    if (ktext_tok_is(p, ktext_peek(p), "declare")) {
        p->i++;
        mode = 2;
    } else {
        if (ktext_at_sexpr(p, "table")) {
            p->i += 2;
            ok = ktext_index(m, KTEXT_SP_TABLE, &table) && ktext_expect_rpar(p);
            mode = 1;
            if (ok && !at_offset(m)) ok = ktext_unexpected(p);
        } else if (ktext_at_num(p)) {
            /* legacy: '(elem' tableidx offset ...)' */
            ok = ktext_index(m, KTEXT_SP_TABLE, &table);
            if (ok && !at_offset(m)) ok = ktext_unexpected(p);
        }
        if (ok && at_offset(m)) {
            mode = 1;
            ok = offset_expr(m, &off);
        }
    }
    elemlist el;
    elemlist_init(&el);
    if (ok) ok = elem_list(m, &el) && ktext_expect_rpar(p);
    if (ok) ok = emit_elem(m, mode, table, &off, &el);
    elemlist_free(&el);
    kb_buf_free(&off);
    return ok;
}

static bool data_field(ktext_mod *m) {
    ktext_p *p = m->p;
    const char *k;
    size_t n;
    m->counts[KTEXT_SP_DATA]++;
    if (!skip_id(m, &k, &n)) return false;
    uint32_t mem = 0;
    int mode = 0;
    kb_buf off = {0}, bytes = {0};
    bool ok = true;
    if (ktext_at_sexpr(p, "memory")) {
        p->i += 2;
        ok = ktext_index(m, KTEXT_SP_MEM, &mem) && ktext_expect_rpar(p);
        if (ok && !at_offset(m)) ok = ktext_unexpected(p);
    } else if (ktext_at_num(p)) {
        /* legacy: '(data' memidx offset ...)' */
        ok = ktext_index(m, KTEXT_SP_MEM, &mem);
        if (ok && !at_offset(m)) ok = ktext_unexpected(p);
    }
    if (ok && at_offset(m)) {
        mode = 1;
        ok = offset_expr(m, &off);
    }
    if (ok) ok = data_strings(m, &bytes) && ktext_expect_rpar(p);
    if (ok) ok = emit_data(m, mode, mem, &off, &bytes);
    kb_buf_free(&off);
    kb_buf_free(&bytes);
    return ok;
}

/* ============================================================ assembly */

static bool emit_section(kb_buf *out, uint8_t id, uint32_t count, const kb_buf *body, bool with_count) {
    size_t cl = 0;
    if (with_count) {
        uint64_t c = count;
        do { cl++; c >>= 7; } while (c);
    }
    return kb_buf_byte(out, id) && kb_buf_uleb(out, cl + body->len) && (!with_count || kb_buf_uleb(out, count)) &&
           kb_buf_append(out, body->data, body->len);
}

static bool emit_names(ktext_mod *m, kb_buf *out, const char *name, size_t name_len) {
    if (m->has_mod_name) {
        name = m->mod_name;
        name_len = m->mod_name_len;
    }
    if (name == NULL && m->func_name_count == 0 && m->local_name_funcs == 0 && m->tag_name_count == 0)
        return true;
    kb_buf c = {0}, sub = {0};
    bool ok = emit_name(&c, "name", 4);
    if (ok && name) {
        ok = emit_name(&sub, name, name_len) && kb_buf_byte(&c, 0) && kb_buf_uleb(&c, sub.len) &&
             kb_buf_append(&c, sub.data, sub.len);
        sub.len = 0;
    }
    if (ok && m->func_name_count) {
        ok = emit_section(&c, 1, m->func_name_count, &m->func_names, true);
    }
    if (ok && m->local_name_funcs) {
        ok = emit_section(&c, 2, m->local_name_funcs, &m->local_names, true);
    }
    if (ok && m->tag_name_count) {
        ok = emit_section(&c, 11, m->tag_name_count, &m->tag_names, true);
    }
    if (ok) ok = kb_buf_byte(out, 0) && kb_buf_uleb(out, c.len) && kb_buf_append(out, c.data, c.len);
    kb_buf_free(&c);
    kb_buf_free(&sub);
    return ok || OOM(m);
}

static bool assemble(ktext_mod *m, kb_buf *out, uint32_t data_total, const char *name, size_t name_len) {
    static const uint8_t header[8] = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
    /* section order (spec 5.5.16): tags come after memories, datacount before code */
    static const uint8_t order[] = {KTEXT_SEC_TYPE,  KTEXT_SEC_IMPORT, KTEXT_SEC_FUNC,   KTEXT_SEC_TABLE,
                                    KTEXT_SEC_MEM,   KTEXT_SEC_TAG,    KTEXT_SEC_GLOBAL, KTEXT_SEC_EXPORT,
                                    KTEXT_SEC_START, KTEXT_SEC_ELEM,   KTEXT_SEC_DATACOUNT, KTEXT_SEC_CODE,
                                    KTEXT_SEC_DATA};
    if (!kb_buf_append(out, header, 8)) return OOM(m);
    m->sec_count[KTEXT_SEC_TYPE] = m->type_groups;
    if (m->customs.len && !ktext_annot_emit_customs(m, out, 0)) return false;
    for (size_t i = 0; i < sizeof order; i++) {
        uint8_t id = order[i];
        /* (@custom ...) sections placed before this one (custom sections appendix) */
        if (m->customs.len && !ktext_annot_emit_customs(m, out, (unsigned)(2 * i + 1))) return false;
        /* branch hints precede the code they describe (branch hinting proposal) */
        if (id == KTEXT_SEC_CODE && !ktext_hint_emit(m, out)) return false;
        bool ok = true;
        if (id == KTEXT_SEC_START) {
            if (m->has_start) ok = emit_section(out, id, 0, &m->sec[id], false);
        } else if (id == KTEXT_SEC_DATACOUNT) {
            if (m->uses_data_count) {
                kb_buf c = {0};
                ok = kb_buf_uleb(&c, data_total) && emit_section(out, id, 0, &c, false);
                kb_buf_free(&c);
            }
        } else if (m->sec_count[id] > 0) {
            ok = emit_section(out, id, m->sec_count[id], &m->sec[id], true);
        }
        if (!ok) return OOM(m);
        if (m->customs.len && !ktext_annot_emit_customs(m, out, (unsigned)(2 * i + 2))) return false;
    }
    /* an explicit (@custom "name" ...) replaces the section the identifiers give */
    if (!ktext_annot_has_custom(m, "name") && !emit_names(m, out, name, name_len)) return false;
    return m->customs.len == 0 || ktext_annot_emit_customs(m, out, KTEXT_SLOTS - 1);
}

static void mod_free(ktext_mod *m) {
    for (int i = 0; i < KTEXT_SP_COUNT; i++) ktext_map_free(&m->names[i]);
    for (size_t i = 0; i < m->types.len; i++) {
        kb_free(m->types.items[i].vts);
        ktext_map_free(&m->types.items[i].fields);
    }
    kb_vec_free(&m->types);
    kb_vec_free(&m->mem64);
    kb_vec_free(&m->table64);
    for (int i = 0; i < KTEXT_SEC_COUNT; i++) kb_buf_free(&m->sec[i]);
    ktext_map_free(&m->locals);
    kb_vec_free(&m->labels);
    kb_buf_free(&m->func_names);
    kb_buf_free(&m->local_names);
    kb_buf_free(&m->tag_names);
    kb_vec_free(&m->customs);
    kb_vec_free(&m->hints);
    kb_buf_free(&m->hint_sec);
}

static bool fields(ktext_mod *m) {
    ktext_p *p = m->p;
    /* (@custom ...) stands between module fields only (custom sections appendix) */
    while (ktext_annot_claim_customs(m, p->i) && ktext_peek(p)->kind == KTEXT_T_LPAR) {
        size_t open = p->i;
        const ktext_tok *kw = ktext_peek2(p);
        p->i += 2;
        bool ok;
        if (ktext_tok_is(p, kw, "type") || ktext_tok_is(p, kw, "rec")) {
            p->i = ktext_match_close(p, open);
            ok = true;
        } else if (ktext_tok_is(p, kw, "func")) ok = func_field(m);
        else if (ktext_tok_is(p, kw, "table")) ok = table_field(m);
        else if (ktext_tok_is(p, kw, "memory")) ok = memory_field(m);
        else if (ktext_tok_is(p, kw, "global")) ok = global_field(m);
        else if (ktext_tok_is(p, kw, "tag")) ok = tag_field(m);
        else if (ktext_tok_is(p, kw, "import")) ok = import_field(m);
        else if (ktext_tok_is(p, kw, "export")) ok = export_field(m);
        else if (ktext_tok_is(p, kw, "start")) ok = start_field(m, kw);
        else if (ktext_tok_is(p, kw, "elem")) ok = elem_field(m);
        else if (ktext_tok_is(p, kw, "data")) ok = data_field(m);
        else ok = ktext_unexpected(p);
        if (!ok) return false;
    }
    return p->err == NULL;
}

bool ktext_module_encode(ktext_p *p, const char *name, size_t name_len, kb_buf *out) {
    ktext_mod m;
    memset(&m, 0, sizeof m);
    m.p = p;
    size_t start = p->i;
    bool ok = scan(&m);
    if (ok && ktext_peek(p)->kind != KTEXT_T_RPAR && ktext_peek(p)->kind != KTEXT_T_EOF) ok = ktext_unexpected(p);
    size_t end = p->i;
    m.hint_next = -1;
    if (ok && p->nan > 0) {
        /* annotations: their own syntax first, then the module's (@name ...) */
        ok = ktext_annot_check(&m, start, end);
        p->i = start;
        m.mod_name = NULL;
        if (ok) ok = ktext_annot_name(&m, &m.mod_name, &m.mod_name_len);
        m.has_mod_name = m.mod_name != NULL;
    }
    uint32_t data_total = m.counts[KTEXT_SP_DATA];
    memset(m.counts, 0, sizeof m.counts);
    /* pass 2: explicit types */
    p->i = start;
    while (ok && ktext_peek(p)->kind == KTEXT_T_LPAR) {
        const ktext_tok *kw = ktext_peek2(p);
        if (ktext_tok_is(p, kw, "type") || ktext_tok_is(p, kw, "rec")) ok = ktext_typefield(&m);
        else p->i = ktext_match_close(p, p->i);
    }
    m.explicit_types = (uint32_t)m.types.len;
    /* pass 3: everything else */
    if (ok) {
        p->i = start;
        ok = fields(&m);
    }
    if (ok && p->nan > 0) ok = ktext_annot_unclaimed(&m, start, end);
    if (ok) {
        p->i = end;
        ok = assemble(&m, out, data_total, name, name_len);
    }
    mod_free(&m);
    return ok;
}

/* ======================================================== entry point */

kb_error *ktext_wat_to_wasm(const char *src, size_t len, kb_buf *out) {
    if (src == NULL && len > 0) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "NULL source");
    if (out == NULL) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "NULL output buffer");
    ktext_lexed lx = {0};
    kb_error *err = ktext_lex(src ? src : "", len, &lx);
    if (err) return err;
    ktext_p p;
    ktext_p_init(&p, src ? src : "", len, &lx);
    kb_buf bin = {0};
    bool ok = true;
    const char *name = NULL;
    size_t name_len = 0;
    /* '(' 'module' id? field* ')' or bare fields (spec 6.6.x abbreviation) */
    bool wrapped = ktext_at_sexpr(&p, "module");
    if (wrapped) {
        p.i += 2;
        const ktext_tok *t = ktext_peek(&p);
        if (t->kind == KTEXT_T_ID) {
            ok = ktext_id_key(&p, t, &name, &name_len);
            p.i++;
        }
    }
    if (ok) ok = ktext_module_encode(&p, name, name_len, &bin);
    if (ok && wrapped) ok = ktext_expect_rpar(&p);
    if (ok && ktext_peek(&p)->kind != KTEXT_T_EOF) ok = ktext_unexpected(&p);
    if (ok) {
        *out = bin;
    } else {
        kb_buf_free(&bin);
        err = p.err ? p.err : kb_error_new(KB_ERR_MALFORMED, "malformed module text");
    }
    ktext_p_free_arena(&p);
    ktext_lexed_free(&lx);
    return err;
}

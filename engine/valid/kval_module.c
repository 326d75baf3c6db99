/*
** kval_module.c -- module-level validation (core spec 3.0, 3.4 "Modules"):
** types, imports, functions, tables, memories, globals, tags, element and
** data segments, start function, exports, and the set of declared function
** references (C.refs) that ref.func in function bodies is checked against.
*/
#include <stdlib.h>
#include <string.h>

#include "base/kb_alloc.h"
#include "binary/kbin_reader.h"
#include "valid/kval.h"

static kb_error *invalid(const char *fmt, uint32_t x) {
    return kb_error_new(KB_ERR_INVALID, fmt, x);
}

static kb_error *check_vt(const kbin_module *m, kbin_valtype t) {
    if (t.kind == KVT_REF && !KHT_IS_ABS(t.heap) && t.heap >= m->type_count)
        return invalid("unknown type %u", t.heap);
    return NULL;
}

static kb_error *check_func_type(const kbin_module *m, uint32_t idx) {
    if (idx >= m->type_count) return invalid("unknown type %u", idx);
    if (m->types[idx].comp != KCT_FUNC) return invalid("type mismatch: type %u is not a function type", idx);
    return NULL;
}

/* Tag types (exception handling): function types with no results. */
static kb_error *check_tag_type(const kbin_module *m, uint32_t idx) {
    kb_error *err = check_func_type(m, idx);
    if (err) return err;
    if (m->types[idx].result_count != 0) return invalid("non-empty tag result type%.0u", 0);
    return NULL;
}

/* Memory limits (spec 3.0, 3.2.x "Memory types" plus memory64, threads, custom page sizes). */
static kb_error *check_memtype(const kbin_limits *l) {
    if (l->page_log2 != 16 && l->page_log2 != 0) return invalid("invalid custom page size%.0u", 0);
    /* The address space is 2^32 (or 2^64) bytes: the page count bound follows
       (memory64 bounds 64 KiB pages by 2^48, i.e. 2^64 bytes). */
    uint64_t max_pages;
    if (l->is64) max_pages = l->page_log2 == 16 ? (uint64_t)1 << 48 : UINT64_MAX;
    else max_pages = l->page_log2 == 16 ? (uint64_t)1 << 16 : UINT32_MAX; /* custom-page-sizes: 2^32-1 bytes */
    if (l->min > max_pages) {
        if (l->is64) return invalid("memory size must be at most 2^48 pages%.0u", 0);
        return invalid("memory size must be at most 65536 pages (4GiB)%.0u", 0);
    }
    if (l->has_max && l->max > max_pages) {
        if (l->is64) return invalid("memory size must be at most 2^48 pages%.0u", 0);
        return invalid("memory size must be at most 65536 pages (4GiB)%.0u", 0);
    }
    if (l->has_max && l->min > l->max) return invalid("size minimum must not be greater than maximum%.0u", 0);
    if (l->shared && !l->has_max) return invalid("shared memory must have maximum%.0u", 0);
    return NULL;
}

static kb_error *check_tabletype(const kbin_module *m, const kbin_tabletype *t) {
    kb_error *err = check_vt(m, t->elem);
    if (err) return err;
    const kbin_limits *l = &t->limits;
    if (!l->is64 && (l->min > UINT32_MAX || (l->has_max && l->max > UINT32_MAX)))
        return invalid("table size must be at most 2^32-1%.0u", 0);
    if (l->has_max && l->min > l->max) return invalid("size minimum must not be greater than maximum%.0u", 0);
    return NULL;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* ---------------------------------------------------------------- C.refs */

typedef struct refs {
    uint32_t *items;
    size_t len, cap;
} refs;

static bool refs_add(refs *r, uint32_t x) {
    if (r->len == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        uint32_t *p = kb_realloc(r->items, cap * sizeof *p);
        if (p == NULL) return false;
        r->items = p;
        r->cap = cap;
    }
    r->items[r->len++] = x;
    return true;
}

/*
** Sorts 'x[0..len)' and drops duplicates; returns the new length. Every
** index of a valid module is below 'bound' (the function count), so a bitmap
** over that space does it in linear time (a module exporting thousands of
** functions was paying a qsort on every load, cache hits included: issue 7);
** anything out of range falls back to qsort (validation reports it later).
*/
static size_t sort_unique(uint32_t *x, size_t len, uint32_t bound) {
    if (len == 0) return 0;
    uint64_t *bits = NULL;
    bool in_range = true;
    for (size_t i = 0; i < len && in_range; i++) in_range = x[i] < bound;
    if (in_range) bits = kb_calloc(((size_t)bound + 63) / 64, sizeof *bits);
    size_t n = 0;
    if (bits != NULL) {
        for (size_t i = 0; i < len; i++) bits[x[i] / 64] |= (uint64_t)1 << (x[i] % 64);
        for (size_t w = 0; w < ((size_t)bound + 63) / 64; w++)
            for (uint64_t b = bits[w]; b != 0; b &= b - 1) x[n++] = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(b));
        kb_free(bits);
        return n;
    }
    qsort(x, len, sizeof *x, cmp_u32);
    for (size_t i = 0; i < len; i++)
        if (n == 0 || x[n - 1] != x[i]) x[n++] = x[i];
    return n;
}

/* Collects the ref.func indices of a constant expression. */
static kb_error *refs_from_expr(const kbin_module *m, kbin_range e, refs *r) {
    kbin_reader rd = kbin_reader_make(m->bytes, e.offset, (size_t)e.offset + e.len);
    kbin_instr in;
    while (!kbin_reader_done(&rd)) {
        kb_error *err = kbin_read_instr(&rd, &in);
        if (err) return err;
        if (in.op == KOP_REF_FUNC && !refs_add(r, in.imm.index))
            return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
    }
    return NULL;
}

/* C.refs (spec 3.0, 3.4.x "Modules"): function indices used outside function bodies. */
static kb_error *collect_refs(kbin_module *m) {
    refs r = {NULL, 0, 0};
    kb_error *err = NULL;
    for (uint32_t i = 0; i < m->global_count && !err; i++)
        if (!m->globals[i].imported) err = refs_from_expr(m, m->globals[i].init, &r);
    for (uint32_t i = 0; i < m->table_count && !err; i++)
        if (m->tables[i].has_init) err = refs_from_expr(m, m->tables[i].init, &r);
    for (uint32_t i = 0; i < m->elem_count && !err; i++) {
        const kbin_elem *e = &m->elems[i];
        if (e->mode == KSEG_ACTIVE) err = refs_from_expr(m, e->offset, &r);
        for (uint32_t k = 0; k < e->count && !err; k++) {
            if (e->uses_exprs) err = refs_from_expr(m, e->exprs[k], &r);
            else if (!refs_add(&r, e->func_indices[k])) err = kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
        }
    }
    for (uint32_t i = 0; i < m->data_count && !err; i++)
        if (m->datas[i].mode == KSEG_ACTIVE) err = refs_from_expr(m, m->datas[i].offset, &r);
    for (uint32_t i = 0; i < m->export_count && !err; i++)
        if (m->exports[i].kind == KEXT_FUNC && !refs_add(&r, m->exports[i].index))
            err = kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
    if (err) {
        kb_free(r.items);
        return err;
    }
    size_t n = sort_unique(r.items, r.len, m->func_count);
    kb_free(m->declared_funcs);
    m->declared_funcs = r.items;
    m->declared_func_count = (uint32_t)n;
    return NULL;
}

/* ---------------------------------------------------------------- module */

static kb_error *check_exports(const kbin_module *m) {
    kb_error *err = NULL;
    for (uint32_t i = 0; i < m->export_count; i++) {
        const kbin_export *e = &m->exports[i];
        uint32_t limit = 0;
        const char *what = "";
        switch (e->kind) {
        case KEXT_FUNC: limit = m->func_count; what = "unknown function %u"; break;
        case KEXT_TABLE: limit = m->table_count; what = "unknown table %u"; break;
        case KEXT_MEMORY: limit = m->memory_count; what = "unknown memory %u"; break;
        case KEXT_GLOBAL: limit = m->global_count; what = "unknown global %u"; break;
        case KEXT_TAG: limit = m->tag_count; what = "unknown tag %u"; break;
        }
        if (e->index >= limit) return kb_error_new(KB_ERR_INVALID, what, e->index);
    }
    if (m->export_count < 2) return NULL;
    /* Distinct names (spec 3.4.x "Modules"): an open-addressing set of export
       indices keyed by an FNV-1a hash of the name, linear in the count (issue
       10: sorting 4000 names was 1% of keel_module_new). */
    size_t cap = 4;
    while (cap < (size_t)m->export_count * 2) cap *= 2;
    uint32_t *slots = kb_malloc(cap * sizeof *slots);
    if (slots == NULL) return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
    memset(slots, 0xFF, cap * sizeof *slots);
    for (uint32_t i = 0; i < m->export_count && !err; i++) {
        const kbin_export *e = &m->exports[i];
        uint32_t h = 2166136261u;
        for (uint32_t k = 0; k < e->name_len; k++) h = (h ^ (uint8_t)e->name[k]) * 16777619u;
        for (size_t at = h & (cap - 1);; at = (at + 1) & (cap - 1)) {
            if (slots[at] == UINT32_MAX) {
                slots[at] = i;
                break;
            }
            const kbin_export *o = &m->exports[slots[at]];
            if (o->name_len == e->name_len && memcmp(o->name, e->name, e->name_len) == 0) {
                err = invalid("duplicate export name%.0u", 0);
                break;
            }
        }
    }
    kb_free(slots);
    return err;
}

static kb_error *check_segments(kval_code *code, const kbin_module *m) {
    kb_error *err;
    for (uint32_t i = 0; i < m->elem_count; i++) {
        const kbin_elem *e = &m->elems[i];
        if ((err = check_vt(m, e->type)) != NULL) return err;
        if (e->mode == KSEG_ACTIVE) {
            if (e->table >= m->table_count) return invalid("unknown table %u", e->table);
            const kbin_tabletype *tt = &m->tables[e->table].type;
            kbin_valtype addr = kbin_vt(tt->limits.is64 ? KVT_I64 : KVT_I32);
            if ((err = kval_code_const(code, e->offset, addr, m->global_count)) != NULL) return err;
            if (!kval_valtype_sub(m, e->type, m, tt->elem)) return invalid("type mismatch%.0u", 0);
        }
        for (uint32_t k = 0; k < e->count; k++) {
            if (e->uses_exprs) {
                if ((err = kval_code_const(code, e->exprs[k], e->type, m->global_count)) != NULL) return err;
            } else if (e->func_indices[k] >= m->func_count) {
                return invalid("unknown function %u", e->func_indices[k]);
            }
        }
    }
    for (uint32_t i = 0; i < m->data_count; i++) {
        const kbin_data *d = &m->datas[i];
        if (d->mode != KSEG_ACTIVE) continue;
        if (d->memory >= m->memory_count) return invalid("unknown memory %u", d->memory);
        kbin_valtype addr = kbin_vt(m->memories[d->memory].limits.is64 ? KVT_I64 : KVT_I32);
        if ((err = kval_code_const(code, d->offset, addr, m->global_count)) != NULL) return err;
    }
    return NULL;
}

static kb_error *validate(kval_registry *reg, kbin_module *m, kval_code *code) {
    kb_error *err;
    if ((err = kval_canon_module(reg, m)) != NULL) return err;
    if (m->features & KBIN_FEATURE_SINGLE_MEMORY) {
        if (m->memory_count > 1) return invalid("multiple memories%.0u", 0);
        if (m->table_count > 1) return invalid("multiple tables%.0u", 0);
    }

    /* Imports: their descriptors were copied into the index spaces by the decoder. */
    for (uint32_t i = 0; i < m->import_count; i++) {
        const kbin_import *im = &m->imports[i];
        switch (im->kind) {
        case KEXT_FUNC: err = check_func_type(m, im->desc.func_type); break;
        case KEXT_TABLE: err = check_tabletype(m, &im->desc.table); break;
        case KEXT_MEMORY: err = check_memtype(&im->desc.memory); break;
        case KEXT_GLOBAL: err = check_vt(m, im->desc.global.type); break;
        case KEXT_TAG: err = check_tag_type(m, im->desc.tag_type); break;
        }
        if (err) return err;
    }
    for (uint32_t i = m->imported_funcs; i < m->func_count; i++)
        if ((err = check_func_type(m, m->funcs[i].type)) != NULL) return err;
    for (uint32_t i = m->imported_tags; i < m->tag_count; i++)
        if ((err = check_tag_type(m, m->tags[i].type)) != NULL) return err;
    for (uint32_t i = m->imported_memories; i < m->memory_count; i++)
        if ((err = check_memtype(&m->memories[i].limits)) != NULL) return err;

    /* C.refs is needed before any constant expression or body is checked. */
    if ((err = collect_refs(m)) != NULL) return err;

    /* Globals: 3.0 lets an initialiser read any earlier immutable global. */
    for (uint32_t i = m->imported_globals; i < m->global_count; i++) {
        const kbin_global *g = &m->globals[i];
        if ((err = check_vt(m, g->type.type)) != NULL) return err;
        if ((err = kval_code_const(code, g->init, g->type.type, i)) != NULL) return err;
    }
    /* Tables: a table without initialiser needs a nullable element type (3.0). */
    for (uint32_t i = m->imported_tables; i < m->table_count; i++) {
        const kbin_table *t = &m->tables[i];
        if ((err = check_tabletype(m, &t->type)) != NULL) return err;
        if (t->has_init) {
            /* Tables precede globals: only imported globals are in scope (global.wast). */
            if ((err = kval_code_const(code, t->init, t->type.elem, m->imported_globals)) != NULL) return err;
        } else if (!t->type.elem.nullable) {
            return invalid("type mismatch: table %u without initializer needs a nullable type", i);
        }
    }
    if ((err = check_segments(code, m)) != NULL) return err;

    if (m->start != KBIN_NO_INDEX) {
        if (m->start >= m->func_count) return invalid("unknown function %u", m->start);
        const kbin_type *ft = kbin_func_type(m, m->start);
        if (ft == NULL || ft->param_count != 0 || ft->result_count != 0)
            return invalid("start function %u must have type [] -> []", m->start);
    }
    return check_exports(m);
}

/* The function bodies, in order (spec 3.4.x "Functions"). */
static kb_error *validate_bodies(const kbin_module *m, kval_code *code) {
    kb_error *err;
    for (uint32_t i = m->imported_funcs; i < m->func_count; i++)
        if ((err = kval_code_func(code, i)) != NULL) return err;
    return NULL;
}

/*
** The decoder left the body scan to the validator (kbin_module.h): without
** the flag it would have run before any of this, so its error wins over
** 'err'. Sets m->validated when there is no error.
*/
static kb_error *rank_errors(kbin_module *m, kb_error *err) {
    if (err != NULL && (m->features & KBIN_FEATURE_DEFER_BODIES) && !(m->features & KBIN_FEATURE_TRUSTED_BODIES)) {
        kb_error *body_err = kbin_scan_bodies(m, m->func_count - m->imported_funcs);
        if (body_err != NULL) {
            kb_error_free(err);
            err = body_err;
        }
    }
    if (err == NULL) m->validated = true;
    return err;
}

kb_error *kval_module(kval_registry *reg, kbin_module *m) {
    if (reg == NULL || m == NULL) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "kval_module: NULL argument");
    if (m->validated) return NULL;
    kval_code *code = kval_code_new(reg, m);
    if (code == NULL) return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
    kb_error *err = validate(reg, m, code);
    if (err == NULL) err = validate_bodies(m, code);
    kval_code_free(code);
    return rank_errors(m, err);
}

kb_error *kval_module_begin(kval_registry *reg, kbin_module *m, kval_code **code) {
    *code = NULL;
    if (reg == NULL || m == NULL) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "kval_module_begin: NULL argument");
    if ((*code = kval_code_new(reg, m)) == NULL) return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
    /* A module validated before only has its bodies checked again (the
       caller wants their instructions); its types are registered already. */
    kb_error *err = m->validated ? NULL : validate(reg, m, *code);
    if (err != NULL) {
        kval_code_free(*code);
        *code = NULL;
        err = rank_errors(m, err);
    }
    return err;
}

kb_error *kval_module_end(kbin_module *m, kval_code *code, kb_error *err) {
    kval_code_free(code);
    return rank_errors(m, err);
}

/*
** For code/'s cache hits: the module's bytes are known to be exactly those of
** a module this engine build validated before (the entry is keyed by their
** SHA-256), so only the side effects of validation are redone: canonical
** type registration in 'reg' (types[].canon) and C.refs (declared_funcs).
*/
kb_error *kval_module_register(kval_registry *reg, kbin_module *m) {
    if (reg == NULL || m == NULL) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "kval_module_register: NULL argument");
    if (m->validated) return NULL;
    kb_error *err = kval_canon_module(reg, m);
    if (err == NULL) err = collect_refs(m);
    if (err == NULL) m->validated = true;
    return err;
}

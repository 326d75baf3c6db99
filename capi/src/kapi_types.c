/*
** kapi_types.c -- keel_valtype, keel_functype, keel_externtype, and their
** conversions from the engine's kbin types.
**
** The ABI reports concrete heap types ((ref $t), spec 3.0 2.3.3) only as
** KEEL_HEAP_CONCRETE, with the value kind of their family (a function type
** gives KEEL_FUNCREF, a struct or array type KEEL_ANYREF).
*/
#include "kapi_int.h"

#include <string.h>

#include "valid/kval_types.h"

/* ---------------------------------------------------------------- classification */

static keel_heaptype heap_of(kbin_valtype t) {
    if (t.kind != KVT_REF) return KEEL_HEAP_NONE_;
    switch (t.heap) {
    case KHT_FUNC: return KEEL_HEAP_FUNC;
    case KHT_EXTERN: return KEEL_HEAP_EXTERN;
    case KHT_ANY: return KEEL_HEAP_ANY;
    case KHT_EQ: return KEEL_HEAP_EQ;
    case KHT_I31: return KEEL_HEAP_I31;
    case KHT_STRUCT: return KEEL_HEAP_STRUCT;
    case KHT_ARRAY: return KEEL_HEAP_ARRAY;
    case KHT_EXN: return KEEL_HEAP_EXN;
    case KHT_NONE: return KEEL_HEAP_NONE;
    case KHT_NOFUNC: return KEEL_HEAP_NOFUNC;
    case KHT_NOEXTERN: return KEEL_HEAP_NOEXTERN;
    case KHT_NOEXN: return KEEL_HEAP_NOEXN;
    default: return KEEL_HEAP_CONCRETE;
    }
}

static uint32_t kht_of(keel_heaptype h) {
    switch (h) {
    case KEEL_HEAP_FUNC: return KHT_FUNC;
    case KEEL_HEAP_EXTERN: return KHT_EXTERN;
    case KEEL_HEAP_ANY: return KHT_ANY;
    case KEEL_HEAP_EQ: return KHT_EQ;
    case KEEL_HEAP_I31: return KHT_I31;
    case KEEL_HEAP_STRUCT: return KHT_STRUCT;
    case KEEL_HEAP_ARRAY: return KHT_ARRAY;
    case KEEL_HEAP_EXN: return KHT_EXN;
    case KEEL_HEAP_NONE: return KHT_NONE;
    case KEEL_HEAP_NOFUNC: return KHT_NOFUNC;
    case KEEL_HEAP_NOEXTERN: return KHT_NOEXTERN;
    case KEEL_HEAP_NOEXN: return KHT_NOEXN;
    default: return 0;
    }
}

keel_valkind kapi_valkind_of(kbin_valtype t, const kbin_module *ctx) {
    switch (t.kind) {
    case KVT_I32: return KEEL_I32;
    case KVT_I64: return KEEL_I64;
    case KVT_F32: return KEEL_F32;
    case KVT_F64: return KEEL_F64;
    case KVT_V128: return KEEL_V128;
    default: break;
    }
    switch (heap_of(t)) {
    case KEEL_HEAP_FUNC: case KEEL_HEAP_NOFUNC: return KEEL_FUNCREF;
    case KEEL_HEAP_EXTERN: case KEEL_HEAP_NOEXTERN: return KEEL_EXTERNREF;
    case KEEL_HEAP_EXN: case KEEL_HEAP_NOEXN: return KEEL_EXNREF;
    case KEEL_HEAP_CONCRETE:
        if (ctx && t.heap < ctx->type_count)
            return ctx->types[t.heap].comp == KCT_FUNC ? KEEL_FUNCREF : KEEL_ANYREF;
        /* A canonical id without its module: until valid/'s registry can be
           asked, assume the common case (typed function references). */
        return KEEL_FUNCREF;
    default: return KEEL_ANYREF;
    }
}

void kapi_valtype_fill(struct keel_valtype *out, kbin_valtype t, const kbin_module *ctx) {
    out->head.magic = KAPI_MAGIC;
    out->head.kind = KEEL_HANDLE_VALTYPE;
    out->head.size = sizeof *out;
    out->vt = t;
    out->heap = heap_of(t);
    /* Remember the family of a concrete type while the module is at hand. */
    if (out->heap == KEEL_HEAP_CONCRETE) out->vt.pad_ = (uint8_t)kapi_valkind_of(t, ctx);
}

static keel_valkind kind_of_valtype(const struct keel_valtype *v) {
    if (v->heap == KEEL_HEAP_CONCRETE) return v->vt.pad_;
    return kapi_valkind_of(v->vt, NULL);
}

/* ---------------------------------------------------------------- valtype */

static bool vt_of_kind(keel_valkind kind, kbin_valtype *out) {
    switch (kind) {
    case KEEL_I32: *out = kbin_vt(KVT_I32); return true;
    case KEEL_I64: *out = kbin_vt(KVT_I64); return true;
    case KEEL_F32: *out = kbin_vt(KVT_F32); return true;
    case KEEL_F64: *out = kbin_vt(KVT_F64); return true;
    case KEEL_V128: *out = kbin_vt(KVT_V128); return true;
    case KEEL_FUNCREF: *out = kbin_ref(true, KHT_FUNC); return true;
    case KEEL_EXTERNREF: *out = kbin_ref(true, KHT_EXTERN); return true;
    case KEEL_ANYREF: *out = kbin_ref(true, KHT_ANY); return true;
    case KEEL_EXNREF: *out = kbin_ref(true, KHT_EXN); return true;
    default: return false;
    }
}

static kb_error *valtype_make(kbin_valtype t, keel_valtype **out) {
    struct keel_valtype *v = kapi_obj_new(KEEL_HANDLE_VALTYPE, sizeof *v);
    if (v == NULL) return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
    kapi_valtype_fill(v, t, NULL);
    *out = v;
    return NULL;
}

KEEL_API keel_error *keel_valtype_new(keel_valkind kind, keel_valtype **out) {
    kbin_valtype t;
    if (out == NULL) return (keel_error *)kb_error_new(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    if (!vt_of_kind(kind, &t))
        return (keel_error *)kb_error_new(KB_ERR_INVALID_ARGUMENT, "unknown value kind %u", (unsigned)kind);
    return (keel_error *)valtype_make(t, out);
}

KEEL_API keel_error *keel_valtype_new_ref(bool nullable, keel_heaptype heap, keel_valtype **out) {
    if (out == NULL) return (keel_error *)kb_error_new(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    uint32_t kht = kht_of(heap);
    if (kht == 0)
        return (keel_error *)kb_error_new(KB_ERR_INVALID_ARGUMENT, "heap type %u is not an abstract heap type",
                                          (unsigned)heap);
    return (keel_error *)valtype_make(kbin_ref(nullable, kht), out);
}

KEEL_API keel_error *keel_valtype_copy(const keel_valtype *type, keel_valtype **out) {
    kb_error *err = kapi_check(type, KEEL_HANDLE_VALTYPE, "type");
    if (err) return (keel_error *)err;
    if (out == NULL) return (keel_error *)kb_error_new(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    struct keel_valtype *v = kapi_obj_new(KEEL_HANDLE_VALTYPE, sizeof *v);
    if (v == NULL) return (keel_error *)kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
    v->vt = type->vt;
    v->heap = type->heap;
    *out = v;
    return NULL;
}

KEEL_API void keel_valtype_free(keel_valtype *type) {
    /* Types owned by a functype or externtype are not separately allocated:
       freeing one of those is refused (only guard-detectable misuse). */
    if (!kapi_ok(type, KEEL_HANDLE_VALTYPE) || type->head.size == 0) return;
    kapi_obj_dispose(type);
}

KEEL_API keel_valkind keel_valtype_kind(const keel_valtype *type) {
    if (!kapi_ok(type, KEEL_HANDLE_VALTYPE)) return UINT32_MAX;
    return kind_of_valtype(type);
}

KEEL_API keel_heaptype keel_valtype_heap(const keel_valtype *type) {
    return kapi_ok(type, KEEL_HANDLE_VALTYPE) ? type->heap : KEEL_HEAP_NONE_;
}

KEEL_API bool keel_valtype_is_nullable(const keel_valtype *type) {
    return kapi_ok(type, KEEL_HANDLE_VALTYPE) && type->vt.kind == KVT_REF && type->vt.nullable;
}

/* ---------------------------------------------------------------- functype */

static kb_error *functype_alloc(size_t np, size_t nr, struct keel_functype **out) {
    struct keel_functype *ft = kapi_obj_new(KEEL_HANDLE_FUNCTYPE, sizeof *ft);
    if (ft == NULL) return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
    if (np + nr > 0) {
        ft->types = kb_calloc(np + nr, sizeof *ft->types);
        if (ft->types == NULL) {
            kapi_obj_dispose(ft);
            return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
        }
    }
    ft->param_count = np;
    ft->result_count = nr;
    *out = ft;
    return NULL;
}

/* Embedded valtypes have size 0 in their head: keel_valtype_free ignores them. */
static void embed(struct keel_valtype *slot, kbin_valtype t, const kbin_module *ctx) {
    kapi_valtype_fill(slot, t, ctx);
    slot->head.size = 0;
}

kb_error *kapi_functype_from(const kbin_type *t, const kbin_module *ctx, struct keel_functype **out) {
    struct keel_functype *ft = NULL;
    kb_error *err = functype_alloc(t->param_count, t->result_count, &ft);
    if (err) return err;
    for (uint32_t i = 0; i < t->param_count + t->result_count; i++) embed(&ft->types[i], t->params[i], ctx);
    *out = ft;
    return NULL;
}

KEEL_API keel_error *keel_functype_new(const keel_valtype *const *params, size_t param_count,
                                       const keel_valtype *const *results, size_t result_count,
                                       keel_functype **out) {
    if (out == NULL) return (keel_error *)kb_error_new(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    if ((params == NULL && param_count) || (results == NULL && result_count))
        return (keel_error *)kb_error_new(KB_ERR_INVALID_ARGUMENT, "NULL type array with a non-zero count");
    for (size_t i = 0; i < param_count + result_count; i++) {
        const keel_valtype *v = i < param_count ? params[i] : results[i - param_count];
        kb_error *err = kapi_check(v, KEEL_HANDLE_VALTYPE, i < param_count ? "param type" : "result type");
        if (err) return (keel_error *)err;
    }
    struct keel_functype *ft = NULL;
    kb_error *err = functype_alloc(param_count, result_count, &ft);
    if (err) return (keel_error *)err;
    for (size_t i = 0; i < param_count + result_count; i++) {
        const keel_valtype *v = i < param_count ? params[i] : results[i - param_count];
        ft->types[i] = *v;
        ft->types[i].head.size = 0;
    }
    *out = ft;
    return NULL;
}

KEEL_API keel_error *keel_functype_new_kinds(const keel_valkind *params, size_t param_count,
                                             const keel_valkind *results, size_t result_count,
                                             keel_functype **out) {
    if (out == NULL) return (keel_error *)kb_error_new(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    if ((params == NULL && param_count) || (results == NULL && result_count))
        return (keel_error *)kb_error_new(KB_ERR_INVALID_ARGUMENT, "NULL kind array with a non-zero count");
    kbin_valtype t;
    for (size_t i = 0; i < param_count + result_count; i++) {
        keel_valkind k = i < param_count ? params[i] : results[i - param_count];
        if (!vt_of_kind(k, &t))
            return (keel_error *)kb_error_new(KB_ERR_INVALID_ARGUMENT, "unknown value kind %u", (unsigned)k);
    }
    struct keel_functype *ft = NULL;
    kb_error *err = functype_alloc(param_count, result_count, &ft);
    if (err) return (keel_error *)err;
    for (size_t i = 0; i < param_count + result_count; i++) {
        vt_of_kind(i < param_count ? params[i] : results[i - param_count], &t);
        embed(&ft->types[i], t, NULL);
    }
    *out = ft;
    return NULL;
}

static kb_error *functype_dup(const struct keel_functype *src, struct keel_functype **out) {
    struct keel_functype *ft = NULL;
    kb_error *err = functype_alloc(src->param_count, src->result_count, &ft);
    if (err) return err;
    if (src->param_count + src->result_count)
        memcpy(ft->types, src->types, (src->param_count + src->result_count) * sizeof *ft->types);
    *out = ft;
    return NULL;
}

KEEL_API keel_error *keel_functype_copy(const keel_functype *type, keel_functype **out) {
    kb_error *err = kapi_check(type, KEEL_HANDLE_FUNCTYPE, "type");
    if (err) return (keel_error *)err;
    if (out == NULL) return (keel_error *)kb_error_new(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    return (keel_error *)functype_dup(type, out);
}

static void functype_free(struct keel_functype *ft) {
    if (ft == NULL) return;
    kb_free(ft->types);
    kapi_obj_dispose(ft);
}

KEEL_API void keel_functype_free(keel_functype *type) {
    if (kapi_ok(type, KEEL_HANDLE_FUNCTYPE)) functype_free(type);
}

KEEL_API size_t keel_functype_param_count(const keel_functype *type) {
    return kapi_ok(type, KEEL_HANDLE_FUNCTYPE) ? type->param_count : 0;
}

KEEL_API size_t keel_functype_result_count(const keel_functype *type) {
    return kapi_ok(type, KEEL_HANDLE_FUNCTYPE) ? type->result_count : 0;
}

KEEL_API const keel_valtype *keel_functype_param(const keel_functype *type, size_t i) {
    if (!kapi_ok(type, KEEL_HANDLE_FUNCTYPE) || i >= type->param_count) return NULL;
    return &type->types[i];
}

KEEL_API const keel_valtype *keel_functype_result(const keel_functype *type, size_t i) {
    if (!kapi_ok(type, KEEL_HANDLE_FUNCTYPE) || i >= type->result_count) return NULL;
    return &type->types[type->param_count + i];
}

kb_error *kapi_kbin_type_from(const struct keel_functype *ft, kbin_type *out) {
    memset(out, 0, sizeof *out);
    out->comp = KCT_FUNC;
    out->final = true;
    out->super = KBIN_NO_INDEX;
    out->rec_size = 1;
    size_t n = ft->param_count + ft->result_count;
    if (n > UINT32_MAX / 2) return kb_error_new(KB_ERR_LIMIT, "too many parameters or results");
    for (size_t i = 0; i < n; i++)
        if (ft->types[i].heap == KEEL_HEAP_CONCRETE)
            return kb_error_new(KB_ERR_UNSUPPORTED,
                                "host function types cannot use concrete reference types");
    out->param_count = (uint32_t)ft->param_count;
    out->result_count = (uint32_t)ft->result_count;
    if (n) {
        out->params = kb_calloc(n, sizeof *out->params);
        if (out->params == NULL) return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
        for (size_t i = 0; i < n; i++) out->params[i] = ft->types[i].vt;
    }
    return NULL;
}

void kapi_kbin_type_free(kbin_type *t) {
    kb_free(t->params);
    t->params = NULL;
}

/* ---------------------------------------------------------------- externtype */

kb_error *kapi_externtype_new(struct keel_externtype **out) {
    struct keel_externtype *et = kapi_obj_new(KEEL_HANDLE_EXTERNTYPE, sizeof *et);
    if (et == NULL) return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
    et->max = UINT64_MAX;
    *out = et;
    return NULL;
}

static kb_error *externtype_func(keel_externkind kind, const kbin_type *t, const kbin_module *ctx,
                                 struct keel_externtype **out) {
    struct keel_externtype *et = NULL;
    kb_error *err = kapi_externtype_new(&et);
    if (err) return err;
    et->kind = kind;
    if ((err = kapi_functype_from(t, ctx, &et->func)) != NULL) {
        keel_externtype_free(et);
        return err;
    }
    *out = et;
    return NULL;
}

static kb_error *externtype_val(keel_externkind kind, kbin_valtype t, const kbin_module *ctx,
                                struct keel_externtype **out) {
    struct keel_externtype *et = NULL;
    kb_error *err = kapi_externtype_new(&et);
    if (err) return err;
    et->kind = kind;
    et->val = kb_calloc(1, sizeof *et->val);
    if (et->val == NULL) {
        keel_externtype_free(et);
        return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
    }
    embed(et->val, t, ctx);
    *out = et;
    return NULL;
}

kb_error *kapi_externtype_of_limits(keel_externkind kind, const kbin_limits *l, kbin_valtype elem,
                                    const kbin_module *ctx, struct keel_externtype **out) {
    struct keel_externtype *et = NULL;
    kb_error *err = kind == KEEL_EXTERN_TABLE ? externtype_val(kind, elem, ctx, &et) : kapi_externtype_new(&et);
    if (err) return err;
    et->kind = kind;
    et->min = l->min;
    et->max = l->has_max ? l->max : UINT64_MAX;
    et->is64 = l->is64;
    et->shared = l->shared;
    if (kind == KEEL_EXTERN_MEMORY) et->page_size = (uint64_t)1 << (l->page_log2 < 64 ? l->page_log2 : 16);
    *out = et;
    return NULL;
}

static const kbin_type *type_at(const kbin_module *m, uint32_t index) {
    return index < m->type_count && m->types[index].comp == KCT_FUNC ? &m->types[index] : NULL;
}

kb_error *kapi_externtype_of_import(const kbin_module *m, const kbin_import *imp,
                                    struct keel_externtype **out) {
    const kbin_type *t;
    switch (imp->kind) {
    case KEXT_FUNC:
    case KEXT_TAG:
        t = type_at(m, imp->kind == KEXT_FUNC ? imp->desc.func_type : imp->desc.tag_type);
        if (t == NULL) return kb_error_new(KB_ERR_INTERNAL, "import with a bad type index");
        return externtype_func(imp->kind == KEXT_FUNC ? KEEL_EXTERN_FUNC : KEEL_EXTERN_TAG, t, m, out);
    case KEXT_TABLE:
        return kapi_externtype_of_limits(KEEL_EXTERN_TABLE, &imp->desc.table.limits, imp->desc.table.elem, m, out);
    case KEXT_MEMORY:
        return kapi_externtype_of_limits(KEEL_EXTERN_MEMORY, &imp->desc.memory, kbin_vt(0), m, out);
    case KEXT_GLOBAL: {
        kb_error *err = externtype_val(KEEL_EXTERN_GLOBAL, imp->desc.global.type, m, out);
        if (err == NULL) (*out)->mutable_ = imp->desc.global.mutable_;
        return err;
    }
    default:
        return kb_error_new(KB_ERR_INTERNAL, "import of unknown kind %u", imp->kind);
    }
}

kb_error *kapi_externtype_of_export(const kbin_module *m, const kbin_export *e,
                                    struct keel_externtype **out) {
    const kbin_type *t;
    switch (e->kind) {
    case KEXT_FUNC:
        if (e->index >= m->func_count || (t = kbin_func_type(m, e->index)) == NULL) break;
        return externtype_func(KEEL_EXTERN_FUNC, t, m, out);
    case KEXT_TAG:
        if (e->index >= m->tag_count || (t = type_at(m, m->tags[e->index].type)) == NULL) break;
        return externtype_func(KEEL_EXTERN_TAG, t, m, out);
    case KEXT_TABLE:
        if (e->index >= m->table_count) break;
        return kapi_externtype_of_limits(KEEL_EXTERN_TABLE, &m->tables[e->index].type.limits,
                                         m->tables[e->index].type.elem, m, out);
    case KEXT_MEMORY:
        if (e->index >= m->memory_count) break;
        return kapi_externtype_of_limits(KEEL_EXTERN_MEMORY, &m->memories[e->index].limits, kbin_vt(0), m, out);
    case KEXT_GLOBAL: {
        if (e->index >= m->global_count) break;
        kb_error *err = externtype_val(KEEL_EXTERN_GLOBAL, m->globals[e->index].type.type, m, out);
        if (err == NULL) (*out)->mutable_ = m->globals[e->index].type.mutable_;
        return err;
    }
    default: break;
    }
    return kb_error_new(KB_ERR_INTERNAL, "export with a bad index");
}

static kb_error *externtype_of_extern(const krt_extern *ext, struct keel_externtype **out);

/* Engine objects carry canonical types: classify a concrete one through the registry. */
static void fix_canonical(const kapi_store *s, struct keel_externtype *et) {
    const kval_registry *reg = s->engine->krt->types;
    if (et->val && et->val->heap == KEEL_HEAP_CONCRETE && reg != NULL)
        et->val->vt.pad_ = kval_heap_top(reg, et->val->vt.heap) == KHT_FUNC ? KEEL_FUNCREF : KEEL_ANYREF;
}

kb_error *kapi_externtype_of_extern(const kapi_store *s, const krt_extern *ext, struct keel_externtype **out) {
    kb_error *err = externtype_of_extern(ext, out);
    if (err == NULL) fix_canonical(s, *out);
    return err;
}

static kb_error *externtype_of_extern(const krt_extern *ext, struct keel_externtype **out) {
    kb_error *err;
    switch (ext->kind) {
    case KEXT_FUNC:
        return externtype_func(KEEL_EXTERN_FUNC, ext->of.func->type, kapi_func_ctx(ext->of.func), out);
    case KEXT_TAG:
        return externtype_func(KEEL_EXTERN_TAG, ext->of.tag->type, NULL, out);
    case KEXT_TABLE: {
        const krt_table *t = ext->of.table;
        kbin_limits l = {t->size, t->max, true, t->is64, false, 0};
        return kapi_externtype_of_limits(KEEL_EXTERN_TABLE, &l, t->elem, NULL, out);
    }
    case KEXT_MEMORY: {
        const krt_memory *m = ext->of.memory;
        kbin_limits l = {m->size >> m->page_log2, m->max_pages, true, m->is64, m->shared, m->page_log2};
        return kapi_externtype_of_limits(KEEL_EXTERN_MEMORY, &l, kbin_vt(0), NULL, out);
    }
    case KEXT_GLOBAL:
        err = externtype_val(KEEL_EXTERN_GLOBAL, ext->of.global->type, NULL, out);
        if (err == NULL) (*out)->mutable_ = ext->of.global->mutable_;
        return err;
    default:
        return kb_error_new(KB_ERR_INTERNAL, "extern of unknown kind %u", ext->kind);
    }
}

KEEL_API void keel_externtype_free(keel_externtype *type) {
    if (!kapi_ok(type, KEEL_HANDLE_EXTERNTYPE)) return;
    functype_free(type->func);
    kb_free(type->val);
    kapi_obj_dispose(type);
}

KEEL_API keel_externkind keel_externtype_kind(const keel_externtype *type) {
    return kapi_ok(type, KEEL_HANDLE_EXTERNTYPE) ? type->kind : UINT32_MAX;
}

KEEL_API const keel_functype *keel_externtype_functype(const keel_externtype *type) {
    return kapi_ok(type, KEEL_HANDLE_EXTERNTYPE) ? type->func : NULL;
}

KEEL_API const keel_valtype *keel_externtype_valtype(const keel_externtype *type) {
    return kapi_ok(type, KEEL_HANDLE_EXTERNTYPE) ? type->val : NULL;
}

KEEL_API bool keel_externtype_mutable(const keel_externtype *type) {
    return kapi_ok(type, KEEL_HANDLE_EXTERNTYPE) && type->kind == KEEL_EXTERN_GLOBAL && type->mutable_;
}

KEEL_API bool keel_externtype_limits(const keel_externtype *type, uint64_t *min, uint64_t *max) {
    if (!kapi_ok(type, KEEL_HANDLE_EXTERNTYPE) ||
        (type->kind != KEEL_EXTERN_TABLE && type->kind != KEEL_EXTERN_MEMORY))
        return false;
    if (min) *min = type->min;
    if (max) *max = type->max;
    return true;
}

KEEL_API bool keel_externtype_is64(const keel_externtype *type) {
    return kapi_ok(type, KEEL_HANDLE_EXTERNTYPE) && type->is64;
}

KEEL_API bool keel_externtype_shared(const keel_externtype *type) {
    return kapi_ok(type, KEEL_HANDLE_EXTERNTYPE) && type->shared;
}

KEEL_API uint64_t keel_externtype_page_size(const keel_externtype *type) {
    return kapi_ok(type, KEEL_HANDLE_EXTERNTYPE) && type->kind == KEEL_EXTERN_MEMORY ? type->page_size : 0;
}

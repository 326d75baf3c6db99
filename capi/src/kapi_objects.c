/*
** kapi_objects.c -- memories, tables, globals, tags, exceptions, extern and
** GC references: creation by the host and the bounds-checked operations.
**
** Every operation that reads or changes an object's state takes the store's
** lock (DESIGN.md rule 8): wasm code in another thread may be growing the
** same memory or writing the same table.
*/
#include "kapi_int.h"

#include <string.h>

#define ERR(kind, ...) ((keel_error *)kb_error_new((kind), __VA_ARGS__))

/* Checks handle 'p' of 'kind', locks its store and sets *h. */
static kb_error *enter(const void *p, uint32_t kind, const char *what, kapi_handle **h) {
    kb_error *err = kapi_check(p, kind, what);
    if (err) return err;
    *h = (kapi_handle *)p;
    return kapi_store_lock((*h)->store, false);
}

static void leave(kapi_handle *h) { kapi_store_unlock(h->store); }

static kb_error *store_arg(keel_store *store, kapi_store **s) {
    kb_error *err = kapi_check(store, KEEL_HANDLE_STORE, "store");
    if (err == NULL) *s = ((kapi_handle *)store)->store;
    return err;
}

static keel_error *make_handle(uint32_t kind, kapi_store *s, void *obj, void **out) {
    kapi_handle *h = kapi_handle_new(kind, s, obj);
    *out = h;
    return h ? NULL : ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
}

#define RETAIN_RELEASE(type, kind)                                              \
    KEEL_API keel_##type *keel_##type##_retain(keel_##type *x) {                \
        if (!kapi_ok(x, kind)) return NULL;                                     \
        kapi_handle_retain((kapi_handle *)(void *)x);                           \
        return x;                                                               \
    }                                                                           \
    KEEL_API void keel_##type##_release(keel_##type *x) {                       \
        if (kapi_ok(x, kind)) kapi_handle_release((kapi_handle *)(void *)x);   \
    }

RETAIN_RELEASE(memory, KEEL_HANDLE_MEMORY)
RETAIN_RELEASE(table, KEEL_HANDLE_TABLE)
RETAIN_RELEASE(global, KEEL_HANDLE_GLOBAL)
RETAIN_RELEASE(tag, KEEL_HANDLE_TAG)
RETAIN_RELEASE(exn, KEEL_HANDLE_EXN)
RETAIN_RELEASE(externref, KEEL_HANDLE_EXTERNREF)
RETAIN_RELEASE(ref, KEEL_HANDLE_REF)

/* ---------------------------------------------------------------- memory */

KEEL_API keel_error *keel_memory_new(keel_store *store, uint64_t min_pages, uint64_t max_pages,
                                     uint32_t flags, keel_memory **out) {
    kapi_store *s;
    kb_error *err = store_arg(store, &s);
    if (err) return (keel_error *)err;
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    if (flags & ~(KEEL_MEMORY_64 | KEEL_MEMORY_SHARED | KEEL_MEMORY_PAGE_SIZE_1))
        return ERR(KB_ERR_INVALID_ARGUMENT, "unknown memory flags 0x%x", (unsigned)flags);
    kbin_limits l = {min_pages, max_pages, max_pages != KEEL_NO_MAX, (flags & KEEL_MEMORY_64) != 0,
                     (flags & KEEL_MEMORY_SHARED) != 0, (uint8_t)((flags & KEEL_MEMORY_PAGE_SIZE_1) ? 0 : 16)};
    /* Spec 3.2.x memory types: the size limit is 2^16 pages of 64 KiB for a
       32-bit memory (2^32 bytes), 2^48 pages for memory64. */
    uint64_t bytes_log2 = l.is64 ? 64 : 32;
    uint64_t limit = (uint64_t)1 << (bytes_log2 - l.page_log2 > 48 ? 48 : bytes_log2 - l.page_log2);
    if (min_pages > limit || (l.has_max && max_pages > limit))
        return ERR(KB_ERR_INVALID_ARGUMENT, "memory size must be at most %llu pages", (unsigned long long)limit);
    if (l.has_max && min_pages > max_pages)
        return ERR(KB_ERR_INVALID_ARGUMENT, "size minimum must not be greater than maximum");
    if (l.shared && !l.has_max) return ERR(KB_ERR_INVALID_ARGUMENT, "shared memory must have maximum");
    if ((err = kapi_store_lock(s, false)) != NULL) return (keel_error *)err;
    krt_memory *m = NULL;
    err = krt_memory_new(s->krt, &l, &m);
    kapi_store_unlock(s);
    if (err) return (keel_error *)err;
    return make_handle(KEEL_HANDLE_MEMORY, s, m, (void **)out);
}

KEEL_API uint8_t *keel_memory_data(keel_memory *memory, size_t *size, uint64_t *generation) {
    kapi_handle *h;
    if (size) *size = 0;
    if (generation) *generation = 0;
    kb_error *err = enter(memory, KEEL_HANDLE_MEMORY, "memory", &h);
    if (err) {
        kb_error_free(err);
        return NULL;
    }
    krt_memory *m = h->u.memory;
    uint8_t *data = m->size ? m->data : NULL;
    if (size) *size = (size_t)m->size;
    if (generation) *generation = m->generation;
    leave(h);
    return data;
}

KEEL_API uint64_t keel_memory_size(keel_memory *memory) {
    kapi_handle *h;
    kb_error *err = enter(memory, KEEL_HANDLE_MEMORY, "memory", &h);
    if (err) {
        kb_error_free(err);
        return 0;
    }
    uint64_t size = h->u.memory->size;
    leave(h);
    return size;
}

KEEL_API uint64_t keel_memory_pages(keel_memory *memory) {
    if (!kapi_ok(memory, KEEL_HANDLE_MEMORY)) return 0;
    return keel_memory_size(memory) >> ((kapi_handle *)memory)->u.memory->page_log2;
}

KEEL_API keel_error *keel_memory_grow(keel_memory *memory, uint64_t delta, uint64_t *old_pages) {
    kapi_handle *h;
    kb_error *err = enter(memory, KEEL_HANDLE_MEMORY, "memory", &h);
    if (err) return (keel_error *)err;
    krt_memory *m = h->u.memory;
    uint64_t pages = m->size >> m->page_log2;
    /* LIMIT is the memory's own declared maximum; the store's limit and the
       host's address space show up as a failed grow (OUT_OF_MEMORY). */
    if (m->limits.has_max && delta > m->limits.max - pages) {
        err = kb_error_new(KB_ERR_LIMIT, "memory.grow by %llu pages passes the maximum of %llu pages",
                           (unsigned long long)delta, (unsigned long long)m->limits.max);
    } else {
        int64_t old = krt_memory_grow(m, delta);
        if (old < 0) err = kb_error_new(KB_ERR_OUT_OF_MEMORY, "memory.grow by %llu pages failed",
                                        (unsigned long long)delta);
        else if (old_pages) *old_pages = (uint64_t)old;
    }
    leave(h);
    return (keel_error *)err;
}

static keel_error *memory_copy(keel_memory *memory, uint64_t offset, void *dst, const void *src,
                               size_t len) {
    kapi_handle *h;
    kb_error *err = enter(memory, KEEL_HANDLE_MEMORY, "memory", &h);
    if (err) return (keel_error *)err;
    krt_memory *m = h->u.memory;
    if ((dst == NULL && src == NULL) && len)
        err = kb_error_new(KB_ERR_INVALID_ARGUMENT, "buffer is NULL");
    else if (offset > m->size || len > m->size - offset)
        err = kb_error_new(KB_ERR_INVALID_ARGUMENT, "out of bounds memory access");
    else if (len && dst)
        memcpy(dst, m->data + offset, len);
    else if (len && src)
        memcpy(m->data + offset, src, len);
    leave(h);
    return (keel_error *)err;
}

KEEL_API keel_error *keel_memory_read(keel_memory *memory, uint64_t offset, void *dst, size_t len) {
    return memory_copy(memory, offset, dst, NULL, len);
}

KEEL_API keel_error *keel_memory_write(keel_memory *memory, uint64_t offset, const void *src,
                                       size_t len) {
    return memory_copy(memory, offset, NULL, src, len);
}

static keel_error *extern_type(void *p, uint32_t kind, const char *what, keel_externtype **out) {
    kb_error *err = kapi_check(p, kind, what);
    if (err) return (keel_error *)err;
    return keel_extern_type((const keel_extern *)p, out);
}

KEEL_API keel_error *keel_memory_type(keel_memory *memory, keel_externtype **out) {
    return extern_type(memory, KEEL_HANDLE_MEMORY, "memory", out);
}

/* ---------------------------------------------------------------- table */

/* A reference value as the pointer a table or global slot holds. */
static kb_error *ref_arg(kapi_store *s, const keel_val *v, kbin_valtype t, void **out, const char *what) {
    uint64_t slot[2] = {0, 0};
    kb_error *err = kapi_val_to_slots(s, v, t, NULL, slot, what);
    *out = (void *)(uintptr_t)slot[0];
    return err;
}

static kb_error *user_valtype(const keel_valtype *type, const char *what, kbin_valtype *out) {
    kb_error *err = kapi_check(type, KEEL_HANDLE_VALTYPE, what);
    if (err) return err;
    if (type->heap == KEEL_HEAP_CONCRETE)
        return kb_error_new(KB_ERR_UNSUPPORTED, "%s: concrete reference types cannot be used here", what);
    *out = type->vt;
    out->pad_ = 0;
    return NULL;
}

KEEL_API keel_error *keel_table_new(keel_store *store, const keel_valtype *elem, uint64_t min,
                                    uint64_t max, const keel_val *init, keel_table **out) {
    kapi_store *s;
    kbin_valtype t;
    kb_error *err = store_arg(store, &s);
    if (err == NULL) err = user_valtype(elem, "elem", &t);
    if (err) return (keel_error *)err;
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    if (t.kind != KVT_REF) return ERR(KB_ERR_INVALID_ARGUMENT, "a table's element type must be a reference type");
    if (max != KEEL_NO_MAX && min > max)
        return ERR(KB_ERR_INVALID_ARGUMENT, "size minimum must not be greater than maximum");
    if (min > UINT32_MAX || (max != KEEL_NO_MAX && max > UINT32_MAX))
        return ERR(KB_ERR_INVALID_ARGUMENT, "table size must be at most 2^32-1 elements");
    void *ref = NULL;
    if (init && (err = ref_arg(s, init, t, &ref, "init")) != NULL) return (keel_error *)err;
    if (init == NULL && !t.nullable)
        return ERR(KB_ERR_INVALID_ARGUMENT, "a non-nullable table needs an initial value");
    kbin_limits l = {min, max, max != KEEL_NO_MAX, false, false, 0};
    if ((err = kapi_store_lock(s, false)) != NULL) return (keel_error *)err;
    krt_table *tab = NULL;
    err = krt_table_new(s->krt, t, &l, ref, &tab);
    kapi_store_unlock(s);
    if (err) return (keel_error *)err;
    return make_handle(KEEL_HANDLE_TABLE, s, tab, (void **)out);
}

KEEL_API uint64_t keel_table_size(keel_table *table) {
    kapi_handle *h;
    kb_error *err = enter(table, KEEL_HANDLE_TABLE, "table", &h);
    if (err) {
        kb_error_free(err);
        return 0;
    }
    uint64_t size = h->u.table->size;
    leave(h);
    return size;
}

KEEL_API keel_error *keel_table_get(keel_table *table, uint64_t index, keel_val *out) {
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    kapi_handle *h;
    kb_error *err = enter(table, KEEL_HANDLE_TABLE, "table", &h);
    if (err) return (keel_error *)err;
    krt_table *t = h->u.table;
    if (index >= t->size) {
        err = kb_error_new(KB_ERR_INVALID_ARGUMENT, "out of bounds table access");
    } else {
        uint64_t slot[2] = {(uint64_t)(uintptr_t)t->elems[index], 0};
        err = kapi_val_from_slots(h->store, t->elem, NULL, slot, out);
    }
    leave(h);
    return (keel_error *)err;
}

KEEL_API keel_error *keel_table_set(keel_table *table, uint64_t index, const keel_val *val) {
    if (val == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "val is NULL");
    kapi_handle *h;
    kb_error *err = enter(table, KEEL_HANDLE_TABLE, "table", &h);
    if (err) return (keel_error *)err;
    krt_table *t = h->u.table;
    void *ref;
    if (index >= t->size) err = kb_error_new(KB_ERR_INVALID_ARGUMENT, "out of bounds table access");
    else if ((err = ref_arg(h->store, val, t->elem, &ref, "val")) == NULL) t->elems[index] = ref;
    leave(h);
    return (keel_error *)err;
}

KEEL_API keel_error *keel_table_grow(keel_table *table, uint64_t delta, const keel_val *init,
                                     uint64_t *old_size) {
    kapi_handle *h;
    kb_error *err = enter(table, KEEL_HANDLE_TABLE, "table", &h);
    if (err) return (keel_error *)err;
    krt_table *t = h->u.table;
    void *ref = NULL;
    if (init) err = ref_arg(h->store, init, t->elem, &ref, "init");
    else if (!t->elem.nullable) err = kb_error_new(KB_ERR_INVALID_ARGUMENT, "a non-nullable table needs an initial value");
    if (err == NULL) {
        if (delta > t->max - t->size) {
            err = kb_error_new(KB_ERR_LIMIT, "table.grow by %llu passes the maximum of %llu elements",
                               (unsigned long long)delta, (unsigned long long)t->max);
        } else {
            int64_t old = krt_table_grow(t, delta, ref);
            if (old < 0) err = kb_error_new(KB_ERR_OUT_OF_MEMORY, "table.grow by %llu failed", (unsigned long long)delta);
            else if (old_size) *old_size = (uint64_t)old;
        }
    }
    leave(h);
    return (keel_error *)err;
}

KEEL_API keel_error *keel_table_fill(keel_table *table, uint64_t start, uint64_t count,
                                     const keel_val *val) {
    kapi_handle *h;
    kb_error *err = enter(table, KEEL_HANDLE_TABLE, "table", &h);
    if (err) return (keel_error *)err;
    krt_table *t = h->u.table;
    void *ref = NULL;
    if (val) err = ref_arg(h->store, val, t->elem, &ref, "val");
    else if (!t->elem.nullable) err = kb_error_new(KB_ERR_INVALID_ARGUMENT, "null for a non-nullable table");
    if (err == NULL && (start > t->size || count > t->size - start))
        err = kb_error_new(KB_ERR_INVALID_ARGUMENT, "out of bounds table access");
    if (err == NULL)
        for (uint64_t i = 0; i < count; i++) t->elems[start + i] = ref;
    leave(h);
    return (keel_error *)err;
}

KEEL_API keel_error *keel_table_type(keel_table *table, keel_externtype **out) {
    return extern_type(table, KEEL_HANDLE_TABLE, "table", out);
}

/* ---------------------------------------------------------------- global */

KEEL_API keel_error *keel_global_new(keel_store *store, const keel_valtype *type, bool mutable_,
                                     const keel_val *init, keel_global **out) {
    kapi_store *s;
    kbin_valtype t;
    kb_error *err = store_arg(store, &s);
    if (err == NULL) err = user_valtype(type, "type", &t);
    if (err) return (keel_error *)err;
    if (init == NULL || out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "init or out is NULL");
    *out = NULL;
    uint64_t value[2] = {0, 0};
    if ((err = kapi_val_to_slots(s, init, t, NULL, value, "init")) != NULL) return (keel_error *)err;
    if ((err = kapi_store_lock(s, false)) != NULL) return (keel_error *)err;
    krt_global *g = NULL;
    err = krt_global_new(s->krt, t, mutable_, value, &g);
    kapi_store_unlock(s);
    if (err) return (keel_error *)err;
    return make_handle(KEEL_HANDLE_GLOBAL, s, g, (void **)out);
}

KEEL_API keel_error *keel_global_get(keel_global *global, keel_val *out) {
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    kapi_handle *h;
    kb_error *err = enter(global, KEEL_HANDLE_GLOBAL, "global", &h);
    if (err) return (keel_error *)err;
    krt_global *g = h->u.global;
    err = kapi_val_from_slots(h->store, g->type, NULL, g->value, out);
    leave(h);
    return (keel_error *)err;
}

KEEL_API keel_error *keel_global_set(keel_global *global, const keel_val *val) {
    if (val == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "val is NULL");
    kapi_handle *h;
    kb_error *err = enter(global, KEEL_HANDLE_GLOBAL, "global", &h);
    if (err) return (keel_error *)err;
    krt_global *g = h->u.global;
    uint64_t value[2] = {0, 0};
    if (!g->mutable_) err = kb_error_new(KB_ERR_INVALID_ARGUMENT, "global is immutable");
    else if ((err = kapi_val_to_slots(h->store, val, g->type, NULL, value, "val")) == NULL)
        memcpy(g->value, value, sizeof value);
    leave(h);
    return (keel_error *)err;
}

KEEL_API keel_error *keel_global_type(keel_global *global, keel_externtype **out) {
    return extern_type(global, KEEL_HANDLE_GLOBAL, "global", out);
}

/* ---------------------------------------------------------------- tag and exn */

KEEL_API keel_error *keel_tag_new(keel_store *store, const keel_functype *type, keel_tag **out) {
    kapi_store *s;
    kb_error *err = store_arg(store, &s);
    if (err == NULL) err = kapi_check(type, KEEL_HANDLE_FUNCTYPE, "type");
    if (err) return (keel_error *)err;
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    if (type->result_count) return ERR(KB_ERR_INVALID_ARGUMENT, "a tag's type must have no results");
    kbin_type kt;
    if ((err = kapi_kbin_type_from(type, &kt)) != NULL) return (keel_error *)err;
    krt_tag *tag = NULL;
    if ((err = kapi_store_lock(s, false)) == NULL) {
        err = krt_tag_new(s->krt, &kt, &tag);
        kapi_store_unlock(s);
    }
    kapi_kbin_type_free(&kt);
    if (err) return (keel_error *)err;
    return make_handle(KEEL_HANDLE_TAG, s, tag, (void **)out);
}

KEEL_API keel_error *keel_tag_type(keel_tag *tag, keel_functype **out) {
    kb_error *err = kapi_check(tag, KEEL_HANDLE_TAG, "tag");
    if (err) return (keel_error *)err;
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    return (keel_error *)kapi_functype_from(((kapi_handle *)tag)->u.tag->type, NULL, out);
}

KEEL_API keel_error *keel_exn_new(keel_store *store, keel_tag *tag, const keel_val *payload,
                                  size_t count, keel_exn **out) {
    kapi_store *s;
    kb_error *err = store_arg(store, &s);
    if (err == NULL) err = kapi_check(tag, KEEL_HANDLE_TAG, "tag");
    if (err) return (keel_error *)err;
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    kapi_handle *th = (kapi_handle *)tag;
    if (th->store != s) return ERR(KB_ERR_STORE_MISMATCH, "store mismatch: the tag belongs to another store");
    const kbin_type *t = th->u.tag->type;
    if (count != t->param_count)
        return ERR(KB_ERR_INVALID_ARGUMENT, "expected %u payload values, got %zu", t->param_count, count);
    if (payload == NULL && count) return ERR(KB_ERR_INVALID_ARGUMENT, "payload is NULL");
    uint64_t *slots = kb_calloc((size_t)t->param_count * 2 + 1, sizeof *slots);
    if (slots == NULL) return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    size_t slot = 0;
    for (uint32_t i = 0; i < t->param_count && err == NULL; i++) {
        err = kapi_val_to_slots(s, &payload[i], t->params[i], NULL, &slots[slot], "payload");
        slot += t->params[i].kind == KVT_V128 ? 2 : 1;
    }
    krt_exn *exn = NULL;
    if (err == NULL && (err = kapi_store_lock(s, false)) == NULL) {
        err = krt_exn_new(s->krt, th->u.tag, slots, &exn);
        kapi_store_unlock(s);
    }
    kb_free(slots);
    if (err) return (keel_error *)err;
    return make_handle(KEEL_HANDLE_EXN, s, exn, (void **)out);
}

KEEL_API keel_error *keel_exn_tag(keel_exn *exn, keel_tag **out) {
    kb_error *err = kapi_check(exn, KEEL_HANDLE_EXN, "exn");
    if (err) return (keel_error *)err;
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    kapi_handle *h = (kapi_handle *)exn;
    return make_handle(KEEL_HANDLE_TAG, h->store, h->u.exn->tag, (void **)out);
}

KEEL_API size_t keel_exn_payload_count(keel_exn *exn) {
    if (!kapi_ok(exn, KEEL_HANDLE_EXN)) return 0;
    return ((kapi_handle *)exn)->u.exn->tag->type->param_count;
}

KEEL_API keel_error *keel_exn_payload(keel_exn *exn, size_t i, keel_val *out) {
    kb_error *err = kapi_check(exn, KEEL_HANDLE_EXN, "exn");
    if (err) return (keel_error *)err;
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    kapi_handle *h = (kapi_handle *)exn;
    const krt_exn *x = h->u.exn;
    const kbin_type *t = x->tag->type;
    if (i >= t->param_count) return ERR(KB_ERR_INVALID_ARGUMENT, "payload value %zu out of range", i);
    size_t slot = 0;
    for (size_t k = 0; k < i; k++) slot += t->params[k].kind == KVT_V128 ? 2 : 1;
    return (keel_error *)kapi_val_from_slots(h->store, t->params[i], NULL,
                                             &x->slots[slot], out);
}

/* ---------------------------------------------------------------- externref */

KEEL_API keel_error *keel_externref_new(keel_store *store, uintptr_t value,
                                        void (*finalizer)(uintptr_t value), keel_externref **out) {
    kapi_store *s;
    kb_error *err = store_arg(store, &s);
    if (err) return (keel_error *)err;
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    krt_externref *r = NULL;
    if ((err = kapi_store_lock(s, false)) != NULL) return (keel_error *)err;
    err = krt_externref_new(s->krt, value, finalizer, &r);
    kapi_store_unlock(s);
    if (err) return (keel_error *)err;
    return make_handle(KEEL_HANDLE_EXTERNREF, s, r, (void **)out);
}

KEEL_API uintptr_t keel_externref_value(const keel_externref *ref) {
    return kapi_ok(ref, KEEL_HANDLE_EXTERNREF) ? ((const kapi_handle *)ref)->u.externref->value : 0;
}

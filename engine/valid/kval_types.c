/*
** kval_types.c -- the type registry (rec-group canonicalisation) and
** subtyping (core spec 3.0: 3.2.x "Defined types", 4.2 "Type equivalence",
** 3.3.x "Matching" / subtyping of heap, reference and value types).
**
** Canonical types live in fixed-size chunks that never move, and the number
** of published types is an atomic counter: readers need no lock. Writers
** (kval_canon_module) serialise on the registry mutex; lookup of an equal
** rec group is a hash table keyed by the group's structure, where references
** into the group itself are written relative to the group (iso-recursive
** equivalence).
*/
#include "valid/kval_types.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "base/kb_alloc.h"

#define CHUNK_SIZE 1024u
#define MAX_CHUNKS 16384u /* 16M canonical types */
/* Heap encoding for a reference into the group being canonicalised. */
#define REL_FLAG 0x80000000u
#define MAX_CANON 0x7FFFFFFFu

typedef struct group_slot {
    uint32_t base; /* canonical id of the group's first type; UINT32_MAX = empty */
    uint32_t hash;
} group_slot;

struct kval_registry {
    pthread_mutex_t lock;
    _Atomic uint32_t count;         /* published canonical types */
    kval_ctype *chunks[MAX_CHUNKS]; /* written under the lock before 'count' */
    group_slot *table;              /* open addressing, power-of-two size */
    size_t table_cap, table_used;
};

kval_registry *kval_registry_new(void) {
    kval_registry *reg = kb_calloc(1, sizeof *reg);
    if (reg == NULL) return NULL;
    if (pthread_mutex_init(&reg->lock, NULL) != 0) {
        kb_free(reg);
        return NULL;
    }
    atomic_init(&reg->count, 0);
    return reg;
}

void kval_registry_free(kval_registry *reg) {
    if (reg == NULL) return;
    uint32_t n = atomic_load(&reg->count);
    for (uint32_t i = 0; i < n; i++) {
        kval_ctype *t = &reg->chunks[i / CHUNK_SIZE][i % CHUNK_SIZE];
        kb_free(t->types);
        kb_free(t->mutables);
    }
    for (uint32_t c = 0; c < MAX_CHUNKS && reg->chunks[c]; c++) kb_free(reg->chunks[c]);
    kb_free(reg->table);
    pthread_mutex_destroy(&reg->lock);
    kb_free(reg);
}

const kval_ctype *kval_ctype_get(const kval_registry *reg, uint32_t id) {
    uint32_t n = atomic_load_explicit(&((kval_registry *)reg)->count, memory_order_acquire);
    if (id >= n) return NULL;
    return &reg->chunks[id / CHUNK_SIZE][id % CHUNK_SIZE];
}

/* ---------------------------------------------------------------- subtyping */

bool kval_type_matches(const kval_registry *reg, uint32_t sub, uint32_t super) {
    /* Declared supertype chains are at most KVAL_MAX_SUBTYPE_DEPTH long. */
    const kval_ctype *sp = kval_ctype_get(reg, super);
    while (sub != KBIN_NO_INDEX) {
        if (sub == super) return true;
        const kval_ctype *t = kval_ctype_get(reg, sub);
        if (t == NULL) return false;
        if (sp != NULL && t->depth <= sp->depth) return false; /* cannot reach it any more */
        sub = t->super;
    }
    return false;
}

uint32_t kval_heap_top(const kval_registry *reg, uint32_t h) {
    if (KHT_IS_ABS(h)) {
        switch (h) {
        case KHT_ANY: case KHT_EQ: case KHT_I31: case KHT_STRUCT: case KHT_ARRAY: case KHT_NONE:
            return KHT_ANY;
        case KHT_FUNC: case KHT_NOFUNC: return KHT_FUNC;
        case KHT_EXTERN: case KHT_NOEXTERN: return KHT_EXTERN;
        case KHT_EXN: case KHT_NOEXN: return KHT_EXN;
        default: return KHT_BOT;
        }
    }
    const kval_ctype *t = kval_ctype_get(reg, h);
    if (t == NULL) return KHT_BOT;
    return t->comp == KCT_FUNC ? KHT_FUNC : KHT_ANY;
}

/* Heap subtyping (spec 3.0, "Heap types" matching). */
bool kval_heap_sub(const kval_registry *reg, uint32_t a, uint32_t b) {
    if (a == b || a == KHT_BOT) return true;
    if (KHT_IS_ABS(a)) {
        switch (a) {
        case KHT_NONE: return b != KHT_BOT && kval_heap_top(reg, b) == KHT_ANY;
        case KHT_NOFUNC: return b != KHT_BOT && kval_heap_top(reg, b) == KHT_FUNC;
        case KHT_NOEXTERN: return b == KHT_EXTERN;
        case KHT_NOEXN: return b == KHT_EXN;
        case KHT_EQ: return b == KHT_ANY;
        case KHT_I31: case KHT_STRUCT: case KHT_ARRAY: return b == KHT_EQ || b == KHT_ANY;
        default: return false;
        }
    }
    if (KHT_IS_ABS(b)) {
        const kval_ctype *t = kval_ctype_get(reg, a);
        if (t == NULL) return false;
        switch (t->comp) {
        case KCT_FUNC: return b == KHT_FUNC;
        case KCT_STRUCT: return b == KHT_STRUCT || b == KHT_EQ || b == KHT_ANY;
        default: return b == KHT_ARRAY || b == KHT_EQ || b == KHT_ANY;
        }
    }
    return kval_type_matches(reg, a, b);
}

bool kval_vt_sub(const kval_registry *reg, kbin_valtype a, kbin_valtype b) {
    if (a.kind == KVT_BOT) return true;
    if (a.kind != b.kind) return false;
    if (a.kind != KVT_REF) return true;
    if (a.nullable && !b.nullable) return false;
    return kval_heap_sub(reg, a.heap, b.heap);
}

kbin_valtype kval_canon_vt(const kbin_module *m, kbin_valtype t) {
    if (t.kind == KVT_REF && !KHT_IS_ABS(t.heap) && t.heap < m->type_count)
        t.heap = m->types[t.heap].canon;
    return t;
}

bool kval_valtype_sub(const kbin_module *m1, kbin_valtype a, const kbin_module *m2, kbin_valtype b) {
    const kval_registry *reg = m1->registry ? m1->registry : m2->registry;
    if (reg == NULL) return kbin_valtype_eq(a, b);
    return kval_vt_sub(reg, kval_canon_vt(m1, a), kval_canon_vt(m2, b));
}

bool kval_limits_match(const kbin_limits *actual, const kbin_limits *expected) {
    if (actual->is64 != expected->is64 || actual->shared != expected->shared) return false;
    if (actual->page_log2 != expected->page_log2) return false;
    if (actual->min < expected->min) return false;
    if (expected->has_max) {
        if (!actual->has_max || actual->max > expected->max) return false;
    }
    return true;
}

uint32_t kval_func_type_canon(const kbin_module *m, uint32_t func_index) {
    if (func_index >= m->func_count) return KBIN_NO_INDEX;
    uint32_t t = m->funcs[func_index].type;
    return t < m->type_count ? m->types[t].canon : KBIN_NO_INDEX;
}

/* ---------------------------------------------------------------- canonicalisation */

static kb_error *invalid(const char *fmt, uint32_t x) {
    return kb_error_new(KB_ERR_INVALID, fmt, x);
}

/* Module-local heap type of the group [start, start+n) to the registry's relative form. */
static uint32_t rel_heap(const kbin_module *m, uint32_t start, uint32_t h) {
    if (KHT_IS_ABS(h)) return h;
    if (h >= start) return REL_FLAG | (h - start);
    return m->types[h].canon;
}

static uint32_t mix(uint32_t h, uint32_t v) {
    h ^= v + 0x9E3779B9u + (h << 6) + (h >> 2);
    return h;
}

static uint32_t hash_vt(uint32_t h, kbin_valtype t) {
    h = mix(h, (uint32_t)t.kind | (uint32_t)t.nullable << 8 | (uint32_t)t.exact << 9);
    return t.kind == KVT_REF ? mix(h, t.heap) : h;
}

/* Builds the relative form of one module type into 'out' (types owned by out). */
static kb_error *build_rel(const kbin_module *m, uint32_t start, const kbin_type *t, kval_ctype *out) {
    memset(out, 0, sizeof *out);
    out->comp = t->comp;
    out->final = t->final;
    out->super = t->super == KBIN_NO_INDEX ? KBIN_NO_INDEX : rel_heap(m, start, t->super);
    uint32_t n;
    if (t->comp == KCT_FUNC) {
        out->param_count = t->param_count;
        out->result_count = t->result_count;
        n = t->param_count + t->result_count;
    } else {
        out->field_count = t->field_count;
        n = t->field_count;
    }
    out->types = kb_malloc(((size_t)n + 1) * sizeof *out->types);
    out->mutables = kb_calloc((size_t)n + 1, sizeof *out->mutables);
    if (out->types == NULL || out->mutables == NULL) return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        kbin_valtype v = t->comp == KCT_FUNC ? t->params[i] : t->fields[i].type;
        if (v.kind == KVT_REF) v.heap = rel_heap(m, start, v.heap);
        out->types[i] = v;
        if (t->comp != KCT_FUNC) out->mutables[i] = t->fields[i].mutable_;
    }
    return NULL;
}

static uint32_t hash_ctype(uint32_t h, const kval_ctype *c) {
    h = mix(h, c->comp | (uint32_t)c->final << 4);
    h = mix(h, c->super);
    h = mix(h, c->param_count);
    h = mix(h, c->result_count);
    h = mix(h, c->field_count);
    uint32_t n = c->comp == KCT_FUNC ? c->param_count + c->result_count : c->field_count;
    for (uint32_t i = 0; i < n; i++) {
        h = hash_vt(h, c->types[i]);
        h = mix(h, c->mutables[i]);
    }
    return h;
}

/* An absolute heap of a published group, in relative form for comparison. */
static uint32_t to_rel(uint32_t h, uint32_t base, uint32_t n) {
    if (!KHT_IS_ABS(h) && h != KBIN_NO_INDEX && h >= base && h < base + n) return REL_FLAG | (h - base);
    return h;
}

static bool group_equal(const kval_registry *reg, uint32_t base, const kval_ctype *tmp, uint32_t n) {
    const kval_ctype *first = &reg->chunks[base / CHUNK_SIZE][base % CHUNK_SIZE];
    if (first->group_size != n) return false;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t id = base + k;
        const kval_ctype *e = &reg->chunks[id / CHUNK_SIZE][id % CHUNK_SIZE];
        const kval_ctype *t = &tmp[k];
        if (e->comp != t->comp || e->final != t->final || e->param_count != t->param_count ||
            e->result_count != t->result_count || e->field_count != t->field_count)
            return false;
        if (to_rel(e->super, base, n) != t->super) return false;
        uint32_t cnt = e->comp == KCT_FUNC ? e->param_count + e->result_count : e->field_count;
        for (uint32_t i = 0; i < cnt; i++) {
            kbin_valtype a = e->types[i], b = t->types[i];
            if (a.kind != b.kind || a.nullable != b.nullable || a.exact != b.exact) return false;
            if (a.kind == KVT_REF && to_rel(a.heap, base, n) != b.heap) return false;
            if (e->mutables[i] != t->mutables[i]) return false;
        }
    }
    return true;
}

static bool table_insert(kval_registry *reg, uint32_t base, uint32_t hash) {
    if ((reg->table_used + 1) * 2 > reg->table_cap) {
        size_t cap = reg->table_cap ? reg->table_cap * 2 : 64;
        group_slot *t = kb_malloc(cap * sizeof *t);
        if (t == NULL) return false;
        for (size_t i = 0; i < cap; i++) t[i].base = UINT32_MAX;
        for (size_t i = 0; i < reg->table_cap; i++) {
            if (reg->table[i].base == UINT32_MAX) continue;
            size_t j = reg->table[i].hash & (cap - 1);
            while (t[j].base != UINT32_MAX) j = (j + 1) & (cap - 1);
            t[j] = reg->table[i];
        }
        kb_free(reg->table);
        reg->table = t;
        reg->table_cap = cap;
    }
    size_t j = hash & (reg->table_cap - 1);
    while (reg->table[j].base != UINT32_MAX) j = (j + 1) & (reg->table_cap - 1);
    reg->table[j].base = base;
    reg->table[j].hash = hash;
    reg->table_used++;
    return true;
}

static void free_tmp(kval_ctype *tmp, uint32_t n) {
    for (uint32_t k = 0; k < n; k++) {
        kb_free(tmp[k].types);
        kb_free(tmp[k].mutables);
    }
    kb_free(tmp);
}

/*
** Finds or publishes the group of tmp[0..n) (relative form, ownership of the
** arrays passes to the registry when published). Returns the base id, or
** UINT32_MAX when memory or ids run out. Caller holds the lock.
*/
static uint32_t intern_group(kval_registry *reg, kval_ctype *tmp, uint32_t n, uint32_t hash, bool *took) {
    *took = false;
    if (reg->table_cap) {
        size_t j = hash & (reg->table_cap - 1);
        while (reg->table[j].base != UINT32_MAX) {
            if (reg->table[j].hash == hash && group_equal(reg, reg->table[j].base, tmp, n))
                return reg->table[j].base;
            j = (j + 1) & (reg->table_cap - 1);
        }
    }
    uint32_t base = atomic_load_explicit(&reg->count, memory_order_relaxed);
    if ((uint64_t)base + n > MAX_CANON || (uint64_t)base + n > (uint64_t)MAX_CHUNKS * CHUNK_SIZE)
        return UINT32_MAX;
    for (uint32_t id = base; id < base + n; id++) {
        uint32_t c = id / CHUNK_SIZE;
        if (reg->chunks[c] == NULL) {
            reg->chunks[c] = kb_calloc(CHUNK_SIZE, sizeof(kval_ctype));
            if (reg->chunks[c] == NULL) return UINT32_MAX;
        }
    }
    if (!table_insert(reg, base, hash)) return UINT32_MAX;
    for (uint32_t k = 0; k < n; k++) {
        kval_ctype *t = &tmp[k];
        /* Relative references become absolute ids. */
        if (t->super != KBIN_NO_INDEX && !KHT_IS_ABS(t->super) && (t->super & REL_FLAG))
            t->super = base + (t->super & ~REL_FLAG);
        uint32_t cnt = t->comp == KCT_FUNC ? t->param_count + t->result_count : t->field_count;
        for (uint32_t i = 0; i < cnt; i++) {
            kbin_valtype *v = &t->types[i];
            if (v->kind == KVT_REF && !KHT_IS_ABS(v->heap) && (v->heap & REL_FLAG))
                v->heap = base + (v->heap & ~REL_FLAG);
        }
        t->group = base;
        t->group_size = n;
        t->depth = 0;
        if (t->super != KBIN_NO_INDEX) {
            const kval_ctype *s = t->super >= base ? &tmp[t->super - base]
                                                   : &reg->chunks[t->super / CHUNK_SIZE][t->super % CHUNK_SIZE];
            t->depth = s->depth + 1;
        }
        uint32_t id = base + k;
        reg->chunks[id / CHUNK_SIZE][id % CHUNK_SIZE] = *t;
    }
    atomic_store_explicit(&reg->count, base + n, memory_order_release);
    *took = true;
    return base;
}

/* Storage-type matching for fields (spec 3.0, "Field types" matching). */
static bool field_sub(const kval_registry *reg, kbin_valtype a, bool amut, kbin_valtype b, bool bmut) {
    if (amut != bmut) return false;
    if (a.kind == KVT_I8 || a.kind == KVT_I16 || b.kind == KVT_I8 || b.kind == KVT_I16)
        return a.kind == b.kind;
    if (!kval_vt_sub(reg, a, b)) return false;
    return !amut || kval_vt_sub(reg, b, a); /* mutable fields are invariant */
}

/* Checks a declared subtype against its supertype (spec 3.0, 3.2.x "sub" rules). */
static bool sub_ok(const kval_registry *reg, const kval_ctype *t, const kval_ctype *s) {
    if (s->final || s->comp != t->comp) return false;
    if (t->comp == KCT_FUNC) {
        if (t->param_count != s->param_count || t->result_count != s->result_count) return false;
        for (uint32_t i = 0; i < t->param_count; i++)
            if (!kval_vt_sub(reg, s->types[i], t->types[i])) return false;
        for (uint32_t i = t->param_count; i < t->param_count + t->result_count; i++)
            if (!kval_vt_sub(reg, t->types[i], s->types[i])) return false;
        return true;
    }
    if (t->comp == KCT_STRUCT && t->field_count < s->field_count) return false;
    if (t->comp == KCT_ARRAY && t->field_count != s->field_count) return false;
    for (uint32_t i = 0; i < s->field_count; i++)
        if (!field_sub(reg, t->types[i], t->mutables[i], s->types[i], s->mutables[i])) return false;
    return true;
}

static kb_error *check_local_refs(const kbin_module *m, uint32_t limit, const kbin_type *t) {
    uint32_t n = t->comp == KCT_FUNC ? t->param_count + t->result_count : t->field_count;
    for (uint32_t i = 0; i < n; i++) {
        kbin_valtype v = t->comp == KCT_FUNC ? t->params[i] : t->fields[i].type;
        if (v.kind == KVT_REF && !KHT_IS_ABS(v.heap) && v.heap >= limit)
            return invalid("unknown type %u", v.heap);
    }
    (void)m;
    return NULL;
}

kb_error *kval_canon_module(kval_registry *reg, kbin_module *m) {
    kb_error *err = NULL;
    m->registry = reg;
    uint32_t i = 0;
    while (i < m->type_count) {
        uint32_t start = m->types[i].rec_start, n = m->types[i].rec_size;
        if (start != i || n == 0 || n > m->type_count - start) return invalid("malformed rec group at type %u", i);
        /* References may point back, or anywhere inside the group. */
        for (uint32_t k = 0; k < n; k++) {
            const kbin_type *t = &m->types[start + k];
            /* Implementation limits of the JS API (also every web engine's),
               which keep per-instruction validation work bounded. */
            if (t->param_count > KVAL_MAX_PARAMS || t->result_count > KVAL_MAX_RESULTS)
                return kb_error_new(KB_ERR_LIMIT, "type %u: too many parameters or results", start + k);
            if (t->field_count > KVAL_MAX_FIELDS)
                return kb_error_new(KB_ERR_LIMIT, "type %u: too many struct fields", start + k);
            if ((err = check_local_refs(m, start + n, t)) != NULL) return err;
            if (t->super != KBIN_NO_INDEX && t->super >= start + k)
                return invalid("unknown type %u", t->super);
        }
        kval_ctype *tmp = kb_calloc(n, sizeof *tmp);
        if (tmp == NULL) return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
        uint32_t hash = mix(0, n);
        for (uint32_t k = 0; k < n && !err; k++) {
            err = build_rel(m, start, &m->types[start + k], &tmp[k]);
            if (!err) hash = hash_ctype(hash, &tmp[k]);
        }
        if (err) {
            free_tmp(tmp, n);
            return err;
        }
        bool took;
        pthread_mutex_lock(&reg->lock);
        uint32_t base = intern_group(reg, tmp, n, hash, &took);
        pthread_mutex_unlock(&reg->lock);
        if (took) kb_free(tmp); /* the arrays now belong to the registry */
        else free_tmp(tmp, n);
        if (base == UINT32_MAX) return kb_error_new(KB_ERR_LIMIT, "too many types in the engine");
        for (uint32_t k = 0; k < n; k++) m->types[start + k].canon = base + k;
        /* Declared supertypes (spec 3.0: not final, same kind, matching structure). */
        for (uint32_t k = 0; k < n; k++) {
            const kval_ctype *t = kval_ctype_get(reg, base + k);
            if (t->super == KBIN_NO_INDEX) continue;
            const kval_ctype *s = kval_ctype_get(reg, t->super);
            if (s == NULL || !sub_ok(reg, t, s)) return invalid("sub type %u does not match its supertype", start + k);
            if (t->depth > KVAL_MAX_SUBTYPE_DEPTH)
                return kb_error_new(KB_ERR_INVALID, "sub type %u: subtyping depth exceeds %d", start + k,
                                    KVAL_MAX_SUBTYPE_DEPTH);
        }
        i = start + n;
    }
    return NULL;
}

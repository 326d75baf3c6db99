/*
** krt_func.c -- host functions, tags and the function types they own.
**
** A host function or host-created tag copies the type it is given, so the
** caller's type can go away, and gets the canonical id of that type from the
** engine's registry (core spec 3.0, 4.2.x: function instances carry their
** defined type). The canonical id is what call_indirect and import matching
** compare, so a host function in a table type-checks exactly like a wasm one.
*/
#include <stdlib.h>
#include <string.h>

#include "base/kb_alloc.h"
#include "base/kb_buf.h"
#include "rt/krt_int.h"
#include "valid/kval_types.h"

krt_valtype krt_valtype_canon(const kbin_module *m, kbin_valtype t) {
    if (t.kind == KVT_REF && !KHT_IS_ABS(t.heap) && t.heap < m->type_count) t.heap = m->types[t.heap].canon;
    return t;
}

/* ---------------------------------------------------------------- canonical ids */

/*
** A host type refers to other types by canonical id, but the registry
** canonicalises module type sections, where references are local indices.
** So the host type is given the module it would have: the rec groups of
** every type it reaches (through value types and declared supertypes),
** rebuilt from the registry in id order -- a group only refers to groups
** published before it, or to itself -- followed by the host type as a group
** of its own. Canonicalising that module maps each rebuilt group onto itself
** (iso-recursive equivalence, spec 3.0 4.2) and gives the host type its id.
*/
typedef KB_VEC(uint32_t) u32_vec;

static bool has_u32(const u32_vec *v, uint32_t x) {
    for (size_t i = 0; i < v->len; i++)
        if (v->items[i] == x) return true;
    return false;
}

/* Adds the group of canonical id 'id' to 'groups' (bases) and queues it. */
static kb_error *reach(const kval_registry *reg, uint32_t id, u32_vec *groups, u32_vec *work) {
    const kval_ctype *c = kval_ctype_get(reg, id);
    if (c == NULL) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "unknown canonical type id %u", id);
    if (has_u32(groups, c->group)) return NULL;
    if (!kb_vec_push(groups, c->group) || !kb_vec_push(work, c->group))
        return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory canonicalising a host type");
    return NULL;
}

static uint32_t ctype_count(const kval_ctype *c) {
    return c->comp == KCT_FUNC ? c->param_count + c->result_count : c->field_count;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Canonical id -> index in the rebuilt module ('groups' sorted, 'local' their first indices). */
static uint32_t local_of(const kval_registry *reg, const u32_vec *groups, const uint32_t *local, uint32_t id) {
    uint32_t base = kval_ctype_get(reg, id)->group;
    for (size_t g = 0; g < groups->len; g++)
        if (groups->items[g] == base) return local[g] + (id - base);
    return KBIN_NO_INDEX; /* unreachable: every reached group is listed */
}

static kbin_valtype vt_local(const kval_registry *reg, const u32_vec *groups, const uint32_t *local, kbin_valtype v) {
    if (v.kind == KVT_REF && !KHT_IS_ABS(v.heap)) v.heap = local_of(reg, groups, local, v.heap);
    return v;
}

static void free_module_types(kbin_type *types, uint32_t n) {
    for (uint32_t i = 0; i < n && types != NULL; i++) {
        kb_free(types[i].params);
        kb_free(types[i].fields);
    }
    kb_free(types);
}

static kb_error *canon_of(kval_registry *reg, kbin_type *t) {
    uint32_t n = t->param_count + t->result_count;
    u32_vec groups = {0}, work = {0};
    kb_error *err = NULL;
    kbin_type *types = NULL;
    uint32_t *local = NULL;
    uint32_t total = 0;
    for (uint32_t i = 0; i < n && err == NULL; i++)
        if (t->params[i].kind == KVT_REF && !KHT_IS_ABS(t->params[i].heap)) err = reach(reg, t->params[i].heap, &groups, &work);
    while (err == NULL && work.len != 0) {
        const kval_ctype *first = kval_ctype_get(reg, work.items[--work.len]);
        for (uint32_t k = 0; k < first->group_size && err == NULL; k++) {
            const kval_ctype *c = kval_ctype_get(reg, first->group + k);
            if (c->super != KBIN_NO_INDEX) err = reach(reg, c->super, &groups, &work);
            for (uint32_t i = 0; i < ctype_count(c) && err == NULL; i++)
                if (c->types[i].kind == KVT_REF && !KHT_IS_ABS(c->types[i].heap)) err = reach(reg, c->types[i].heap, &groups, &work);
        }
    }
    if (err != NULL) goto done;
    if (groups.len > 1) qsort(groups.items, groups.len, sizeof(uint32_t), cmp_u32);
    local = kb_calloc(groups.len + 1, sizeof *local);
    if (local == NULL) goto oom;
    for (size_t g = 0; g < groups.len; g++) {
        local[g] = total;
        total += kval_ctype_get(reg, groups.items[g])->group_size;
    }
    types = kb_calloc((size_t)total + 1, sizeof *types);
    if (types == NULL) goto oom;
    for (size_t g = 0; g < groups.len; g++) {
        const kval_ctype *first = kval_ctype_get(reg, groups.items[g]);
        for (uint32_t k = 0; k < first->group_size; k++) {
            const kval_ctype *c = kval_ctype_get(reg, first->group + k);
            kbin_type *d = &types[local[g] + k];
            uint32_t cnt = ctype_count(c);
            d->comp = c->comp;
            d->final = c->final;
            d->super = c->super == KBIN_NO_INDEX ? KBIN_NO_INDEX : local_of(reg, &groups, local, c->super);
            d->rec_start = local[g];
            d->rec_size = first->group_size;
            if (c->comp == KCT_FUNC) {
                d->param_count = c->param_count;
                d->result_count = c->result_count;
                if ((d->params = kb_malloc(((size_t)cnt + 1) * sizeof *d->params)) == NULL) goto oom;
                for (uint32_t i = 0; i < cnt; i++) d->params[i] = vt_local(reg, &groups, local, c->types[i]);
            } else {
                d->field_count = cnt;
                if ((d->fields = kb_malloc(((size_t)cnt + 1) * sizeof *d->fields)) == NULL) goto oom;
                for (uint32_t i = 0; i < cnt; i++) {
                    d->fields[i].type = vt_local(reg, &groups, local, c->types[i]);
                    d->fields[i].mutable_ = c->mutables[i];
                }
            }
        }
    }
    /* The host type itself, last, in a group of its own. */
    kbin_type *h = &types[total];
    h->comp = KCT_FUNC;
    h->final = true;
    h->super = KBIN_NO_INDEX;
    h->rec_start = total;
    h->rec_size = 1;
    h->param_count = t->param_count;
    h->result_count = t->result_count;
    if ((h->params = kb_malloc(((size_t)n + 1) * sizeof *h->params)) == NULL) goto oom;
    for (uint32_t i = 0; i < n; i++) h->params[i] = vt_local(reg, &groups, local, t->params[i]);

    kbin_module one;
    memset(&one, 0, sizeof one);
    one.types = types;
    one.type_count = total + 1;
    if ((err = kval_canon_module(reg, &one)) != NULL) goto done;
    /* Each rebuilt group must have landed on itself; anything else is a bug. */
    for (size_t g = 0; g < groups.len; g++) {
        if (types[local[g]].canon != groups.items[g]) {
            err = kb_error_new(KB_ERR_INTERNAL, "host type canonicalisation moved group %u", groups.items[g]);
            goto done;
        }
    }
    t->canon = h->canon;
    goto done;
oom:
    err = kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory canonicalising a host type");
done:
    free_module_types(types, total + 1);
    kb_free(local);
    kb_vec_free(&groups);
    kb_vec_free(&work);
    return err;
}

/*
** Copies 'type' and gives the copy its canonical id in the engine's registry
** (spec 3.0, 4.2 "Type equivalence": a host function type is a plain 'func'
** type, final, in a group by itself, and so is equivalent to the same type
** written in any module). The copy keeps canonical heap ids (krt_valtype).
*/
static kb_error *own_functype(krt_store *s, const kbin_type *type, kbin_type **out) {
    *out = NULL;
    if (type == NULL || type->comp != KCT_FUNC)
        return kb_error_new(KB_ERR_INVALID_ARGUMENT, "a function type is required");
    uint32_t n = type->param_count + type->result_count;
    if (n != 0 && type->params == NULL)
        return kb_error_new(KB_ERR_INVALID_ARGUMENT, "function type without its value types");
    kbin_type *t = krt_functype_copy(type);
    if (t == NULL) return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory copying a function type");
    kb_error *err = canon_of(s->engine->types, t);
    if (err != NULL) {
        krt_functype_free(t);
        return err;
    }
    *out = t;
    return NULL;
}

kb_error *krt_func_new_host(krt_store *s, const kbin_type *type, krt_host_callback cb, void *env,
                            void (*env_finalizer)(void *), krt_func **out) {
    *out = NULL;
    if (cb == NULL) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "host function needs a callback");
    kbin_type *t;
    kb_error *err = own_functype(s, type, &t);
    if (err != NULL) return err;
    krt_func *f = kb_calloc(1, sizeof *f);
    if (f == NULL) {
        krt_functype_free(t);
        return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory creating a host function");
    }
    f->store = s;
    f->canon_type = t->canon;
    f->type = t;
    f->owned_type = t;
    f->index = KBIN_NO_INDEX;
    f->host = cb;
    f->env = env;
    f->env_finalizer = env_finalizer;
    if ((err = krt_store_register(s, KRT_OBJ_FUNC, f)) != NULL) {
        /* Not registered: the caller still owns 'env', so no finalizer. */
        f->env_finalizer = NULL;
        krt_obj_free(KRT_OBJ_FUNC, f);
        return err;
    }
    *out = f;
    return NULL;
}

kb_error *krt_tag_new(krt_store *s, const kbin_type *type, krt_tag **out) {
    *out = NULL;
    kbin_type *t;
    kb_error *err = own_functype(s, type, &t);
    if (err != NULL) return err;
    if (t->result_count != 0) {
        krt_functype_free(t);
        return kb_error_new(KB_ERR_INVALID_ARGUMENT, "a tag's type must have no results");
    }
    krt_tag *tag = kb_calloc(1, sizeof *tag);
    if (tag == NULL) {
        krt_functype_free(t);
        return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory creating a tag");
    }
    tag->store = s;
    tag->canon_type = t->canon;
    tag->type = t;
    tag->owned_type = t;
    if ((err = krt_store_register(s, KRT_OBJ_TAG, tag)) != NULL) {
        krt_obj_free(KRT_OBJ_TAG, tag);
        return err;
    }
    *out = tag;
    return NULL;
}

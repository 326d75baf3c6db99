/*
** krt_store.c -- the store and the bookkeeping of everything it owns.
**
** DESIGN.md "Ownership" 2: a store owns every runtime object created in it
** and none of them is freed before the store. Each constructor therefore
** registers its object in one list kept here, and krt_store_free walks that
** list once, newest first. No object is ever freed on its own: a funcref in a
** table, a global or an exception can never point at freed memory, which is
** what keeps SEEDS.md 1 (a trapped instance's functions left in an imported
** table) impossible by construction.
**
** This file also holds the small objects that need nothing but the store:
** globals, extern references and exceptions.
*/
#include <string.h>

#include "base/kb_alloc.h"
#include "base/kb_buf.h"
#include "exec/kexec.h"
#include "rt/krt_int.h"

typedef struct krt_obj {
    uint8_t kind;  /* KRT_OBJ_* */
    void *ptr;
} krt_obj;

typedef struct krt_objects {
    KB_VEC(krt_obj) list;
} krt_objects;

/* ---------------------------------------------------------------- store */

kb_error *krt_store_new(krt_engine *engine, krt_store **out) {
    *out = NULL;
    if (engine == NULL) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "store needs an engine");
    krt_store *s = kb_calloc(1, sizeof *s);
    krt_objects *objs = kb_calloc(1, sizeof *objs);
    if (s == NULL || objs == NULL) {
        kb_free(s);
        kb_free(objs);
        return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory creating a store");
    }
    s->engine = engine;
    atomic_init(&s->interrupt, 0);
    s->objects_ = objs;
    *out = s;
    return NULL;
}

kb_error *krt_store_register(krt_store *s, uint8_t kind, void *obj) {
    krt_objects *objs = s->objects_;
    krt_obj o = {kind, obj};
    if (!kb_vec_push(&objs->list, o))
        return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory registering a store object");
    return NULL;
}

static void instance_free(krt_instance *inst) {
    if (inst->elem_refs != NULL && inst->module != NULL) {
        for (uint32_t i = 0; i < inst->module->bin->elem_count; i++) kb_free(inst->elem_refs[i]);
    }
    kb_free(inst->elem_refs);
    kb_free(inst->elem_sizes);
    kb_free(inst->data_dropped);
    kb_free(inst->funcs);
    kb_free(inst->tables);
    kb_free(inst->memories);
    kb_free(inst->globals);
    kb_free(inst->tags);
    kb_free(inst);
}

void krt_obj_free(uint8_t kind, void *obj) {
    if (obj == NULL) return;
    switch (kind) {
    case KRT_OBJ_FUNC: {
        krt_func *f = obj;
        if (f->env_finalizer != NULL) f->env_finalizer(f->env);
        krt_functype_free(f->owned_type);
        kb_free(f);
        break;
    }
    case KRT_OBJ_MEMORY: krt_memory_release(obj); break;
    case KRT_OBJ_TABLE: krt_table_release(obj); break;
    case KRT_OBJ_TAG: {
        krt_tag *t = obj;
        krt_functype_free(t->owned_type);
        kb_free(t);
        break;
    }
    case KRT_OBJ_EXTERNREF: {
        krt_externref *r = obj;
        if (r->finalizer != NULL) r->finalizer(r->value);
        kb_free(r);
        break;
    }
    case KRT_OBJ_INSTANCE: instance_free(obj); break;
    case KRT_OBJ_GLOBAL:
    case KRT_OBJ_EXN:
    default: kb_free(obj); break;
    }
}

void krt_store_free(krt_store *s) {
    if (s == NULL) return;
    /* The execution context first: nothing runs once the store is going. */
    if (s->exec != NULL) kexec_context_free(s->exec);
    s->exec = NULL;
    krt_objects *objs = s->objects_;
    /* Newest first, so an instance goes before the objects it was built from;
       no object's free looks at another object, so the order is not load-
       bearing, only tidy. */
    for (size_t i = objs->list.len; i-- > 0;) krt_obj_free(objs->list.items[i].kind, objs->list.items[i].ptr);
    kb_vec_free(&objs->list);
    kb_free(objs);
    kb_free(s);
}

/* ---------------------------------------------------------------- function types */

kbin_type *krt_functype_copy(const kbin_type *type) {
    kbin_type *t = kb_calloc(1, sizeof *t);
    if (t == NULL) return NULL;
    uint32_t n = type->param_count + type->result_count;
    t->comp = KCT_FUNC;
    t->final = true;
    t->super = KBIN_NO_INDEX;
    t->rec_start = 0;
    t->rec_size = 1;
    t->param_count = type->param_count;
    t->result_count = type->result_count;
    t->params = kb_malloc((n ? n : 1) * sizeof(kbin_valtype));
    if (t->params == NULL) {
        kb_free(t);
        return NULL;
    }
    if (n != 0) memcpy(t->params, type->params, n * sizeof(kbin_valtype));
    t->canon = type->canon;
    return t;
}

void krt_functype_free(kbin_type *type) {
    if (type == NULL) return;
    kb_free(type->params);
    kb_free(type->fields);
    kb_free(type);
}

/* ---------------------------------------------------------------- globals */

kb_error *krt_global_new(krt_store *s, krt_valtype type, bool mutable_, const uint64_t *value,
                         krt_global **out) {
    *out = NULL;
    krt_global *g = kb_calloc(1, sizeof *g);
    if (g == NULL) return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory creating a global");
    g->store = s;
    g->type = type;
    g->mutable_ = mutable_;
    if (value != NULL) memcpy(g->value, value, krt_slots_of(type) * sizeof(uint64_t));
    kb_error *err = krt_store_register(s, KRT_OBJ_GLOBAL, g);
    if (err != NULL) {
        kb_free(g);
        return err;
    }
    *out = g;
    return NULL;
}

/* ---------------------------------------------------------------- references */

kb_error *krt_externref_new(krt_store *s, uintptr_t value, void (*finalizer)(uintptr_t),
                            krt_externref **out) {
    *out = NULL;
    krt_externref *r = kb_calloc(1, sizeof *r);
    if (r == NULL) return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory creating an externref");
    r->store = s;
    r->value = value;
    r->finalizer = finalizer;
    kb_error *err = krt_store_register(s, KRT_OBJ_EXTERNREF, r);
    if (err != NULL) {
        /* Not registered: the finalizer must not run, the caller keeps 'value'. */
        kb_free(r);
        return err;
    }
    *out = r;
    return NULL;
}

/* An exception's payload: the tag type's parameters in slot layout (spec 3.0, 4.2.x exninst). */
kb_error *krt_exn_new(krt_store *s, krt_tag *tag, const uint64_t *slots, krt_exn **out) {
    *out = NULL;
    if (tag == NULL || tag->type == NULL) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "exception needs a tag");
    if (tag->store != s) return kb_error_new(KB_ERR_STORE_MISMATCH, "store mismatch");
    uint32_t n = 0;
    for (uint32_t i = 0; i < tag->type->param_count; i++) n += krt_slots_of(tag->type->params[i]);
    krt_exn *e = kb_calloc(1, sizeof *e + (size_t)n * sizeof(uint64_t));
    if (e == NULL) return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory creating an exception");
    e->tag = tag;
    e->slot_count = n;
    if (n != 0 && slots != NULL) memcpy(e->slots, slots, (size_t)n * sizeof(uint64_t));
    kb_error *err = krt_store_register(s, KRT_OBJ_EXN, e);
    if (err != NULL) {
        kb_free(e);
        return err;
    }
    *out = e;
    return NULL;
}

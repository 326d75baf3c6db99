/*
** krt_func.c -- host functions, tags and the function types they own.
**
** A host function or host-created tag copies the type it is given, so the
** caller's type can go away, and gets the canonical id of that type from the
** engine's registry (core spec 3.0, 4.2.x: function instances carry their
** defined type). The canonical id is what call_indirect and import matching
** compare, so a host function in a table type-checks exactly like a wasm one.
*/
#include <string.h>

#include "base/kb_alloc.h"
#include "rt/krt_int.h"
#include "valid/kval_types.h"

krt_valtype krt_valtype_canon(const kbin_module *m, kbin_valtype t) {
    if (t.kind == KVT_REF && !KHT_IS_ABS(t.heap) && t.heap < m->type_count) t.heap = m->types[t.heap].canon;
    return t;
}

/*
** Copies 'type' and gives the copy its canonical id in the engine's registry,
** by canonicalising it as the one-type rec group of a module of its own (spec
** 3.0, 4.2 "Type equivalence": a host function type is a plain 'func' type,
** final, in a group by itself, and so is equivalent to the same type written
** in any module).
*/
static kb_error *own_functype(krt_store *s, const kbin_type *type, kbin_type **out) {
    *out = NULL;
    if (type == NULL || type->comp != KCT_FUNC)
        return kb_error_new(KB_ERR_INVALID_ARGUMENT, "a function type is required");
    uint32_t n = type->param_count + type->result_count;
    if (n != 0 && type->params == NULL)
        return kb_error_new(KB_ERR_INVALID_ARGUMENT, "function type without its value types");
    for (uint32_t i = 0; i < n; i++) {
        kbin_valtype v = type->params[i];
        if (v.kind == KVT_REF && !KHT_IS_ABS(v.heap))
            /* Needs a registry entry point that takes canonical value types
               (valid/ has none yet): refuse cleanly rather than guess. */
            return kb_error_new(KB_ERR_UNSUPPORTED,
                                "host function types with concrete reference types are not supported yet");
    }
    kbin_type *t = krt_functype_copy(type);
    if (t == NULL) return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory copying a function type");
    kbin_module one;
    memset(&one, 0, sizeof one);
    one.types = t;
    one.type_count = 1;
    kb_error *err = kval_canon_module(s->engine->types, &one);
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

/*
** kapi_instance.c -- instantiation (direct and through the linker),
** instances and their exports, and keel_extern.
**
** Instantiation runs wasm code (the start function), so it enters the store
** like a call: retain + lock (DESIGN.md rules 5 and 8). The store retains
** every module instantiated in it before instantiation starts: a module
** whose start function traps may already have written its functions into
** imported tables, and those must stay callable (SEEDS.md 1).
*/
#include "kapi_int.h"

#include <string.h>

#define ERR(kind, ...) ((keel_error *)kb_error_new((kind), __VA_ARGS__))

/* ---------------------------------------------------------------- extern */

static uint32_t handle_kind_of_ext(uint8_t kext) {
    switch (kext) {
    case KEXT_FUNC: return KEEL_HANDLE_FUNC;
    case KEXT_TABLE: return KEEL_HANDLE_TABLE;
    case KEXT_MEMORY: return KEEL_HANDLE_MEMORY;
    case KEXT_GLOBAL: return KEEL_HANDLE_GLOBAL;
    case KEXT_TAG: return KEEL_HANDLE_TAG;
    default: return 0;
    }
}

static uint8_t ext_of_handle_kind(uint32_t kind) {
    switch (kind) {
    case KEEL_HANDLE_FUNC: return KEXT_FUNC;
    case KEEL_HANDLE_TABLE: return KEXT_TABLE;
    case KEEL_HANDLE_MEMORY: return KEXT_MEMORY;
    case KEEL_HANDLE_GLOBAL: return KEXT_GLOBAL;
    default: return KEXT_TAG;
    }
}

kb_error *kapi_extern_wrap(kapi_store *s, const krt_extern *ext, keel_extern **out) {
    uint32_t kind = handle_kind_of_ext(ext->kind);
    if (kind == 0) return kb_error_new(KB_ERR_INTERNAL, "extern of unknown kind %u", ext->kind);
    kapi_handle *h = kapi_handle_new(kind, s, (void *)ext->of.func);
    if (h == NULL) return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
    *out = (keel_extern *)h;
    return NULL;
}

void kapi_extern_unwrap(const kapi_handle *h, krt_extern *out) {
    memset(out, 0, sizeof *out);
    out->kind = ext_of_handle_kind(h->head.kind);
    switch (out->kind) {
    case KEXT_FUNC: out->of.func = h->u.func; break;
    case KEXT_TABLE: out->of.table = h->u.table; break;
    case KEXT_MEMORY: out->of.memory = h->u.memory; break;
    case KEXT_GLOBAL: out->of.global = h->u.global; break;
    default: out->of.tag = h->u.tag; break;
    }
}

KEEL_API keel_externkind keel_extern_kind(const keel_extern *ext) {
    if (!kapi_ok(ext, KAPI_ANY_EXTERN)) return UINT32_MAX;
    return ext_of_handle_kind(((const kapi_handle *)ext)->head.kind);
}

KEEL_API keel_error *keel_extern_type(const keel_extern *ext, keel_externtype **out) {
    kb_error *err = kapi_check(ext, KAPI_ANY_EXTERN, "extern");
    if (err) return (keel_error *)err;
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    krt_extern e;
    kapi_extern_unwrap((const kapi_handle *)ext, &e);
    kapi_store *s = ((const kapi_handle *)ext)->store;
    /* Reading a table's or memory's current size: under the store's lock. */
    if ((err = kapi_store_lock(s, false)) != NULL) return (keel_error *)err;
    err = kapi_externtype_of_extern(s, &e, out);
    kapi_store_unlock(s);
    return (keel_error *)err;
}

KEEL_API keel_extern *keel_extern_retain(keel_extern *ext) {
    if (!kapi_ok(ext, KAPI_ANY_EXTERN)) return NULL;
    kapi_handle_retain((kapi_handle *)ext);
    return ext;
}

KEEL_API void keel_extern_release(keel_extern *ext) {
    if (kapi_ok(ext, KAPI_ANY_EXTERN)) kapi_handle_release((kapi_handle *)ext);
}

static void *as_kind(void *p, uint32_t kind) { return kapi_ok(p, kind) ? p : NULL; }

KEEL_API keel_func *keel_extern_as_func(keel_extern *ext) { return as_kind(ext, KEEL_HANDLE_FUNC); }
KEEL_API keel_table *keel_extern_as_table(keel_extern *ext) { return as_kind(ext, KEEL_HANDLE_TABLE); }
KEEL_API keel_memory *keel_extern_as_memory(keel_extern *ext) { return as_kind(ext, KEEL_HANDLE_MEMORY); }
KEEL_API keel_global *keel_extern_as_global(keel_extern *ext) { return as_kind(ext, KEEL_HANDLE_GLOBAL); }
KEEL_API keel_tag *keel_extern_as_tag(keel_extern *ext) { return as_kind(ext, KEEL_HANDLE_TAG); }
KEEL_API keel_extern *keel_func_as_extern(keel_func *func) { return as_kind(func, KEEL_HANDLE_FUNC); }
KEEL_API keel_extern *keel_table_as_extern(keel_table *table) { return as_kind(table, KEEL_HANDLE_TABLE); }
KEEL_API keel_extern *keel_memory_as_extern(keel_memory *memory) { return as_kind(memory, KEEL_HANDLE_MEMORY); }
KEEL_API keel_extern *keel_global_as_extern(keel_global *global) { return as_kind(global, KEEL_HANDLE_GLOBAL); }
KEEL_API keel_extern *keel_tag_as_extern(keel_tag *tag) { return as_kind(tag, KEEL_HANDLE_TAG); }

/* ---------------------------------------------------------------- instantiation */

static kb_error *instantiate(kapi_store *s, keel_module *module, const krt_extern *imports,
                             size_t count, keel_instance **out) {
    kapi_module *m = ((kapi_handle *)module)->u.module;
    if (m->engine != s->engine)
        return kb_error_new(KB_ERR_INVALID_ARGUMENT, "the module and the store come from different engines");
    kapi_store_retain(s); /* rule 5: the start function may run while handles go */
    kb_error *err = kapi_store_lock(s, false);
    if (err) {
        kapi_store_release(s);
        return err;
    }
    if (kapi_store_find_module(s, m->krt) == NULL) {
        if (!kb_vec_push(&s->modules, m)) {
            err = kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
            goto done;
        }
        kapi_module_retain(m);
    }
    krt_instance *inst = NULL;
    s->depth++;
    err = krt_instantiate(s->krt, m->krt, imports, count, &inst);
    s->depth--;
    if (s->depth == 0 && err && err->kind == KB_ERR_TRAP && err->trap == KB_TRAP_INTERRUPTED)
        atomic_store(&s->krt->interrupt, 0u);
    if (err) {
        kapi_wrap_exception(s, err);
        goto done;
    }
    kapi_handle *h = kapi_handle_new(KEEL_HANDLE_INSTANCE, s, inst);
    if (h == NULL) {
        err = kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
        goto done;
    }
    *out = (keel_instance *)h;
done:
    kapi_store_unlock(s);
    kapi_store_release(s);
    return err;
}

static keel_error *check_store_module_out(keel_store *store, keel_module *module, void *out) {
    kb_error *err = kapi_check(store, KEEL_HANDLE_STORE, "store");
    if (err == NULL) err = kapi_check(module, KEEL_HANDLE_MODULE, "module");
    if (err == NULL && out == NULL) err = kb_error_new(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    return (keel_error *)err;
}

KEEL_API keel_error *keel_instance_new(keel_store *store, keel_module *module,
                                       keel_extern *const *imports, size_t import_count,
                                       keel_instance **out) {
    keel_error *e = check_store_module_out(store, module, out);
    if (e) return e;
    *out = NULL;
    kapi_store *s = ((kapi_handle *)store)->store;
    const kbin_module *bin = ((kapi_handle *)module)->u.module->krt->bin;
    if (import_count != bin->import_count)
        return ERR(KB_ERR_INVALID_ARGUMENT, "the module has %u imports, %zu given", bin->import_count,
                   import_count);
    if (imports == NULL && import_count) return ERR(KB_ERR_INVALID_ARGUMENT, "imports is NULL");
    krt_extern *ext = kb_calloc(import_count ? import_count : 1, sizeof *ext);
    if (ext == NULL) return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    kb_error *err = NULL;
    for (size_t i = 0; i < import_count && err == NULL; i++) {
        const kbin_import *imp = &bin->imports[i];
        if ((err = kapi_check(imports[i], KAPI_ANY_EXTERN, "import")) != NULL) break;
        const kapi_handle *h = (const kapi_handle *)imports[i];
        if (h->store != s)
            err = kb_error_new(KB_ERR_STORE_MISMATCH, "store mismatch: import %.*s::%.*s belongs to another store",
                               (int)imp->module_len, imp->module, (int)imp->name_len, imp->name);
        else if (ext_of_handle_kind(h->head.kind) != imp->kind)
            err = kb_error_new(KB_ERR_UNLINKABLE, "incompatible import type for %.*s::%.*s",
                               (int)imp->module_len, imp->module, (int)imp->name_len, imp->name);
        else
            kapi_extern_unwrap(h, &ext[i]);
    }
    if (err == NULL) err = instantiate(s, module, ext, import_count, out);
    kb_free(ext);
    return (keel_error *)err;
}

/* ---------------------------------------------------------------- instance */

KEEL_API keel_instance *keel_instance_retain(keel_instance *instance) {
    if (!kapi_ok(instance, KEEL_HANDLE_INSTANCE)) return NULL;
    kapi_handle_retain((kapi_handle *)instance);
    return instance;
}

KEEL_API void keel_instance_release(keel_instance *instance) {
    if (kapi_ok(instance, KEEL_HANDLE_INSTANCE)) kapi_handle_release((kapi_handle *)instance);
}

KEEL_API keel_error *keel_instance_export(keel_instance *instance, const char *name,
                                          size_t name_len, keel_extern **out) {
    kb_error *err = kapi_check(instance, KEEL_HANDLE_INSTANCE, "instance");
    if (err) return (keel_error *)err;
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    if (name == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "name is NULL");
    kapi_handle *h = (kapi_handle *)instance;
    krt_extern e;
    if (!krt_instance_export(h->u.instance, name, name_len, &e))
        return ERR(KB_ERR_INVALID_ARGUMENT, "unknown export: %.*s", (int)name_len, name);
    return (keel_error *)kapi_extern_wrap(h->store, &e, out);
}

static keel_error *export_kind(keel_instance *instance, const char *name, size_t name_len,
                               uint32_t kind, void **out) {
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    keel_extern *ext;
    keel_error *e = keel_instance_export(instance, name, name_len, &ext);
    if (e) return e;
    if (((kapi_handle *)ext)->head.kind != kind) {
        keel_extern_release(ext);
        return ERR(KB_ERR_INVALID_ARGUMENT, "export %.*s is not a %s", (int)name_len, name,
                   keel_debug_handle_kind_name(kind));
    }
    *out = ext;
    return NULL;
}

KEEL_API keel_error *keel_instance_export_func(keel_instance *instance, const char *name,
                                               size_t name_len, keel_func **out) {
    return export_kind(instance, name, name_len, KEEL_HANDLE_FUNC, (void **)out);
}

KEEL_API keel_error *keel_instance_export_memory(keel_instance *instance, const char *name,
                                                 size_t name_len, keel_memory **out) {
    return export_kind(instance, name, name_len, KEEL_HANDLE_MEMORY, (void **)out);
}

KEEL_API keel_error *keel_instance_export_table(keel_instance *instance, const char *name,
                                                size_t name_len, keel_table **out) {
    return export_kind(instance, name, name_len, KEEL_HANDLE_TABLE, (void **)out);
}

KEEL_API keel_error *keel_instance_export_global(keel_instance *instance, const char *name,
                                                 size_t name_len, keel_global **out) {
    return export_kind(instance, name, name_len, KEEL_HANDLE_GLOBAL, (void **)out);
}

KEEL_API size_t keel_instance_export_count(const keel_instance *instance) {
    if (!kapi_ok(instance, KEEL_HANDLE_INSTANCE)) return 0;
    return ((const kapi_handle *)instance)->u.instance->module->bin->export_count;
}

KEEL_API keel_error *keel_instance_export_nth(keel_instance *instance, size_t i,
                                              const char **name, size_t *name_len,
                                              keel_extern **out) {
    kb_error *err = kapi_check(instance, KEEL_HANDLE_INSTANCE, "instance");
    if (err) return (keel_error *)err;
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    const kbin_module *bin = ((kapi_handle *)instance)->u.instance->module->bin;
    if (i >= bin->export_count)
        return ERR(KB_ERR_INVALID_ARGUMENT, "export %zu out of range (the instance has %u)", i,
                   bin->export_count);
    const kbin_export *ex = &bin->exports[i];
    keel_error *e = keel_instance_export(instance, ex->name, ex->name_len, out);
    if (e) return e;
    if (name) *name = ex->name;
    if (name_len) *name_len = ex->name_len;
    return NULL;
}

KEEL_API keel_error *keel_instance_module(keel_instance *instance, keel_module **out) {
    kb_error *err = kapi_check(instance, KEEL_HANDLE_INSTANCE, "instance");
    if (err) return (keel_error *)err;
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    kapi_handle *h = (kapi_handle *)instance;
    if ((err = kapi_store_lock(h->store, false)) != NULL) return (keel_error *)err;
    kapi_module *m = kapi_store_find_module(h->store, h->u.instance->module);
    kapi_handle *mh = NULL;
    if (m) {
        mh = kapi_handle_new(KEEL_HANDLE_MODULE, NULL, m);
        if (mh) kapi_module_retain(m);
    }
    kapi_store_unlock(h->store);
    if (m == NULL) return ERR(KB_ERR_INTERNAL, "the instance's module is not in its store");
    if (mh == NULL) return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    *out = (keel_module *)mh;
    return NULL;
}

/* ---------------------------------------------------------------- linker */

typedef struct linker_entry {
    char *module;
    size_t module_len;
    char *name;
    size_t name_len;
    kapi_handle *item;              /* retained */
} linker_entry;

struct keel_linker {
    kapi_head head;
    kapi_engine *engine;            /* retained */
    bool shadowing;
    KB_VEC(linker_entry) entries;
};

KEEL_API keel_error *keel_linker_new(keel_engine *engine, keel_linker **out) {
    kb_error *err = kapi_check(engine, KEEL_HANDLE_ENGINE, "engine");
    if (err) return (keel_error *)err;
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    keel_linker *l = kapi_obj_new(KEEL_HANDLE_LINKER, sizeof *l);
    *out = l;
    if (l == NULL) return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    l->engine = ((kapi_handle *)engine)->u.engine;
    kapi_engine_retain(l->engine);
    return NULL;
}

KEEL_API void keel_linker_free(keel_linker *linker) {
    if (!kapi_ok(linker, KEEL_HANDLE_LINKER)) return;
    for (size_t i = 0; i < linker->entries.len; i++) {
        linker_entry *e = &linker->entries.items[i];
        kb_free(e->module);
        kb_free(e->name);
        kapi_handle_release(e->item);
    }
    kb_vec_free(&linker->entries);
    kapi_engine_release(linker->engine);
    kapi_obj_dispose(linker);
}

KEEL_API void keel_linker_allow_shadowing(keel_linker *linker, bool allow) {
    if (kapi_ok(linker, KEEL_HANDLE_LINKER)) linker->shadowing = allow;
}

static linker_entry *find(const keel_linker *l, const char *module, size_t module_len,
                          const char *name, size_t name_len) {
    for (size_t i = 0; i < l->entries.len; i++) {
        linker_entry *e = &l->entries.items[i];
        if (e->module_len == module_len && e->name_len == name_len &&
            memcmp(e->module, module, module_len) == 0 && memcmp(e->name, name, name_len) == 0)
            return e;
    }
    return NULL;
}

KEEL_API keel_error *keel_linker_define(keel_linker *linker, const char *module, size_t module_len,
                                        const char *name, size_t name_len, keel_extern *item) {
    kb_error *err = kapi_check(linker, KEEL_HANDLE_LINKER, "linker");
    if (err == NULL) err = kapi_check(item, KAPI_ANY_EXTERN, "item");
    if (err) return (keel_error *)err;
    if (module == NULL || name == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "module or name is NULL");
    linker_entry *e = find(linker, module, module_len, name, name_len);
    if (e && !linker->shadowing)
        return ERR(KB_ERR_INVALID_ARGUMENT, "%.*s::%.*s is already defined", (int)module_len, module,
                   (int)name_len, name);
    kapi_handle_retain((kapi_handle *)item);
    if (e) {
        kapi_handle_release(e->item);
        e->item = (kapi_handle *)item;
        return NULL;
    }
    linker_entry ne = {kb_strndup(module, module_len), module_len, kb_strndup(name, name_len), name_len,
                       (kapi_handle *)item};
    if (ne.module == NULL || ne.name == NULL || !kb_vec_push(&linker->entries, ne)) {
        kb_free(ne.module);
        kb_free(ne.name);
        kapi_handle_release(ne.item);
        return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    }
    return NULL;
}

KEEL_API keel_error *keel_linker_define_func(keel_linker *linker, const char *module,
                                             size_t module_len, const char *name, size_t name_len,
                                             keel_func *func) {
    kb_error *err = kapi_check(func, KEEL_HANDLE_FUNC, "func");
    if (err) return (keel_error *)err;
    return keel_linker_define(linker, module, module_len, name, name_len, keel_func_as_extern(func));
}

KEEL_API keel_error *keel_linker_define_instance(keel_linker *linker, const char *module,
                                                 size_t module_len, keel_instance *instance) {
    kb_error *err = kapi_check(linker, KEEL_HANDLE_LINKER, "linker");
    if (err == NULL) err = kapi_check(instance, KEEL_HANDLE_INSTANCE, "instance");
    if (err) return (keel_error *)err;
    if (module == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "module is NULL");
    size_t n = keel_instance_export_count(instance);
    for (size_t i = 0; i < n; i++) {
        const char *name;
        size_t name_len;
        keel_extern *ext;
        keel_error *e = keel_instance_export_nth(instance, i, &name, &name_len, &ext);
        if (e == NULL) {
            e = keel_linker_define(linker, module, module_len, name, name_len, ext);
            keel_extern_release(ext);
        }
        if (e) return e;
    }
    return NULL;
}

KEEL_API keel_error *keel_linker_get(const keel_linker *linker, const char *module,
                                     size_t module_len, const char *name, size_t name_len,
                                     keel_extern **out) {
    kb_error *err = kapi_check(linker, KEEL_HANDLE_LINKER, "linker");
    if (err) return (keel_error *)err;
    if (out == NULL || module == NULL || name == NULL)
        return ERR(KB_ERR_INVALID_ARGUMENT, "module, name or out is NULL");
    linker_entry *e = find(linker, module, module_len, name, name_len);
    *out = NULL;
    if (e) {
        kapi_handle_retain(e->item);
        *out = (keel_extern *)e->item;
    }
    return NULL;
}

KEEL_API keel_error *keel_linker_instantiate(const keel_linker *linker, keel_store *store,
                                             keel_module *module, keel_instance **out) {
    kb_error *err = kapi_check(linker, KEEL_HANDLE_LINKER, "linker");
    if (err) return (keel_error *)err;
    keel_error *e = check_store_module_out(store, module, out);
    if (e) return e;
    *out = NULL;
    kapi_store *s = ((kapi_handle *)store)->store;
    const kbin_module *bin = ((kapi_handle *)module)->u.module->krt->bin;
    krt_extern *ext = kb_calloc(bin->import_count ? bin->import_count : 1, sizeof *ext);
    if (ext == NULL) return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    for (uint32_t i = 0; i < bin->import_count && err == NULL; i++) {
        const kbin_import *imp = &bin->imports[i];
        linker_entry *le = find(linker, imp->module, imp->module_len, imp->name, imp->name_len);
        if (le == NULL)
            err = kb_error_new(KB_ERR_UNLINKABLE, "unknown import: %.*s::%.*s", (int)imp->module_len,
                               imp->module, (int)imp->name_len, imp->name);
        else if (le->item->store != s)
            err = kb_error_new(KB_ERR_STORE_MISMATCH, "store mismatch: %.*s::%.*s belongs to another store",
                               (int)imp->module_len, imp->module, (int)imp->name_len, imp->name);
        else if (ext_of_handle_kind(le->item->head.kind) != imp->kind)
            err = kb_error_new(KB_ERR_UNLINKABLE, "incompatible import type for %.*s::%.*s",
                               (int)imp->module_len, imp->module, (int)imp->name_len, imp->name);
        else
            kapi_extern_unwrap(le->item, &ext[i]);
    }
    if (err == NULL) err = instantiate(s, module, ext, bin->import_count, out);
    kb_free(ext);
    return (keel_error *)err;
}

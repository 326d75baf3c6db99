/*
** kapi_engine.c -- keel_config, keel_engine and keel_module (DESIGN.md
** "Ownership" rule 1: immutable, thread-safe, a module retains its engine).
*/
#include "kapi_int.h"

#include <string.h>

/* text/: WAT to binary (engine/text/ktext.h; declared here until it lands). */
kb_error *ktext_wat_to_wasm(const char *src, size_t len, kb_buf *out);

#define ERR(kind, ...) ((keel_error *)kb_error_new((kind), __VA_ARGS__))

/* ---------------------------------------------------------------- config */

/* The defaults; rt/ applies its own when a limit is 0. */
static void config_defaults(keel_config *c) {
    krt_features f = {true, true, true, true, true, true, true, true, true, true, true};
    c->features = f;
    c->limits.max_call_depth = 0;
    c->limits.value_stack_bytes = 0;
}

KEEL_API keel_error *keel_config_new(keel_config **out) {
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    keel_config *c = kapi_obj_new(KEEL_HANDLE_CONFIG, sizeof *c);
    *out = c;
    if (c == NULL) return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    config_defaults(c);
    return NULL;
}

KEEL_API void keel_config_free(keel_config *config) {
    if (!kapi_ok(config, KEEL_HANDLE_CONFIG)) return;
    kapi_config_free_fields(config);
    kapi_obj_dispose(config);
}

static bool *feature_slot(keel_config *c, keel_feature f) {
    switch (f) {
    case KEEL_FEATURE_SIMD: return &c->features.simd;
    case KEEL_FEATURE_THREADS: return &c->features.threads;
    case KEEL_FEATURE_GC: return &c->features.gc;
    case KEEL_FEATURE_EXCEPTIONS: return &c->features.exceptions;
    case KEEL_FEATURE_TAIL_CALLS: return &c->features.tail_calls;
    case KEEL_FEATURE_MEMORY64: return &c->features.memory64;
    case KEEL_FEATURE_MULTI_MEMORY: return &c->features.multi_memory;
    case KEEL_FEATURE_FUNCTION_REFERENCES: return &c->features.function_references;
    case KEEL_FEATURE_EXTENDED_CONST: return &c->features.extended_const;
    case KEEL_FEATURE_CUSTOM_PAGE_SIZES: return &c->features.custom_page_sizes;
    case KEEL_FEATURE_WIDE_ARITHMETIC: return &c->features.wide_arithmetic;
    default: return NULL;
    }
}

KEEL_API keel_error *keel_config_set_feature(keel_config *config, keel_feature feature, bool enable) {
    kb_error *err = kapi_check(config, KEEL_HANDLE_CONFIG, "config");
    if (err) return (keel_error *)err;
    bool *slot = feature_slot(config, feature);
    if (slot == NULL) return ERR(KB_ERR_UNSUPPORTED, "unknown feature %u", (unsigned)feature);
    *slot = enable;
    return NULL;
}

KEEL_API bool keel_config_get_feature(const keel_config *config, keel_feature feature) {
    if (!kapi_ok(config, KEEL_HANDLE_CONFIG)) return false;
    bool *slot = feature_slot((keel_config *)config, feature);
    return slot && *slot;
}

KEEL_API keel_error *keel_config_set_max_call_depth(keel_config *config, uint32_t depth) {
    kb_error *err = kapi_check(config, KEEL_HANDLE_CONFIG, "config");
    if (err) return (keel_error *)err;
    if (depth == 0) return ERR(KB_ERR_INVALID_ARGUMENT, "max call depth must be at least 1");
    config->limits.max_call_depth = depth;
    return NULL;
}

KEEL_API keel_error *keel_config_set_value_stack_size(keel_config *config, size_t bytes) {
    kb_error *err = kapi_check(config, KEEL_HANDLE_CONFIG, "config");
    if (err) return (keel_error *)err;
    if (bytes < 4096) return ERR(KB_ERR_INVALID_ARGUMENT, "value stack size must be at least 4096 bytes");
    config->limits.value_stack_bytes = bytes;
    return NULL;
}

KEEL_API keel_error *keel_config_set_debug_guard(keel_config *config, bool enable) {
    kb_error *err = kapi_check(config, KEEL_HANDLE_CONFIG, "config");
    if (err) return (keel_error *)err;
    config->guard = enable;
    return NULL;
}

/* ---------------------------------------------------------------- engine */

void kapi_engine_retain(kapi_engine *e) { atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed); }

void kapi_engine_release(kapi_engine *e) {
    if (e == NULL || atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) != 1) return;
    kapi_code_cache_free(e->cache);
    krt_engine_free(e->krt);
    kb_free(e);
}

KEEL_API keel_error *keel_engine_new(const keel_config *config, keel_engine **out) {
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    keel_config defaults;
    if (config == NULL) {
        memset(&defaults, 0, sizeof defaults);
        config_defaults(&defaults);
        config = &defaults;
    } else {
        kb_error *err = kapi_check(config, KEEL_HANDLE_CONFIG, "config");
        if (err) return (keel_error *)err;
    }
    if (config->guard) keel_debug_set_guard(1);
    kapi_engine *e = kb_calloc(1, sizeof *e);
    if (e == NULL) return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    atomic_init(&e->refs, 1);
    krt_limits limits = config->limits;
    kb_error *err = krt_engine_new(&config->features, &limits, &e->krt);
    if (err) {
        kb_free(e);
        return (keel_error *)err;
    }
    e->cache = kapi_code_cache_new(config); /* NULL: no cache (never an error) */
    kapi_handle *h = kapi_handle_new(KEEL_HANDLE_ENGINE, NULL, e);
    if (h == NULL) {
        kapi_engine_release(e);
        return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    }
    *out = (keel_engine *)h;
    return NULL;
}

KEEL_API keel_engine *keel_engine_retain(keel_engine *engine) {
    if (!kapi_ok(engine, KEEL_HANDLE_ENGINE)) return NULL;
    kapi_handle_retain((kapi_handle *)engine);
    return engine;
}

KEEL_API void keel_engine_release(keel_engine *engine) {
    if (kapi_ok(engine, KEEL_HANDLE_ENGINE)) kapi_handle_release((kapi_handle *)engine);
}

/* ---------------------------------------------------------------- module */

void kapi_module_retain(kapi_module *m) { atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed); }

void kapi_module_release(kapi_module *m) {
    if (m == NULL || atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1) return;
    krt_module_free(m->krt);
    kapi_engine_release(m->engine);
    kb_free(m);
}

static const kbin_module *bin_of(const keel_module *module) {
    if (!kapi_ok(module, KEEL_HANDLE_MODULE)) return NULL;
    return ((const kapi_handle *)module)->u.module->krt->bin;
}

KEEL_API keel_error *keel_module_new(keel_engine *engine, const uint8_t *bytes, size_t size,
                                     keel_module **out) {
    kb_error *err = kapi_check(engine, KEEL_HANDLE_ENGINE, "engine");
    if (err) return (keel_error *)err;
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    if (bytes == NULL && size) return ERR(KB_ERR_INVALID_ARGUMENT, "bytes is NULL");
    static const uint8_t empty[1];
    if (bytes == NULL) bytes = empty;
    kapi_engine *e = ((kapi_handle *)engine)->u.engine;
    krt_module *krt = NULL;
    if ((err = krt_module_new_cached(e->krt, e->cache, bytes, size, &krt)) != NULL) return (keel_error *)err;
    return kapi_module_wrap(engine, krt, out);
}

KEEL_API keel_error *keel_wat_to_wasm(const char *text, size_t len, uint8_t **out_bytes,
                                      size_t *out_size) {
    if (out_bytes == NULL || out_size == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    *out_bytes = NULL;
    *out_size = 0;
    if (text == NULL && len) return ERR(KB_ERR_INVALID_ARGUMENT, "text is NULL");
    kb_buf buf = {0};
    kb_error *err = ktext_wat_to_wasm(text ? text : "", len, &buf);
    if (err) {
        kb_buf_free(&buf);
        return (keel_error *)err;
    }
    if (buf.data == NULL && !kb_buf_reserve(&buf, 1)) return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    *out_bytes = kb_buf_take(&buf, out_size);
    return NULL;
}

KEEL_API void keel_bytes_free(uint8_t *bytes) { kb_free(bytes); }

KEEL_API keel_error *keel_module_new_wat(keel_engine *engine, const char *text, size_t len,
                                         keel_module **out) {
    kb_error *err = kapi_check(engine, KEEL_HANDLE_ENGINE, "engine");
    if (err) return (keel_error *)err;
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    uint8_t *bytes;
    size_t size;
    keel_error *e = keel_wat_to_wasm(text, len, &bytes, &size);
    if (e) return e;
    e = keel_module_new(engine, bytes, size, out);
    kb_free(bytes);
    return e;
}

KEEL_API keel_error *keel_module_validate(keel_engine *engine, const uint8_t *bytes, size_t size) {
    kb_error *err = kapi_check(engine, KEEL_HANDLE_ENGINE, "engine");
    if (err) return (keel_error *)err;
    if (bytes == NULL && size) return ERR(KB_ERR_INVALID_ARGUMENT, "bytes is NULL");
    static const uint8_t empty[1];
    return (keel_error *)krt_module_validate(((kapi_handle *)engine)->u.engine->krt,
                                             bytes ? bytes : empty, size);
}

KEEL_API keel_module *keel_module_retain(keel_module *module) {
    if (!kapi_ok(module, KEEL_HANDLE_MODULE)) return NULL;
    kapi_handle_retain((kapi_handle *)module);
    return module;
}

KEEL_API void keel_module_release(keel_module *module) {
    if (kapi_ok(module, KEEL_HANDLE_MODULE)) kapi_handle_release((kapi_handle *)module);
}

KEEL_API const char *keel_module_name(const keel_module *module) {
    const kbin_module *m = bin_of(module);
    return m ? m->name : NULL;
}

KEEL_API size_t keel_module_import_count(const keel_module *module) {
    const kbin_module *m = bin_of(module);
    return m ? m->import_count : 0;
}

KEEL_API size_t keel_module_export_count(const keel_module *module) {
    const kbin_module *m = bin_of(module);
    return m ? m->export_count : 0;
}

KEEL_API keel_error *keel_module_import(const keel_module *module, size_t i,
                                        const char **module_name, size_t *module_len,
                                        const char **name, size_t *name_len,
                                        keel_externtype **type) {
    kb_error *err = kapi_check(module, KEEL_HANDLE_MODULE, "module");
    if (err) return (keel_error *)err;
    const kbin_module *m = bin_of(module);
    if (type) *type = NULL;
    if (i >= m->import_count)
        return ERR(KB_ERR_INVALID_ARGUMENT, "import %zu out of range (the module has %u)", i, m->import_count);
    const kbin_import *imp = &m->imports[i];
    if (type && (err = kapi_externtype_of_import(m, imp, type)) != NULL) return (keel_error *)err;
    if (module_name) *module_name = imp->module;
    if (module_len) *module_len = imp->module_len;
    if (name) *name = imp->name;
    if (name_len) *name_len = imp->name_len;
    return NULL;
}

KEEL_API keel_error *keel_module_export(const keel_module *module, size_t i,
                                        const char **name, size_t *name_len,
                                        keel_externtype **type) {
    kb_error *err = kapi_check(module, KEEL_HANDLE_MODULE, "module");
    if (err) return (keel_error *)err;
    const kbin_module *m = bin_of(module);
    if (type) *type = NULL;
    if (i >= m->export_count)
        return ERR(KB_ERR_INVALID_ARGUMENT, "export %zu out of range (the module has %u)", i, m->export_count);
    const kbin_export *ex = &m->exports[i];
    if (type && (err = kapi_externtype_of_export(m, ex, type)) != NULL) return (keel_error *)err;
    if (name) *name = ex->name;
    if (name_len) *name_len = ex->name_len;
    return NULL;
}

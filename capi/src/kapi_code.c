/*
** kapi_code.c -- keel_code handles, module (de)serialisation and the cache
** settings of keel_config (issue 7; engine/code/kcode.h does the work).
**
** DESIGN.md Ownership 1: a keel_code handle retains the module's code memory
** (a kcode_mem), not the module, so a host can keep compiled code after the
** module, its instances and their stores are gone, and serialise it later.
*/
#include "kapi_int.h"

#include <string.h>

#include "code/kcode.h"

#define ERR(kind, ...) ((keel_error *)kb_error_new((kind), __VA_ARGS__))

struct keel_code {
    kapi_head head;
    atomic_size_t refs;
    kcode_mem *mem;                 /* retained */
};

/* ---------------------------------------------------------------- config */

KEEL_API keel_error *keel_config_set_cache_dir(keel_config *config, const char *dir) {
    kb_error *err = kapi_check(config, KEEL_HANDLE_CONFIG, "config");
    if (err) return (keel_error *)err;
    char *copy = NULL;
    if (dir != NULL && dir[0] != '\0' && (copy = kb_strdup(dir)) == NULL)
        return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    kb_free(config->cache_dir);
    config->cache_dir = copy;
    return NULL;
}

KEEL_API keel_error *keel_config_set_cache_max_bytes(keel_config *config, uint64_t bytes) {
    kb_error *err = kapi_check(config, KEEL_HANDLE_CONFIG, "config");
    if (err) return (keel_error *)err;
    config->cache_max_bytes = bytes;
    return NULL;
}

void kapi_config_free_fields(keel_config *config) {
    kb_free(config->cache_dir);
    config->cache_dir = NULL;
}

struct kcode_cache *kapi_code_cache_new(const keel_config *config) {
    if (config == NULL || config->cache_dir == NULL) return NULL;
    return kcode_cache_new(config->cache_dir, config->cache_max_bytes);
}

void kapi_code_cache_free(struct kcode_cache *cache) { kcode_cache_free(cache); }

/* ---------------------------------------------------------------- modules */

keel_error *kapi_module_wrap(keel_engine *engine, krt_module *krt, keel_module **out) {
    kapi_engine *e = ((kapi_handle *)engine)->u.engine;
    kapi_module *m = kb_calloc(1, sizeof *m);
    if (m == NULL) {
        krt_module_free(krt);
        return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    }
    m->krt = krt;
    atomic_init(&m->refs, 1);
    kapi_engine_retain(e);
    m->engine = e;
    kapi_handle *h = kapi_handle_new(KEEL_HANDLE_MODULE, NULL, m);
    if (h == NULL) {
        kapi_module_release(m);
        return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    }
    *out = (keel_module *)h;
    return NULL;
}

static keel_error *module_from_mem(keel_engine *engine, kcode_mem *mem, keel_module **out) {
    krt_module *krt = NULL;
    kb_error *err = krt_module_from_code(((kapi_handle *)engine)->u.engine->krt, mem, &krt);
    kcode_mem_release(mem); /* the module holds its own reference */
    if (err) return (keel_error *)err;
    return kapi_module_wrap(engine, krt, out);
}

KEEL_API keel_error *keel_module_deserialize(keel_engine *engine, const uint8_t *bytes, size_t size,
                                             keel_module **out) {
    kb_error *err = kapi_check(engine, KEEL_HANDLE_ENGINE, "engine");
    if (err) return (keel_error *)err;
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    if (bytes == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "bytes is NULL");
    kcode_mem *mem = NULL;
    if ((err = kcode_mem_from_bytes(bytes, size, &mem)) != NULL) return (keel_error *)err;
    return module_from_mem(engine, mem, out);
}

KEEL_API keel_error *keel_module_deserialize_file(keel_engine *engine, const char *path,
                                                  keel_module **out) {
    kb_error *err = kapi_check(engine, KEEL_HANDLE_ENGINE, "engine");
    if (err) return (keel_error *)err;
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    if (path == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "path is NULL");
    kcode_mem *mem = NULL;
    if ((err = kcode_mem_from_file(path, &mem)) != NULL) return (keel_error *)err;
    return module_from_mem(engine, mem, out);
}

static keel_error *copy_image(const kcode_mem *mem, uint8_t **out_bytes, size_t *out_size) {
    size_t n = kcode_mem_size(mem);
    uint8_t *p = kb_malloc(n ? n : 1);
    if (p == NULL) return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    memcpy(p, kcode_mem_image(mem), n);
    *out_bytes = p;
    *out_size = n;
    return NULL;
}

KEEL_API keel_error *keel_module_serialize(const keel_module *module, uint8_t **out_bytes,
                                           size_t *out_size) {
    kb_error *err = kapi_check(module, KEEL_HANDLE_MODULE, "module");
    if (err) return (keel_error *)err;
    if (out_bytes == NULL || out_size == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    *out_bytes = NULL;
    *out_size = 0;
    kcode_mem *mem = krt_module_code_mem(((const kapi_handle *)module)->u.module->krt);
    if (mem == NULL) return ERR(KB_ERR_INTERNAL, "module has no code memory");
    return copy_image(mem, out_bytes, out_size);
}

/* ---------------------------------------------------------------- keel_code */

KEEL_API keel_error *keel_module_code(const keel_module *module, keel_code **out) {
    kb_error *err = kapi_check(module, KEEL_HANDLE_MODULE, "module");
    if (err) return (keel_error *)err;
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    kcode_mem *mem = krt_module_code_mem(((const kapi_handle *)module)->u.module->krt);
    if (mem == NULL) return ERR(KB_ERR_INTERNAL, "module has no code memory");
    keel_code *c = kapi_obj_new(KEEL_HANDLE_CODE, sizeof *c);
    if (c == NULL) return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    atomic_init(&c->refs, 1);
    c->mem = kcode_mem_retain(mem);
    *out = c;
    return NULL;
}

KEEL_API keel_code *keel_code_retain(keel_code *code) {
    if (!kapi_ok(code, KEEL_HANDLE_CODE)) return NULL;
    atomic_fetch_add_explicit(&code->refs, 1, memory_order_relaxed);
    return code;
}

KEEL_API void keel_code_release(keel_code *code) {
    if (!kapi_ok(code, KEEL_HANDLE_CODE)) return;
    if (atomic_fetch_sub_explicit(&code->refs, 1, memory_order_acq_rel) != 1) return;
    kcode_mem_release(code->mem);
    kapi_obj_dispose(code);
}

KEEL_API size_t keel_code_size(const keel_code *code) {
    return kapi_ok(code, KEEL_HANDLE_CODE) ? kcode_mem_size(code->mem) : 0;
}

KEEL_API keel_code_origin_t keel_code_origin(const keel_code *code) {
    return kapi_ok(code, KEEL_HANDLE_CODE) ? kcode_mem_origin(code->mem) : 0;
}

KEEL_API keel_error *keel_code_serialize(const keel_code *code, uint8_t **out_bytes, size_t *out_size) {
    kb_error *err = kapi_check(code, KEEL_HANDLE_CODE, "code");
    if (err) return (keel_error *)err;
    if (out_bytes == NULL || out_size == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    *out_bytes = NULL;
    *out_size = 0;
    return copy_image(code->mem, out_bytes, out_size);
}

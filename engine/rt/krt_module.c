/*
** krt_module.c -- the engine and compiled modules.
**
** DESIGN.md "Ownership" 1: the engine and its modules are immutable once
** created and shared by every store and thread. The engine owns the
** canonical type registry (which has its own lock); a module owns its
** decoded description and its compiled code. Nothing here is ever written
** after creation, so no lock is needed.
*/
#include <assert.h>
#include <string.h>

#include "base/kb_alloc.h"
#include "code/kcode.h"
#include "compile/kcomp.h"
#include "rt/krt_int.h"
#include "valid/kval.h"

/*
** Default limits. The spec test suite's deepest legal non-tail recursion is a
** few hundred frames (call.wast, call_indirect.wast "even"/"odd" of 200) and
** real programs (recursive parsers, compilers compiled to wasm) go to a few
** thousand; 20000 frames keeps them all while a runaway recursion
** (fac.wast "fac-rec" of 2^30) traps in well under a millisecond. The value
** stack holds every frame's locals and operands: 8 MiB is ~50 slots per frame
** at full depth, mapped lazily by exec/.
*/
#define KRT_DEFAULT_CALL_DEPTH 20000u
#define KRT_DEFAULT_VALUE_STACK ((size_t)8 << 20)

kb_error *krt_engine_new(const krt_features *features, const krt_limits *limits, krt_engine **out) {
    *out = NULL;
    krt_engine *e = kb_calloc(1, sizeof *e);
    if (e == NULL) return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory creating an engine");
    if (features != NULL) {
        e->features = *features;
    } else {
        krt_features all = {true, true, true, true, true, true, true, true, true, true, true};
        e->features = all;
    }
    e->limits.max_call_depth = KRT_DEFAULT_CALL_DEPTH;
    e->limits.value_stack_bytes = KRT_DEFAULT_VALUE_STACK;
    if (limits != NULL) {
        if (limits->max_call_depth != 0) e->limits.max_call_depth = limits->max_call_depth;
        if (limits->value_stack_bytes != 0) e->limits.value_stack_bytes = limits->value_stack_bytes;
    }
    if ((e->types = kval_registry_new()) == NULL) {
        kb_free(e);
        return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory creating the type registry");
    }
    *out = e;
    return NULL;
}

void krt_engine_free(krt_engine *engine) {
    if (engine == NULL) return;
    kval_registry_free(engine->types);
    kb_free(engine);
}

/* Decoding features that follow from the engine's switches. */
static uint32_t decode_features(const krt_engine *engine) {
    uint32_t f = KBIN_FEATURES_DEFAULT;
    if (engine->features.custom_page_sizes) f |= KBIN_FEATURE_CUSTOM_PAGE_SIZES;
    return f;
}

/*
** Refuses a module that needs a proposal the engine has switched off, as far
** as the module's declarations show it (instruction-level features such as
** SIMD need the validator's help and are not checked here yet).
*/
static kb_error *check_features(const krt_engine *engine, const kbin_module *m) {
    const krt_features *f = &engine->features;
    if (!f->multi_memory && m->memory_count > 1)
        return kb_error_new(KB_ERR_UNSUPPORTED, "multiple memories are disabled in this engine");
    for (uint32_t i = 0; i < m->memory_count; i++) {
        if (!f->memory64 && m->memories[i].limits.is64)
            return kb_error_new(KB_ERR_UNSUPPORTED, "memory64 is disabled in this engine");
        if (!f->threads && m->memories[i].limits.shared)
            return kb_error_new(KB_ERR_UNSUPPORTED, "shared memories (threads) are disabled in this engine");
    }
    for (uint32_t i = 0; i < m->table_count; i++) {
        if (!f->memory64 && m->tables[i].type.limits.is64)
            return kb_error_new(KB_ERR_UNSUPPORTED, "table64 (memory64) is disabled in this engine");
    }
    if (!f->exceptions && m->tag_count != 0)
        return kb_error_new(KB_ERR_UNSUPPORTED, "exception handling is disabled in this engine");
    for (uint32_t i = 0; i < m->type_count; i++) {
        if (!f->gc && m->types[i].comp != KCT_FUNC)
            return kb_error_new(KB_ERR_UNSUPPORTED, "GC types are disabled in this engine");
    }
    return NULL;
}

/*
** Decoding for bytes that go straight on to validation (kval_module, or
** kcomp_compile_validate on a miss): the validator reads every instruction,
** so the decoder's own scan of the bodies is left to it
** (KBIN_FEATURE_DEFER_BODIES; same errors, one pass over the code instead of
** two: issue 10).
*/
static uint32_t validating_decode_features(const krt_engine *engine) {
    return decode_features(engine) | KBIN_FEATURE_DEFER_BODIES;
}

static kb_error *decode_and_validate(krt_engine *engine, const uint8_t *bytes, size_t size,
                                     kbin_module **out) {
    *out = NULL;
    if (engine == NULL || (bytes == NULL && size != 0))
        return kb_error_new(KB_ERR_INVALID_ARGUMENT, "module needs an engine and bytes");
    kbin_module *bin = NULL;
    kb_error *err = kbin_decode_ex(bytes, size, validating_decode_features(engine), &bin);
    if (err != NULL) return err;
    if ((err = kval_module(engine->types, bin)) != NULL || (err = check_features(engine, bin)) != NULL) {
        kbin_module_free(bin);
        return err;
    }
    *out = bin;
    return NULL;
}

/*
** Decoding for bytes whose validity is already proven (a verified cache entry
** or image of this engine build): the decoder's scan of every function body
** for encoding errors is most of a cache hit's cost, and cannot fail here.
*/
static uint32_t trusted_decode_features(const krt_engine *engine) {
    return decode_features(engine) | KBIN_FEATURE_TRUSTED_BODIES;
}

/* The engine's feature switches as bits (ORDER krt_features): part of a code image's key. */
uint32_t krt_engine_code_features(const krt_engine *engine) {
    const krt_features *f = &engine->features;
    const bool bits[] = {f->simd, f->threads, f->gc, f->exceptions, f->tail_calls, f->memory64,
                         f->multi_memory, f->function_references, f->extended_const,
                         f->custom_page_sizes, f->wide_arithmetic};
    uint32_t v = 0;
    for (uint32_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
        if (bits[i]) v |= 1u << i;
    return v;
}

/*
** 'borrow': the code image holds the same wasm bytes and lives as long as the
** module, so the decoded module reads them there instead of its own copy
** (one copy instead of two). Not for a cache hit, which never reads the
** image's copy: the module keeps the caller's bytes the entry was matched
** by (kcode.h "Who covers what").
*/
static kb_error *module_wrap(krt_engine *engine, kbin_module *bin, kcomp_code *code, bool borrow,
                             krt_module **out) {
    size_t wlen = 0;
    const uint8_t *w = borrow && code && code->mem ? kcode_mem_wasm(code->mem, &wlen) : NULL;
    if (w != NULL && wlen == bin->size) {
        assert(wlen == 0 || memcmp(w, bin->bytes, wlen) == 0); /* both copies of the caller's bytes */
        kbin_module_borrow_bytes(bin, w);
    }
    krt_module *m = kb_calloc(1, sizeof *m);
    if (m == NULL) {
        kcomp_code_free(code);
        kbin_module_free(bin);
        return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory creating a module");
    }
    m->engine = engine;
    m->bin = bin;
    m->code = code;
    *out = m;
    return NULL;
}

/*
** The code of 'mem' for the decoded module 'bin', whose bytes are exactly the
** ones the image was made from (so validation is skipped: only the type
** registration it implies is redone, kval_module_register). On error 'bin'
** is left as it was (still unvalidated) unless registration itself failed.
*/
static kb_error *code_from_image(krt_engine *engine, kbin_module *bin, kcode_mem *mem, kcomp_code **out) {
    *out = NULL;
    bool *imported = kb_malloc(((size_t)bin->func_count + 1) * sizeof *imported);
    if (imported == NULL) return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
    for (uint32_t i = 0; i < bin->func_count; i++) imported[i] = bin->funcs[i].imported;
    kcomp_code *code = NULL;
    kb_error *err = kcode_mem_code(mem, bin->func_count, imported, &code);
    kb_free(imported);
    if (err == NULL) err = kval_module_register(engine->types, bin);
    if (err == NULL) err = check_features(engine, bin);
    if (err != NULL) {
        kcomp_code_free(code);
        return err;
    }
    *out = code;
    return NULL;
}

kb_error *krt_module_new_cached(krt_engine *engine, kcode_cache *cache, const uint8_t *bytes, size_t size,
                                krt_module **out) {
    *out = NULL;
    if (engine == NULL || (bytes == NULL && size != 0))
        return kb_error_new(KB_ERR_INVALID_ARGUMENT, "module needs an engine and bytes");
    static const uint8_t empty[1];
    if (bytes == NULL) bytes = empty;
    kbin_module *bin = NULL;
    kb_error *err = NULL;
    uint8_t hash[32] = {0};
    /* The hash keys the cache; without one it is left to kcode_mem_adopt,
       which computes it only if the image is ever serialised (issue 10). */
    if (cache != NULL) kcode_blake3(bytes, size, hash);
    uint32_t features = krt_engine_code_features(engine);
    kcomp_code *code = NULL;

    /* A hit: the entry's key is derived from the BLAKE3 of these exact bytes
       and kcode_cache_lookup checked the header's hash equals it, so the
       entry was compiled from bytes equal to these (a BLAKE3 collision is
       out of reach). The module keeps the entry's mapped wasm copy once it
       compares equal to the caller's bytes (shared page cache, and cheaper
       than the private copy it replaces); a damaged copy is never read: the
       module then decodes and keeps a copy of the caller's bytes (issue 7). */
    kcode_mem *mem = kcode_cache_lookup(cache, hash, features);
    if (mem != NULL) {
        size_t wlen = 0;
        const uint8_t *w = kcode_mem_wasm_equals(mem, bytes, size) ? kcode_mem_wasm(mem, &wlen) : NULL;
        if (w != NULL && wlen != 0)
            err = kbin_decode_ex(w, wlen, trusted_decode_features(engine) | KBIN_FEATURE_BORROW_BYTES, &bin);
        else
            err = kbin_decode_ex(bytes, size, trusted_decode_features(engine), &bin);
        if (err == NULL) err = code_from_image(engine, bin, mem, &code);
        if (err != NULL && bin != NULL && bin->validated) { /* the module itself is refused (features) */
            kcode_mem_release(mem);
            kbin_module_free(bin);
            return err;
        }
        kb_error_free(err); /* anything else: a miss */
        err = NULL;
        kcode_mem_release(mem);
        if (code != NULL) return module_wrap(engine, bin, code, false, out);
        kbin_module_free(bin);
        bin = NULL;
    }
    if ((err = kbin_decode_ex(bytes, size, validating_decode_features(engine), &bin)) != NULL) return err;

    /* A miss: validate and compile (each body right after its check: it is
       decoded once; issue 10), move the code into code memory, cache it.
       Errors rank as before: validation, features, compilation. */
    kb_error *compile_err = NULL;
    if ((err = kcomp_compile_validate(engine, engine->types, bin, &code, &compile_err)) != NULL ||
        (err = check_features(engine, bin)) != NULL || (err = compile_err) != NULL ||
        (err = kcode_mem_adopt(code, bytes, size, cache != NULL ? hash : NULL, features)) != NULL) {
        if (compile_err != err) kb_error_free(compile_err);
        kcomp_code_free(code);
        kbin_module_free(bin);
        return err;
    }
    kcode_cache_store(cache, code->mem);
    return module_wrap(engine, bin, code, true, out);
}

kb_error *krt_module_new(krt_engine *engine, const uint8_t *bytes, size_t size, krt_module **out) {
    return krt_module_new_cached(engine, NULL, bytes, size, out);
}

kb_error *krt_module_from_code(krt_engine *engine, kcode_mem *mem, krt_module **out) {
    *out = NULL;
    if (engine == NULL || mem == NULL) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "module needs an engine and code");
    if (kcode_mem_header(mem)->features != krt_engine_code_features(engine))
        return kb_error_new(KB_ERR_UNSUPPORTED, "the code was compiled by an engine with other features");
    size_t size;
    const uint8_t *bytes = kcode_mem_wasm(mem, &size);
    if (bytes == NULL) /* a cache entry's copy, re-hashed: damaged */
        return kb_error_new(KB_ERR_MALFORMED, "code image: embedded wasm bytes damaged (hash mismatch)");
    kbin_module *bin = NULL;
    kb_error *err = kbin_decode_ex(bytes, size, trusted_decode_features(engine), &bin);
    if (err != NULL) return err;
    kcomp_code *code = NULL;
    if ((err = code_from_image(engine, bin, mem, &code)) != NULL) {
        kbin_module_free(bin);
        return err;
    }
    return module_wrap(engine, bin, code, true, out);
}

kcode_mem *krt_module_code_mem(const krt_module *module) {
    return module && module->code ? module->code->mem : NULL;
}

kb_error *krt_module_validate(krt_engine *engine, const uint8_t *bytes, size_t size) {
    kbin_module *bin;
    kb_error *err = decode_and_validate(engine, bytes, size, &bin);
    if (err == NULL) kbin_module_free(bin);
    return err;
}

void krt_module_free(krt_module *module) {
    if (module == NULL) return;
    if (module->code != NULL) kcomp_code_free(module->code);
    kbin_module_free(module->bin);
    kb_free(module);
}

/*
** krt.h -- runtime objects: engine, module, store, instance, func, memory,
** table, global, tag, exception, extern reference.
**
** This header is the contract between rt/ (which creates and frees these
** objects and instantiates modules), exec/ (which runs code over them) and
** capi/ (which wraps them in refcounted handles). rt/ owns it.
**
** Ownership (DESIGN.md "Ownership"): the engine and modules are immutable and
** shared; a store owns every object created in it and frees them all when
** the store is freed, never earlier. Refcounting of handles is capi/'s job;
** these objects are plain store-owned memory.
**
** Values: every wasm value lives in 64-bit slots ('uint64_t'): i32 zero-
** extended, i64, f32/f64 as raw bits, references as pointers (NULL is null);
** a v128 takes two consecutive slots (low 64 bits first). Arrays of values
** (call arguments/results, globals) use that layout.
*/
#ifndef KRT_H
#define KRT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/kb_error.h"
#include "binary/kbin_module.h"

typedef struct kval_registry kval_registry; /* valid/: engine-wide canonical types */
typedef struct kcomp_code kcomp_code;       /* compile/: a module's internal code */
typedef struct kexec_context kexec_context; /* exec/: value and frame stacks of a store */

typedef struct krt_engine krt_engine;
typedef struct krt_module krt_module;
typedef struct krt_store krt_store;
typedef struct krt_instance krt_instance;
typedef struct krt_func krt_func;
typedef struct krt_memory krt_memory;
typedef struct krt_table krt_table;
typedef struct krt_global krt_global;
typedef struct krt_tag krt_tag;
typedef struct krt_exn krt_exn;
typedef struct krt_externref krt_externref;

/* ---------------------------------------------------------------- engine */

/* Feature switches (all on by default). */
typedef struct krt_features {
    bool simd, threads, gc, exceptions, tail_calls, memory64, multi_memory,
         function_references, extended_const, custom_page_sizes, wide_arithmetic;
} krt_features;

typedef struct krt_limits {
    uint32_t max_call_depth;      /* wasm frames before "call stack exhausted" */
    size_t value_stack_bytes;     /* per store */
} krt_limits;

struct krt_engine {
    krt_features features;
    krt_limits limits;
    kval_registry *types;         /* canonical types, thread-safe */
    _Atomic uint64_t epoch;       /* exec/'s epoch counter (kexec_sample.h); zeroed by calloc */
};

/* Creates an engine; 'features'/'limits' may be NULL for defaults. */
kb_error *krt_engine_new(const krt_features *features, const krt_limits *limits, krt_engine **out);
void krt_engine_free(krt_engine *engine);

/* ---------------------------------------------------------------- module */

/* A decoded, validated and compiled module. Immutable; shared by stores. */
struct krt_module {
    krt_engine *engine;           /* borrowed: capi keeps the engine alive */
    kbin_module *bin;             /* owned */
    kcomp_code *code;             /* owned: internal code of every defined function */
};

/*
** Decodes, validates and compiles 'size' bytes (copied). Errors: KB_ERR_MALFORMED,
** KB_ERR_INVALID, KB_ERR_OUT_OF_MEMORY. Gives ownership of *out to the caller.
*/
kb_error *krt_module_new(krt_engine *engine, const uint8_t *bytes, size_t size, krt_module **out);
/* Decodes and validates without compiling (keel_module_validate). */
kb_error *krt_module_validate(krt_engine *engine, const uint8_t *bytes, size_t size);
void krt_module_free(krt_module *module);

/*
** Code memory and the code cache (code/kcode.h, issue 7). Every module's code
** lives in a read-only kcode_mem image that the module retains.
**
** krt_module_new_cached: krt_module_new with a file cache ('cache' may be
** NULL). A verified entry for these exact bytes skips validation and
** compilation (types are still registered in the engine); a missing or
** damaged entry means compile and rewrite it. Cache trouble never fails the call.
** krt_module_from_code: a module from a checked image (deserialisation);
** does not take ownership of 'mem' (the module retains it). Errors:
** KB_ERR_UNSUPPORTED (made under other engine features), KB_ERR_MALFORMED
** (the image does not describe its wasm), KB_ERR_OUT_OF_MEMORY.
** krt_module_code_mem: the module's code memory, borrowed (never NULL for a
** module made by these functions).
** krt_engine_code_features: the engine's feature switches as key bits.
*/
typedef struct kcode_cache kcode_cache;
typedef struct kcode_mem kcode_mem;
kb_error *krt_module_new_cached(krt_engine *engine, kcode_cache *cache, const uint8_t *bytes, size_t size,
                                krt_module **out);
kb_error *krt_module_from_code(krt_engine *engine, kcode_mem *mem, krt_module **out);
kcode_mem *krt_module_code_mem(const krt_module *module);
uint32_t krt_engine_code_features(const krt_engine *engine);

/* ---------------------------------------------------------------- objects */

/* A reference or value type with concrete heap types as canonical ids. */
typedef kbin_valtype krt_valtype; /* .heap: KHT_* or a canonical type id */

/*
** Host function callback. 'args' holds the parameters, 'results' receives
** the results (slot layout above). Returns NULL on success or an error (a
** trap, a host error, an exit request) that unwinds the wasm call.
** 'caller' is the instance whose code called, or NULL when called from the host.
*/
typedef kb_error *(*krt_host_callback)(void *env, krt_store *store, krt_instance *caller,
                                       const uint64_t *args, uint64_t *results);

struct krt_func {
    krt_store *store;
    uint32_t canon_type;          /* canonical id of its function type */
    const kbin_type *type;        /* its function type (module-owned or host-owned) */
    /* A wasm function: */
    krt_instance *instance;       /* NULL for a host function */
    uint32_t index;               /* function index in its module */
    const void *code;             /* exec/'s entry for the function (from kcomp_code) */
    /* A host function: */
    krt_host_callback host;
    void *env;
    void (*env_finalizer)(void *env); /* called when the store is freed */
    kbin_type *owned_type;        /* host functions own their type */
};

struct krt_memory {
    krt_store *store;
    uint8_t *data;                /* base; valid until the next grow */
    uint64_t size;                /* current size in bytes */
    uint64_t min_pages, max_pages;/* max_pages: the effective limit */
    uint8_t page_log2;            /* 16 unless custom-page-sizes */
    bool is64, shared;
    uint64_t generation;          /* starts at 1, changes on every grow (DESIGN.md: memory views) */
    size_t reserved;              /* bytes of address space reserved for growth */
    kbin_limits limits;           /* the declared type (has_max/max as declared, before
                                     host/store caps); import matching uses it */
};

struct krt_table {
    krt_store *store;
    krt_valtype elem;             /* reference type, canonical */
    bool is64;
    void **elems;                 /* references (krt_func*, krt_externref*, ...; NULL = null) */
    uint64_t size, max;           /* max: the effective limit */
    kbin_limits limits;           /* the declared type (has_max/max as declared) */
};

struct krt_global {
    krt_store *store;
    krt_valtype type;             /* canonical */
    bool mutable_;
    uint64_t value[2];            /* slot layout; v128 uses both */
};

struct krt_tag {
    krt_store *store;
    uint32_t canon_type;          /* canonical id of its function type (params = payload) */
    const kbin_type *type;
    kbin_type *owned_type;        /* host-created tags own their type */
};

/* An exception (exnref): its tag and payload values. Store-owned. */
struct krt_exn {
    krt_tag *tag;
    uint32_t slot_count;
    uint64_t slots[];             /* payload in slot layout */
};

/* An extern reference created by the host: an opaque pointer-sized value. */
struct krt_externref {
    krt_store *store;
    uintptr_t value;
    void (*finalizer)(uintptr_t value); /* called when the store is freed */
};

struct krt_instance {
    krt_store *store;
    krt_module *module;           /* borrowed: capi retains the module for the store's life */
    krt_func **funcs;             /* function index space (imports first) */
    krt_table **tables;
    krt_memory **memories;
    krt_global **globals;
    krt_tag **tags;
    /* Element segments after evaluation (spec 4.5.4): refs per segment; a dropped
       segment has size 0. Data segments: dropped flags. */
    void ***elem_refs;
    uint32_t *elem_sizes;
    bool *data_dropped;
};

/* ---------------------------------------------------------------- store */

struct krt_store {
    krt_engine *engine;           /* borrowed: capi keeps the engine alive */
    kexec_context *exec;          /* created on first call */
    atomic_uint interrupt;        /* non-zero: the running call traps with KB_TRAP_INTERRUPTED */
    /* Limits (0 = none), set by capi before use. All memories of the store
       together may hold at most 'max_memory_bytes', all tables together
       'max_table_elements': creating an object past it fails with
       KB_ERR_OUT_OF_MEMORY, growing past it makes memory.grow/table.grow
       return -1 (spec: growth may fail). The 'max_instances'+1-th
       krt_instantiate fails with KB_ERR_LIMIT. */
    uint64_t max_memory_bytes;
    uint64_t max_table_elements;
    uint32_t max_instances;
    uint32_t instance_count;
    uint64_t memory_bytes;        /* current bytes of all memories, for the limit */
    uint64_t table_elements;      /* current elements of all tables, for the limit */
    /* Every object of the store, freed with it (rt/ keeps the lists). */
    void *objects_;               /* rt/-private bookkeeping */
};

kb_error *krt_store_new(krt_engine *engine, krt_store **out);
/* Frees the store and every object in it (runs host finalizers). */
void krt_store_free(krt_store *store);

/*
** Object constructors. The store owns the result (freed by krt_store_free,
** never earlier); *out is NULL on failure. Errors: KB_ERR_OUT_OF_MEMORY
** (host memory, or a store limit), KB_ERR_INVALID_ARGUMENT, KB_ERR_LIMIT.
**
** krt_func_new_host, krt_tag_new: copy 'type' (a KCT_FUNC type whose value
** types use canonical heap ids) and give it a canonical id from the engine's
** registry, so call_indirect and import matching treat it like the same type
** written in a module. Concrete reference types name canonical ids of the
** engine's registry (an unknown id is KB_ERR_INVALID_ARGUMENT). A tag type
** must have no results. 'env_finalizer' runs once, at krt_store_free,
** and never when the constructor fails.
**
** krt_memory_new: 'limits->page_log2' must be 16 (64 KiB pages) or 0
** (custom-page-sizes, 1-byte pages) -- set it, 0 is not "default". The
** effective maximum ('max_pages') is the declared one capped by the spec
** (65536 / 2^48 pages), the host (2^46 bytes) and the store's limit; a
** minimum beyond the host or store is KB_ERR_OUT_OF_MEMORY. Shared memories
** need a maximum and reserve all of it up front: they never move.
**
** krt_table_new: every element starts as 'init' (NULL = null; a table of
** non-nullable references needs one). Tables hold at most 10 million
** elements (an implementation limit) and the store's limit.
**
** krt_global_new: copies 1 slot, or 2 for v128; 'value' NULL means zero/null.
** krt_externref_new: 'finalizer' (may be NULL) runs at krt_store_free.
** krt_exn_new: copies the payload, one slot per tag parameter (2 for v128).
*/
kb_error *krt_func_new_host(krt_store *s, const kbin_type *type /* copied */,
                            krt_host_callback cb, void *env, void (*env_finalizer)(void *),
                            krt_func **out);
kb_error *krt_memory_new(krt_store *s, const kbin_limits *limits, krt_memory **out);
kb_error *krt_table_new(krt_store *s, krt_valtype elem, const kbin_limits *limits, void *init, krt_table **out);
kb_error *krt_global_new(krt_store *s, krt_valtype type, bool mutable_, const uint64_t *value, krt_global **out);
kb_error *krt_tag_new(krt_store *s, const kbin_type *type /* copied */, krt_tag **out);
kb_error *krt_externref_new(krt_store *s, uintptr_t value, void (*finalizer)(uintptr_t), krt_externref **out);
kb_error *krt_exn_new(krt_store *s, krt_tag *tag, const uint64_t *slots, krt_exn **out);

/*
** memory.grow / table.grow (spec 4.4.6-4.4.7): grows by 'delta' pages or
** elements and returns the old size, or -1 with the object unchanged when the
** new size passes the effective maximum or the host has no memory. A memory's
** 'generation' changes on every successful grow (even by 0) and 'data' may
** move: pointers into it are valid until the next grow. New table elements
** are 'init'.
*/
int64_t krt_memory_grow(krt_memory *mem, uint64_t delta);
int64_t krt_table_grow(krt_table *table, uint64_t delta, void *init);

/* An external value for instantiation (spec 4.2.x externval). */
typedef struct krt_extern {
    uint8_t kind;                 /* KEXT_* */
    union {
        krt_func *func;
        krt_table *table;
        krt_memory *memory;
        krt_global *global;
        krt_tag *tag;
    } of;
} krt_extern;

/*
** Instantiates 'module' in 's' with 'imports' given in the module's import
** order (spec 4.5.4): checks each import's type ("incompatible import type",
** KB_ERR_UNLINKABLE; a foreign store's object is KB_ERR_STORE_MISMATCH), creates
** the module's own objects, initialises globals, tables and segments, and runs
** the start function. A trap during initialisation or start returns the trap,
** and *out is still set when the instance was allocated (its functions may
** already be in imported tables: they stay valid for the store's life,
** SEEDS.md 1). Gives the store ownership of the instance.
*/
kb_error *krt_instantiate(krt_store *s, krt_module *module, const krt_extern *imports,
                          size_t import_count, krt_instance **out);

/* Error wording of import resolution (spec test suite, assert_unlinkable).
   krt_instantiate uses the second; capi's linker uses the first for a name
   it cannot resolve ("unknown import: module::name"). */
#define KRT_MSG_UNKNOWN_IMPORT "unknown import"
#define KRT_MSG_INCOMPATIBLE_IMPORT "incompatible import type"

/*
** Looks up an export by name; returns false when absent. For an instance
** whose instantiation failed after allocation, an export whose object was
** not created yet is reported present with a NULL object.
*/
bool krt_instance_export(const krt_instance *inst, const char *name, size_t name_len, krt_extern *out);

#endif

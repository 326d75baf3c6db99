/*
** kapi_int.h -- capi/-private declarations: the handle layout, the guard,
** the store lock and value conversions shared by the files of capi/src.
**
** Layout (DESIGN.md "Ownership"): every object the ABI hands out starts with
** a 'kapi_head' {magic, kind}. Refcounted handles add an atomic count and
** name an internal object: a kapi_engine, kapi_module or kapi_store (each
** refcounted on its own), or a krt_* object owned by a store. A handle of a
** store object retains its kapi_store, so the store outlives every handle
** (rule 3); a running call retains it too (rule 5). Handles are separate
** from the objects they name so that a released handle can be detected by
** its magic (rule 9) while the object lives on.
*/
#ifndef KAPI_INT_H
#define KAPI_INT_H

#define KEEL_BUILDING_LIBRARY 1

#include <pthread.h>
#include <stdatomic.h>

#include "keel.h"

#include "base/kb_alloc.h"
#include "base/kb_buf.h"
#include "base/kb_error.h"
#include "binary/kbin_module.h"
#include "rt/krt.h"

#define KAPI_MAGIC 0x4B45454Cu      /* "KEEL" while alive */
#define KAPI_DEAD 0xDEADC0DEu       /* released, quarantined */

typedef struct kapi_head {
    uint32_t magic;
    uint32_t kind;                  /* KEEL_HANDLE_* */
    size_t size;                    /* allocation size, for poisoning */
} kapi_head;

/* ---------------------------------------------------------------- internal objects */

typedef struct kapi_engine {
    atomic_size_t refs;
    krt_engine *krt;
    struct kcode_cache *cache;      /* code/ file cache, NULL for none (issue 7) */
} kapi_engine;

typedef struct kapi_module {
    atomic_size_t refs;
    kapi_engine *engine;            /* retained (rule 1) */
    krt_module *krt;
} kapi_module;

typedef struct kapi_store {
    atomic_size_t refs;             /* store handles + object handles + running calls */
    kapi_engine *engine;            /* retained */
    krt_store *krt;
    /* The store lock (rule 8): recursive, one thread at a time. 'owner' is
       the holding thread's pthread_self() or 0; 'lock_depth' is touched only
       by the owner; waiters sleep on 'wait_cond' (kapi_store.c). */
    _Atomic(uintptr_t) owner;
    uint32_t lock_depth;
    atomic_uint waiters;
    pthread_mutex_t wait_lock;
    pthread_cond_t wait_cond;
    KB_VEC(kapi_module *) modules;  /* retained for the store's life (rule 4) */
    void *user_data;
    void (*user_finalizer)(void *);
    uint32_t depth;                 /* nesting of calls on the owning thread */
} kapi_store;

/* A refcounted handle. */
typedef struct kapi_handle {
    kapi_head head;
    atomic_size_t refs;
    kapi_store *store;              /* retained; NULL for engine and module handles */
    union {
        kapi_engine *engine;        /* KEEL_HANDLE_ENGINE (retained) */
        kapi_module *module;        /* KEEL_HANDLE_MODULE (retained) */
        krt_instance *instance;
        krt_func *func;
        krt_memory *memory;
        krt_table *table;
        krt_global *global;
        krt_tag *tag;
        krt_exn *exn;
        krt_externref *externref;
        void *ref;                  /* KEEL_HANDLE_REF: an opaque GC reference */
        void *any;
    } u;
} kapi_handle;

/* ---------------------------------------------------------------- owned objects */

struct keel_config {
    kapi_head head;
    krt_features features;
    krt_limits limits;
    bool guard;
    char *cache_dir;                /* owned; NULL: no code cache (kapi_code.c) */
    uint64_t cache_max_bytes;
};

struct keel_valtype {
    kapi_head head;
    kbin_valtype vt;                /* concrete heap types: heap is meaningless, see 'concrete' */
    keel_heaptype heap;             /* KEEL_HEAP_* */
};

struct keel_functype {
    kapi_head head;
    size_t param_count, result_count;
    struct keel_valtype *types;     /* params then results, each with a live head */
};

struct keel_externtype {
    kapi_head head;
    keel_externkind kind;
    struct keel_functype *func;     /* func and tag */
    struct keel_valtype *val;       /* global value, table element */
    bool mutable_, is64, shared;
    uint64_t min, max;              /* max UINT64_MAX: none */
    uint64_t page_size;
};

/* The caller context of a host callback: lives on the trampoline's stack. */
struct keel_caller {
    kapi_head head;
    kapi_store *store;
    krt_instance *instance;         /* NULL when the host called directly */
};

/* ---------------------------------------------------------------- handles (kapi_handle.c) */

/* Allocates a zeroed object of 'size' bytes with a live head; counts it. NULL on OOM. */
void *kapi_obj_new(uint32_t kind, size_t size);
/* Uncounts and frees (or, under the guard, poisons and quarantines) an object. */
void kapi_obj_dispose(void *obj);

/*
** Checks that 'p' is a live object of 'kind' (KAPI_ANY_EXTERN accepts the
** five extern kinds). Returns NULL or an INVALID_ARGUMENT (NULL) or
** INVALID_HANDLE error naming 'what'.
*/
#define KAPI_ANY_EXTERN 0xFFFFu
kb_error *kapi_check(const void *p, uint32_t kind, const char *what);
/* Same, as a boolean for accessors without an error result. */
bool kapi_ok(const void *p, uint32_t kind);

/* A new store-object handle naming 'obj' (retains 'store'); NULL on OOM. */
kapi_handle *kapi_handle_new(uint32_t kind, kapi_store *store, void *obj);
void kapi_handle_retain(kapi_handle *h);
void kapi_handle_release(kapi_handle *h);

/* Internal objects. */
void kapi_engine_retain(kapi_engine *e);
void kapi_engine_release(kapi_engine *e);
void kapi_module_retain(kapi_module *m);
void kapi_module_release(kapi_module *m);
static inline void kapi_store_retain(kapi_store *s) {
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
}
void kapi_store_release(kapi_store *s);

/*
** The store lock: waits, or returns KB_ERR_BUSY when 'try_only'. The
** uncontended paths (taking a free lock, re-entering it on the owning
** thread, releasing it with nobody waiting) are inline: one atomic
** read-modify-write each way, no call into pthreads. The call path of
** keel_func_call pays for it on every call (issue 3).
*/
kb_error *kapi_store_lock_slow(kapi_store *s, bool try_only);
void kapi_store_wake(kapi_store *s);

/* A non-zero word unique to each live thread: its thread pointer where the
   compiler exposes it (one load, no call), else pthread_self(). */
static inline uintptr_t kapi_thread_token(void) {
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__aarch64__))
    return (uintptr_t)__builtin_thread_pointer();
#else
    return (uintptr_t)pthread_self();
#endif
}

static inline kb_error *kapi_store_lock(kapi_store *s, bool try_only) {
    uintptr_t self = kapi_thread_token();
    if (atomic_load_explicit(&s->owner, memory_order_relaxed) == self) {
        s->lock_depth++; /* re-entry from a host callback on the owning thread */
        return NULL;
    }
    uintptr_t free_ = 0;
    if (atomic_compare_exchange_strong_explicit(&s->owner, &free_, self, memory_order_acquire,
                                                memory_order_relaxed)) {
        s->lock_depth = 1;
        return NULL;
    }
    return kapi_store_lock_slow(s, try_only);
}

static inline void kapi_store_unlock(kapi_store *s) {
    if (--s->lock_depth != 0) return;
    /* Sequentially consistent store then load: either a waiter's increment
       of 'waiters' is seen here, or its next attempt sees the lock free
       (kapi_store_lock_slow), so no wake-up is lost. */
    atomic_store(&s->owner, (uintptr_t)0);
    if (atomic_load(&s->waiters) != 0) kapi_store_wake(s);
}

/* The kapi_module that holds 'm' in the store's list (retained by the store), or NULL. */
kapi_module *kapi_store_find_module(kapi_store *s, const krt_module *m);

/* ---------------------------------------------------------------- code (kapi_code.c) */

/* The engine's code cache from a config's settings (NULL for none). */
struct kcode_cache *kapi_code_cache_new(const keel_config *config);
void kapi_code_cache_free(struct kcode_cache *cache);
/* Frees what a config owns besides itself (the cache dir). */
void kapi_config_free_fields(keel_config *config);
/* Wraps a new krt_module of 'engine' in a module handle; frees 'krt' on failure. */
keel_error *kapi_module_wrap(keel_engine *engine, krt_module *krt, keel_module **out);

/* ---------------------------------------------------------------- types (kapi_types.c) */

/* The keel_val kind that carries values of 't'; 'ctx' resolves module-local concrete types (may be NULL). */
keel_valkind kapi_valkind_of(kbin_valtype t, const kbin_module *ctx);
/* Fills a valtype object (already allocated) from an engine type. */
void kapi_valtype_fill(struct keel_valtype *out, kbin_valtype t, const kbin_module *ctx);
/* A new functype from an engine function type. */
kb_error *kapi_functype_from(const kbin_type *t, const kbin_module *ctx, struct keel_functype **out);
/* A kbin function type (for krt constructors) from a functype: free with kapi_kbin_type_free. */
kb_error *kapi_kbin_type_from(const struct keel_functype *ft, kbin_type *out);
void kapi_kbin_type_free(kbin_type *t);
/* A new externtype for an extern of the given kind. */
kb_error *kapi_externtype_new(struct keel_externtype **out);
kb_error *kapi_externtype_of_limits(keel_externkind kind, const kbin_limits *l, kbin_valtype elem,
                                    const kbin_module *ctx, struct keel_externtype **out);
kb_error *kapi_externtype_of_import(const kbin_module *m, const kbin_import *imp,
                                    struct keel_externtype **out);
kb_error *kapi_externtype_of_extern(const kapi_store *s, const krt_extern *ext,
                                    struct keel_externtype **out);

/* The type of export 'e' of module 'm'. */
kb_error *kapi_externtype_of_export(const kbin_module *m, const kbin_export *e,
                                    struct keel_externtype **out);

/* ---------------------------------------------------------------- values (kapi_val.c) */

/* The module whose type indices 'f->type' uses (NULL for host functions). */
const kbin_module *kapi_func_ctx(const krt_func *f);
/* keel_val -> slots, checking the kind against 't' and the store of references. */
kb_error *kapi_val_to_slots(kapi_store *s, const keel_val *v, kbin_valtype t,
                            const kbin_module *ctx, uint64_t *slots, const char *what);
/* slots -> keel_val with new (owned) handles for references. */
kb_error *kapi_val_from_slots(kapi_store *s, kbin_valtype t, const kbin_module *ctx,
                              const uint64_t *slots, keel_val *out);
/* A reference pointer of kind 'k' -> a new handle (NULL for null). */
kb_error *kapi_ref_wrap(kapi_store *s, keel_valkind k, void *ref, void **out);

/* exception_release of errors whose 'exception' is a keel_exn handle. */
void kapi_exn_handle_release(void *h);
/* Replaces an uncaught exception's krt_exn * in 'err' by a keel_exn handle. */
void kapi_wrap_exception(kapi_store *s, kb_error *err);

/* A new extern handle for an engine extern. */
kb_error *kapi_extern_wrap(kapi_store *s, const krt_extern *ext, keel_extern **out);
/* The engine extern an extern handle names. */
void kapi_extern_unwrap(const kapi_handle *h, krt_extern *out);

#endif

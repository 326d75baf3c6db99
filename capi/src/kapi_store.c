/*
** kapi_store.c -- keel_store: the store's reference count, its lock and its
** lifetime (DESIGN.md "Ownership" rules 2-5 and 8).
**
** One count covers the store handles, the handles of its objects and the
** calls running in it; the last release frees the krt_store (every object in
** it, running host finalizers), the modules it instantiated and its user
** data, on whichever thread released last.
*/
#include "kapi_int.h"

#include <errno.h>

static atomic_size_t live_stores;

#define ERR(kind, ...) ((keel_error *)kb_error_new((kind), __VA_ARGS__))

void kapi_store_retain(kapi_store *s) { atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed); }

void kapi_store_release(kapi_store *s) {
    if (s == NULL || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1) return;
    /* Nobody can reach the store any more: no lock needed. Objects first
       (their finalizers may still look at user data), then modules. */
    krt_store_free(s->krt);
    for (size_t i = 0; i < s->modules.len; i++) kapi_module_release(s->modules.items[i]);
    kb_vec_free(&s->modules);
    if (s->user_finalizer) s->user_finalizer(s->user_data);
    kapi_engine_release(s->engine);
    pthread_mutex_destroy(&s->lock);
    kb_free(s);
    atomic_fetch_sub(&live_stores, 1);
}

KEEL_API size_t keel_debug_live_stores(void) { return atomic_load(&live_stores); }

kb_error *kapi_store_lock(kapi_store *s, bool try_only) {
    if (try_only) {
        int rc = pthread_mutex_trylock(&s->lock);
        if (rc == EBUSY) return kb_error_new(KB_ERR_BUSY, "the store is in use by another thread");
        if (rc != 0) return kb_error_new(KB_ERR_INTERNAL, "store lock failed (%d)", rc);
        return NULL;
    }
    int rc = pthread_mutex_lock(&s->lock);
    if (rc != 0) return kb_error_new(KB_ERR_INTERNAL, "store lock failed (%d)", rc);
    return NULL;
}

void kapi_store_unlock(kapi_store *s) { pthread_mutex_unlock(&s->lock); }

kapi_module *kapi_store_find_module(kapi_store *s, const krt_module *m) {
    for (size_t i = 0; i < s->modules.len; i++)
        if (s->modules.items[i]->krt == m) return s->modules.items[i];
    return NULL;
}

static kapi_store *store_of(const keel_store *store) {
    return kapi_ok(store, KEEL_HANDLE_STORE) ? ((const kapi_handle *)store)->store : NULL;
}

KEEL_API keel_error *keel_store_new(keel_engine *engine, keel_store **out) {
    kb_error *err = kapi_check(engine, KEEL_HANDLE_ENGINE, "engine");
    if (err) return (keel_error *)err;
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    kapi_engine *e = ((kapi_handle *)engine)->u.engine;
    kapi_store *s = kb_calloc(1, sizeof *s);
    if (s == NULL) return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    if ((err = krt_store_new(e->krt, &s->krt)) != NULL) {
        kb_free(s);
        return (keel_error *)err;
    }
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&s->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    kapi_engine_retain(e);
    s->engine = e;
    atomic_init(&s->refs, 1); /* dropped right below: the handle holds the store */
    atomic_fetch_add(&live_stores, 1);
    kapi_handle *h = kapi_handle_new(KEEL_HANDLE_STORE, s, NULL);
    kapi_store_release(s);    /* the handle's reference is the only one now */
    if (h == NULL) return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    *out = (keel_store *)h;
    return NULL;
}

KEEL_API keel_store *keel_store_retain(keel_store *store) {
    if (!kapi_ok(store, KEEL_HANDLE_STORE)) return NULL;
    kapi_handle_retain((kapi_handle *)store);
    return store;
}

KEEL_API void keel_store_release(keel_store *store) {
    if (kapi_ok(store, KEEL_HANDLE_STORE)) kapi_handle_release((kapi_handle *)store);
}

KEEL_API keel_error *keel_store_set_user_data(keel_store *store, void *data,
                                              void (*finalizer)(void *data)) {
    kb_error *err = kapi_check(store, KEEL_HANDLE_STORE, "store");
    if (err) return (keel_error *)err;
    kapi_store *s = store_of(store);
    if ((err = kapi_store_lock(s, false)) != NULL) return (keel_error *)err;
    void *old = s->user_data;
    void (*old_fin)(void *) = s->user_finalizer;
    s->user_data = data;
    s->user_finalizer = finalizer;
    kapi_store_unlock(s);
    if (old_fin) old_fin(old);
    return NULL;
}

KEEL_API void *keel_store_user_data(const keel_store *store) {
    kapi_store *s = store_of(store);
    return s ? s->user_data : NULL;
}

static keel_error *set_limit(keel_store *store, int which, uint64_t value) {
    kb_error *err = kapi_check(store, KEEL_HANDLE_STORE, "store");
    if (err) return (keel_error *)err;
    kapi_store *s = store_of(store);
    if ((err = kapi_store_lock(s, false)) != NULL) return (keel_error *)err;
    if (which == 0) s->krt->max_memory_bytes = value;
    else if (which == 1) s->krt->max_table_elements = value;
    else s->krt->max_instances = (uint32_t)value;
    kapi_store_unlock(s);
    return NULL;
}

KEEL_API keel_error *keel_store_limit_memory(keel_store *store, uint64_t max_bytes) {
    return set_limit(store, 0, max_bytes);
}

KEEL_API keel_error *keel_store_limit_table_elements(keel_store *store, uint64_t max_elements) {
    return set_limit(store, 1, max_elements);
}

KEEL_API keel_error *keel_store_limit_instances(keel_store *store, uint32_t max_instances) {
    return set_limit(store, 2, max_instances);
}

KEEL_API void keel_store_interrupt(keel_store *store) {
    kapi_store *s = store_of(store);
    if (s) atomic_store(&s->krt->interrupt, 1u);
}

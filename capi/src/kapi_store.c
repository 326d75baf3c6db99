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

static atomic_size_t live_stores;

#define ERR(kind, ...) ((keel_error *)kb_error_new((kind), __VA_ARGS__))

void kapi_store_release(kapi_store *s) {
    if (s == NULL || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1) return;
    /* Nobody can reach the store any more: no lock needed. Objects first
       (their finalizers may still look at user data), then modules. */
    krt_store_free(s->krt);
    for (size_t i = 0; i < s->modules.len; i++) kapi_module_release(s->modules.items[i]);
    kb_vec_free(&s->modules);
    if (s->user_finalizer) s->user_finalizer(s->user_data);
    kapi_engine_release(s->engine);
    pthread_cond_destroy(&s->wait_cond);
    pthread_mutex_destroy(&s->wait_lock);
    kb_free(s);
    atomic_fetch_sub(&live_stores, 1);
}

KEEL_API size_t keel_debug_live_stores(void) { return atomic_load(&live_stores); }

/*
** The contended path of kapi_store_lock (kapi_int.h): another thread owns the
** store. Waiters announce themselves in 'waiters' before they look at
** 'owner' under 'wait_lock', and the owner wakes them after clearing 'owner'
** when it sees any, so a waiter never sleeps through the release.
*/
kb_error *kapi_store_lock_slow(kapi_store *s, bool try_only) {
    uintptr_t self = kapi_thread_token();
    if (try_only) return kb_error_new(KB_ERR_BUSY, "the store is in use by another thread");
    atomic_fetch_add(&s->waiters, 1u);
    pthread_mutex_lock(&s->wait_lock);
    for (;;) {
        uintptr_t free_ = 0;
        if (atomic_compare_exchange_strong(&s->owner, &free_, self)) break;
        pthread_cond_wait(&s->wait_cond, &s->wait_lock);
    }
    pthread_mutex_unlock(&s->wait_lock);
    atomic_fetch_sub(&s->waiters, 1u);
    s->lock_depth = 1;
    return NULL;
}

void kapi_store_wake(kapi_store *s) {
    pthread_mutex_lock(&s->wait_lock);
    pthread_cond_broadcast(&s->wait_cond);
    pthread_mutex_unlock(&s->wait_lock);
}

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
    atomic_init(&s->owner, (uintptr_t)0);
    atomic_init(&s->waiters, 0u);
    pthread_mutex_init(&s->wait_lock, NULL);
    pthread_cond_init(&s->wait_cond, NULL);
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

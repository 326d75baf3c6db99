/*
** kapi_handle.c -- handle allocation, reference counts, the debug guard
** (magic tags, poisoning, quarantine) and the live-handle counters.
**
** DESIGN.md "Ownership" rules 3, 7 and 9: counts are atomic and release
** never calls foreign code (except store finalizers when the last store
** reference goes, in kapi_store_release); under the guard a released
** object's memory is never reused, so a stale pointer passed back still reads
** KAPI_DEAD and is reported as KEEL_ERROR_INVALID_HANDLE.
*/
#include "kapi_int.h"

#include <stddef.h>
#include <string.h>

/* keel_val is the one struct passed by value: its layout is ABI (keel/val.h). */
_Static_assert(sizeof(keel_val) == 24, "keel_val layout is ABI");
_Static_assert(offsetof(keel_val, of) == 8, "keel_val layout is ABI");
_Static_assert(sizeof(((keel_val *)0)->of) == 16, "keel_val layout is ABI");

static atomic_size_t live_counts[KEEL_HANDLE_KIND_COUNT];
static atomic_int guard_on;

static pthread_mutex_t quarantine_lock = PTHREAD_MUTEX_INITIALIZER;
static KB_VEC(void *) quarantine;

/* ---------------------------------------------------------------- versions */

KEEL_API uint32_t keel_abi_version(void) { return KEEL_ABI_VERSION; }

KEEL_API const char *keel_version(void) { return KEEL_VERSION_STRING; }

/* ---------------------------------------------------------------- objects */

void *kapi_obj_new(uint32_t kind, size_t size) {
    kapi_head *h = kb_calloc(1, size);
    if (h == NULL) return NULL;
    h->magic = KAPI_MAGIC;
    h->kind = kind;
    h->size = size;
    if (kind < KEEL_HANDLE_KIND_COUNT) atomic_fetch_add(&live_counts[kind], 1);
    return h;
}

void kapi_obj_dispose(void *obj) {
    kapi_head *h = obj;
    if (h == NULL) return;
    if (h->kind < KEEL_HANDLE_KIND_COUNT) atomic_fetch_sub(&live_counts[h->kind], 1);
    if (atomic_load(&guard_on)) {
        /* Poison everything after the head so a stale use reads garbage that
           no check accepts, and keep the memory so the magic stays readable. */
        uint8_t *bytes = obj;
        if (h->size > sizeof *h) memset(bytes + sizeof *h, 0xDD, h->size - sizeof *h);
        h->magic = KAPI_DEAD;
        pthread_mutex_lock(&quarantine_lock);
        bool kept = kb_vec_push(&quarantine, obj);
        pthread_mutex_unlock(&quarantine_lock);
        if (kept) return;
    }
    h->magic = KAPI_DEAD;
    kb_free(obj);
}

static const char *kind_names[KEEL_HANDLE_KIND_COUNT] = {
    "handle", "config", "engine", "module", "store", "linker", "instance", "func",
    "memory", "table", "global", "tag", "exn", "externref", "ref", "valtype",
    "functype", "externtype", "code",
}; /* ORDER KEEL_HANDLE */

static bool kind_matches(uint32_t have, uint32_t want) {
    if (want == KAPI_ANY_EXTERN)
        return have == KEEL_HANDLE_FUNC || have == KEEL_HANDLE_MEMORY ||
               have == KEEL_HANDLE_TABLE || have == KEEL_HANDLE_GLOBAL || have == KEEL_HANDLE_TAG;
    return have == want;
}

kb_error *kapi_check(const void *p, uint32_t kind, const char *what) {
    if (p == NULL) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "%s is NULL", what);
    const kapi_head *h = p;
    if (h->magic == KAPI_DEAD)
        return kb_error_new(KB_ERR_INVALID_HANDLE, "%s is a released handle", what);
    if (h->magic != KAPI_MAGIC)
        return kb_error_new(KB_ERR_INVALID_HANDLE, "%s is not a Keel handle", what);
    if (!kind_matches(h->kind, kind))
        return kb_error_new(KB_ERR_INVALID_HANDLE, "%s is a %s handle, not a %s", what,
                            keel_debug_handle_kind_name(h->kind),
                            kind == KAPI_ANY_EXTERN ? "extern" : keel_debug_handle_kind_name(kind));
    return NULL;
}

bool kapi_ok(const void *p, uint32_t kind) {
    const kapi_head *h = p;
    return h != NULL && h->magic == KAPI_MAGIC && kind_matches(h->kind, kind);
}

/* ---------------------------------------------------------------- handles */

kapi_handle *kapi_handle_new(uint32_t kind, kapi_store *store, void *obj) {
    kapi_handle *h = kapi_obj_new(kind, sizeof *h);
    if (h == NULL) return NULL;
    atomic_init(&h->refs, 1);
    h->store = store;
    if (store) kapi_store_retain(store);
    h->u.any = obj;
    return h;
}

void kapi_handle_retain(kapi_handle *h) { atomic_fetch_add_explicit(&h->refs, 1, memory_order_relaxed); }

void kapi_handle_release(kapi_handle *h) {
    if (atomic_fetch_sub_explicit(&h->refs, 1, memory_order_acq_rel) != 1) return;
    kapi_store *store = h->store;
    uint32_t kind = h->head.kind;
    void *obj = h->u.any;
    kapi_obj_dispose(h);
    if (kind == KEEL_HANDLE_ENGINE) kapi_engine_release(obj);
    else if (kind == KEEL_HANDLE_MODULE) kapi_module_release(obj);
    if (store) kapi_store_release(store); /* may free the store (rule 3) */
}

/* ---------------------------------------------------------------- debug API */

KEEL_API void keel_debug_set_guard(int enable) { atomic_store(&guard_on, enable ? 1 : 0); }

KEEL_API int keel_debug_guard(void) { return atomic_load(&guard_on); }

KEEL_API size_t keel_debug_live_handles(keel_handle_kind kind) {
    if (kind == KEEL_HANDLE_ALL) {
        size_t total = 0;
        for (uint32_t k = 1; k < KEEL_HANDLE_KIND_COUNT; k++) total += atomic_load(&live_counts[k]);
        return total;
    }
    return kind < KEEL_HANDLE_KIND_COUNT ? atomic_load(&live_counts[kind]) : 0;
}

KEEL_API void keel_debug_flush_quarantine(void) {
    pthread_mutex_lock(&quarantine_lock);
    for (size_t i = 0; i < quarantine.len; i++) kb_free(quarantine.items[i]);
    kb_vec_free(&quarantine);
    pthread_mutex_unlock(&quarantine_lock);
}

KEEL_API const char *keel_debug_handle_kind_name(keel_handle_kind kind) {
    return kind < KEEL_HANDLE_KIND_COUNT ? kind_names[kind] : "unknown";
}

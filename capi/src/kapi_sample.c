/*
** kapi_sample.c -- keel/sample.h, and the execution-control entry points
** of keel/store.h and keel/engine.h (interrupt_clear, fuel, epochs and
** deadlines). Thin wrappers over exec/'s kexec_sample.h; the async-signal-
** safe ones (sample, interrupt, epoch) touch only the handle's magic and
** atomics, never the store lock or the allocator.
*/
#include "kapi_int.h"

#include <stddef.h>

#include "exec/kexec_sample.h"

#define ERR(kind, ...) ((keel_error *)kb_error_new((kind), __VA_ARGS__))

/* The public frame is exec/'s frame: exec/ fills the caller's buffer in place. */
_Static_assert(sizeof(keel_frame_sample) == sizeof(kexec_sample_frame), "frame layout");
_Static_assert(offsetof(keel_frame_sample, func_index) == offsetof(kexec_sample_frame, func_index), "frame layout");
_Static_assert(offsetof(keel_frame_sample, offset) == offsetof(kexec_sample_frame, offset), "frame layout");
_Static_assert(offsetof(keel_frame_sample, func_name) == offsetof(kexec_sample_frame, func_name), "frame layout");
_Static_assert(offsetof(keel_frame_sample, module_name) == offsetof(kexec_sample_frame, module_name), "frame layout");
_Static_assert(KEEL_SAMPLE_OK == KEXEC_SAMPLE_OK && KEEL_SAMPLE_TRUNCATED == KEXEC_SAMPLE_TRUNCATED, "codes");

/* The store of a live store handle, or NULL; reads only the head (signal-safe). */
static kapi_store *store_of(const keel_store *store) {
    return kapi_ok(store, KEEL_HANDLE_STORE) ? ((const kapi_handle *)store)->store : NULL;
}

/* ---------------------------------------------------------------- sampling */

KEEL_API int keel_store_sample(keel_store *store, keel_frame_sample *buf, size_t cap, size_t *count) {
    if (count) *count = 0;
    kapi_store *s = store_of(store);
    if (s == NULL || (buf == NULL && cap != 0)) return KEEL_SAMPLE_INVALID;
    return kexec_sample(s->krt, (kexec_sample_frame *)(void *)buf, cap, count);
}

KEEL_API const char *keel_frame_func_name(const keel_module *module, uint32_t func_index) {
    if (!kapi_ok(module, KEEL_HANDLE_MODULE)) return NULL;
    const kapi_module *m = ((const kapi_handle *)module)->u.module;
    if (m == NULL || m->krt == NULL || m->krt->bin == NULL || func_index >= m->krt->bin->func_count)
        return NULL;
    return kbin_func_name(m->krt->bin, func_index);
}

/* Appends 'text' to buf[*len..cap) (always counting the full length). */
static void put(char *buf, size_t cap, size_t *len, const char *text) {
    for (; *text; text++, (*len)++)
        if (*len + 1 < cap) buf[*len] = *text;
}

static void put_num(char *buf, size_t cap, size_t *len, uint32_t v, unsigned base) {
    char tmp[16];
    size_t n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    char out[17];
    for (size_t i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    put(buf, cap, len, out);
}

KEEL_API size_t keel_frame_format(const keel_frame_sample *frame, char *buf, size_t cap) {
    size_t len = 0;
    if (frame == NULL) {
        if (buf && cap) buf[0] = '\0';
        return 0;
    }
    put(buf, cap, &len, frame->module_name ? frame->module_name : "?");
    put(buf, cap, &len, "!");
    if (frame->func_name) {
        put(buf, cap, &len, frame->func_name);
    } else {
        put(buf, cap, &len, "func[");
        put_num(buf, cap, &len, frame->func_index, 10);
        put(buf, cap, &len, "]");
    }
    if (frame->offset != UINT32_MAX) {
        put(buf, cap, &len, "+0x");
        put_num(buf, cap, &len, frame->offset, 16);
    }
    if (buf && cap) buf[len < cap ? len : cap - 1] = '\0';
    return len;
}

/* ---------------------------------------------------------------- interrupts and epochs */

KEEL_API void keel_store_interrupt_clear(keel_store *store) {
    kapi_store *s = store_of(store);
    if (s) kexec_interrupt_clear(s->krt);
}

KEEL_API void keel_engine_increment_epoch(keel_engine *engine) {
    if (!kapi_ok(engine, KEEL_HANDLE_ENGINE)) return;
    kapi_engine *e = ((kapi_handle *)engine)->u.engine;
    if (e) kexec_engine_increment_epoch(e->krt);
}

KEEL_API uint64_t keel_engine_epoch(const keel_engine *engine) {
    if (!kapi_ok(engine, KEEL_HANDLE_ENGINE)) return 0;
    const kapi_engine *e = ((const kapi_handle *)engine)->u.engine;
    return e ? kexec_engine_epoch(e->krt) : 0;
}

/* ---------------------------------------------------------------- fuel and deadlines */

/* Checks and locks the store; on success the caller unlocks. */
static kb_error *lock_store(keel_store *store, kapi_store **out) {
    kb_error *err = kapi_check(store, KEEL_HANDLE_STORE, "store");
    if (err) return err;
    kapi_store *s = store_of(store);
    if ((err = kapi_store_lock(s, false)) != NULL) return err;
    *out = s;
    return NULL;
}

KEEL_API keel_error *keel_store_set_fuel(keel_store *store, uint64_t fuel) {
    kapi_store *s;
    kb_error *err = lock_store(store, &s);
    if (err) return (keel_error *)err;
    err = kexec_set_fuel(s->krt, fuel);
    kapi_store_unlock(s);
    return (keel_error *)err;
}

KEEL_API keel_error *keel_store_get_fuel(keel_store *store, uint64_t *fuel) {
    if (fuel == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "fuel is NULL");
    kapi_store *s;
    kb_error *err = lock_store(store, &s);
    if (err) return (keel_error *)err;
    bool on = kexec_get_fuel(s->krt, fuel);
    kapi_store_unlock(s);
    return on ? NULL : ERR(KB_ERR_INVALID_ARGUMENT, "fuel is not enabled");
}

KEEL_API keel_error *keel_store_disable_fuel(keel_store *store) {
    kapi_store *s;
    kb_error *err = lock_store(store, &s);
    if (err) return (keel_error *)err;
    kexec_disable_fuel(s->krt);
    kapi_store_unlock(s);
    return NULL;
}

KEEL_API keel_error *keel_store_set_epoch_deadline(keel_store *store, uint64_t ticks_from_now) {
    kapi_store *s;
    kb_error *err = lock_store(store, &s);
    if (err) return (keel_error *)err;
    err = kexec_set_epoch_deadline(s->krt, ticks_from_now);
    kapi_store_unlock(s);
    return (keel_error *)err;
}

KEEL_API keel_error *keel_store_clear_epoch_deadline(keel_store *store) {
    kapi_store *s;
    kb_error *err = lock_store(store, &s);
    if (err) return (keel_error *)err;
    kexec_clear_epoch_deadline(s->krt);
    kapi_store_unlock(s);
    return NULL;
}

KEEL_API keel_error *keel_store_set_epoch_deadline_callback(keel_store *store,
                                                           keel_deadline_callback callback,
                                                           void *env) {
    kapi_store *s;
    kb_error *err = lock_store(store, &s);
    if (err) return (keel_error *)err;
    err = kexec_set_deadline_callback(s->krt, callback, env);
    kapi_store_unlock(s);
    return (keel_error *)err;
}

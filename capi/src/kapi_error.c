/*
** kapi_error.c -- keel_error: the engine's kb_error seen through the ABI.
**
** A keel_error IS a kb_error (the same object, no wrapper), so an error a
** host callback returns travels through exec/ and comes back out of
** keel_func_call as the same pointer with the same payload (DESIGN.md
** "Host callbacks never unwind through C").
*/
#include "kapi_int.h"

#include <string.h>

/* ORDER ERR: public numbers equal the engine's (kb_error.h). */
_Static_assert(KEEL_ERROR_INVALID_ARGUMENT == KB_ERR_INVALID_ARGUMENT, "ORDER ERR");
_Static_assert(KEEL_ERROR_MALFORMED == KB_ERR_MALFORMED, "ORDER ERR");
_Static_assert(KEEL_ERROR_INVALID == KB_ERR_INVALID, "ORDER ERR");
_Static_assert(KEEL_ERROR_UNLINKABLE == KB_ERR_UNLINKABLE, "ORDER ERR");
_Static_assert(KEEL_ERROR_TRAP == KB_ERR_TRAP, "ORDER ERR");
_Static_assert(KEEL_ERROR_OUT_OF_MEMORY == KB_ERR_OUT_OF_MEMORY, "ORDER ERR");
_Static_assert(KEEL_ERROR_BUSY == KB_ERR_BUSY, "ORDER ERR");
_Static_assert(KEEL_ERROR_STORE_MISMATCH == KB_ERR_STORE_MISMATCH, "ORDER ERR");
_Static_assert(KEEL_ERROR_IO == KB_ERR_IO, "ORDER ERR");
_Static_assert(KEEL_ERROR_HOST == KB_ERR_HOST, "ORDER ERR");
_Static_assert(KEEL_ERROR_EXIT == KB_ERR_EXIT, "ORDER ERR");
_Static_assert(KEEL_ERROR_EXCEPTION == KB_ERR_EXCEPTION, "ORDER ERR");
_Static_assert(KEEL_ERROR_INVALID_HANDLE == KB_ERR_INVALID_HANDLE, "ORDER ERR");
_Static_assert(KEEL_ERROR_UNSUPPORTED == KB_ERR_UNSUPPORTED, "ORDER ERR");
_Static_assert(KEEL_ERROR_LIMIT == KB_ERR_LIMIT, "ORDER ERR");
_Static_assert(KEEL_ERROR_INTERNAL == KB_ERR_INTERNAL, "ORDER ERR");

/* ORDER TRAP */
_Static_assert(KEEL_TRAP_NONE == KB_TRAP_NONE, "ORDER TRAP");
_Static_assert(KEEL_TRAP_UNREACHABLE == KB_TRAP_UNREACHABLE, "ORDER TRAP");
_Static_assert(KEEL_TRAP_MEMORY_OUT_OF_BOUNDS == KB_TRAP_MEMORY_OUT_OF_BOUNDS, "ORDER TRAP");
_Static_assert(KEEL_TRAP_TABLE_OUT_OF_BOUNDS == KB_TRAP_TABLE_OUT_OF_BOUNDS, "ORDER TRAP");
_Static_assert(KEEL_TRAP_UNDEFINED_ELEMENT == KB_TRAP_UNDEFINED_ELEMENT, "ORDER TRAP");
_Static_assert(KEEL_TRAP_UNINITIALIZED_ELEMENT == KB_TRAP_UNINITIALIZED_ELEMENT, "ORDER TRAP");
_Static_assert(KEEL_TRAP_INDIRECT_CALL_TYPE == KB_TRAP_INDIRECT_CALL_TYPE, "ORDER TRAP");
_Static_assert(KEEL_TRAP_INTEGER_OVERFLOW == KB_TRAP_INTEGER_OVERFLOW, "ORDER TRAP");
_Static_assert(KEEL_TRAP_INTEGER_DIVIDE_BY_ZERO == KB_TRAP_INTEGER_DIVIDE_BY_ZERO, "ORDER TRAP");
_Static_assert(KEEL_TRAP_INVALID_CONVERSION == KB_TRAP_INVALID_CONVERSION, "ORDER TRAP");
_Static_assert(KEEL_TRAP_STACK_EXHAUSTED == KB_TRAP_STACK_EXHAUSTED, "ORDER TRAP");
_Static_assert(KEEL_TRAP_NULL_REFERENCE == KB_TRAP_NULL_REFERENCE, "ORDER TRAP");
_Static_assert(KEEL_TRAP_CAST_FAILURE == KB_TRAP_CAST_FAILURE, "ORDER TRAP");
_Static_assert(KEEL_TRAP_ARRAY_OUT_OF_BOUNDS == KB_TRAP_ARRAY_OUT_OF_BOUNDS, "ORDER TRAP");
_Static_assert(KEEL_TRAP_ALLOCATION_FAILED == KB_TRAP_ALLOCATION_FAILED, "ORDER TRAP");
_Static_assert(KEEL_TRAP_UNALIGNED_ATOMIC == KB_TRAP_UNALIGNED_ATOMIC, "ORDER TRAP");
_Static_assert(KEEL_TRAP_INTERRUPTED == KB_TRAP_INTERRUPTED, "ORDER TRAP");
_Static_assert(KEEL_TRAP_OUT_OF_FUEL == KB_TRAP_OUT_OF_FUEL, "ORDER TRAP");
_Static_assert(KEEL_TRAP_DEADLINE == KB_TRAP_DEADLINE, "ORDER TRAP");
_Static_assert(KEEL_TRAP_DATA_SEGMENT_OUT_OF_BOUNDS == KB_TRAP_DATA_SEGMENT_OUT_OF_BOUNDS, "ORDER TRAP");
_Static_assert(KEEL_TRAP_UNCAUGHT_EXCEPTION == KB_TRAP_UNCAUGHT_EXCEPTION, "ORDER TRAP");
_Static_assert(KEEL_TRAP_HOST == KB_TRAP_HOST, "ORDER TRAP");

/* A live engine error, or NULL (a NULL or dead pointer reads as "no error"). */
static const kb_error *live(const keel_error *err) {
    const kb_error *e = (const kb_error *)(const void *)err;
    return e != NULL && e->magic == KB_ERROR_MAGIC ? e : NULL;
}

KEEL_API keel_errkind keel_error_kind(const keel_error *err) {
    const kb_error *e = live(err);
    return e ? e->kind : 0;
}

KEEL_API const char *keel_error_message(const keel_error *err) {
    const kb_error *e = live(err);
    return e && e->message ? e->message : "";
}

KEEL_API keel_trapcode keel_error_trap_code(const keel_error *err) {
    const kb_error *e = live(err);
    return e && e->kind == KB_ERR_TRAP ? e->trap : KB_TRAP_NONE;
}

KEEL_API int32_t keel_error_exit_code(const keel_error *err) {
    const kb_error *e = live(err);
    return e && e->kind == KB_ERR_EXIT ? e->exit_code : 0;
}

KEEL_API int64_t keel_error_offset(const keel_error *err) {
    const kb_error *e = live(err);
    return e ? e->offset : -1;
}

KEEL_API size_t keel_error_frame_count(const keel_error *err) {
    const kb_error *e = live(err);
    return e ? e->frame_count : 0;
}

static const kb_frame *frame(const keel_error *err, size_t i) {
    const kb_error *e = live(err);
    return e && i < e->frame_count ? &e->frames[i] : NULL;
}

KEEL_API uint32_t keel_error_frame_func_index(const keel_error *err, size_t i) {
    const kb_frame *f = frame(err, i);
    return f ? f->func_index : UINT32_MAX;
}

KEEL_API uint32_t keel_error_frame_offset(const keel_error *err, size_t i) {
    const kb_frame *f = frame(err, i);
    return f ? f->code_offset : UINT32_MAX;
}

KEEL_API const char *keel_error_frame_func_name(const keel_error *err, size_t i) {
    const kb_frame *f = frame(err, i);
    return f ? f->func_name : NULL;
}

KEEL_API const char *keel_error_frame_module_name(const keel_error *err, size_t i) {
    const kb_frame *f = frame(err, i);
    return f ? f->module_name : NULL;
}

KEEL_API void *keel_error_host_payload(const keel_error *err) {
    const kb_error *e = live(err);
    return e ? e->host_data : NULL;
}

KEEL_API void *keel_error_take_host_payload(keel_error *err) {
    kb_error *e = (kb_error *)(void *)err;
    if (live(err) == NULL) return NULL;
    void *payload = e->host_data;
    e->host_data = NULL;
    e->host_finalizer = NULL;
    return payload;
}


KEEL_API keel_exn *keel_error_exception(const keel_error *err) {
    const kb_error *e = live(err);
    if (e == NULL || e->kind != KB_ERR_EXCEPTION || e->exception_release != kapi_exn_handle_release)
        return NULL;
    return e->exception;
}

KEEL_API keel_error *keel_error_new_host(void *payload, void (*finalizer)(void *payload),
                                         const char *message) {
    kb_error *e = kb_error_new(KB_ERR_HOST, "%s", message ? message : "host error");
    if (e->kind != KB_ERR_HOST) { /* the static out-of-memory error */
        if (finalizer) finalizer(payload);
        return (keel_error *)(void *)e;
    }
    e->host_data = payload;
    e->host_finalizer = finalizer;
    return (keel_error *)(void *)e;
}

KEEL_API keel_error *keel_error_new_trap(const char *message) {
    kb_error *e = kb_error_new(KB_ERR_TRAP, "%s", message ? message : "host trap");
    if (e->kind == KB_ERR_TRAP) e->trap = KB_TRAP_HOST;
    return (keel_error *)(void *)e;
}

KEEL_API keel_error *keel_error_new_exit(int32_t exit_code) {
    kb_error *e = kb_error_new(KB_ERR_EXIT, "exit with code %d", (int)exit_code);
    if (e->kind == KB_ERR_EXIT) e->exit_code = exit_code;
    return (keel_error *)(void *)e;
}

KEEL_API void keel_error_free(keel_error *err) {
    if (live(err) == NULL) return;
    kb_error_free((kb_error *)(void *)err);
}

KEEL_API const char *keel_error_kind_name(keel_errkind kind) {
    if (kind < KB_ERR_INVALID_ARGUMENT || kind > KB_ERR_INTERNAL) return "unknown";
    return kb_error_kind_name(kind);
}

KEEL_API const char *keel_trap_code_message(keel_trapcode code) {
    if (code > KB_TRAP_HOST) return "unknown trap";
    return kb_trap_message(code);
}

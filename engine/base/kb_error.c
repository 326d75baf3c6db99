/*
** kb_error.c -- error objects.
*/
#include "kb_error.h"

#include <stdio.h>
#include <string.h>

#include "kb_alloc.h"

static kb_error oom_error = {
    KB_ERROR_MAGIC, KB_ERR_OUT_OF_MEMORY, KB_TRAP_NONE, 0, -1,
    (char *)"out of memory", NULL, 0, NULL, NULL, NULL, NULL,
};

kb_error *kb_error_vnew(uint32_t kind, int64_t offset, const char *fmt, va_list ap) {
    kb_error *err = kb_calloc(1, sizeof *err);
    if (err == NULL) return &oom_error;
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0) n = 0;
    err->message = kb_malloc((size_t)n + 1);
    if (err->message == NULL) {
        kb_free(err);
        return &oom_error;
    }
    vsnprintf(err->message, (size_t)n + 1, fmt, ap);
    err->magic = KB_ERROR_MAGIC;
    err->kind = kind;
    err->offset = offset;
    return err;
}

kb_error *kb_error_new(uint32_t kind, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    kb_error *err = kb_error_vnew(kind, -1, fmt, ap);
    va_end(ap);
    return err;
}

kb_error *kb_error_at(uint32_t kind, int64_t offset, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    kb_error *err = kb_error_vnew(kind, offset, fmt, ap);
    va_end(ap);
    return err;
}

kb_error *kb_error_trap(uint32_t trap) {
    kb_error *err = kb_error_new(KB_ERR_TRAP, "%s", kb_trap_message(trap));
    if (err != &oom_error) err->trap = trap;
    return err;
}

void kb_error_set_message(kb_error *err, const char *fmt, ...) {
    if (err == NULL || err == &oom_error) return;
    va_list ap, copy;
    va_start(ap, fmt);
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    char *msg = n >= 0 ? kb_malloc((size_t)n + 1) : NULL;
    if (msg != NULL) {
        vsnprintf(msg, (size_t)n + 1, fmt, ap);
        kb_free(err->message);
        err->message = msg;
    }
    va_end(ap);
}

void kb_error_push_frame(kb_error *err, uint32_t func_index, uint32_t code_offset,
                         const char *func_name, const char *module_name) {
    if (err == NULL || err == &oom_error) return;
    kb_frame *frames = kb_realloc(err->frames, (err->frame_count + 1) * sizeof *frames);
    if (frames == NULL) return; /* a shorter backtrace is better than none */
    err->frames = frames;
    kb_frame *f = &frames[err->frame_count++];
    f->func_index = func_index;
    f->code_offset = code_offset;
    f->func_name = func_name ? kb_strdup(func_name) : NULL;
    f->module_name = module_name ? kb_strdup(module_name) : NULL;
}

void kb_error_free(kb_error *err) {
    if (err == NULL || err == &oom_error) return;
    for (size_t i = 0; i < err->frame_count; i++) {
        kb_free(err->frames[i].func_name);
        kb_free(err->frames[i].module_name);
    }
    kb_free(err->frames);
    if (err->host_finalizer) err->host_finalizer(err->host_data);
    if (err->exception_release) err->exception_release(err->exception);
    kb_free(err->message);
    err->magic = 0;
    kb_free(err);
}

const char *kb_trap_message(uint32_t trap) {
    switch (trap) {
    case KB_TRAP_UNREACHABLE: return "unreachable";
    case KB_TRAP_MEMORY_OUT_OF_BOUNDS: return "out of bounds memory access";
    case KB_TRAP_TABLE_OUT_OF_BOUNDS: return "out of bounds table access";
    case KB_TRAP_UNDEFINED_ELEMENT: return "undefined element";
    case KB_TRAP_UNINITIALIZED_ELEMENT: return "uninitialized element";
    case KB_TRAP_INDIRECT_CALL_TYPE: return "indirect call type mismatch";
    case KB_TRAP_INTEGER_OVERFLOW: return "integer overflow";
    case KB_TRAP_INTEGER_DIVIDE_BY_ZERO: return "integer divide by zero";
    case KB_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case KB_TRAP_STACK_EXHAUSTED: return "call stack exhausted";
    case KB_TRAP_NULL_REFERENCE: return "null reference";
    case KB_TRAP_CAST_FAILURE: return "cast failure";
    case KB_TRAP_ARRAY_OUT_OF_BOUNDS: return "out of bounds array access";
    case KB_TRAP_ALLOCATION_FAILED: return "allocation failure";
    case KB_TRAP_UNALIGNED_ATOMIC: return "unaligned atomic";
    case KB_TRAP_INTERRUPTED: return "interrupted";
    case KB_TRAP_OUT_OF_FUEL: return "all fuel consumed";
    case KB_TRAP_DEADLINE: return "deadline reached";
    case KB_TRAP_DATA_SEGMENT_OUT_OF_BOUNDS: return "out of bounds memory access";
    case KB_TRAP_UNCAUGHT_EXCEPTION: return "uncaught exception";
    case KB_TRAP_HOST: return "host trap";
    }
    return "trap";
}

const char *kb_error_kind_name(uint32_t kind) {
    switch (kind) {
    case KB_ERR_INVALID_ARGUMENT: return "invalid argument";
    case KB_ERR_MALFORMED: return "malformed";
    case KB_ERR_INVALID: return "invalid";
    case KB_ERR_UNLINKABLE: return "unlinkable";
    case KB_ERR_TRAP: return "trap";
    case KB_ERR_OUT_OF_MEMORY: return "out of memory";
    case KB_ERR_BUSY: return "busy";
    case KB_ERR_STORE_MISMATCH: return "store mismatch";
    case KB_ERR_IO: return "i/o";
    case KB_ERR_HOST: return "host";
    case KB_ERR_EXIT: return "exit";
    case KB_ERR_EXCEPTION: return "exception";
    case KB_ERR_INVALID_HANDLE: return "invalid handle";
    case KB_ERR_UNSUPPORTED: return "unsupported";
    case KB_ERR_LIMIT: return "limit";
    case KB_ERR_INTERNAL: return "internal";
    }
    return "error";
}

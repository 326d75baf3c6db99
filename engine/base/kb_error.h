/*
** kb_error.h -- the engine's error object.
** This is the object the C ABI hands out as 'keel_error': capi/ checks at
** compile time that the public KEEL_ERROR_* / KEEL_TRAP_* numbers equal the
** KB_ERR_* / KB_TRAP_* numbers below (ORDER ERR, ORDER TRAP).
*/
#ifndef KB_ERROR_H
#define KB_ERROR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* ORDER ERR: error kinds; numbers are ABI, never renumber. */
enum {
    KB_ERR_INVALID_ARGUMENT = 1, /* the caller passed something wrong */
    KB_ERR_MALFORMED = 2,        /* module bytes/text do not decode (spec: assert_malformed) */
    KB_ERR_INVALID = 3,          /* module fails validation (spec: assert_invalid) */
    KB_ERR_UNLINKABLE = 4,       /* imports do not resolve or do not match */
    KB_ERR_TRAP = 5,             /* the guest trapped; see 'trap' and frames */
    KB_ERR_OUT_OF_MEMORY = 6,    /* the host ran out of memory or a store limit was hit */
    KB_ERR_BUSY = 7,             /* the store is in use by another thread (try variants) */
    KB_ERR_STORE_MISMATCH = 8,   /* an object of one store was used with another */
    KB_ERR_IO = 9,               /* a file could not be read or written */
    KB_ERR_HOST = 10,            /* a host callback failed; see the host payload */
    KB_ERR_EXIT = 11,            /* the guest asked to exit (WASI proc_exit); see exit_code */
    KB_ERR_EXCEPTION = 12,       /* an uncaught wasm exception left the call */
    KB_ERR_INVALID_HANDLE = 13,  /* a released or foreign handle was passed (debug builds) */
    KB_ERR_UNSUPPORTED = 14,     /* a feature this build or config does not support */
    KB_ERR_LIMIT = 15,           /* an implementation limit was exceeded */
    KB_ERR_INTERNAL = 16         /* a bug in Keel: please report it */
};

/* ORDER TRAP: trap codes; numbers are ABI, never renumber. Messages: kb_trap_message. */
enum {
    KB_TRAP_NONE = 0,
    KB_TRAP_UNREACHABLE = 1,          /* "unreachable" */
    KB_TRAP_MEMORY_OUT_OF_BOUNDS = 2, /* "out of bounds memory access" */
    KB_TRAP_TABLE_OUT_OF_BOUNDS = 3,  /* "out of bounds table access" */
    KB_TRAP_UNDEFINED_ELEMENT = 4,    /* "undefined element" (call_indirect index past the table) */
    KB_TRAP_UNINITIALIZED_ELEMENT = 5,/* "uninitialized element" (null entry) */
    KB_TRAP_INDIRECT_CALL_TYPE = 6,   /* "indirect call type mismatch" */
    KB_TRAP_INTEGER_OVERFLOW = 7,     /* "integer overflow" */
    KB_TRAP_INTEGER_DIVIDE_BY_ZERO = 8, /* "integer divide by zero" */
    KB_TRAP_INVALID_CONVERSION = 9,   /* "invalid conversion to integer" */
    KB_TRAP_STACK_EXHAUSTED = 10,     /* "call stack exhausted" */
    KB_TRAP_NULL_REFERENCE = 11,      /* "null reference" / "null function reference" ... */
    KB_TRAP_CAST_FAILURE = 12,        /* "cast failure" */
    KB_TRAP_ARRAY_OUT_OF_BOUNDS = 13, /* "out of bounds array access" */
    KB_TRAP_ALLOCATION_FAILED = 14,   /* "allocation failure" (GC heap full) */
    KB_TRAP_UNALIGNED_ATOMIC = 15,    /* "unaligned atomic" */
    KB_TRAP_INTERRUPTED = 16,         /* "interrupted" */
    KB_TRAP_OUT_OF_FUEL = 17,         /* "all fuel consumed" */
    KB_TRAP_DEADLINE = 18,            /* "deadline reached" */
    KB_TRAP_DATA_SEGMENT_OUT_OF_BOUNDS = 19, /* reserved; spec reports memory access */
    KB_TRAP_UNCAUGHT_EXCEPTION = 20,  /* "uncaught exception" */
    KB_TRAP_HOST = 21                 /* a host function reported a trap */
};

/* One frame of a trap backtrace, innermost first. */
typedef struct kb_frame {
    uint32_t func_index;  /* index in its module's function space */
    uint32_t code_offset; /* byte offset in the module's code section, or UINT32_MAX */
    char *func_name;      /* from the name section, or NULL; owned */
    char *module_name;    /* the module's name, or NULL; owned */
} kb_frame;

#define KB_ERROR_MAGIC 0x4B45524Fu /* "KERO" */

typedef struct kb_error {
    uint32_t magic;      /* KB_ERROR_MAGIC while alive */
    uint32_t kind;       /* KB_ERR_* */
    uint32_t trap;       /* KB_TRAP_* when kind == KB_ERR_TRAP */
    int32_t exit_code;   /* when kind == KB_ERR_EXIT */
    int64_t offset;      /* byte offset in the input for malformed/invalid, or -1 */
    char *message;       /* owned, never NULL */
    kb_frame *frames;    /* owned array, innermost first */
    size_t frame_count;
    void *host_data;     /* opaque host payload (KB_ERR_HOST); freed by host_finalizer */
    void (*host_finalizer)(void *);
    void *exception;     /* uncaught exception payload (KB_ERR_EXCEPTION), owned by exec/ */
    void (*exception_release)(void *);
} kb_error;

/*
** Creates an error with a printf-style message. Never returns NULL: when the
** allocation fails it returns a static out-of-memory error that kb_error_free
** ignores.
*/
kb_error *kb_error_new(uint32_t kind, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
kb_error *kb_error_at(uint32_t kind, int64_t offset, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
kb_error *kb_error_vnew(uint32_t kind, int64_t offset, const char *fmt, va_list ap);
/* A trap error with the spec's message for 'trap'. */
kb_error *kb_error_trap(uint32_t trap);
/* Replaces the message, keeping kind and everything else. */
void kb_error_set_message(kb_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Adds a frame at the outer end of the backtrace; copies the names. */
void kb_error_push_frame(kb_error *err, uint32_t func_index, uint32_t code_offset,
                         const char *func_name, const char *module_name);
/* Frees everything the error owns; NULL and the static OOM error are no-ops. */
void kb_error_free(kb_error *err);

/* The spec's wording for a trap code ("out of bounds memory access", ...). */
const char *kb_trap_message(uint32_t trap);
/* A short name for an error kind ("malformed", "trap", ...). */
const char *kb_error_kind_name(uint32_t kind);

#endif

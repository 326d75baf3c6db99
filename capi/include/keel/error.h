/*
** keel/error.h -- the error object.
**
** Every fallible call returns 'keel_error *': NULL on success, otherwise an
** error owned by the caller, who frees it with keel_error_free. An error has
** a kind (what went wrong, a number to switch on), a message, and for traps a
** trap code and a backtrace. Traps ("the guest trapped") and errors ("your
** call was wrong or failed") are both errors, told apart by the kind.
** Callers must tolerate kinds and trap codes this header does not list.
*/
#ifndef KEEL_ERROR_H
#define KEEL_ERROR_H

#include "keel/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Error kinds. Numbers are ABI and never change. */
typedef uint32_t keel_errkind;
#define KEEL_ERROR_INVALID_ARGUMENT 1 /**< the caller passed something wrong (NULL, wrong kind, wrong arity, out of range) */
#define KEEL_ERROR_MALFORMED 2        /**< module bytes or text do not decode */
#define KEEL_ERROR_INVALID 3          /**< the module fails validation */
#define KEEL_ERROR_UNLINKABLE 4       /**< imports do not resolve or do not match */
#define KEEL_ERROR_TRAP 5             /**< the guest trapped: see keel_error_trap_code and the frames */
#define KEEL_ERROR_OUT_OF_MEMORY 6    /**< the host ran out of memory or a store limit was hit */
#define KEEL_ERROR_BUSY 7             /**< the store is in use by another thread (keel_func_try_call) */
#define KEEL_ERROR_STORE_MISMATCH 8   /**< an object of one store was used with another store */
#define KEEL_ERROR_IO 9               /**< a file could not be read or written */
#define KEEL_ERROR_HOST 10            /**< a host callback failed: see keel_error_host_payload */
#define KEEL_ERROR_EXIT 11            /**< the guest asked to exit: see keel_error_exit_code */
#define KEEL_ERROR_EXCEPTION 12       /**< an uncaught wasm exception left the call: see keel_error_exception */
#define KEEL_ERROR_INVALID_HANDLE 13  /**< a released or foreign handle was passed (debug guard) */
#define KEEL_ERROR_UNSUPPORTED 14     /**< a feature this build or configuration does not support */
#define KEEL_ERROR_LIMIT 15           /**< an implementation or declared limit was exceeded */
#define KEEL_ERROR_INTERNAL 16        /**< a bug in Keel: please report it */

/** Trap codes (kind KEEL_ERROR_TRAP). Numbers are ABI and never change. */
typedef uint32_t keel_trapcode;
#define KEEL_TRAP_NONE 0                     /**< not a trap */
#define KEEL_TRAP_UNREACHABLE 1              /**< "unreachable" */
#define KEEL_TRAP_MEMORY_OUT_OF_BOUNDS 2     /**< "out of bounds memory access" */
#define KEEL_TRAP_TABLE_OUT_OF_BOUNDS 3      /**< "out of bounds table access" */
#define KEEL_TRAP_UNDEFINED_ELEMENT 4        /**< "undefined element" */
#define KEEL_TRAP_UNINITIALIZED_ELEMENT 5    /**< "uninitialized element" */
#define KEEL_TRAP_INDIRECT_CALL_TYPE 6       /**< "indirect call type mismatch" */
#define KEEL_TRAP_INTEGER_OVERFLOW 7         /**< "integer overflow" */
#define KEEL_TRAP_INTEGER_DIVIDE_BY_ZERO 8   /**< "integer divide by zero" */
#define KEEL_TRAP_INVALID_CONVERSION 9       /**< "invalid conversion to integer" */
#define KEEL_TRAP_STACK_EXHAUSTED 10         /**< "call stack exhausted" */
#define KEEL_TRAP_NULL_REFERENCE 11          /**< "null reference" */
#define KEEL_TRAP_CAST_FAILURE 12            /**< "cast failure" */
#define KEEL_TRAP_ARRAY_OUT_OF_BOUNDS 13     /**< "out of bounds array access" */
#define KEEL_TRAP_ALLOCATION_FAILED 14       /**< "allocation failure" */
#define KEEL_TRAP_UNALIGNED_ATOMIC 15        /**< "unaligned atomic" */
#define KEEL_TRAP_INTERRUPTED 16             /**< "interrupted" (keel_store_interrupt) */
#define KEEL_TRAP_OUT_OF_FUEL 17             /**< "all fuel consumed" */
#define KEEL_TRAP_DEADLINE 18                /**< "deadline reached" */
#define KEEL_TRAP_DATA_SEGMENT_OUT_OF_BOUNDS 19 /**< reserved */
#define KEEL_TRAP_UNCAUGHT_EXCEPTION 20      /**< "uncaught exception" */
#define KEEL_TRAP_HOST 21                    /**< a host function reported a trap (keel_error_new_trap) */

/**
 * The kind of an error.
 * @param[in] err borrowed; NULL gives 0.
 * @return a KEEL_ERROR_* number (callers must tolerate unknown values).
 */
KEEL_API keel_errkind keel_error_kind(const keel_error *err);

/**
 * The error's message, e.g. "out of bounds memory access" or
 * "unknown import: env::f".
 * @param[in] err borrowed; NULL gives "".
 * @return a NUL-terminated UTF-8 string, valid until keel_error_free(err).
 */
KEEL_API const char *keel_error_message(const keel_error *err);

/**
 * The trap code of a KEEL_ERROR_TRAP error.
 * @param[in] err borrowed; NULL gives KEEL_TRAP_NONE.
 * @return a KEEL_TRAP_* number; KEEL_TRAP_NONE for every other kind.
 */
KEEL_API keel_trapcode keel_error_trap_code(const keel_error *err);

/**
 * The exit code of a KEEL_ERROR_EXIT error (WASI proc_exit).
 * @param[in] err borrowed; NULL gives 0.
 * @return the guest's exit code; 0 for every other kind.
 */
KEEL_API int32_t keel_error_exit_code(const keel_error *err);

/**
 * The byte offset in the module's binary where a KEEL_ERROR_MALFORMED or
 * KEEL_ERROR_INVALID error was found.
 * @param[in] err borrowed; NULL gives -1.
 * @return the offset, or -1 when unknown.
 */
KEEL_API int64_t keel_error_offset(const keel_error *err);

/**
 * The number of frames in a trap's backtrace (innermost first).
 * @param[in] err borrowed; NULL gives 0.
 * @return the frame count (0 when the error carries no backtrace).
 */
KEEL_API size_t keel_error_frame_count(const keel_error *err);

/**
 * The function index (in its module's function index space) of frame 'i'.
 * @param[in] err borrowed.
 * @param[in] i frame number, 0 = innermost.
 * @return the index, or UINT32_MAX when err is NULL or i is out of range.
 */
KEEL_API uint32_t keel_error_frame_func_index(const keel_error *err, size_t i);

/**
 * The byte offset of frame 'i''s instruction in its module's binary.
 * @param[in] err borrowed.
 * @param[in] i frame number, 0 = innermost.
 * @return the offset, or UINT32_MAX when unknown, err is NULL or i is out of range.
 */
KEEL_API uint32_t keel_error_frame_offset(const keel_error *err, size_t i);

/**
 * The function name of frame 'i' from the module's name section.
 * @param[in] err borrowed.
 * @param[in] i frame number, 0 = innermost.
 * @return a NUL-terminated string valid until keel_error_free(err), or NULL
 *         when the module has no name for it (or err is NULL / i out of range).
 */
KEEL_API const char *keel_error_frame_func_name(const keel_error *err, size_t i);

/**
 * The module name of frame 'i' from the module's name section.
 * @param[in] err borrowed.
 * @param[in] i frame number, 0 = innermost.
 * @return a NUL-terminated string valid until keel_error_free(err), or NULL.
 */
KEEL_API const char *keel_error_frame_module_name(const keel_error *err, size_t i);

/**
 * The host payload of an error made by keel_error_new_host. An error that a
 * host callback returned comes back out of the outer keel_func_call (or
 * instantiation) as the very same object, so the payload pointer is the one
 * the callback attached.
 * @param[in] err borrowed; NULL gives NULL.
 */
KEEL_API void *keel_error_host_payload(const keel_error *err);

/**
 * Takes the host payload out of the error: the error's finalizer will no
 * longer be called for it.
 * @param[in,out] err borrowed; NULL gives NULL.
 */
KEEL_API void *keel_error_take_host_payload(keel_error *err);

/**
 * The uncaught exception of a KEEL_ERROR_EXCEPTION error.
 * @param[in] err borrowed.
 * @return a borrowed exception handle valid until keel_error_free(err)
 *         (keel_exn_retain it to keep it longer), or NULL for other kinds.
 */
KEEL_API keel_exn *keel_error_exception(const keel_error *err);

/**
 * Creates a host error (KEEL_ERROR_HOST) carrying an opaque payload, for a
 * host callback to return. Bindings store the foreign exception (Python
 * exception, Go panic value) here and re-raise it when the call returns.
 * @param[in] payload any pointer, may be NULL.
 * @param[in] finalizer called with 'payload' when the error is freed (unless
 *            the payload was taken), may be NULL.
 * @param[in] message a NUL-terminated message, copied; NULL gives "host error".
 * @return the error; never NULL (out of memory gives a static error of kind
 *         KEEL_ERROR_OUT_OF_MEMORY, after calling the finalizer). Gives
 *         ownership of the error to the caller (or to Keel when a callback returns it).
 */
KEEL_API keel_error *keel_error_new_host(void *payload, void (*finalizer)(void *payload),
                                         const char *message);

/**
 * Creates a trap (KEEL_ERROR_TRAP, code KEEL_TRAP_HOST) for a host callback
 * to return; the wasm call unwinds like for any trap.
 * @param[in] message a NUL-terminated message, copied; NULL gives "host trap".
 * @return the error; never NULL. Gives ownership of the error to the caller.
 */
KEEL_API keel_error *keel_error_new_trap(const char *message);

/**
 * Creates an exit request (KEEL_ERROR_EXIT) for a host callback to return,
 * as WASI proc_exit does.
 * @param[in] exit_code the status reported by keel_error_exit_code.
 * @return the error; never NULL. Gives ownership of the error to the caller.
 */
KEEL_API keel_error *keel_error_new_exit(int32_t exit_code);

/**
 * Frees an error: its message, frames and (unless taken) its host payload via
 * the payload's finalizer.
 * @param[in] err owned; NULL is a harmless no-op. Takes ownership of err.
 */
KEEL_API void keel_error_free(keel_error *err);

/**
 * A short name for an error kind: "invalid argument", "malformed", "trap", ...
 * @return a static string; "unknown" for numbers this library does not know.
 */
KEEL_API const char *keel_error_kind_name(keel_errkind kind);

/**
 * The spec's wording for a trap code ("out of bounds memory access", ...).
 * @return a static string; "unknown trap" for numbers this library does not know.
 */
KEEL_API const char *keel_trap_code_message(keel_trapcode code);

#ifdef __cplusplus
}
#endif

#endif

/*
** keel/func.h -- functions: wasm functions of instances and host functions,
** typed calls, and the caller context of host callbacks.
*/
#ifndef KEEL_FUNC_H
#define KEEL_FUNC_H

#include "keel/common.h"
#include "keel/types.h"
#include "keel/val.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A host function's callback. It runs on the calling thread with the
 * store's lock held (it may call back into the same store).
 * @param[in] env the pointer given to keel_func_new.
 * @param[in] caller borrowed, valid until the callback returns: the calling
 *            instance's context (keel_caller_export), or one with no instance
 *            when the host called the function directly.
 * @param[in] args 'nargs' arguments of the function's parameter types;
 *            references in them are borrowed until the callback returns.
 * @param[out] results 'nresults' values, pre-filled with zeros / null
 *            references of the result kinds; the callback overwrites them.
 *            References it writes are given to Keel (owned).
 * @return NULL on success; or an error the callback created
 *         (keel_error_new_host, keel_error_new_trap, keel_error_new_exit),
 *         which unwinds the wasm call and comes back out of the outermost
 *         keel_func_call unchanged (the same object, with the same payload).
 *         Gives ownership of the error to Keel. Must not unwind (longjmp,
 *         C++ exception) through Keel's frames.
 */
typedef keel_error *(*keel_host_callback)(void *env, keel_caller *caller, const keel_val *args,
                                          size_t nargs, keel_val *results, size_t nresults);

/**
 * Creates a host function.
 * @param[in] store borrowed; the function belongs to it.
 * @param[in] type borrowed, copied.
 * @param[in] callback called for each call.
 * @param[in] env passed to the callback; may be NULL.
 * @param[in] finalizer called with 'env' when the store is freed (the
 *            function lives as long as its store, since wasm tables may hold
 *            it); may be NULL.
 * @param[out] out receives the function.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY (the finalizer is NOT called on failure).
 *         Does not take ownership of store or type. Gives ownership of *out to
 *         the caller and of env to the store.
 */
KEEL_API keel_error *keel_func_new(keel_store *store, const keel_functype *type,
                                   keel_host_callback callback, void *env,
                                   void (*finalizer)(void *env), keel_func **out);

/**
 * Calls a function. Waits for the store's lock (reentrant on the thread that
 * holds it, e.g. from a host callback); the call retains the store, so other
 * threads may release every handle meanwhile.
 * @param[in] func borrowed.
 * @param[in] args borrowed array of 'nargs' values whose kinds match the
 *            parameter types; references are borrowed; may be NULL when nargs is 0.
 * @param[out] results array of 'nresults' values receiving the results;
 *             may be NULL when nresults is 0. Untouched on error.
 * @param[in] nresults must equal the function's result count.
 * @return NULL; KEEL_ERROR_INVALID_ARGUMENT (NULL func, wrong arity, a value
 *         of the wrong kind, a null reference for a non-null parameter);
 *         KEEL_ERROR_STORE_MISMATCH (a reference of another store);
 *         KEEL_ERROR_INVALID_HANDLE; KEEL_ERROR_TRAP (with frames);
 *         KEEL_ERROR_EXCEPTION; KEEL_ERROR_HOST, KEEL_ERROR_EXIT or any error a
 *         host callback returned (the same object); KEEL_ERROR_OUT_OF_MEMORY.
 *         Does not take ownership of func or args. Gives ownership of the
 *         references in results to the caller.
 */
KEEL_API keel_error *keel_func_call(keel_func *func, const keel_val *args, size_t nargs,
                                    keel_val *results, size_t nresults);

/**
 * Calls a function with its arguments and results as raw 64-bit slots: the
 * fastest way in, for bindings that already know the function's type. There
 * is no keel_val conversion and no check of value kinds, only of the handle
 * and the array's length. Waits for the store's lock and retains the store as
 * keel_func_call does. Added in ABI 1.1.
 *
 * Slot layout, parameters in order, then (on success) results in order from
 * slots[0]: i32 and f32 take one slot with their bits zero-extended in the
 * low 32 bits (f32 as its IEEE 754 bits); i64 and f64 take one slot (f64 as
 * its bits); v128 takes two slots, the low 64 bits first. So a function
 * needs as many slots as it has parameters (results), plus one per v128
 * parameter (result). Every bit pattern is a valid value of these types: a
 * wrong layout gives wrong values, never memory unsafety. Functions with
 * reference parameters or results are refused: call them with keel_func_call.
 *
 * @param[in] func borrowed.
 * @param[in,out] slots 'nslots' slots: the arguments on entry, the results on
 *                success (slots after the results keep unspecified values).
 *                May be NULL when the function takes and returns nothing.
 *                Its contents are unspecified after an error.
 * @param[in] nslots the length of 'slots': at least the larger of the
 *                parameter and result slot counts.
 * @return NULL; KEEL_ERROR_INVALID_ARGUMENT (NULL func, too few slots, NULL
 *         slots, reference parameters or results); KEEL_ERROR_INVALID_HANDLE;
 *         KEEL_ERROR_TRAP (with frames); KEEL_ERROR_EXCEPTION; KEEL_ERROR_HOST,
 *         KEEL_ERROR_EXIT or any error a host callback returned (the same
 *         object); KEEL_ERROR_OUT_OF_MEMORY.
 *         Does not take ownership of func or slots.
 */
KEEL_API keel_error *keel_func_call_raw(keel_func *func, uint64_t *slots, size_t nslots);

/**
 * As keel_func_call, but returns KEEL_ERROR_BUSY at once instead of waiting
 * when another thread is inside the store.
 * @return as keel_func_call, plus KEEL_ERROR_BUSY.
 */
KEEL_API keel_error *keel_func_try_call(keel_func *func, const keel_val *args, size_t nargs,
                                        keel_val *results, size_t nresults);

/**
 * The function's type.
 * @param[in] func borrowed.
 * @param[out] out receives the type.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_func_type(const keel_func *func, keel_functype **out);

/**
 * The number of parameters.
 * @param[in] func borrowed; NULL gives 0.
 * @return the number of parameters.
 */
KEEL_API size_t keel_func_param_count(const keel_func *func);

/**
 * The number of results.
 * @param[in] func borrowed; NULL gives 0.
 * @return the number of results.
 */
KEEL_API size_t keel_func_result_count(const keel_func *func);

/**
 * Adds a reference to a function handle. Any thread.
 * @param[in] func borrowed; NULL gives NULL.
 * @return func, now with one more reference the caller owns.
 */
KEEL_API keel_func *keel_func_retain(keel_func *func);

/**
 * Drops a reference to the handle (the function lives as long as its store).
 * Any thread.
 * @param[in] func owned; NULL is a harmless no-op. Takes ownership of one reference.
 */
KEEL_API void keel_func_release(keel_func *func);

/**
 * Looks up an export of the instance whose code called the host function
 * (e.g. its "memory", as WASI does).
 * @param[in] caller borrowed, only valid inside the callback.
 * @param[in] name borrowed UTF-8 of 'name_len' bytes.
 * @param[out] out receives a new handle to the export.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (NULL argument, no calling
 *         instance, "unknown export: name"), KEEL_ERROR_INVALID_HANDLE (caller
 *         used after its callback returned, debug guard) or KEEL_ERROR_OUT_OF_MEMORY.
 *         Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_caller_export(keel_caller *caller, const char *name, size_t name_len,
                                        keel_extern **out);

/**
 * The store the callback runs in.
 * @param[in] caller borrowed, only valid inside the callback.
 * @param[out] out receives a new store handle.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT or KEEL_ERROR_INVALID_HANDLE.
 *         Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_caller_store(keel_caller *caller, keel_store **out);

#ifdef __cplusplus
}
#endif

#endif

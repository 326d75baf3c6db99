/*
** keel/val.h -- 'keel_val', the one struct passed by value, and the
** reference handles that can sit inside it (externref, anyref).
**
** Ownership of the reference inside a keel_val (funcref, externref, anyref,
** exnref; a NULL pointer is the null reference of that kind):
**  - When you call Keel, values you pass in (call arguments, keel_table_set,
**    keel_global_set, initial values) are BORROWED: Keel retains what it
**    keeps and you keep your reference. Values Keel writes out (call results,
**    keel_table_get, keel_global_get) are OWNED by you: release them with
**    keel_val_release.
**  - When Keel calls a host callback, the arguments are BORROWED for the
**    duration of the callback (retain a handle to keep it), and the results
**    the callback writes are OWNED by Keel, which releases them after reading
**    (so a callback returning a handle it keeps must retain it first).
*/
#ifndef KEEL_VAL_H
#define KEEL_VAL_H

#include "keel/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Kinds of values. Numbers are ABI; callers must tolerate unknown values. */
typedef uint32_t keel_valkind;
#define KEEL_I32 0
#define KEEL_I64 1
#define KEEL_F32 2
#define KEEL_F64 3
#define KEEL_V128 4
#define KEEL_FUNCREF 5   /**< of.funcref: a function reference (any func heap type) */
#define KEEL_EXTERNREF 6 /**< of.externref: a host reference */
#define KEEL_ANYREF 7    /**< of.anyref: a GC reference (any, eq, i31, struct, array) */
#define KEEL_EXNREF 8    /**< of.exnref: an exception reference */

/**
 * A WebAssembly value. Floats may be read and written as bits (f32_bits,
 * f64_bits) to keep NaN payloads exact. v128 is little-endian (lane 0 first).
 */
typedef struct keel_val {
    keel_valkind kind;
    uint32_t reserved; /**< set to 0 */
    union {
        int32_t i32;
        int64_t i64;
        float f32;
        double f64;
        uint32_t f32_bits;
        uint64_t f64_bits;
        uint8_t v128[16];
        keel_func *funcref;
        keel_externref *externref;
        keel_ref *anyref;
        keel_exn *exnref;
    } of;
} keel_val;

/**
 * Releases the reference a value holds, if any, and leaves the value as a
 * null reference of the same kind. Numbers are unchanged.
 * @param[in,out] val borrowed; NULL is a harmless no-op. Takes ownership of
 *                the reference inside *val.
 */
KEEL_API void keel_val_release(keel_val *val);

/**
 * Copies a value, retaining the reference it holds.
 * @param[out] dst receives the copy; gives ownership of its reference to the caller.
 * @param[in] src borrowed.
 * @return NULL or KEEL_ERROR_INVALID_ARGUMENT (dst or src NULL, unknown kind).
 */
KEEL_API keel_error *keel_val_copy(keel_val *dst, const keel_val *src);

/* ---------------------------------------------------------------- externref */

/**
 * Creates an extern reference: an opaque pointer-sized host value that wasm
 * code can hold (externref) but not look into.
 * @param[in] store borrowed; the reference belongs to this store.
 * @param[in] value any value.
 * @param[in] finalizer called with 'value' when the store is freed (not when
 *            the handle is released: wasm code may still hold the reference); may be NULL.
 * @param[out] out receives the handle.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY. Does not take ownership of store. Gives
 *         ownership of *out to the caller.
 */
KEEL_API keel_error *keel_externref_new(keel_store *store, uintptr_t value,
                                        void (*finalizer)(uintptr_t value), keel_externref **out);

/**
 * The host value of an extern reference.
 * @param[in] ref borrowed; NULL gives 0.
 * @return the value given to keel_externref_new.
 */
KEEL_API uintptr_t keel_externref_value(const keel_externref *ref);

/**
 * Adds a reference to the handle. Any thread.
 * @param[in] ref borrowed; NULL gives NULL.
 * @return ref, now with one more reference the caller owns.
 */
KEEL_API keel_externref *keel_externref_retain(keel_externref *ref);

/**
 * Drops a reference to the handle. Any thread; never calls foreign code.
 * @param[in] ref owned; NULL is a harmless no-op. Takes ownership of one reference.
 */
KEEL_API void keel_externref_release(keel_externref *ref);

/* ---------------------------------------------------------------- anyref */

/**
 * Adds a reference to a GC reference handle. Any thread.
 * @param[in] ref borrowed; NULL gives NULL.
 * @return ref, now with one more reference the caller owns.
 */
KEEL_API keel_ref *keel_ref_retain(keel_ref *ref);

/**
 * Drops a reference to a GC reference handle. Any thread; never calls foreign code.
 * @param[in] ref owned; NULL is a harmless no-op. Takes ownership of one reference.
 */
KEEL_API void keel_ref_release(keel_ref *ref);

#ifdef __cplusplus
}
#endif

#endif

/*
** keel/global.h -- global variables.
*/
#ifndef KEEL_GLOBAL_H
#define KEEL_GLOBAL_H

#include "keel/common.h"
#include "keel/types.h"
#include "keel/val.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Creates a global.
 * @param[in] store borrowed; the global belongs to it.
 * @param[in] type borrowed value type, copied.
 * @param[in] mutable_ whether wasm code and keel_global_set may change it.
 * @param[in] init borrowed initial value; its kind must match 'type'.
 * @param[out] out receives the global.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (NULL argument, wrong kind),
 *         KEEL_ERROR_STORE_MISMATCH, KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY. Does not take ownership of store, type or
 *         init. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_global_new(keel_store *store, const keel_valtype *type, bool mutable_,
                                     const keel_val *init, keel_global **out);

/**
 * Reads the global.
 * @param[in] global borrowed.
 * @param[out] out receives the value.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY. Gives ownership of the reference in *out to the caller.
 */
KEEL_API keel_error *keel_global_get(keel_global *global, keel_val *out);

/**
 * Writes the global.
 * @param[in] global borrowed.
 * @param[in] val borrowed; its kind must match the global's type.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (immutable global, wrong kind,
 *         null for a non-null type), KEEL_ERROR_STORE_MISMATCH or
 *         KEEL_ERROR_INVALID_HANDLE. Does not take ownership of val.
 */
KEEL_API keel_error *keel_global_set(keel_global *global, const keel_val *val);

/**
 * The global's type.
 * @param[in] global borrowed.
 * @param[out] out receives the type.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_global_type(keel_global *global, keel_externtype **out);

/**
 * Adds a reference to a global handle. Any thread.
 * @param[in] global borrowed; NULL gives NULL.
 * @return global, now with one more reference the caller owns.
 */
KEEL_API keel_global *keel_global_retain(keel_global *global);

/**
 * Drops a reference to the handle (the global lives as long as its store).
 * @param[in] global owned; NULL is a harmless no-op. Takes ownership of one reference.
 */
KEEL_API void keel_global_release(keel_global *global);

#ifdef __cplusplus
}
#endif

#endif

/*
** keel/tag.h -- exception tags and exception objects (exception handling).
*/
#ifndef KEEL_TAG_H
#define KEEL_TAG_H

#include "keel/common.h"
#include "keel/types.h"
#include "keel/val.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Creates a tag whose payload has the parameter types of 'type' (its results
 * must be empty).
 * @param[in] store borrowed; the tag belongs to it.
 * @param[in] type borrowed, copied.
 * @param[out] out receives the tag.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (NULL argument, results not
 *         empty), KEEL_ERROR_INVALID_HANDLE or KEEL_ERROR_OUT_OF_MEMORY.
 *         Does not take ownership of store or type. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_tag_new(keel_store *store, const keel_functype *type, keel_tag **out);

/**
 * The tag's payload type (params; no results).
 * @param[in] tag borrowed.
 * @param[out] out receives the type.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_tag_type(keel_tag *tag, keel_functype **out);

/**
 * Adds a reference to a tag handle. Any thread.
 * @param[in] tag borrowed; NULL gives NULL.
 * @return tag, now with one more reference the caller owns.
 */
KEEL_API keel_tag *keel_tag_retain(keel_tag *tag);

/**
 * Drops a reference to the handle (the tag lives as long as its store).
 * @param[in] tag owned; NULL is a harmless no-op. Takes ownership of one reference.
 */
KEEL_API void keel_tag_release(keel_tag *tag);

/**
 * Creates an exception of a tag with a payload.
 * @param[in] store borrowed.
 * @param[in] tag borrowed; must belong to 'store'.
 * @param[in] payload borrowed array of 'count' values matching the tag's params.
 * @param[out] out receives the exception.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (wrong arity or kinds),
 *         KEEL_ERROR_STORE_MISMATCH, KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_exn_new(keel_store *store, keel_tag *tag, const keel_val *payload,
                                  size_t count, keel_exn **out);

/**
 * The tag of an exception.
 * @param[in] exn borrowed.
 * @param[out] out receives a new tag handle.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT or KEEL_ERROR_INVALID_HANDLE.
 *         Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_exn_tag(keel_exn *exn, keel_tag **out);

/**
 * The number of payload values of an exception.
 * @param[in] exn borrowed; NULL gives 0.
 * @return the number of payload values of an exception.
 */
KEEL_API size_t keel_exn_payload_count(keel_exn *exn);

/**
 * Payload value 'i' of an exception.
 * @param[in] exn borrowed.
 * @param[out] out receives the value.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (i out of range),
 *         KEEL_ERROR_INVALID_HANDLE or KEEL_ERROR_OUT_OF_MEMORY.
 *         Gives ownership of the reference in *out to the caller.
 */
KEEL_API keel_error *keel_exn_payload(keel_exn *exn, size_t i, keel_val *out);

/**
 * Adds a reference to an exception handle. Any thread.
 * @param[in] exn borrowed; NULL gives NULL.
 * @return exn, now with one more reference the caller owns.
 */
KEEL_API keel_exn *keel_exn_retain(keel_exn *exn);

/**
 * Drops a reference to the handle.
 * @param[in] exn owned; NULL is a harmless no-op. Takes ownership of one reference.
 */
KEEL_API void keel_exn_release(keel_exn *exn);

#ifdef __cplusplus
}
#endif

#endif

/*
** keel/types.h -- value, function and external types as opaque objects.
**
** Types are plain owned objects (not tied to an engine or store): create,
** query, copy, free. Accessors that return a borrowed type say how long it
** stays valid.
*/
#ifndef KEEL_TYPES_H
#define KEEL_TYPES_H

#include "keel/common.h"
#include "keel/val.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Heap types of reference types (spec 2.3.3). Numbers are ABI. */
typedef uint32_t keel_heaptype;
#define KEEL_HEAP_NONE_ 0       /**< not a reference type */
#define KEEL_HEAP_FUNC 1
#define KEEL_HEAP_EXTERN 2
#define KEEL_HEAP_ANY 3
#define KEEL_HEAP_EQ 4
#define KEEL_HEAP_I31 5
#define KEEL_HEAP_STRUCT 6
#define KEEL_HEAP_ARRAY 7
#define KEEL_HEAP_EXN 8
#define KEEL_HEAP_NONE 9        /**< bottom of any */
#define KEEL_HEAP_NOFUNC 10     /**< bottom of func */
#define KEEL_HEAP_NOEXTERN 11   /**< bottom of extern */
#define KEEL_HEAP_NOEXN 12      /**< bottom of exn */
#define KEEL_HEAP_CONCRETE 13   /**< a defined type of a module (ref $t) */

/** External kinds (spec 2.5.10). Numbers are ABI. */
typedef uint32_t keel_externkind;
#define KEEL_EXTERN_FUNC 0
#define KEEL_EXTERN_TABLE 1
#define KEEL_EXTERN_MEMORY 2
#define KEEL_EXTERN_GLOBAL 3
#define KEEL_EXTERN_TAG 4

/* ---------------------------------------------------------------- valtype */

/**
 * Creates a value type of a kind: KEEL_I32..KEEL_V128, or a nullable
 * reference for KEEL_FUNCREF (ref null func), KEEL_EXTERNREF (ref null
 * extern), KEEL_ANYREF (ref null any) and KEEL_EXNREF (ref null exn).
 * @param[in] kind a KEEL_* value kind.
 * @param[out] out receives the type.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (unknown kind, out NULL) or
 *         KEEL_ERROR_OUT_OF_MEMORY. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_valtype_new(keel_valkind kind, keel_valtype **out);

/**
 * Creates a reference type (ref null? heap) with an abstract heap type.
 * @param[in] nullable whether null is a value of the type.
 * @param[in] heap a KEEL_HEAP_* number other than KEEL_HEAP_CONCRETE and KEEL_HEAP_NONE_.
 * @param[out] out receives the type.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT or KEEL_ERROR_OUT_OF_MEMORY.
 *         Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_valtype_new_ref(bool nullable, keel_heaptype heap, keel_valtype **out);

/**
 * Copies a value type.
 * @param[in] type borrowed.
 * @param[out] out receives the copy.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_valtype_copy(const keel_valtype *type, keel_valtype **out);

/**
 * Frees a value type.
 * @param[in] type owned; NULL is a harmless no-op. Takes ownership of type.
 */
KEEL_API void keel_valtype_free(keel_valtype *type);

/**
 * The kind of keel_val that carries values of this type: a number kind, or
 * the reference family (KEEL_FUNCREF, KEEL_EXTERNREF, KEEL_ANYREF, KEEL_EXNREF).
 * @param[in] type borrowed; NULL gives UINT32_MAX.
 * @return a KEEL_* value kind.
 */
KEEL_API keel_valkind keel_valtype_kind(const keel_valtype *type);

/**
 * The heap type of a reference type.
 * @param[in] type borrowed; NULL gives KEEL_HEAP_NONE_.
 * @return a KEEL_HEAP_* number; KEEL_HEAP_NONE_ for number and vector types.
 */
KEEL_API keel_heaptype keel_valtype_heap(const keel_valtype *type);

/**
 * Whether a reference type includes null.
 * @param[in] type borrowed; NULL gives false.
 * @return true for nullable references; false for non-null references and numbers.
 */
KEEL_API bool keel_valtype_is_nullable(const keel_valtype *type);

/* ---------------------------------------------------------------- functype */

/**
 * Creates a function type.
 * @param[in] params borrowed array of 'param_count' borrowed types (copied); may be NULL when the count is 0.
 * @param[in] results borrowed array of 'result_count' borrowed types (copied).
 * @param[out] out receives the type.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (NULL array with a count, NULL
 *         element, out NULL), KEEL_ERROR_INVALID_HANDLE or KEEL_ERROR_OUT_OF_MEMORY.
 *         Does not take ownership of params or results. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_functype_new(const keel_valtype *const *params, size_t param_count,
                                       const keel_valtype *const *results, size_t result_count,
                                       keel_functype **out);

/**
 * Creates a function type from value kinds (references become nullable
 * abstract references, as in keel_valtype_new). The short way for C hosts.
 * @param[in] params borrowed array of 'param_count' kinds; may be NULL when the count is 0.
 * @param[in] results borrowed array of 'result_count' kinds.
 * @param[out] out receives the type.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (unknown kind, NULL array with a
 *         count, out NULL) or KEEL_ERROR_OUT_OF_MEMORY. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_functype_new_kinds(const keel_valkind *params, size_t param_count,
                                             const keel_valkind *results, size_t result_count,
                                             keel_functype **out);

/**
 * Copies a function type.
 * @param[in] type borrowed.
 * @param[out] out receives the copy.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_functype_copy(const keel_functype *type, keel_functype **out);

/**
 * Frees a function type and the parameter and result types it owns.
 * @param[in] type owned; NULL is a harmless no-op. Takes ownership of type.
 */
KEEL_API void keel_functype_free(keel_functype *type);

/**
 * The number of parameters.
 * @param[in] type borrowed; NULL gives 0.
 * @return the number of parameters.
 */
KEEL_API size_t keel_functype_param_count(const keel_functype *type);

/**
 * The number of results.
 * @param[in] type borrowed; NULL gives 0.
 * @return the number of results.
 */
KEEL_API size_t keel_functype_result_count(const keel_functype *type);

/**
 * Parameter 'i'.
 * @param[in] type borrowed.
 * @return a borrowed type valid until keel_functype_free(type), or NULL when
 *         type is NULL or i is out of range.
 */
KEEL_API const keel_valtype *keel_functype_param(const keel_functype *type, size_t i);

/**
 * Result 'i'.
 * @param[in] type borrowed.
 * @return a borrowed type valid until keel_functype_free(type), or NULL when
 *         type is NULL or i is out of range.
 */
KEEL_API const keel_valtype *keel_functype_result(const keel_functype *type, size_t i);

/* ---------------------------------------------------------------- externtype */

/**
 * Frees an external type.
 * @param[in] type owned; NULL is a harmless no-op. Takes ownership of type.
 */
KEEL_API void keel_externtype_free(keel_externtype *type);

/**
 * The kind of an external type.
 * @param[in] type borrowed; NULL gives UINT32_MAX.
 * @return a KEEL_EXTERN_* number.
 */
KEEL_API keel_externkind keel_externtype_kind(const keel_externtype *type);

/**
 * The function type of a function, or the payload type of a tag (params; no results).
 * @param[in] type borrowed.
 * @return a borrowed type valid until keel_externtype_free(type); NULL for other kinds.
 */
KEEL_API const keel_functype *keel_externtype_functype(const keel_externtype *type);

/**
 * The value type of a global, or the element type of a table.
 * @param[in] type borrowed.
 * @return a borrowed type valid until keel_externtype_free(type); NULL for other kinds.
 */
KEEL_API const keel_valtype *keel_externtype_valtype(const keel_externtype *type);

/**
 * Whether a global is mutable.
 * @param[in] type borrowed; NULL or another kind gives false.
 * @return whether a global is mutable.
 */
KEEL_API bool keel_externtype_mutable(const keel_externtype *type);

/**
 * The limits of a table (elements) or memory (pages).
 * @param[in] type borrowed.
 * @param[out] min receives the minimum; may be NULL.
 * @param[out] max receives the maximum, or UINT64_MAX when there is none; may be NULL.
 * @return true for tables and memories; false otherwise (outputs untouched).
 */
KEEL_API bool keel_externtype_limits(const keel_externtype *type, uint64_t *min, uint64_t *max);

/**
 * Whether a table or memory is indexed with i64 (memory64/table64).
 * @param[in] type borrowed; NULL or another kind gives false.
 * @return whether a table or memory is indexed with i64 (memory64/table64).
 */
KEEL_API bool keel_externtype_is64(const keel_externtype *type);

/**
 * Whether a memory is shared (threads).
 * @param[in] type borrowed; NULL or another kind gives false.
 * @return whether a memory is shared (threads).
 */
KEEL_API bool keel_externtype_shared(const keel_externtype *type);

/**
 * The page size of a memory in bytes (65536 unless custom-page-sizes).
 * @param[in] type borrowed; NULL or another kind gives 0.
 * @return the page size of a memory in bytes (65536 unless custom-page-sizes).
 */
KEEL_API uint64_t keel_externtype_page_size(const keel_externtype *type);

#ifdef __cplusplus
}
#endif

#endif

/*
** keel/table.h -- tables of references.
*/
#ifndef KEEL_TABLE_H
#define KEEL_TABLE_H

#include "keel/common.h"
#include "keel/types.h"
#include "keel/val.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Creates a table.
 * @param[in] store borrowed; the table belongs to it.
 * @param[in] elem borrowed element type (a reference type), copied.
 * @param[in] min initial size in elements.
 * @param[in] max maximum, or KEEL_NO_MAX (from keel/memory.h; UINT64_MAX).
 * @param[in] init borrowed initial value of every element (its kind must
 *            match 'elem'); NULL means null references.
 * @param[out] out receives the table.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (not a reference type, wrong init
 *         kind, min > max), KEEL_ERROR_STORE_MISMATCH (init of another store),
 *         KEEL_ERROR_INVALID_HANDLE or KEEL_ERROR_OUT_OF_MEMORY.
 *         Does not take ownership of store, elem or init. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_table_new(keel_store *store, const keel_valtype *elem, uint64_t min,
                                    uint64_t max, const keel_val *init, keel_table **out);

/**
 * The current size in elements.
 * @param[in] table borrowed; NULL gives 0.
 * @return the current size in elements.
 */
KEEL_API uint64_t keel_table_size(keel_table *table);

/**
 * Reads element 'index'.
 * @param[in] table borrowed.
 * @param[out] out receives the element.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (NULL argument, or
 *         "out of bounds table access"), KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY. Gives ownership of the reference in *out to the caller.
 */
KEEL_API keel_error *keel_table_get(keel_table *table, uint64_t index, keel_val *out);

/**
 * Writes element 'index'.
 * @param[in] table borrowed.
 * @param[in] val borrowed; its kind must match the element type.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (out of bounds, wrong kind, null
 *         for a non-null element type), KEEL_ERROR_STORE_MISMATCH or
 *         KEEL_ERROR_INVALID_HANDLE. Does not take ownership of val.
 */
KEEL_API keel_error *keel_table_set(keel_table *table, uint64_t index, const keel_val *val);

/**
 * Grows the table by 'delta' elements set to 'init'.
 * @param[in] table borrowed.
 * @param[in] delta elements to add.
 * @param[in] init borrowed; NULL means null references.
 * @param[out] old_size receives the previous size; may be NULL.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_STORE_MISMATCH,
 *         KEEL_ERROR_INVALID_HANDLE, KEEL_ERROR_LIMIT (past the maximum) or
 *         KEEL_ERROR_OUT_OF_MEMORY. Does not take ownership of init.
 */
KEEL_API keel_error *keel_table_grow(keel_table *table, uint64_t delta, const keel_val *init,
                                     uint64_t *old_size);

/**
 * Sets 'count' elements from 'start' to 'val'.
 * @param[in] table borrowed.
 * @param[in] val borrowed; NULL means null references.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (range out of bounds: nothing is
 *         written; wrong kind), KEEL_ERROR_STORE_MISMATCH or KEEL_ERROR_INVALID_HANDLE.
 *         Does not take ownership of val.
 */
KEEL_API keel_error *keel_table_fill(keel_table *table, uint64_t start, uint64_t count,
                                     const keel_val *val);

/**
 * The table's type (current minimum = current size).
 * @param[in] table borrowed.
 * @param[out] out receives the type.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_table_type(keel_table *table, keel_externtype **out);

/**
 * Adds a reference to a table handle. Any thread.
 * @param[in] table borrowed; NULL gives NULL.
 * @return table, now with one more reference the caller owns.
 */
KEEL_API keel_table *keel_table_retain(keel_table *table);

/**
 * Drops a reference to the handle (the table lives as long as its store).
 * @param[in] table owned; NULL is a harmless no-op. Takes ownership of one reference.
 */
KEEL_API void keel_table_release(keel_table *table);

#ifdef __cplusplus
}
#endif

#endif

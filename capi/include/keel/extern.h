/*
** keel/extern.h -- external values: a function, table, memory, global or tag
** seen through one handle type, for imports and exports.
**
** A keel_extern is the same handle as the object it names: conversions in
** both directions return the SAME pointer, borrowed (no new reference), so
** keel_func_as_extern(f) is valid as long as 'f' is, and releasing it through
** either type releases the same handle.
*/
#ifndef KEEL_EXTERN_H
#define KEEL_EXTERN_H

#include "keel/common.h"
#include "keel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The kind of an external value.
 * @param[in] ext borrowed; NULL (or a released handle under the guard) gives UINT32_MAX.
 * @return a KEEL_EXTERN_* number.
 */
KEEL_API keel_externkind keel_extern_kind(const keel_extern *ext);

/**
 * The type of an external value.
 * @param[in] ext borrowed.
 * @param[out] out receives the type.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_extern_type(const keel_extern *ext, keel_externtype **out);

/**
 * Adds a reference to the handle. Any thread.
 * @param[in] ext borrowed; NULL gives NULL.
 * @return ext, now with one more reference the caller owns.
 */
KEEL_API keel_extern *keel_extern_retain(keel_extern *ext);

/**
 * Drops a reference to the handle. Any thread.
 * @param[in] ext owned; NULL is a harmless no-op. Takes ownership of one reference.
 */
KEEL_API void keel_extern_release(keel_extern *ext);

/**
 * The func an extern names, seen as a keel_func.
 * @param[in] ext borrowed.
 * @return the same handle (no new reference: valid as long as 'ext' is), or
 *         NULL when ext is NULL, released (debug guard) or not a func.
 */
KEEL_API keel_func *keel_extern_as_func(keel_extern *ext);

/**
 * The table an extern names, seen as a keel_table.
 * @param[in] ext borrowed.
 * @return the same handle (no new reference: valid as long as 'ext' is), or
 *         NULL when ext is NULL, released (debug guard) or not a table.
 */
KEEL_API keel_table *keel_extern_as_table(keel_extern *ext);

/**
 * The memory an extern names, seen as a keel_memory.
 * @param[in] ext borrowed.
 * @return the same handle (no new reference: valid as long as 'ext' is), or
 *         NULL when ext is NULL, released (debug guard) or not a memory.
 */
KEEL_API keel_memory *keel_extern_as_memory(keel_extern *ext);

/**
 * The global an extern names, seen as a keel_global.
 * @param[in] ext borrowed.
 * @return the same handle (no new reference: valid as long as 'ext' is), or
 *         NULL when ext is NULL, released (debug guard) or not a global.
 */
KEEL_API keel_global *keel_extern_as_global(keel_extern *ext);

/**
 * The tag an extern names, seen as a keel_tag.
 * @param[in] ext borrowed.
 * @return the same handle (no new reference: valid as long as 'ext' is), or
 *         NULL when ext is NULL, released (debug guard) or not a tag.
 */
KEEL_API keel_tag *keel_extern_as_tag(keel_extern *ext);

/**
 * A func seen as an extern, e.g. for keel_instance_new or keel_linker_define.
 * @param[in] func borrowed.
 * @return the same handle (no new reference: valid as long as 'func' is), or
 *         NULL when func is NULL or released (debug guard).
 */
KEEL_API keel_extern *keel_func_as_extern(keel_func *func);

/**
 * A table seen as an extern, e.g. for keel_instance_new or keel_linker_define.
 * @param[in] table borrowed.
 * @return the same handle (no new reference: valid as long as 'table' is), or
 *         NULL when table is NULL or released (debug guard).
 */
KEEL_API keel_extern *keel_table_as_extern(keel_table *table);

/**
 * A memory seen as an extern, e.g. for keel_instance_new or keel_linker_define.
 * @param[in] memory borrowed.
 * @return the same handle (no new reference: valid as long as 'memory' is), or
 *         NULL when memory is NULL or released (debug guard).
 */
KEEL_API keel_extern *keel_memory_as_extern(keel_memory *memory);

/**
 * A global seen as an extern, e.g. for keel_instance_new or keel_linker_define.
 * @param[in] global borrowed.
 * @return the same handle (no new reference: valid as long as 'global' is), or
 *         NULL when global is NULL or released (debug guard).
 */
KEEL_API keel_extern *keel_global_as_extern(keel_global *global);

/**
 * A tag seen as an extern, e.g. for keel_instance_new or keel_linker_define.
 * @param[in] tag borrowed.
 * @return the same handle (no new reference: valid as long as 'tag' is), or
 *         NULL when tag is NULL or released (debug guard).
 */
KEEL_API keel_extern *keel_tag_as_extern(keel_tag *tag);

#ifdef __cplusplus
}
#endif

#endif

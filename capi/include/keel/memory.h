/*
** keel/memory.h -- linear memories: a raw view with a generation number,
** bounds-checked copies, and growth.
*/
#ifndef KEEL_MEMORY_H
#define KEEL_MEMORY_H

#include "keel/common.h"
#include "keel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Flags of keel_memory_new. */
#define KEEL_MEMORY_64 1u          /**< memory64: indexed with i64 */
#define KEEL_MEMORY_SHARED 2u      /**< threads: shared memory (needs a maximum) */
#define KEEL_MEMORY_PAGE_SIZE_1 4u /**< custom-page-sizes: pages of 1 byte */
/** No maximum (for keel_memory_new and keel_table_new). */
#define KEEL_NO_MAX UINT64_MAX

/**
 * Creates a memory.
 * @param[in] store borrowed; the memory belongs to it.
 * @param[in] min_pages initial size in pages.
 * @param[in] max_pages maximum in pages, or KEEL_NO_MAX.
 * @param[in] flags KEEL_MEMORY_* bits, 0 for a plain 32-bit memory with 64 KiB pages.
 * @param[out] out receives the memory.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (min > max, sizes past the index
 *         space, unknown flags), KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY (also the store's memory limit).
 *         Does not take ownership of store. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_memory_new(keel_store *store, uint64_t min_pages, uint64_t max_pages,
                                     uint32_t flags, keel_memory **out);

/**
 * A raw view of the memory's bytes.
 * @param[in] memory borrowed.
 * @param[out] size receives the size in bytes; may be NULL.
 * @param[out] generation receives a number that changes on every grow; a
 *             binding compares it to refuse a stale view; may be NULL.
 * @return the data pointer, borrowed: valid until the memory grows (by wasm
 *         code or keel_memory_grow) or its store is freed; NULL when memory is
 *         NULL or released, or the memory is empty.
 */
KEEL_API uint8_t *keel_memory_data(keel_memory *memory, size_t *size, uint64_t *generation);

/**
 * The current size in pages.
 * @param[in] memory borrowed; NULL gives 0.
 * @return the current size in pages.
 */
KEEL_API uint64_t keel_memory_pages(keel_memory *memory);

/**
 * The current size in bytes.
 * @param[in] memory borrowed; NULL gives 0.
 * @return the current size in bytes.
 */
KEEL_API uint64_t keel_memory_size(keel_memory *memory);

/**
 * Grows the memory by 'delta' pages (new pages are zero).
 * @param[in] memory borrowed.
 * @param[in] delta pages to add (0 is allowed).
 * @param[out] old_pages receives the previous size in pages; may be NULL.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_INVALID_HANDLE,
 *         KEEL_ERROR_LIMIT (past the memory's maximum) or KEEL_ERROR_OUT_OF_MEMORY
 *         (the host or the store's limit). Invalidates views from keel_memory_data.
 *         Waits for the store's lock.
 */
KEEL_API keel_error *keel_memory_grow(keel_memory *memory, uint64_t delta, uint64_t *old_pages);

/**
 * Copies bytes out of the memory, bounds-checked.
 * @param[in] memory borrowed.
 * @param[in] offset first byte.
 * @param[out] dst receives 'len' bytes.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (NULL argument, or
 *         "out of bounds memory access": nothing is copied) or KEEL_ERROR_INVALID_HANDLE.
 */
KEEL_API keel_error *keel_memory_read(keel_memory *memory, uint64_t offset, void *dst, size_t len);

/**
 * Copies bytes into the memory, bounds-checked.
 * @param[in] memory borrowed.
 * @param[in] offset first byte.
 * @param[in] src borrowed, 'len' bytes.
 * @return as keel_memory_read.
 */
KEEL_API keel_error *keel_memory_write(keel_memory *memory, uint64_t offset, const void *src,
                                       size_t len);

/**
 * The memory's type (current minimum = current size).
 * @param[in] memory borrowed.
 * @param[out] out receives the type.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_memory_type(keel_memory *memory, keel_externtype **out);

/**
 * Adds a reference to a memory handle. Any thread.
 * @param[in] memory borrowed; NULL gives NULL.
 * @return memory, now with one more reference the caller owns.
 */
KEEL_API keel_memory *keel_memory_retain(keel_memory *memory);

/**
 * Drops a reference to the handle (the memory lives as long as its store).
 * @param[in] memory owned; NULL is a harmless no-op. Takes ownership of one reference.
 */
KEEL_API void keel_memory_release(keel_memory *memory);

#ifdef __cplusplus
}
#endif

#endif

/*
** keel/store.h -- a store: the world one group of instances lives in.
**
** A store owns every runtime object created in it (instances, functions,
** memories, tables, globals, tags, references) and frees them all together
** when the store's last reference goes: the store handle, every handle of an
** object in it, and every call running in it each hold one. One thread at a
** time runs inside a store (calls, instantiation, memory/table/global
** operations take the store's lock, reentrantly for host callbacks on the
** same thread); different stores run in parallel.
*/
#ifndef KEEL_STORE_H
#define KEEL_STORE_H

#include "keel/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Creates a store.
 * @param[in] engine borrowed; the store retains it.
 * @param[out] out receives the store.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY. Does not take ownership of engine.
 *         Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_store_new(keel_engine *engine, keel_store **out);

/**
 * Adds a reference to a store handle. Any thread.
 * @param[in] store borrowed; NULL gives NULL.
 * @return store, now with one more reference the caller owns.
 */
KEEL_API keel_store *keel_store_retain(keel_store *store);

/**
 * Drops a reference. The store and everything in it are freed when the last
 * store handle, object handle and running call are gone; freeing runs the
 * finalizers of host functions, extern references and user data (on the
 * thread that dropped the last reference). Any thread.
 * @param[in] store owned; NULL is a harmless no-op. Takes ownership of one reference.
 */
KEEL_API void keel_store_release(keel_store *store);

/**
 * Attaches user data to the store, replacing (and finalizing) the previous one.
 * @param[in] store borrowed.
 * @param[in] data any pointer.
 * @param[in] finalizer called with 'data' when the store is freed or the data
 *            replaced; may be NULL.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT or KEEL_ERROR_INVALID_HANDLE.
 *         Does not take ownership of store. Gives ownership of data to the store.
 */
KEEL_API keel_error *keel_store_set_user_data(keel_store *store, void *data,
                                              void (*finalizer)(void *data));

/**
 * The user data attached with keel_store_set_user_data.
 * @param[in] store borrowed; NULL gives NULL.
 */
KEEL_API void *keel_store_user_data(const keel_store *store);

/**
 * Limits the total bytes of all memories of the store (0 = no limit). A
 * memory.grow past it fails (returns -1 in wasm); creating a memory past it
 * gives KEEL_ERROR_OUT_OF_MEMORY.
 * @param[in] store borrowed.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT or KEEL_ERROR_INVALID_HANDLE.
 */
KEEL_API keel_error *keel_store_limit_memory(keel_store *store, uint64_t max_bytes);

/**
 * Limits the total elements of all tables of the store (0 = no limit).
 * @param[in] store borrowed.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT or KEEL_ERROR_INVALID_HANDLE.
 */
KEEL_API keel_error *keel_store_limit_table_elements(keel_store *store, uint64_t max_elements);

/**
 * Limits the number of instances in the store (0 = no limit); instantiating
 * past it gives KEEL_ERROR_LIMIT.
 * @param[in] store borrowed.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT or KEEL_ERROR_INVALID_HANDLE.
 */
KEEL_API keel_error *keel_store_limit_instances(keel_store *store, uint32_t max_instances);

/**
 * Asks the call running in the store to stop: it traps with
 * KEEL_TRAP_INTERRUPTED at the next function entry or loop back-edge. If no
 * call is running, the next call traps as soon as it starts. The request is
 * consumed by the trap; the store stays usable. Any thread, lock-free,
 * async-signal-safe.
 * @param[in] store borrowed; NULL is a no-op.
 */
KEEL_API void keel_store_interrupt(keel_store *store);

#ifdef __cplusplus
}
#endif

#endif

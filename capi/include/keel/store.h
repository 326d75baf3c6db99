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

/**
 * Withdraws a pending interrupt request (one that raced with the end of a
 * call, say), so the next call does not trap at once. Has no effect on a
 * call that already trapped. Any thread, lock-free, async-signal-safe.
 * @param[in] store borrowed; NULL is a no-op.
 */
KEEL_API void keel_store_interrupt_clear(keel_store *store);

/*
** Fuel and deadlines share the interrupt's single check at function entry
** and loop back-edges: a store with none of them enabled pays one load and
** one branch there. With fuel or a deadline enabled every check takes a
** slower path (a few instructions).
**
** Fuel unit: one check, i.e. one function entry or one loop iteration. With
** fuel F a call runs F such blocks and traps with KEEL_TRAP_OUT_OF_FUEL at
** the next one. Fuel is per store, off by default, and not refilled by
** calls: what a call leaves is what the next one starts with.
**
** The setters below take the store's lock (call them between calls, or from
** a host function running in the store).
*/

/**
 * Turns fuel metering on and sets the store's fuel.
 * @param[in] store borrowed.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY.
 */
KEEL_API keel_error *keel_store_set_fuel(keel_store *store, uint64_t fuel);

/**
 * The fuel left (0 after an out-of-fuel trap).
 * @param[in] store borrowed.
 * @param[out] fuel receives the fuel left.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (NULL argument, or "fuel is not
 *         enabled") or KEEL_ERROR_INVALID_HANDLE.
 */
KEEL_API keel_error *keel_store_get_fuel(keel_store *store, uint64_t *fuel);

/**
 * Turns fuel metering off (the default).
 * @param[in] store borrowed.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT or KEEL_ERROR_INVALID_HANDLE.
 */
KEEL_API keel_error *keel_store_disable_fuel(keel_store *store);

/**
 * Sets the store's deadline to "the engine's epoch now + ticks_from_now"
 * (keel_engine_increment_epoch). Once the epoch reaches it, the running
 * call traps with KEEL_TRAP_DEADLINE at its next function entry or loop
 * back-edge, unless a deadline callback extends it. A deadline stays until
 * changed or cleared: a call started after it passed traps at once.
 * @param[in] store borrowed.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY.
 */
KEEL_API keel_error *keel_store_set_epoch_deadline(keel_store *store, uint64_t ticks_from_now);

/**
 * Removes the store's deadline.
 * @param[in] store borrowed.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT or KEEL_ERROR_INVALID_HANDLE.
 */
KEEL_API keel_error *keel_store_clear_epoch_deadline(keel_store *store);

/**
 * Called on the calling thread, inside the running call, when the epoch
 * reaches the store's deadline. Return true and set *extend_ticks (>= 1) to
 * go on with a deadline of "epoch now + *extend_ticks"; return false to trap
 * with KEEL_TRAP_DEADLINE. It must not call into the store (no calls, no
 * memory access through the ABI); it may record, log or sample.
 */
typedef bool (*keel_deadline_callback)(void *env, uint64_t *extend_ticks);

/**
 * Sets (or, with callback NULL, removes) the store's deadline callback.
 * @param[in] store borrowed.
 * @param[in] env passed to the callback; the store does not own it.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY.
 */
KEEL_API keel_error *keel_store_set_epoch_deadline_callback(keel_store *store,
                                                           keel_deadline_callback callback,
                                                           void *env);

#ifdef __cplusplus
}
#endif

#endif

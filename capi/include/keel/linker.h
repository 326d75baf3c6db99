/*
** keel/linker.h -- resolves a module's imports by (module, name).
**
** A linker maps names to external values (functions, tables, memories,
** globals, tags) of any store; instantiation checks that each one belongs to
** the target store. A linker has one owner and is not thread-safe: use it
** from one thread at a time. It retains the handles defined in it.
*/
#ifndef KEEL_LINKER_H
#define KEEL_LINKER_H

#include "keel/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Creates an empty linker.
 * @param[in] engine borrowed; modules instantiated through the linker must
 *            come from this engine.
 * @param[out] out receives the linker.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY. Does not take ownership of engine.
 *         Gives ownership of *out to the caller (keel_linker_free).
 */
KEEL_API keel_error *keel_linker_new(keel_engine *engine, keel_linker **out);

/**
 * Frees a linker and releases the handles defined in it.
 * @param[in] linker owned; NULL is a harmless no-op. Takes ownership of linker.
 */
KEEL_API void keel_linker_free(keel_linker *linker);

/**
 * Lets later definitions replace earlier ones with the same (module, name)
 * instead of failing. Off by default.
 * @param[in] linker borrowed; NULL is a no-op.
 */
KEEL_API void keel_linker_allow_shadowing(keel_linker *linker, bool allow);

/**
 * Defines (module, name) as an external value.
 * @param[in] linker borrowed.
 * @param[in] module borrowed UTF-8 of 'module_len' bytes (copied).
 * @param[in] name borrowed UTF-8 of 'name_len' bytes (copied).
 * @param[in] item borrowed; the linker retains it.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (NULL argument, or the name is
 *         already defined and shadowing is off), KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY. Does not take ownership of item.
 */
KEEL_API keel_error *keel_linker_define(keel_linker *linker, const char *module, size_t module_len,
                                        const char *name, size_t name_len, keel_extern *item);

/**
 * Defines (module, name) as a function; same as keel_linker_define with
 * keel_func_as_extern(func).
 * @return as keel_linker_define. Does not take ownership of func.
 */
KEEL_API keel_error *keel_linker_define_func(keel_linker *linker, const char *module,
                                             size_t module_len, const char *name, size_t name_len,
                                             keel_func *func);

/**
 * Defines every export of an instance under the module name 'module' (the
 * spec script's "register").
 * @param[in] linker borrowed.
 * @param[in] module borrowed UTF-8 of 'module_len' bytes (copied).
 * @param[in] instance borrowed; the linker retains handles of its exports.
 * @return as keel_linker_define. Does not take ownership of instance.
 */
KEEL_API keel_error *keel_linker_define_instance(keel_linker *linker, const char *module,
                                                 size_t module_len, keel_instance *instance);

/**
 * Looks up a definition.
 * @param[in] linker borrowed.
 * @param[out] out receives a new handle to the item, or NULL when undefined.
 * @return NULL (also when undefined), KEEL_ERROR_INVALID_ARGUMENT or
 *         KEEL_ERROR_INVALID_HANDLE. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_linker_get(const keel_linker *linker, const char *module,
                                     size_t module_len, const char *name, size_t name_len,
                                     keel_extern **out);

/**
 * Instantiates a module in a store, resolving each import by (module, name).
 * The start function runs before this returns.
 * @param[in] linker borrowed.
 * @param[in] store borrowed; every definition used must belong to it.
 * @param[in] module borrowed; the store retains it.
 * @param[out] out receives the instance.
 * @return NULL; KEEL_ERROR_UNLINKABLE ("unknown import: mod::name" for a
 *         missing definition, "incompatible import type for mod::name" for a
 *         wrong kind or type); KEEL_ERROR_STORE_MISMATCH (a definition of
 *         another store); KEEL_ERROR_TRAP or KEEL_ERROR_HOST etc. from the
 *         initialisation or start function (functions the module already
 *         wrote into imported tables stay valid for the store's life);
 *         KEEL_ERROR_LIMIT; KEEL_ERROR_INVALID_ARGUMENT; KEEL_ERROR_INVALID_HANDLE;
 *         KEEL_ERROR_OUT_OF_MEMORY. Waits for the store's lock.
 *         Does not take ownership of linker, store or module. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_linker_instantiate(const keel_linker *linker, keel_store *store,
                                             keel_module *module, keel_instance **out);

#ifdef __cplusplus
}
#endif

#endif

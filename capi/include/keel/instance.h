/*
** keel/instance.h -- an instance of a module in a store, and its exports.
*/
#ifndef KEEL_INSTANCE_H
#define KEEL_INSTANCE_H

#include "keel/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Instantiates a module with imports given in the module's import order
 * (keel_module_import). The start function runs before this returns.
 * @param[in] store borrowed; the store retains the module.
 * @param[in] module borrowed.
 * @param[in] imports borrowed array of 'import_count' borrowed externs; may be NULL when 0.
 * @param[in] import_count must equal keel_module_import_count(module).
 * @param[out] out receives the instance.
 * @return NULL; KEEL_ERROR_INVALID_ARGUMENT (NULL argument, wrong import count);
 *         KEEL_ERROR_UNLINKABLE (wrong kind or type: "incompatible import type
 *         for mod::name"); KEEL_ERROR_STORE_MISMATCH; KEEL_ERROR_TRAP (or any
 *         error a host function returned) from initialisation or the start
 *         function; KEEL_ERROR_LIMIT; KEEL_ERROR_INVALID_HANDLE; KEEL_ERROR_OUT_OF_MEMORY.
 *         Waits for the store's lock. Does not take ownership of store, module
 *         or imports. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_instance_new(keel_store *store, keel_module *module,
                                       keel_extern *const *imports, size_t import_count,
                                       keel_instance **out);

/**
 * Adds a reference to an instance handle. Any thread.
 * @param[in] instance borrowed; NULL gives NULL.
 * @return instance, now with one more reference the caller owns.
 */
KEEL_API keel_instance *keel_instance_retain(keel_instance *instance);

/**
 * Drops a reference to the handle. The instance itself lives as long as its
 * store. Any thread; never calls foreign code (unless it frees the store).
 * @param[in] instance owned; NULL is a harmless no-op. Takes ownership of one reference.
 */
KEEL_API void keel_instance_release(keel_instance *instance);

/**
 * Looks up an export by name.
 * @param[in] instance borrowed.
 * @param[in] name borrowed UTF-8 of 'name_len' bytes.
 * @param[out] out receives a new handle to the export.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (NULL argument, or "unknown
 *         export: name"), KEEL_ERROR_INVALID_HANDLE or KEEL_ERROR_OUT_OF_MEMORY.
 *         Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_instance_export(keel_instance *instance, const char *name,
                                          size_t name_len, keel_extern **out);

/**
 * Looks up an exported function by name.
 * @param[out] out receives a new handle to the function.
 * @return as keel_instance_export, and KEEL_ERROR_INVALID_ARGUMENT when the
 *         export is not a function. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_instance_export_func(keel_instance *instance, const char *name,
                                               size_t name_len, keel_func **out);

/**
 * Looks up an exported memory by name.
 * @param[out] out receives a new handle to the memory.
 * @return as keel_instance_export_func. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_instance_export_memory(keel_instance *instance, const char *name,
                                                 size_t name_len, keel_memory **out);

/**
 * Looks up an exported table by name.
 * @param[out] out receives a new handle to the table.
 * @return as keel_instance_export_func. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_instance_export_table(keel_instance *instance, const char *name,
                                                size_t name_len, keel_table **out);

/**
 * Looks up an exported global by name.
 * @param[out] out receives a new handle to the global.
 * @return as keel_instance_export_func. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_instance_export_global(keel_instance *instance, const char *name,
                                                 size_t name_len, keel_global **out);

/**
 * The number of exports (as keel_module_export_count of its module).
 * @param[in] instance borrowed; NULL gives 0.
 * @return the number of exports (as keel_module_export_count of its module).
 */
KEEL_API size_t keel_instance_export_count(const keel_instance *instance);

/**
 * Export 'i', in the module's export order.
 * @param[in] instance borrowed.
 * @param[in] i export number.
 * @param[out] name receives the export name (borrowed, valid while the caller
 *             holds 'instance'); may be NULL.
 * @param[out] name_len receives its byte length; may be NULL.
 * @param[out] out receives a new handle to the export.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (NULL argument, i out of range),
 *         KEEL_ERROR_INVALID_HANDLE or KEEL_ERROR_OUT_OF_MEMORY.
 *         Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_instance_export_nth(keel_instance *instance, size_t i,
                                              const char **name, size_t *name_len,
                                              keel_extern **out);

/**
 * The module the instance was made from.
 * @param[in] instance borrowed.
 * @param[out] out receives a new module reference.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT or KEEL_ERROR_INVALID_HANDLE.
 *         Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_instance_module(keel_instance *instance, keel_module **out);

#ifdef __cplusplus
}
#endif

#endif

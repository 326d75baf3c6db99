/*
** keel/module.h -- a compiled module: decoded, validated and compiled once,
** then instantiated in any number of stores on any thread.
**
** A module is immutable and thread-safe. It retains its engine; a store that
** instantiates it retains it for the store's life, so releasing the module
** handle right after instantiation is fine.
*/
#ifndef KEEL_MODULE_H
#define KEEL_MODULE_H

#include "keel/common.h"
#include "keel/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Decodes, validates and compiles a module from its binary format.
 * @param[in] engine borrowed.
 * @param[in] bytes borrowed, copied; may be NULL when size is 0.
 * @param[in] size byte count.
 * @param[out] out receives the module.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (NULL engine/out, NULL bytes with a
 *         size), KEEL_ERROR_INVALID_HANDLE, KEEL_ERROR_MALFORMED (with the byte
 *         offset), KEEL_ERROR_INVALID, KEEL_ERROR_UNSUPPORTED or
 *         KEEL_ERROR_OUT_OF_MEMORY. Does not take ownership of engine or bytes.
 *         Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_module_new(keel_engine *engine, const uint8_t *bytes, size_t size,
                                     keel_module **out);

/**
 * Compiles a module from WebAssembly text format (WAT), e.g. "(module (func
 * (export \"f\") (result i32) i32.const 42))".
 * @param[in] engine borrowed.
 * @param[in] text borrowed UTF-8, not necessarily NUL-terminated.
 * @param[in] len byte count of text.
 * @param[out] out receives the module.
 * @return as keel_module_new; text errors are KEEL_ERROR_MALFORMED.
 *         Does not take ownership of engine or text. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_module_new_wat(keel_engine *engine, const char *text, size_t len,
                                         keel_module **out);

/**
 * Decodes and validates a module without compiling it.
 * @param[in] engine borrowed.
 * @param[in] bytes borrowed; may be NULL when size is 0.
 * @param[in] size byte count.
 * @return NULL when the module is valid, else KEEL_ERROR_MALFORMED,
 *         KEEL_ERROR_INVALID, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_INVALID_HANDLE
 *         or KEEL_ERROR_OUT_OF_MEMORY. Does not take ownership of engine or bytes.
 */
KEEL_API keel_error *keel_module_validate(keel_engine *engine, const uint8_t *bytes, size_t size);

/**
 * Converts WebAssembly text (WAT) to the binary format.
 * @param[in] text borrowed UTF-8.
 * @param[in] len byte count of text.
 * @param[out] out_bytes receives the binary (free with keel_bytes_free).
 * @param[out] out_size receives its size.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_MALFORMED or
 *         KEEL_ERROR_OUT_OF_MEMORY. Gives ownership of *out_bytes to the caller.
 */
KEEL_API keel_error *keel_wat_to_wasm(const char *text, size_t len, uint8_t **out_bytes,
                                      size_t *out_size);

/**
 * Frees bytes returned by keel_wat_to_wasm.
 * @param[in] bytes owned; NULL is a harmless no-op.
 */
KEEL_API void keel_bytes_free(uint8_t *bytes);

/**
 * Adds a reference to a module. Any thread.
 * @param[in] module borrowed; NULL gives NULL.
 * @return module, now with one more reference the caller owns.
 */
KEEL_API keel_module *keel_module_retain(keel_module *module);

/**
 * Drops a reference. The module is freed when its last handle is gone and no
 * store that instantiated it is alive. Any thread; never calls foreign code.
 * @param[in] module owned; NULL is a harmless no-op. Takes ownership of one reference.
 */
KEEL_API void keel_module_release(keel_module *module);

/**
 * The module's name from the name section.
 * @param[in] module borrowed.
 * @return a NUL-terminated string valid until the module is freed (as long as
 *         the caller holds 'module'), or NULL when there is none or module is NULL.
 */
KEEL_API const char *keel_module_name(const keel_module *module);

/**
 * The number of imports.
 * @param[in] module borrowed; NULL gives 0.
 * @return the number of imports.
 */
KEEL_API size_t keel_module_import_count(const keel_module *module);

/**
 * Describes import 'i' (in the module's import order).
 * @param[in] module borrowed.
 * @param[in] i import number.
 * @param[out] module_name receives the import's module name (borrowed, valid
 *             while the caller holds 'module'; NUL-terminated, but may also
 *             contain NUL bytes: use *module_len); may be NULL.
 * @param[out] module_len receives its byte length; may be NULL.
 * @param[out] name receives the import's name (borrowed, as module_name); may be NULL.
 * @param[out] name_len receives its byte length; may be NULL.
 * @param[out] type receives the import's type; may be NULL when not wanted.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (NULL module, i out of range),
 *         KEEL_ERROR_INVALID_HANDLE or KEEL_ERROR_OUT_OF_MEMORY.
 *         Gives ownership of *type to the caller (keel_externtype_free).
 */
KEEL_API keel_error *keel_module_import(const keel_module *module, size_t i,
                                        const char **module_name, size_t *module_len,
                                        const char **name, size_t *name_len,
                                        keel_externtype **type);

/**
 * The number of exports.
 * @param[in] module borrowed; NULL gives 0.
 * @return the number of exports.
 */
KEEL_API size_t keel_module_export_count(const keel_module *module);

/**
 * Describes export 'i' (in the module's export order).
 * @param[in] module borrowed.
 * @param[in] i export number.
 * @param[out] name receives the export name (borrowed, valid while the caller
 *             holds 'module'); may be NULL.
 * @param[out] name_len receives its byte length; may be NULL.
 * @param[out] type receives the export's type; may be NULL when not wanted.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (NULL module, i out of range),
 *         KEEL_ERROR_INVALID_HANDLE or KEEL_ERROR_OUT_OF_MEMORY.
 *         Gives ownership of *type to the caller (keel_externtype_free).
 */
KEEL_API keel_error *keel_module_export(const keel_module *module, size_t i,
                                        const char **name, size_t *name_len,
                                        keel_externtype **type);

/**
 * Serialises a compiled module: its wasm bytes and compiled code in one
 * checked image (the same bytes as keel_code_serialize of keel_module_code).
 * @param[in] module borrowed.
 * @param[out] out_bytes receives the image (free with keel_bytes_free).
 * @param[out] out_size receives its size.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY. Does not take ownership of module.
 *         Gives ownership of *out_bytes to the caller.
 */
KEEL_API keel_error *keel_module_serialize(const keel_module *module, uint8_t **out_bytes,
                                           size_t *out_size);

/**
 * Creates a module from keel_module_serialize's bytes without validating or
 * compiling again. The bytes are copied into private read-only memory and
 * checked there (magic, format version, engine build id, lengths, checksum),
 * so the caller may change or free them afterwards. Only bytes written by a
 * Keel library of the same build are accepted; a checksum detects damage,
 * not malice: never deserialise bytes from an untrusted source.
 * @param[in] engine borrowed; its features must be those of the writer.
 * @param[in] bytes borrowed.
 * @param[in] size byte count.
 * @param[out] out receives the module (keel_code_origin: KEEL_CODE_DESERIALIZED).
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_INVALID_HANDLE,
 *         KEEL_ERROR_MALFORMED (damaged, truncated, another build or format
 *         version, not a Keel image), KEEL_ERROR_UNSUPPORTED (other engine
 *         features) or KEEL_ERROR_OUT_OF_MEMORY. Does not take ownership of
 *         engine or bytes. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_module_deserialize(keel_engine *engine, const uint8_t *bytes, size_t size,
                                             keel_module **out);

/**
 * keel_module_deserialize from a file (e.g. written by `keel compile`). The
 * file is read into private memory, never mapped, so another process
 * truncating or replacing it during or after the call cannot fault this one.
 * @param[in] engine borrowed.
 * @param[in] path borrowed NUL-terminated file name.
 * @param[out] out receives the module.
 * @return as keel_module_deserialize, plus KEEL_ERROR_IO (cannot open or read).
 *         Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_module_deserialize_file(keel_engine *engine, const char *path,
                                                  keel_module **out);

#ifdef __cplusplus
}
#endif

#endif

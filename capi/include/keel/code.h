/*
** keel/code.h -- compiled code as a handle of its own (DESIGN.md Ownership 1).
**
** A module's compiled code lives in one refcounted, read-only block of code
** memory. The module retains it, every instance retains its module, and a
** keel_code handle retains it too: the memory is unmapped only when the last
** of them is gone, so code reachable from a table, a global or a running call
** can never be freed (SEEDS.md 1). The block is a complete image: header,
** the module's wasm bytes, the position-independent code and a checksum; the
** bytes of keel_code_serialize are exactly the bytes executed.
**
** Serialised code and cache files are checked (magic, format version, engine
** build id, lengths, checksum) before use. A checksum detects damage, not
** malice: deserialise only what a Keel library of the same build wrote.
*/
#ifndef KEEL_CODE_H
#define KEEL_CODE_H

#include "keel/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct keel_code keel_code;

/** Where code memory came from (keel_code_origin). Callers must tolerate other values. */
typedef uint32_t keel_code_origin_t;
#define KEEL_CODE_COMPILED 1     /**< compiled by this process */
#define KEEL_CODE_CACHED 2       /**< mapped from the engine's file cache (shared page cache) */
#define KEEL_CODE_DESERIALIZED 3 /**< from keel_module_deserialize or keel_module_deserialize_file */

/* keel_code handles are counted as KEEL_HANDLE_CODE (keel/debug.h). */

/**
 * The compiled code of a module.
 * @param[in] module borrowed.
 * @param[out] out receives a new reference to the module's code memory.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (NULL module or out),
 *         KEEL_ERROR_INVALID_HANDLE or KEEL_ERROR_OUT_OF_MEMORY.
 *         Does not take ownership of module. Gives ownership of *out to the
 *         caller (keel_code_release); the code stays mapped while *out lives,
 *         even after the module and every store are gone.
 */
KEEL_API keel_error *keel_module_code(const keel_module *module, keel_code **out);

/**
 * Adds a reference. Any thread.
 * @param[in] code borrowed; NULL gives NULL.
 * @return code, with one more reference the caller owns.
 */
KEEL_API keel_code *keel_code_retain(keel_code *code);

/**
 * Drops a reference; the code memory is unmapped when no handle, module or
 * instance holds it any more. Any thread; never calls foreign code.
 * @param[in] code owned; NULL is a harmless no-op. Takes ownership of one reference.
 */
KEEL_API void keel_code_release(keel_code *code);

/**
 * The size of the code memory in bytes (the serialised size).
 * @param[in] code borrowed; NULL gives 0.
 */
KEEL_API size_t keel_code_size(const keel_code *code);

/**
 * Where the code came from.
 * @param[in] code borrowed; NULL gives 0.
 * @return KEEL_CODE_COMPILED, KEEL_CODE_CACHED or KEEL_CODE_DESERIALIZED.
 */
KEEL_API keel_code_origin_t keel_code_origin(const keel_code *code);

/**
 * Serialises the code: the bytes keel_module_deserialize accepts (in a
 * process running the same Keel build).
 * @param[in] code borrowed.
 * @param[out] out_bytes receives a copy (free with keel_bytes_free).
 * @param[out] out_size receives its size.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT, KEEL_ERROR_INVALID_HANDLE or
 *         KEEL_ERROR_OUT_OF_MEMORY. Gives ownership of *out_bytes to the caller.
 */
KEEL_API keel_error *keel_code_serialize(const keel_code *code, uint8_t **out_bytes, size_t *out_size);

#ifdef __cplusplus
}
#endif

#endif

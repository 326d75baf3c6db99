/*
** keel/config.h -- engine configuration: an opaque builder with setters.
**
** A config is created, adjusted with setters and passed to keel_engine_new,
** which copies it: the same config may create several engines and is freed
** by its owner with keel_config_free. New settings are new setters, so the
** ABI never grows a struct.
*/
#ifndef KEEL_CONFIG_H
#define KEEL_CONFIG_H

#include "keel/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** WebAssembly features (proposals) that a config can switch. All are on by default. */
typedef uint32_t keel_feature;
#define KEEL_FEATURE_SIMD 1
#define KEEL_FEATURE_THREADS 2
#define KEEL_FEATURE_GC 3
#define KEEL_FEATURE_EXCEPTIONS 4
#define KEEL_FEATURE_TAIL_CALLS 5
#define KEEL_FEATURE_MEMORY64 6
#define KEEL_FEATURE_MULTI_MEMORY 7
#define KEEL_FEATURE_FUNCTION_REFERENCES 8
#define KEEL_FEATURE_EXTENDED_CONST 9
#define KEEL_FEATURE_CUSTOM_PAGE_SIZES 10
#define KEEL_FEATURE_WIDE_ARITHMETIC 11

/**
 * Creates a config with the defaults: every feature on, the default call
 * depth and value stack size, debug guard off.
 * @param[out] out receives the config.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (out is NULL) or KEEL_ERROR_OUT_OF_MEMORY.
 *         Gives ownership of *out to the caller (keel_config_free).
 */
KEEL_API keel_error *keel_config_new(keel_config **out);

/**
 * Frees a config. Engines made from it are unaffected (they copied it).
 * @param[in] config owned; NULL is a harmless no-op. Takes ownership of config.
 */
KEEL_API void keel_config_free(keel_config *config);

/**
 * Switches a feature on or off.
 * @param[in,out] config borrowed.
 * @param[in] feature a KEEL_FEATURE_* number.
 * @param[in] enable true to allow modules that use the feature.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (config is NULL) or
 *         KEEL_ERROR_UNSUPPORTED (a feature number this library does not know).
 *         Does not take ownership of config.
 */
KEEL_API keel_error *keel_config_set_feature(keel_config *config, keel_feature feature, bool enable);

/**
 * Reads a feature switch.
 * @param[in] config borrowed; NULL gives false.
 * @return whether the feature is on; false for unknown features.
 */
KEEL_API bool keel_config_get_feature(const keel_config *config, keel_feature feature);

/**
 * Sets the maximum number of nested wasm calls before a call traps with
 * KEEL_TRAP_STACK_EXHAUSTED.
 * @param[in,out] config borrowed.
 * @param[in] depth frames, at least 1.
 * @return NULL or KEEL_ERROR_INVALID_ARGUMENT (config NULL or depth 0).
 *         Does not take ownership of config.
 */
KEEL_API keel_error *keel_config_set_max_call_depth(keel_config *config, uint32_t depth);

/**
 * Sets the size of each store's value stack in bytes (wasm locals and operands).
 * @param[in,out] config borrowed.
 * @param[in] bytes at least 4096.
 * @return NULL or KEEL_ERROR_INVALID_ARGUMENT (config NULL or bytes too small).
 *         Does not take ownership of config.
 */
KEEL_API keel_error *keel_config_set_value_stack_size(keel_config *config, size_t bytes);

/**
 * Turns on the process-wide debug guard (see keel_debug_set_guard) when an
 * engine is created from this config. Guard mode is never turned off by a config.
 * @param[in,out] config borrowed.
 * @param[in] enable true to turn the guard on at keel_engine_new.
 * @return NULL or KEEL_ERROR_INVALID_ARGUMENT (config is NULL).
 *         Does not take ownership of config.
 */
KEEL_API keel_error *keel_config_set_debug_guard(keel_config *config, bool enable);

/**
 * Gives engines made from this config a compiled-code file cache in 'dir'
 * (created if missing). keel_module_new then looks up an entry keyed by the
 * BLAKE3 hash of the wasm bytes, the engine build, the cache format version and
 * the enabled features; a verified hit maps the file read-only (shared page
 * cache) and skips validation and compilation. Entries are written to a
 * temporary file and renamed into place; a damaged or foreign entry is a miss
 * (the module is compiled and the entry rewritten). An unwritable or full
 * directory means "no cache" with one warning on stderr per engine, never a
 * failed compile. Other processes may share the directory; nothing but Keel
 * should write to it.
 * @param[in,out] config borrowed.
 * @param[in] dir borrowed NUL-terminated path, copied; NULL or "" turns the cache off (the default).
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (config is NULL) or KEEL_ERROR_OUT_OF_MEMORY.
 *         Does not take ownership of config or dir.
 */
KEEL_API keel_error *keel_config_set_cache_dir(keel_config *config, const char *dir);

/**
 * Limits the cache directory's entries to about 'bytes': after writing an
 * entry, the least recently used ones (by modification time, which a hit
 * refreshes) are removed until the rest fit. 0 means no limit (the default).
 * @param[in,out] config borrowed.
 * @param[in] bytes the limit.
 * @return NULL or KEEL_ERROR_INVALID_ARGUMENT (config is NULL). Does not take ownership of config.
 */
KEEL_API keel_error *keel_config_set_cache_max_bytes(keel_config *config, uint64_t bytes);

#ifdef __cplusplus
}
#endif

#endif

/*
** keel/engine.h -- the engine: features, limits and the canonical type
** registry shared by every module and store made from it.
**
** An engine is immutable and thread-safe. Modules and stores retain their
** engine, so releasing the caller's engine handle early is harmless.
*/
#ifndef KEEL_ENGINE_H
#define KEEL_ENGINE_H

#include "keel/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Creates an engine.
 * @param[in] config borrowed, copied; NULL gives the defaults.
 * @param[out] out receives the engine.
 * @return NULL, KEEL_ERROR_INVALID_ARGUMENT (out is NULL), KEEL_ERROR_INVALID_HANDLE
 *         (config released, debug guard) or KEEL_ERROR_OUT_OF_MEMORY.
 *         Does not take ownership of config. Gives ownership of *out to the caller.
 */
KEEL_API keel_error *keel_engine_new(const keel_config *config, keel_engine **out);

/**
 * Adds a reference to an engine. Any thread.
 * @param[in] engine borrowed; NULL gives NULL.
 * @return engine, now with one more reference the caller owns.
 */
KEEL_API keel_engine *keel_engine_retain(keel_engine *engine);

/**
 * Drops a reference. The engine is freed when its last handle, module and
 * store are gone. Any thread; never calls foreign code.
 * @param[in] engine owned; NULL is a harmless no-op. Takes ownership of one reference.
 */
KEEL_API void keel_engine_release(keel_engine *engine);

/**
 * Advances the engine's epoch by one tick. Stores of this engine with an
 * epoch deadline (keel_store_set_epoch_deadline) trap with
 * KEEL_TRAP_DEADLINE, or ask their deadline callback, at the next function
 * entry or loop back-edge once the epoch reaches the deadline. Call it from
 * a timer thread or a signal handler at the granularity you need. Any
 * thread, lock-free, async-signal-safe (keel/sample.h lists these).
 * @param[in] engine borrowed; NULL or a released handle is a no-op.
 */
KEEL_API void keel_engine_increment_epoch(keel_engine *engine);

/**
 * The engine's current epoch (0 until the first increment). Any thread,
 * lock-free, async-signal-safe.
 * @param[in] engine borrowed; NULL gives 0.
 */
KEEL_API uint64_t keel_engine_epoch(const keel_engine *engine);

#ifdef __cplusplus
}
#endif

#endif

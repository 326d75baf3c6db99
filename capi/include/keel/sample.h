/*
** keel/sample.h -- live stack sampling: where is a running store right now?
**
** Any thread, or a signal handler on the store's own thread, may copy the
** wasm call stack of a store while a call runs in it, without stopping it,
** without locks and without allocating. Use it to show where a hung guest
** is (then keel_store_interrupt it), or as a sampling profiler.
**
** Accuracy: each caller frame is reported at its call instruction; the
** innermost frame at its last function entry, call or loop back-edge (the
** interpreter publishes its position there, not at every instruction). A
** sample taken while the stack changes may miss frames or show the stack as
** it was a few instructions earlier; every frame it returns is checked (its
** function index is below its module's function count, its offset inside
** the function), never garbage.
**
** Async-signal-safe entry points (callable from a signal handler, e.g. a
** SIGPROF handler installed with SA_ONSTACK that chains to the previous
** one; all are lock-free and allocation-free):
**   keel_store_sample
**   keel_store_interrupt, keel_store_interrupt_clear     (keel/store.h)
**   keel_engine_increment_epoch, keel_engine_epoch       (keel/engine.h)
** Nothing else in the ABI is async-signal-safe.
*/
#ifndef KEEL_SAMPLE_H
#define KEEL_SAMPLE_H

#include "keel/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * One sampled wasm frame. The names are resolved during sampling by a
 * binary search over the module's name section (no allocation): they point
 * into the module, which the store keeps, so they are valid while the store
 * lives. NULL when the name section has no name.
 */
typedef struct keel_frame_sample {
    uint32_t func_index;      /**< index in its module's function space (imports first) */
    uint32_t offset;          /**< wasm byte offset in the module, as in trap backtraces; UINT32_MAX: unknown */
    const char *func_name;    /**< from the name section, or NULL; borrowed from the store */
    const char *module_name;  /**< the module's name from the name section, or NULL */
} keel_frame_sample;

/** keel_store_sample results. */
#define KEEL_SAMPLE_OK 0              /**< every frame copied; 0 frames: no wasm code running */
#define KEEL_SAMPLE_TRUNCATED 1       /**< more than cap frames: the innermost cap copied */
#define KEEL_SAMPLE_INVALID (-1)      /**< store is NULL, released, or not a store handle */

/**
 * Copies the wasm call stack of the call running in the store, innermost
 * frame first. Any thread, or a signal handler on any thread (including the
 * one running the store); lock-free, allocation-free, async-signal-safe.
 * Frames of nested calls (wasm -> host -> wasm) are all included.
 * @param[in] store borrowed; must stay alive during the call (hold a handle).
 * @param[out] buf receives up to cap frames.
 * @param[in] cap capacity of buf in frames.
 * @param[out] count receives the number of frames written; may be NULL.
 * @return KEEL_SAMPLE_OK, KEEL_SAMPLE_TRUNCATED or KEEL_SAMPLE_INVALID (then *count = 0).
 */
KEEL_API int keel_store_sample(keel_store *store, keel_frame_sample *buf, size_t cap, size_t *count);

/**
 * The name of function func_index of a module, from its name section. Not
 * async-signal-safe only in the sense that nothing outside the list above is
 * promised to be; it does not allocate.
 * @param[in] module borrowed.
 * @return a string borrowed from the module (valid while it lives), or NULL
 *         (no name, index out of range, NULL or released module).
 */
KEEL_API const char *keel_frame_func_name(const keel_module *module, uint32_t func_index);

/**
 * Formats one frame as "module!func+0xOFFSET" ("module" and "func" fall
 * back to "?" and "func[INDEX]") into buf, NUL-terminated, truncated to cap.
 * Async-signal-safe is not promised; it does not allocate or lock.
 * @return the length the full text has (like snprintf).
 */
KEEL_API size_t keel_frame_format(const keel_frame_sample *frame, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif

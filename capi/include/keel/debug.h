/*
** keel/debug.h -- test support for bindings: the handle guard and live
** handle counters.
**
** With the guard on, every handle carries a magic tag that is checked on each
** use, and a released handle's memory is poisoned and kept in a quarantine
** list instead of being freed, so a stale handle passed back is reported as
** KEEL_ERROR_INVALID_HANDLE rather than corrupting memory. The quarantine
** grows without bound: use the guard in tests, not in production.
*/
#ifndef KEEL_DEBUG_H
#define KEEL_DEBUG_H

#include "keel/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Handle kinds, for keel_debug_live_handles. */
typedef uint32_t keel_handle_kind;
#define KEEL_HANDLE_ALL 0 /**< the sum over every kind */
#define KEEL_HANDLE_CONFIG 1
#define KEEL_HANDLE_ENGINE 2
#define KEEL_HANDLE_MODULE 3
#define KEEL_HANDLE_STORE 4
#define KEEL_HANDLE_LINKER 5
#define KEEL_HANDLE_INSTANCE 6
#define KEEL_HANDLE_FUNC 7
#define KEEL_HANDLE_MEMORY 8
#define KEEL_HANDLE_TABLE 9
#define KEEL_HANDLE_GLOBAL 10
#define KEEL_HANDLE_TAG 11
#define KEEL_HANDLE_EXN 12
#define KEEL_HANDLE_EXTERNREF 13
#define KEEL_HANDLE_REF 14
#define KEEL_HANDLE_VALTYPE 15
#define KEEL_HANDLE_FUNCTYPE 16
#define KEEL_HANDLE_EXTERNTYPE 17
#define KEEL_HANDLE_CODE 18 /**< keel_code (keel/code.h); since ABI 1.1 */
#define KEEL_HANDLE_KIND_COUNT 19 /**< one past the last kind of this version; grows with the ABI minor */

/**
 * Turns the handle guard on or off for the whole process. Handles created
 * while it is off are checked but not quarantined when released.
 * @param[in] enable non-zero to turn it on.
 */
KEEL_API void keel_debug_set_guard(int enable);

/**
 * Whether the handle guard is on.
 * @return 1 when on, 0 when off.
 */
KEEL_API int keel_debug_guard(void);

/**
 * The number of live handles (and other owned API objects) of a kind in the
 * process. A handle is live from its creation until its last release. The
 * internal objects a handle names (a store, an engine) may outlive it; they
 * are not counted here. Bindings' tests assert 0 after dropping everything.
 * @param[in] kind a KEEL_HANDLE_* number; KEEL_HANDLE_ALL for the total.
 * @return the count; 0 for unknown kinds.
 */
KEEL_API size_t keel_debug_live_handles(keel_handle_kind kind);

/**
 * The number of live stores (internal store objects, whether or not any
 * store handle names them). A store lives until every handle of its
 * objects is released and no call is running in it.
 * @return the count.
 */
KEEL_API size_t keel_debug_live_stores(void);

/**
 * Frees the quarantined memory of released handles. Only call when no stale
 * handle can be passed back any more (e.g. at the end of a test).
 */
KEEL_API void keel_debug_flush_quarantine(void);

/**
 * A short name for a handle kind ("func", "memory", ...).
 * @return a static string; "unknown" for unknown kinds.
 */
KEEL_API const char *keel_debug_handle_kind_name(keel_handle_kind kind);

#ifdef __cplusplus
}
#endif

#endif

/*
** kval_types.h -- canonical types and subtyping (core spec 3.0, 3.3 "Types"
** validation; 4.2 "Type equivalence" by iso-recursive canonicalisation).
**
** Every module's type section is canonicalised into an engine-wide registry:
** two recursion groups that are structurally equal (with references inside
** the group taken relative to the group) receive the same canonical ids, in
** any module, on any thread. A canonical id names one defined type (one
** entry of a rec group) for the life of the registry.
**
** Canonical value types are kbin_valtype whose 'heap', for a concrete
** reference, is a canonical id instead of a module-local type index
** (abstract heap types are KHT_* in both forms). valid/ works on canonical
** types internally; rt/ uses the same functions for import matching and for
** call_indirect / ref.cast / ref.test on concrete types at run time.
**
** Thread safety: kval_registry_* and kval_canon_module take a mutex inside;
** every read-only function below is lock-free and may run concurrently with
** registration (published types are immutable and never move).
*/
#ifndef KVAL_TYPES_H
#define KVAL_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "base/kb_error.h"
#include "binary/kbin_module.h"

typedef struct kval_registry kval_registry;

/* Deepest allowed chain of declared supertypes (an implementation limit, as
   in the JS API's 63); keeps subtype checks O(1). */
#define KVAL_MAX_SUBTYPE_DEPTH 63

/* Implementation limits on defined types (KB_ERR_LIMIT beyond them). */
#define KVAL_MAX_PARAMS 1000
#define KVAL_MAX_RESULTS 1000
#define KVAL_MAX_FIELDS 10000

/* One canonical defined type. Immutable once published. */
typedef struct kval_ctype {
    uint8_t comp;           /* KCT_* */
    bool final;
    uint32_t super;         /* canonical id of the declared supertype, or KBIN_NO_INDEX */
    uint32_t depth;         /* length of the supertype chain (0 without a supertype) */
    uint32_t group;         /* canonical id of the first type of its rec group */
    uint32_t group_size;
    uint32_t param_count, result_count; /* KCT_FUNC: types[0..p) params, then results */
    uint32_t field_count;   /* KCT_STRUCT / KCT_ARRAY (1) */
    kbin_valtype *types;    /* canonical value/storage types */
    bool *mutables;         /* per field */
} kval_ctype;

/* Creates an empty registry; NULL when memory runs out. Give one to each engine. */
kval_registry *kval_registry_new(void);
/* Frees the registry and every canonical type; NULL is a no-op. No module
   validated against it may be used afterwards. */
void kval_registry_free(kval_registry *reg);

/* The canonical type 'id' (borrowed, valid for the registry's life), or NULL. */
const kval_ctype *kval_ctype_get(const kval_registry *reg, uint32_t id);

/*
** Canonicalises every rec group of m's type section (setting types[i].canon)
** and checks the type section (spec 3.0, 3.2 "defined types", "sub type"
** rules). Returns NULL or a KB_ERR_INVALID error ("unknown type", "sub type").
*/
kb_error *kval_canon_module(kval_registry *reg, kbin_module *m);

/* True when canonical id 'sub' is 'super' or declares it as an ancestor. */
bool kval_type_matches(const kval_registry *reg, uint32_t sub, uint32_t super);

/* Subtyping on canonical heap types and value types (spec 3.0, 3.3.x "Matching"). */
bool kval_heap_sub(const kval_registry *reg, uint32_t a, uint32_t b);
bool kval_vt_sub(const kval_registry *reg, kbin_valtype a, kbin_valtype b);
/* The top of a canonical heap type's hierarchy: KHT_ANY, KHT_FUNC, KHT_EXTERN, KHT_EXN (KHT_BOT for bottom). */
uint32_t kval_heap_top(const kval_registry *reg, uint32_t heap);

/* Module-local value type to canonical (m must be canonicalised). */
kbin_valtype kval_canon_vt(const kbin_module *m, kbin_valtype t);

/*
** a (a value type of module m1) <: b (of module m2), both modules validated
** against the same registry (kbin_module.registry).
*/
bool kval_valtype_sub(const kbin_module *m1, kbin_valtype a, const kbin_module *m2, kbin_valtype b);

/*
** Import matching for limits (spec 3.0, 3.x "import subtyping"):
** actual.min >= expected.min, expected max absent or actual max present and
** <= it, same sharedness, same index type, same page size.
*/
bool kval_limits_match(const kbin_limits *actual, const kbin_limits *expected);

/* Canonical id of function 'func_index''s type; KBIN_NO_INDEX when out of range. */
uint32_t kval_func_type_canon(const kbin_module *m, uint32_t func_index);

#endif

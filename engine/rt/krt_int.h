/*
** krt_int.h -- rt/-private declarations shared by the files of engine/rt.
**
** Nothing outside engine/rt includes this header: other parts use krt.h.
*/
#ifndef KRT_INT_H
#define KRT_INT_H

#include "rt/krt.h"

/* Kinds of store-owned objects in the store's bookkeeping list (ORDER OBJ). */
enum {
    KRT_OBJ_FUNC = 1,
    KRT_OBJ_MEMORY,
    KRT_OBJ_TABLE,
    KRT_OBJ_GLOBAL,
    KRT_OBJ_TAG,
    KRT_OBJ_EXN,
    KRT_OBJ_EXTERNREF,
    KRT_OBJ_INSTANCE
};

/*
** Registers 'obj' with the store so krt_store_free frees it exactly once.
** On failure (out of memory) the object is NOT registered and the caller
** must free it itself (krt_obj_free does that for any kind).
*/
kb_error *krt_store_register(krt_store *s, uint8_t kind, void *obj);

/* Frees one object of the given kind (runs its finalizer). */
void krt_obj_free(uint8_t kind, void *obj);

/* Deep copy of a function type (params and results); NULL when out of memory. */
kbin_type *krt_functype_copy(const kbin_type *type);
void krt_functype_free(kbin_type *type);

/* Number of 64-bit slots a value of type 't' takes (2 for v128, else 1). */
static inline uint32_t krt_slots_of(kbin_valtype t) { return t.kind == KVT_V128 ? 2u : 1u; }

/*
** Converts a module-local value type (concrete heap types are type indices
** into 'm') into a canonical one (concrete heap types are canonical ids).
*/
krt_valtype krt_valtype_canon(const kbin_module *m, kbin_valtype t);

/*
** White-box testing only: sets the address space a growable memory reserves
** up front (default 4 GiB; 0 restores it) and returns the previous value.
** Not thread-safe: call it while no memory is being created.
*/
uint64_t krt_memory_set_reserve_cap(uint64_t bytes);

/* Memory creation without the store's bookkeeping (used by krt_memory_new). */
void krt_memory_release(krt_memory *mem);
void krt_table_release(krt_table *table);

/*
** Evaluates the constant expression in 'expr' (spec 3.0 section 4.4.x
** "Constant expressions", extended-const) in the context of the partially
** built instance 'inst': its funcs and the globals created so far
** ('global_count' of them) may be referenced. The result goes to out[0..1]
** in slot layout. Errors: KB_ERR_MALFORMED for undecodable bytes,
** KB_ERR_INVALID for instructions not allowed in a constant expression or bad
** indices (a validated module has neither), KB_ERR_UNSUPPORTED for GC
** constant instructions.
*/
kb_error *krt_const_eval(const krt_instance *inst, uint32_t global_count, kbin_range expr,
                         uint64_t out[2]);

/* Whether a store limit ('limit', 0 = none) with 'used' taken leaves room for 'more'. */
static inline bool krt_limit_allows(uint64_t limit, uint64_t used, uint64_t more) {
    return limit == 0 || (used <= limit && more <= limit - used);
}

#endif

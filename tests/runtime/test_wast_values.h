/*
** test_wast_values.h -- WAST values for the exec harnesses (test_exec_spec.c,
** test_exec_wast.c): a script argument as a 64-bit slot, and a result
** checked against its expected value or pattern (NaN classes, references,
** 'either'), as the spec interpreter's script semantics say.
*/
#ifndef TEST_WAST_VALUES_H
#define TEST_WAST_VALUES_H

#include <stdbool.h>
#include <stdint.h>

#include "rt/krt.h"
#include "text/kwast.h"

/* An argument in slot layout; externrefs are created in 's'. False if the kind has no slot form here. */
static inline bool wast_to_slot(krt_store *s, const ktext_value *v, uint64_t *out) {
    switch (v->kind) {
    case KTEXT_VAL_I32: *out = v->u.i32; return true;
    case KTEXT_VAL_I64: *out = v->u.i64; return true;
    case KTEXT_VAL_F32: *out = v->u.f32; return true;
    case KTEXT_VAL_F64: *out = v->u.f64; return true;
    case KTEXT_VAL_REF_NULL: *out = 0; return true;
    case KTEXT_VAL_REF_EXTERN: case KTEXT_VAL_REF_HOST: {
        krt_externref *r;
        if (krt_externref_new(s, (uintptr_t)v->u.ref, NULL, &r) != NULL) return false;
        *out = (uint64_t)(uintptr_t)r;
        return true;
    }
    default: return false;
    }
}

/* 1 match, 0 mismatch, -1 cannot check */
static inline int wast_matches(const ktext_value *v, uint64_t got) {
    switch (v->kind) {
    case KTEXT_VAL_I32: return (uint32_t)got == v->u.i32 && (got >> 32) == 0;
    case KTEXT_VAL_I64: return got == v->u.i64;
    case KTEXT_VAL_F32:
        if (v->nan == KTEXT_NAN_CANONICAL) return ((uint32_t)got & 0x7FFFFFFFu) == 0x7FC00000u;
        if (v->nan == KTEXT_NAN_ARITHMETIC) return ((uint32_t)got & 0x7FC00000u) == 0x7FC00000u;
        return (uint32_t)got == v->u.f32 && (got >> 32) == 0;
    case KTEXT_VAL_F64:
        if (v->nan == KTEXT_NAN_CANONICAL) return (got & 0x7FFFFFFFFFFFFFFFull) == 0x7FF8000000000000ull;
        if (v->nan == KTEXT_NAN_ARITHMETIC) return (got & 0x7FF8000000000000ull) == 0x7FF8000000000000ull;
        return got == v->u.f64;
    case KTEXT_VAL_REF_NULL: return got == 0;
    case KTEXT_VAL_REF_FUNC: return got != 0;
    case KTEXT_VAL_REF_EXTERN:
        if (!v->has_payload) return got != 0;
        return got != 0 && ((krt_externref *)(uintptr_t)got)->value == (uintptr_t)v->u.ref;
    case KTEXT_VAL_EITHER:
        for (size_t i = 0; i < v->alt_count; i++) {
            int r = wast_matches(&v->alts[i], got);
            if (r != 0) return r;
        }
        return 0;
    default: return -1;
    }
}

#endif

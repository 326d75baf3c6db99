/*
** kexec_numeric.c -- run-time check of the assumptions kexec_numeric.h makes
** about the compiler and the floating-point environment.
**
** The header's functions are exact only if the C implementation really is
** IEEE 754 with round-to-nearest-even and no excess precision, and if the
** optimizer does not rewrite float expressions. Most of that is checked at
** compile time there; what can only be seen by running code is checked here.
** The operands pass through 'volatile' so the checks test the code the
** compiler emits for run-time values, not its constant folder.
*/
#include "exec/kexec_numeric.h"

#include <fenv.h>

/* Each check is one row: a name for the error message and a result. */
typedef struct check_row {
    const char *what;
    bool ok;
} check_row;

static bool f32_is(float x, uint32_t bits) { return kexec_num_f32_bits(x) == bits; }
static bool f64_is(double x, uint64_t bits) { return kexec_num_f64_bits(x) == bits; }

/* A NaN with the quiet bit set: what spec 4.3.3 calls an arithmetic NaN. */
static bool f32_arith_nan(float x) {
    uint32_t b = kexec_num_f32_bits(x);
    return (b & 0x7FC00000u) == 0x7FC00000u;
}
static bool f64_arith_nan(double x) {
    uint64_t b = kexec_num_f64_bits(x);
    return (b & 0x7FF8000000000000u) == 0x7FF8000000000000u;
}

kb_error *kexec_num_selfcheck(void) {
    /* Operands hidden from the optimizer. */
    volatile uint64_t u64_tie = 0x0020000020000001u; /* double rounding trap */
    volatile uint64_t u64_big = 0xFFFFFFFFFFFFFFFFu;
    volatile uint32_t snan32 = 0x7FA00000u;           /* signalling NaN */
    volatile uint64_t snan64 = 0x7FF4000000000000u;
    volatile float half = 0.5f, two_and_half = 2.5f, neg_half = -0.5f;
    volatile double dhalf = 0.5, dthree_and_half = 3.5;
    volatile float one = 1.0f, tiny = 1e-30f;
    volatile float zero = 0.0f;

    float sn = kexec_num_f32_from_bits(snan32);
    double dsn = kexec_num_f64_from_bits(snan64);

    check_row rows[] = {
        {"rounding mode is round-to-nearest", fegetround() == FE_TONEAREST},
        /* 1 + 1e-30 rounds back to 1 only under round-to-nearest (or down). */
        {"1 + tiny == 1", f32_is(one + tiny, 0x3F800000u)},
        {"u64 -> f32 rounds once", f32_is(kexec_num_f32_convert_i64_u(u64_tie), 0x5A000001u)},
        {"u64 max -> f32", f32_is(kexec_num_f32_convert_i64_u(u64_big), 0x5F800000u)},
        {"u64 max -> f64", f64_is(kexec_num_f64_convert_i64_u(u64_big), 0x43F0000000000000u)},
        {"nearest(0.5) == +0", f32_is(kexec_num_f32_nearest(half), 0x00000000u)},
        {"nearest(2.5) == 2", f32_is(kexec_num_f32_nearest(two_and_half), 0x40000000u)},
        {"nearest(-0.5) == -0", f32_is(kexec_num_f32_nearest(neg_half), 0x80000000u)},
        {"f64 nearest(0.5) == +0", f64_is(kexec_num_f64_nearest(dhalf), 0u)},
        {"f64 nearest(3.5) == 4", f64_is(kexec_num_f64_nearest(dthree_and_half), 0x4010000000000000u)},
        {"ceil(-0.5) == -0", f32_is(kexec_num_f32_ceil(neg_half), 0x80000000u)},
        {"sNaN + 0 is quiet", f32_arith_nan(sn + zero)},
        {"f32 nearest(sNaN) is quiet", f32_arith_nan(kexec_num_f32_nearest(sn))},
        {"f64 floor(sNaN) is quiet", f64_arith_nan(kexec_num_f64_floor(dsn))},
        {"promote(sNaN) is quiet", f64_arith_nan(kexec_num_f64_promote_f32(sn))},
        {"demote(sNaN) is quiet", f32_arith_nan(kexec_num_f32_demote_f64(dsn))},
        {"0/0 is a quiet NaN", f32_arith_nan(zero / zero)},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (!rows[i].ok)
            return kb_error_new(KB_ERR_UNSUPPORTED,
                                "floating-point environment is not WebAssembly-exact: "
                                "check '%s' failed (built with -ffast-math or a changed "
                                "rounding mode?)",
                                rows[i].what);
    }
    return NULL;
}

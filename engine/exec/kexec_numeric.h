/*
** kexec_numeric.h -- WebAssembly numeric instructions that are more than one
** C operator (core spec 4.3 "Numerics", 4.4.1 "Numeric Instructions").
**
** Everything the interpreter runs per instruction is a 'static inline'
** function here, so a call costs nothing. kexec_numeric.c holds only the
** start-up self check (kexec_num_selfcheck) and non-inline copies used by
** tests and by code that wants a function pointer.
**
** ----------------------------------------------------------------------------
** Calling conventions (read this before using the header)
** ----------------------------------------------------------------------------
** - Integers are passed and returned as uint32_t / uint64_t, the raw bits of
**   the wasm value (wasm integers have no sign; the '_s' / '_u' suffix of the
**   instruction says how the function reads them).
** - Floats come in two representations, and each function says which it
**   takes:
**     * "value" functions take and return C 'float' / 'double'
**       (add, sub, mul, div, min, max, sqrt, ceil, floor, trunc, nearest,
**       comparisons, conversions from and to floats).
**     * "bits" functions take and return uint32_t / uint64_t bit patterns:
**       abs, neg, copysign (spec 4.3.3: these are pure sign-bit operations
**       and must not touch a NaN's payload, not even its quiet bit), and the
**       reinterpret helpers kexec_num_f32_bits / kexec_num_f32_from_bits.
**   Moving a float between the two is a bit copy (memcpy), which on x86-64
**   and AArch64 never changes a NaN. Passing a signalling NaN through a C
**   'float' register is also a plain move on these targets.
** - Trapping operations return a KB_TRAP_* code (KB_TRAP_NONE == 0 on
**   success) and write their result through the last parameter, which is left
**   untouched on a trap. Check with 'if (trap != KB_TRAP_NONE)'; the hot path
**   is the fall-through.
**
** NaN results (spec 4.3.3 "Floating-Point Operations"): whenever a result is
** NaN, the spec allows any *arithmetic* NaN (quiet bit set), and requires the
** canonical NaN only when every NaN input was canonical. IEEE 754 hardware
** arithmetic (x86-64 SSE, AArch64) propagates an input NaN with its quiet bit
** set, or produces the default NaN (0x7FC00000 / 0xFFC00000: canonical), so
** plain C '+', '-', '*', '/' and the conversions are already exact. Where a
** result comes from integer tricks instead of hardware arithmetic, the NaN
** case is routed through 'x + x' to get the same hardware quieting.
**
** Build requirements (checked below): IEEE binary32/binary64, no excess
** precision (FLT_EVAL_METHOD == 0, i.e. SSE not x87), round-to-nearest-even
** at run time (the engine never changes the rounding mode), and no
** -ffast-math. Callers fusing several float operations in one C expression
** should build with -ffp-contract=off so that a*b+c is never an FMA.
*/
#ifndef KEXEC_NUMERIC_H
#define KEXEC_NUMERIC_H

#include <float.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/kb_error.h"

#if FLT_MANT_DIG != 24 || DBL_MANT_DIG != 53 || FLT_RADIX != 2
#error "Keel needs IEEE 754 binary32 float and binary64 double"
#endif
#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "Keel needs FLT_EVAL_METHOD == 0 (SSE2 on x86; x87 excess precision breaks wasm floats)"
#endif
#if defined(__FAST_MATH__)
#error "Keel must not be built with -ffast-math: wasm float semantics are exact IEEE 754"
#endif

#if defined(__GNUC__) || defined(__clang__)
#define KEXEC_NUM_INLINE static inline __attribute__((always_inline))
#define KEXEC_NUM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define KEXEC_NUM_INLINE static inline
#define KEXEC_NUM_UNLIKELY(x) (x)
#endif

/* ========================================================================
** Bit copies between floats and their patterns (spec 4.3.4 reinterpret)
** ======================================================================== */

KEXEC_NUM_INLINE uint32_t kexec_num_f32_bits(float x) {
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}
KEXEC_NUM_INLINE float kexec_num_f32_from_bits(uint32_t b) {
    float x;
    memcpy(&x, &b, sizeof x);
    return x;
}
KEXEC_NUM_INLINE uint64_t kexec_num_f64_bits(double x) {
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}
KEXEC_NUM_INLINE double kexec_num_f64_from_bits(uint64_t b) {
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

#define KEXEC_NUM_F32_SIGN 0x80000000u
#define KEXEC_NUM_F64_SIGN 0x8000000000000000u
/* The canonical NaNs (spec 4.3.3: payload = only the quiet bit). */
#define KEXEC_NUM_F32_CANON_NAN 0x7FC00000u
#define KEXEC_NUM_F64_CANON_NAN 0x7FF8000000000000u

/* ========================================================================
** Integer operations (spec 4.3.2 "Integer Operations")
** ======================================================================== */

/* ---- i32 ---------------------------------------------------------------- */

/* i32.div_s: traps on b == 0 ("integer divide by zero") and on
** INT32_MIN / -1, whose quotient 2^31 is not representable ("integer overflow"). */
KEXEC_NUM_INLINE uint32_t kexec_num_i32_div_s(uint32_t a, uint32_t b, uint32_t *out) {
    if (KEXEC_NUM_UNLIKELY(b == 0)) return KB_TRAP_INTEGER_DIVIDE_BY_ZERO;
    if (KEXEC_NUM_UNLIKELY(a == 0x80000000u && b == 0xFFFFFFFFu)) return KB_TRAP_INTEGER_OVERFLOW;
    *out = (uint32_t)((int32_t)a / (int32_t)b);
    return KB_TRAP_NONE;
}
KEXEC_NUM_INLINE uint32_t kexec_num_i32_div_u(uint32_t a, uint32_t b, uint32_t *out) {
    if (KEXEC_NUM_UNLIKELY(b == 0)) return KB_TRAP_INTEGER_DIVIDE_BY_ZERO;
    *out = a / b;
    return KB_TRAP_NONE;
}
/* i32.rem_s: the sign follows the dividend (C99 truncating division);
** INT32_MIN rem -1 is 0 in wasm but undefined behaviour (and a SIGFPE on
** x86) in C, so any 'b == -1' short-cuts to 0. */
KEXEC_NUM_INLINE uint32_t kexec_num_i32_rem_s(uint32_t a, uint32_t b, uint32_t *out) {
    if (KEXEC_NUM_UNLIKELY(b == 0)) return KB_TRAP_INTEGER_DIVIDE_BY_ZERO;
    *out = b == 0xFFFFFFFFu ? 0 : (uint32_t)((int32_t)a % (int32_t)b);
    return KB_TRAP_NONE;
}
KEXEC_NUM_INLINE uint32_t kexec_num_i32_rem_u(uint32_t a, uint32_t b, uint32_t *out) {
    if (KEXEC_NUM_UNLIKELY(b == 0)) return KB_TRAP_INTEGER_DIVIDE_BY_ZERO;
    *out = a % b;
    return KB_TRAP_NONE;
}

/* __builtin_clz/ctz are undefined for 0; wasm defines the result as the width. */
KEXEC_NUM_INLINE uint32_t kexec_num_i32_clz(uint32_t x) {
    return x ? (uint32_t)__builtin_clz(x) : 32u;
}
KEXEC_NUM_INLINE uint32_t kexec_num_i32_ctz(uint32_t x) {
    return x ? (uint32_t)__builtin_ctz(x) : 32u;
}
KEXEC_NUM_INLINE uint32_t kexec_num_i32_popcnt(uint32_t x) {
#if defined(__POPCNT__) || defined(__aarch64__)
    return (uint32_t)__builtin_popcount(x);
#else
    /* Without the popcnt instruction the builtin is a libgcc call; SWAR is
    ** a dozen inline instructions. */
    x = x - ((x >> 1) & 0x55555555u);
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
    x = (x + (x >> 4)) & 0x0F0F0F0Fu;
    return (x * 0x01010101u) >> 24;
#endif
}

/* Shift and rotate counts are taken modulo the width (spec 4.3.2 ishl:
** k = i2 mod N); C leaves shifts >= width undefined, so mask first. */
KEXEC_NUM_INLINE uint32_t kexec_num_i32_shl(uint32_t a, uint32_t n) {
    return a << (n & 31u);
}
KEXEC_NUM_INLINE uint32_t kexec_num_i32_shr_u(uint32_t a, uint32_t n) {
    return a >> (n & 31u);
}
/* Right shift of a negative int is implementation-defined in C11; GCC and
** Clang define it as arithmetic (sign-filling), which is ishr_s. */
KEXEC_NUM_INLINE uint32_t kexec_num_i32_shr_s(uint32_t a, uint32_t n) {
    return (uint32_t)((int32_t)a >> (n & 31u));
}
/* Both shifts masked so a count of 0 never shifts by 32; compilers turn
** this shape into a single rol/ror. */
KEXEC_NUM_INLINE uint32_t kexec_num_i32_rotl(uint32_t a, uint32_t n) {
    return (a << (n & 31u)) | (a >> ((0u - n) & 31u));
}
KEXEC_NUM_INLINE uint32_t kexec_num_i32_rotr(uint32_t a, uint32_t n) {
    return (a >> (n & 31u)) | (a << ((0u - n) & 31u));
}

KEXEC_NUM_INLINE uint32_t kexec_num_i32_eqz(uint32_t a) { return a == 0; }

/* Sign-extension operators (spec 4.3.2 iextendM_s): done with unsigned
** arithmetic so no implementation-defined narrowing is involved. */
KEXEC_NUM_INLINE uint32_t kexec_num_i32_extend8_s(uint32_t a) {
    return ((a & 0xFFu) ^ 0x80u) - 0x80u;
}
KEXEC_NUM_INLINE uint32_t kexec_num_i32_extend16_s(uint32_t a) {
    return ((a & 0xFFFFu) ^ 0x8000u) - 0x8000u;
}

/* ---- i64 ---------------------------------------------------------------- */

KEXEC_NUM_INLINE uint32_t kexec_num_i64_div_s(uint64_t a, uint64_t b, uint64_t *out) {
    if (KEXEC_NUM_UNLIKELY(b == 0)) return KB_TRAP_INTEGER_DIVIDE_BY_ZERO;
    if (KEXEC_NUM_UNLIKELY(a == 0x8000000000000000u && b == 0xFFFFFFFFFFFFFFFFu))
        return KB_TRAP_INTEGER_OVERFLOW;
    *out = (uint64_t)((int64_t)a / (int64_t)b);
    return KB_TRAP_NONE;
}
KEXEC_NUM_INLINE uint32_t kexec_num_i64_div_u(uint64_t a, uint64_t b, uint64_t *out) {
    if (KEXEC_NUM_UNLIKELY(b == 0)) return KB_TRAP_INTEGER_DIVIDE_BY_ZERO;
    *out = a / b;
    return KB_TRAP_NONE;
}
KEXEC_NUM_INLINE uint32_t kexec_num_i64_rem_s(uint64_t a, uint64_t b, uint64_t *out) {
    if (KEXEC_NUM_UNLIKELY(b == 0)) return KB_TRAP_INTEGER_DIVIDE_BY_ZERO;
    *out = b == 0xFFFFFFFFFFFFFFFFu ? 0 : (uint64_t)((int64_t)a % (int64_t)b);
    return KB_TRAP_NONE;
}
KEXEC_NUM_INLINE uint32_t kexec_num_i64_rem_u(uint64_t a, uint64_t b, uint64_t *out) {
    if (KEXEC_NUM_UNLIKELY(b == 0)) return KB_TRAP_INTEGER_DIVIDE_BY_ZERO;
    *out = a % b;
    return KB_TRAP_NONE;
}

/* Results of i64 clz/ctz/popcnt are i64 values, returned as uint64_t. */
KEXEC_NUM_INLINE uint64_t kexec_num_i64_clz(uint64_t x) {
    return x ? (uint64_t)__builtin_clzll(x) : 64u;
}
KEXEC_NUM_INLINE uint64_t kexec_num_i64_ctz(uint64_t x) {
    return x ? (uint64_t)__builtin_ctzll(x) : 64u;
}
KEXEC_NUM_INLINE uint64_t kexec_num_i64_popcnt(uint64_t x) {
#if defined(__POPCNT__) || defined(__aarch64__)
    return (uint64_t)__builtin_popcountll(x);
#else
    x = x - ((x >> 1) & 0x5555555555555555u);
    x = (x & 0x3333333333333333u) + ((x >> 2) & 0x3333333333333333u);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Fu;
    return (x * 0x0101010101010101u) >> 56;
#endif
}

/* The count operand of i64 shifts is an i64; only its low 6 bits matter. */
KEXEC_NUM_INLINE uint64_t kexec_num_i64_shl(uint64_t a, uint64_t n) {
    return a << (n & 63u);
}
KEXEC_NUM_INLINE uint64_t kexec_num_i64_shr_u(uint64_t a, uint64_t n) {
    return a >> (n & 63u);
}
KEXEC_NUM_INLINE uint64_t kexec_num_i64_shr_s(uint64_t a, uint64_t n) {
    return (uint64_t)((int64_t)a >> (n & 63u));
}
KEXEC_NUM_INLINE uint64_t kexec_num_i64_rotl(uint64_t a, uint64_t n) {
    return (a << (n & 63u)) | (a >> ((0u - n) & 63u));
}
KEXEC_NUM_INLINE uint64_t kexec_num_i64_rotr(uint64_t a, uint64_t n) {
    return (a >> (n & 63u)) | (a << ((0u - n) & 63u));
}

/* i64.eqz yields an i32. */
KEXEC_NUM_INLINE uint32_t kexec_num_i64_eqz(uint64_t a) { return a == 0; }

KEXEC_NUM_INLINE uint64_t kexec_num_i64_extend8_s(uint64_t a) {
    return ((a & 0xFFu) ^ 0x80u) - 0x80u;
}
KEXEC_NUM_INLINE uint64_t kexec_num_i64_extend16_s(uint64_t a) {
    return ((a & 0xFFFFu) ^ 0x8000u) - 0x8000u;
}
KEXEC_NUM_INLINE uint64_t kexec_num_i64_extend32_s(uint64_t a) {
    return ((a & 0xFFFFFFFFu) ^ 0x80000000u) - 0x80000000u;
}

/* ---- conversions between integers (spec 4.3.4 wrap, extend) -------------- */

KEXEC_NUM_INLINE uint32_t kexec_num_i32_wrap_i64(uint64_t a) { return (uint32_t)a; }
KEXEC_NUM_INLINE uint64_t kexec_num_i64_extend_i32_s(uint32_t a) {
    return (uint64_t)(int64_t)(int32_t)a;
}
KEXEC_NUM_INLINE uint64_t kexec_num_i64_extend_i32_u(uint32_t a) { return (uint64_t)a; }

/* ---- wide arithmetic (wide-arithmetic proposal) -------------------------- */
/* 128-bit values are (lo, hi) pairs of i64, as on the wasm stack (lo first). */

/* i64.add128: (a_lo, a_hi) + (b_lo, b_hi) modulo 2^128. */
KEXEC_NUM_INLINE void kexec_num_i64_add128(uint64_t a_lo, uint64_t a_hi, uint64_t b_lo,
                                           uint64_t b_hi, uint64_t *lo, uint64_t *hi) {
    uint64_t l = a_lo + b_lo;
    *hi = a_hi + b_hi + (l < a_lo);
    *lo = l;
}
/* i64.sub128: (a_lo, a_hi) - (b_lo, b_hi) modulo 2^128. */
KEXEC_NUM_INLINE void kexec_num_i64_sub128(uint64_t a_lo, uint64_t a_hi, uint64_t b_lo,
                                           uint64_t b_hi, uint64_t *lo, uint64_t *hi) {
    *hi = a_hi - b_hi - (a_lo < b_lo);
    *lo = a_lo - b_lo;
}
/* i64.mul_wide_u: the full 128-bit product of two unsigned i64. */
KEXEC_NUM_INLINE void kexec_num_i64_mul_wide_u(uint64_t a, uint64_t b, uint64_t *lo, uint64_t *hi) {
/* KEXEC_NUM_NO_INT128 forces the portable path (tests build both). */
#if defined(__SIZEOF_INT128__) && !defined(KEXEC_NUM_NO_INT128)
    __extension__ typedef unsigned __int128 kexec_num_u128;
    kexec_num_u128 p = (kexec_num_u128)a * b;
    *lo = (uint64_t)p;
    *hi = (uint64_t)(p >> 64);
#else
    /* Schoolbook on 32-bit halves; no partial sum overflows 64 bits. */
    uint64_t a0 = a & 0xFFFFFFFFu, a1 = a >> 32, b0 = b & 0xFFFFFFFFu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xFFFFFFFFu) + (p10 & 0xFFFFFFFFu);
    *lo = (mid << 32) | (p00 & 0xFFFFFFFFu);
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
#endif
}
/* i64.mul_wide_s: the signed product. From the unsigned one: a negative
** operand x reads as x + 2^64 unsigned, so subtract the other operand from
** the high half once per negative operand. */
KEXEC_NUM_INLINE void kexec_num_i64_mul_wide_s(uint64_t a, uint64_t b, uint64_t *lo, uint64_t *hi) {
    uint64_t h;
    kexec_num_i64_mul_wide_u(a, b, lo, &h);
    if (a >> 63) h -= b;
    if (b >> 63) h -= a;
    *hi = h;
}

/* ========================================================================
** Float operations on values (spec 4.3.3 "Floating-Point Operations")
** ======================================================================== */

/* add/sub/mul/div: plain IEEE arithmetic; see the NaN note at the top. */
KEXEC_NUM_INLINE float kexec_num_f32_add(float a, float b) { return a + b; }
KEXEC_NUM_INLINE float kexec_num_f32_sub(float a, float b) { return a - b; }
KEXEC_NUM_INLINE float kexec_num_f32_mul(float a, float b) { return a * b; }
KEXEC_NUM_INLINE float kexec_num_f32_div(float a, float b) { return a / b; }
KEXEC_NUM_INLINE double kexec_num_f64_add(double a, double b) { return a + b; }
KEXEC_NUM_INLINE double kexec_num_f64_sub(double a, double b) { return a - b; }
KEXEC_NUM_INLINE double kexec_num_f64_mul(double a, double b) { return a * b; }
KEXEC_NUM_INLINE double kexec_num_f64_div(double a, double b) { return a / b; }

/* fmin/fmax (spec 4.3.3): any NaN input gives a NaN (unlike C's fminf,
** which ignores a NaN operand), and -0 is smaller than +0 (C's comparisons
** call them equal). 'a + b' yields the input NaN quieted, so the result is
** canonical when the inputs were. For equal operands the only difference
** can be the sign of zero: OR of the bits picks -0 for min, AND picks +0
** for max. */
KEXEC_NUM_INLINE float kexec_num_f32_min(float a, float b) {
    if (KEXEC_NUM_UNLIKELY(a != a || b != b)) return a + b;
    if (a == b) return kexec_num_f32_from_bits(kexec_num_f32_bits(a) | kexec_num_f32_bits(b));
    return a < b ? a : b;
}
KEXEC_NUM_INLINE float kexec_num_f32_max(float a, float b) {
    if (KEXEC_NUM_UNLIKELY(a != a || b != b)) return a + b;
    if (a == b) return kexec_num_f32_from_bits(kexec_num_f32_bits(a) & kexec_num_f32_bits(b));
    return a > b ? a : b;
}
KEXEC_NUM_INLINE double kexec_num_f64_min(double a, double b) {
    if (KEXEC_NUM_UNLIKELY(a != a || b != b)) return a + b;
    if (a == b) return kexec_num_f64_from_bits(kexec_num_f64_bits(a) | kexec_num_f64_bits(b));
    return a < b ? a : b;
}
KEXEC_NUM_INLINE double kexec_num_f64_max(double a, double b) {
    if (KEXEC_NUM_UNLIKELY(a != a || b != b)) return a + b;
    if (a == b) return kexec_num_f64_from_bits(kexec_num_f64_bits(a) & kexec_num_f64_bits(b));
    return a > b ? a : b;
}

/* sqrt is correctly rounded in IEEE 754 and a single instruction (sqrtss /
** fsqrt) on every target we build for. */
KEXEC_NUM_INLINE float kexec_num_f32_sqrt(float x) { return __builtin_sqrtf(x); }
KEXEC_NUM_INLINE double kexec_num_f64_sqrt(double x) { return __builtin_sqrt(x); }

/*
** trunc/floor/ceil/nearest without libm. A float of magnitude >= 2^23
** (double: 2^52), an infinity or a zero is already integral and is returned
** unchanged; a NaN goes through 'x + x' to come out quieted (spec: fnearest
** etc. of a NaN is an arithmetic NaN). Below 2^23 the value fits an int32
** (2^52: int64), so a C cast truncates exactly; copysign restores the sign of
** a zero result (spec: trunc(-0.5) = -0, ceil(-0.5) = -0, nearest(-0.5) = -0).
**
** nearest (round half to even) uses the classic 2^23 trick: for 0 <= y < 2^23,
** (y + 2^23) has no fraction bits left, so the addition itself rounds y to an
** integer under round-to-nearest-even, and subtracting 2^23 back is exact.
*/
#define KEXEC_NUM_F32_INT_LIMIT 8388608.0f          /* 2^23 */
#define KEXEC_NUM_F64_INT_LIMIT 4503599627370496.0  /* 2^52 */

/* The out-of-range branch: x is integral or infinite (returned as is), or
** NaN (returned quieted by the addition). */
KEXEC_NUM_INLINE float kexec_num_f32_integral_(float x) { return x != x ? x + x : x; }
KEXEC_NUM_INLINE double kexec_num_f64_integral_(double x) { return x != x ? x + x : x; }

KEXEC_NUM_INLINE float kexec_num_f32_trunc(float x) {
    if (!(__builtin_fabsf(x) < KEXEC_NUM_F32_INT_LIMIT)) return kexec_num_f32_integral_(x);
    return __builtin_copysignf((float)(int32_t)x, x);
}
KEXEC_NUM_INLINE float kexec_num_f32_floor(float x) {
    if (!(__builtin_fabsf(x) < KEXEC_NUM_F32_INT_LIMIT)) return kexec_num_f32_integral_(x);
    float t = (float)(int32_t)x;
    if (t > x) t -= 1.0f; /* negative non-integers round down */
    return __builtin_copysignf(t, x);
}
KEXEC_NUM_INLINE float kexec_num_f32_ceil(float x) {
    if (!(__builtin_fabsf(x) < KEXEC_NUM_F32_INT_LIMIT)) return kexec_num_f32_integral_(x);
    float t = (float)(int32_t)x;
    if (t < x) t += 1.0f; /* positive non-integers round up */
    return __builtin_copysignf(t, x);
}
KEXEC_NUM_INLINE float kexec_num_f32_nearest(float x) {
    float y = __builtin_fabsf(x);
    if (!(y < KEXEC_NUM_F32_INT_LIMIT)) return kexec_num_f32_integral_(x);
    /* 'volatile'-free: FLT_EVAL_METHOD == 0 and no -ffast-math (checked
    ** above) keep the compiler from folding (y + C) - C into y. */
    return __builtin_copysignf((y + KEXEC_NUM_F32_INT_LIMIT) - KEXEC_NUM_F32_INT_LIMIT, x);
}

KEXEC_NUM_INLINE double kexec_num_f64_trunc(double x) {
    if (!(__builtin_fabs(x) < KEXEC_NUM_F64_INT_LIMIT)) return kexec_num_f64_integral_(x);
    return __builtin_copysign((double)(int64_t)x, x);
}
KEXEC_NUM_INLINE double kexec_num_f64_floor(double x) {
    if (!(__builtin_fabs(x) < KEXEC_NUM_F64_INT_LIMIT)) return kexec_num_f64_integral_(x);
    double t = (double)(int64_t)x;
    if (t > x) t -= 1.0;
    return __builtin_copysign(t, x);
}
KEXEC_NUM_INLINE double kexec_num_f64_ceil(double x) {
    if (!(__builtin_fabs(x) < KEXEC_NUM_F64_INT_LIMIT)) return kexec_num_f64_integral_(x);
    double t = (double)(int64_t)x;
    if (t < x) t += 1.0;
    return __builtin_copysign(t, x);
}
KEXEC_NUM_INLINE double kexec_num_f64_nearest(double x) {
    double y = __builtin_fabs(x);
    if (!(y < KEXEC_NUM_F64_INT_LIMIT)) return kexec_num_f64_integral_(x);
    return __builtin_copysign((y + KEXEC_NUM_F64_INT_LIMIT) - KEXEC_NUM_F64_INT_LIMIT, x);
}

/* Comparisons yield an i32 0/1; any comparison with a NaN is false except
** 'ne' (spec 4.3.3 feq ... fge), which is exactly C's behaviour. */
KEXEC_NUM_INLINE uint32_t kexec_num_f32_eq(float a, float b) { return a == b; }
KEXEC_NUM_INLINE uint32_t kexec_num_f32_ne(float a, float b) { return a != b; }
KEXEC_NUM_INLINE uint32_t kexec_num_f32_lt(float a, float b) { return a < b; }
KEXEC_NUM_INLINE uint32_t kexec_num_f32_gt(float a, float b) { return a > b; }
KEXEC_NUM_INLINE uint32_t kexec_num_f32_le(float a, float b) { return a <= b; }
KEXEC_NUM_INLINE uint32_t kexec_num_f32_ge(float a, float b) { return a >= b; }
KEXEC_NUM_INLINE uint32_t kexec_num_f64_eq(double a, double b) { return a == b; }
KEXEC_NUM_INLINE uint32_t kexec_num_f64_ne(double a, double b) { return a != b; }
KEXEC_NUM_INLINE uint32_t kexec_num_f64_lt(double a, double b) { return a < b; }
KEXEC_NUM_INLINE uint32_t kexec_num_f64_gt(double a, double b) { return a > b; }
KEXEC_NUM_INLINE uint32_t kexec_num_f64_le(double a, double b) { return a <= b; }
KEXEC_NUM_INLINE uint32_t kexec_num_f64_ge(double a, double b) { return a >= b; }

/* ========================================================================
** Float operations on bits: abs, neg, copysign (spec 4.3.3 fabs, fneg,
** fcopysign). They change only the sign bit, even of a NaN.
** ======================================================================== */

KEXEC_NUM_INLINE uint32_t kexec_num_f32_abs(uint32_t a) { return a & ~KEXEC_NUM_F32_SIGN; }
KEXEC_NUM_INLINE uint32_t kexec_num_f32_neg(uint32_t a) { return a ^ KEXEC_NUM_F32_SIGN; }
KEXEC_NUM_INLINE uint32_t kexec_num_f32_copysign(uint32_t a, uint32_t b) {
    return (a & ~KEXEC_NUM_F32_SIGN) | (b & KEXEC_NUM_F32_SIGN);
}
KEXEC_NUM_INLINE uint64_t kexec_num_f64_abs(uint64_t a) { return a & ~KEXEC_NUM_F64_SIGN; }
KEXEC_NUM_INLINE uint64_t kexec_num_f64_neg(uint64_t a) { return a ^ KEXEC_NUM_F64_SIGN; }
KEXEC_NUM_INLINE uint64_t kexec_num_f64_copysign(uint64_t a, uint64_t b) {
    return (a & ~KEXEC_NUM_F64_SIGN) | (b & KEXEC_NUM_F64_SIGN);
}

/* ========================================================================
** Float -> integer truncation (spec 4.3.4 trunc, trunc_sat)
** ======================================================================== */
/*
** The range checks are exact: each bound is a power of two, representable in
** the source type, and compared strictly where the bound itself is out of
** range. For the f64 -> i32 lower bound, -2^31 - 1 is exact in double and
** everything in (-2^31 - 1, -2^31] truncates to -2^31. For unsigned targets
** everything in (-1, 0) truncates to 0, which is in range.
** A NaN fails every comparison, so it is tested first for its own trap.
*/

#define KEXEC_NUM_TRUNC_(name, ftype, itype, utype, lo_ok, hi)                 \
    KEXEC_NUM_INLINE uint32_t name(ftype x, utype *out) {                      \
        if (KEXEC_NUM_UNLIKELY(x != x)) return KB_TRAP_INVALID_CONVERSION;     \
        if (KEXEC_NUM_UNLIKELY(!(lo_ok && x < (hi)))) return KB_TRAP_INTEGER_OVERFLOW; \
        *out = (utype)(itype)x;                                                \
        return KB_TRAP_NONE;                                                   \
    }

/* i32.trunc_f32_s */
KEXEC_NUM_TRUNC_(kexec_num_i32_trunc_f32_s, float, int32_t, uint32_t, x >= -2147483648.0f, 2147483648.0f)
/* i32.trunc_f32_u */
KEXEC_NUM_TRUNC_(kexec_num_i32_trunc_f32_u, float, uint32_t, uint32_t, x > -1.0f, 4294967296.0f)
/* i32.trunc_f64_s */
KEXEC_NUM_TRUNC_(kexec_num_i32_trunc_f64_s, double, int32_t, uint32_t, x > -2147483649.0, 2147483648.0)
/* i32.trunc_f64_u */
KEXEC_NUM_TRUNC_(kexec_num_i32_trunc_f64_u, double, uint32_t, uint32_t, x > -1.0, 4294967296.0)
/* i64.trunc_f32_s */
KEXEC_NUM_TRUNC_(kexec_num_i64_trunc_f32_s, float, int64_t, uint64_t,
                 x >= -9223372036854775808.0f, 9223372036854775808.0f)
/* i64.trunc_f32_u */
KEXEC_NUM_TRUNC_(kexec_num_i64_trunc_f32_u, float, uint64_t, uint64_t, x > -1.0f, 18446744073709551616.0f)
/* i64.trunc_f64_s */
KEXEC_NUM_TRUNC_(kexec_num_i64_trunc_f64_s, double, int64_t, uint64_t,
                 x >= -9223372036854775808.0, 9223372036854775808.0)
/* i64.trunc_f64_u */
KEXEC_NUM_TRUNC_(kexec_num_i64_trunc_f64_u, double, uint64_t, uint64_t, x > -1.0, 18446744073709551616.0)

#undef KEXEC_NUM_TRUNC_

/* Saturating variants (nontrapping float-to-int): NaN -> 0, clamp to the
** target range, otherwise the same truncation. */
#define KEXEC_NUM_TRUNC_SAT_(name, ftype, itype, utype, lo_ok, hi, minv, maxv) \
    KEXEC_NUM_INLINE utype name(ftype x) {                                     \
        if (KEXEC_NUM_UNLIKELY(x != x)) return 0;                              \
        if (KEXEC_NUM_UNLIKELY(!(lo_ok))) return (utype)(minv);                \
        if (KEXEC_NUM_UNLIKELY(!(x < (hi)))) return (utype)(maxv);             \
        return (utype)(itype)x;                                                \
    }

KEXEC_NUM_TRUNC_SAT_(kexec_num_i32_trunc_sat_f32_s, float, int32_t, uint32_t,
                     x >= -2147483648.0f, 2147483648.0f, 0x80000000u, 0x7FFFFFFFu)
KEXEC_NUM_TRUNC_SAT_(kexec_num_i32_trunc_sat_f32_u, float, uint32_t, uint32_t,
                     x > -1.0f, 4294967296.0f, 0u, 0xFFFFFFFFu)
KEXEC_NUM_TRUNC_SAT_(kexec_num_i32_trunc_sat_f64_s, double, int32_t, uint32_t,
                     x > -2147483649.0, 2147483648.0, 0x80000000u, 0x7FFFFFFFu)
KEXEC_NUM_TRUNC_SAT_(kexec_num_i32_trunc_sat_f64_u, double, uint32_t, uint32_t,
                     x > -1.0, 4294967296.0, 0u, 0xFFFFFFFFu)
KEXEC_NUM_TRUNC_SAT_(kexec_num_i64_trunc_sat_f32_s, float, int64_t, uint64_t,
                     x >= -9223372036854775808.0f, 9223372036854775808.0f,
                     0x8000000000000000u, 0x7FFFFFFFFFFFFFFFu)
KEXEC_NUM_TRUNC_SAT_(kexec_num_i64_trunc_sat_f32_u, float, uint64_t, uint64_t,
                     x > -1.0f, 18446744073709551616.0f, 0u, 0xFFFFFFFFFFFFFFFFu)
KEXEC_NUM_TRUNC_SAT_(kexec_num_i64_trunc_sat_f64_s, double, int64_t, uint64_t,
                     x >= -9223372036854775808.0, 9223372036854775808.0,
                     0x8000000000000000u, 0x7FFFFFFFFFFFFFFFu)
KEXEC_NUM_TRUNC_SAT_(kexec_num_i64_trunc_sat_f64_u, double, uint64_t, uint64_t,
                     x > -1.0, 18446744073709551616.0, 0u, 0xFFFFFFFFFFFFFFFFu)

#undef KEXEC_NUM_TRUNC_SAT_

/* ========================================================================
** Integer -> float conversion (spec 4.3.4 convert): round to nearest, ties
** to even, in ONE rounding step.
** ======================================================================== */

/* i32 -> f32/f64 and signed i64 -> f32/f64 are single hardware conversions
** (cvtsi2ss/cvtsi2sd). u32 goes through int64, which is exact. */
KEXEC_NUM_INLINE float kexec_num_f32_convert_i32_s(uint32_t a) { return (float)(int32_t)a; }
KEXEC_NUM_INLINE float kexec_num_f32_convert_i32_u(uint32_t a) { return (float)(int64_t)a; }
KEXEC_NUM_INLINE float kexec_num_f32_convert_i64_s(uint64_t a) { return (float)(int64_t)a; }
KEXEC_NUM_INLINE double kexec_num_f64_convert_i32_s(uint32_t a) { return (double)(int32_t)a; }
KEXEC_NUM_INLINE double kexec_num_f64_convert_i32_u(uint32_t a) { return (double)a; }
KEXEC_NUM_INLINE double kexec_num_f64_convert_i64_s(uint64_t a) { return (double)(int64_t)a; }

/*
** u64 -> float: x86-64 has no unsigned conversion before AVX-512. For
** a >= 2^63, halve it but keep the lost bit as a sticky bit ('| (a & 1)'):
** the halved value has 63 significant bits, far more than 24 (53), so the
** sticky bit decides ties exactly as the full value would, and the hardware
** rounds once; doubling is exact. Converting through double first,
** (float)(double)a, would round twice and is wrong (e.g. 0x0020000020000001).
*/
KEXEC_NUM_INLINE float kexec_num_f32_convert_i64_u(uint64_t a) {
    if ((int64_t)a >= 0) return (float)(int64_t)a;
    float h = (float)(int64_t)((a >> 1) | (a & 1u));
    return h + h;
}
KEXEC_NUM_INLINE double kexec_num_f64_convert_i64_u(uint64_t a) {
    if ((int64_t)a >= 0) return (double)(int64_t)a;
    double h = (double)(int64_t)((a >> 1) | (a & 1u));
    return h + h;
}

/* ========================================================================
** Float <-> float (spec 4.3.4 demote, promote)
** ======================================================================== */

/* f64.promote_f32 is exact for numbers; a NaN keeps its payload's top bits
** and gains the quiet bit (cvtss2sd), so a canonical NaN stays canonical and
** any other becomes arithmetic, as the spec requires. */
KEXEC_NUM_INLINE double kexec_num_f64_promote_f32(float x) { return (double)x; }
/* f32.demote_f64 rounds to nearest-even (overflow gives infinity); a NaN
** keeps the top 22 payload bits plus the quiet bit (cvtsd2ss). */
KEXEC_NUM_INLINE float kexec_num_f32_demote_f64(double x) { return (float)x; }

/* ========================================================================
** Non-inline part (kexec_numeric.c)
** ======================================================================== */

/*
** Checks at run time that the compiler and the floating-point environment
** give the results this header assumes: round-to-nearest-even is in effect,
** u64 -> f32 rounds once, NaNs come out of arithmetic quieted, and the
** integral-rounding tricks are not folded away. Call once when an engine is
** created.
** @return NULL when everything holds; otherwise a KB_ERR_UNSUPPORTED error
** naming the first failed check. Gives ownership of the error to the caller.
*/
kb_error *kexec_num_selfcheck(void);

#endif

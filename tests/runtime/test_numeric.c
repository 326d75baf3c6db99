/*
** test_numeric.c -- engine/exec/kexec_numeric.h against the spec's numeric
** semantics (core spec 4.3 "Numerics").
**
** The tables are values from the official spec test suite (i32, i64, f32,
** f64, f32_cmp, f64_cmp, f32_bitwise, f64_bitwise, conversions, float_misc
** .wast), one row per assertion: operation, operands and expected result as
** bit patterns. Each row goes through a small dispatcher that calls the
** header's function for that operation, so every row tests exactly what the
** interpreter executes. Hand-written cases cover what the suite does not
** (wide arithmetic, the self check), and a randomized comparison checks the
** rounding functions and u64 conversions against independent references.
**
** Building this file with -DKEXEC_NUM_EXTRA_VECTORS='"file.inc"' adds a
** test over further rows in the same format (used to run the whole suite).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "exec/kexec_numeric.h"

/* ========================================================================
** The dispatcher: instruction name -> the header's function
** ======================================================================== */

typedef enum vtype { T_I32, T_I64, T_F32, T_F64 } vtype;

/* Runs one operation on bit-pattern operands; returns a KB_TRAP_* code. */
typedef uint32_t (*op_fn)(uint64_t a, uint64_t b, uint64_t *r);

typedef struct op_entry {
    const char *name; /* the wasm instruction name */
    vtype result;     /* the result type: decides how NaN expectations are read */
    op_fn fn;
} op_entry;

#define F32(x) kexec_num_f32_from_bits((uint32_t)(x))
#define F64(x) kexec_num_f64_from_bits(x)
#define B32(x) ((uint64_t)kexec_num_f32_bits(x))
#define B64(x) kexec_num_f64_bits(x)

/* 'w_<op>' wraps kexec_num_<op>. A trapping function must leave its output
** alone, so the output starts as a marker and is reported either way. */
#define W_TRAP(op, T, ...)                                                     \
    static uint32_t w_##op(uint64_t a, uint64_t b, uint64_t *r) {              \
        T v = 0xDEADBEEFu;                                                     \
        uint32_t t = kexec_num_##op(__VA_ARGS__, &v);                          \
        (void)a;                                                               \
        (void)b;                                                               \
        *r = v;                                                                \
        return t;                                                              \
    }
#define W_EXPR(op, expr)                                                       \
    static uint32_t w_##op(uint64_t a, uint64_t b, uint64_t *r) {              \
        (void)a;                                                               \
        (void)b;                                                               \
        *r = (expr);                                                           \
        return KB_TRAP_NONE;                                                   \
    }

/* ---- integer ---- */
W_TRAP(i32_div_s, uint32_t, (uint32_t)a, (uint32_t)b)
W_TRAP(i32_div_u, uint32_t, (uint32_t)a, (uint32_t)b)
W_TRAP(i32_rem_s, uint32_t, (uint32_t)a, (uint32_t)b)
W_TRAP(i32_rem_u, uint32_t, (uint32_t)a, (uint32_t)b)
W_TRAP(i64_div_s, uint64_t, a, b)
W_TRAP(i64_div_u, uint64_t, a, b)
W_TRAP(i64_rem_s, uint64_t, a, b)
W_TRAP(i64_rem_u, uint64_t, a, b)
W_EXPR(i32_clz, kexec_num_i32_clz((uint32_t)a))
W_EXPR(i32_ctz, kexec_num_i32_ctz((uint32_t)a))
W_EXPR(i32_popcnt, kexec_num_i32_popcnt((uint32_t)a))
W_EXPR(i32_shl, kexec_num_i32_shl((uint32_t)a, (uint32_t)b))
W_EXPR(i32_shr_s, kexec_num_i32_shr_s((uint32_t)a, (uint32_t)b))
W_EXPR(i32_shr_u, kexec_num_i32_shr_u((uint32_t)a, (uint32_t)b))
W_EXPR(i32_rotl, kexec_num_i32_rotl((uint32_t)a, (uint32_t)b))
W_EXPR(i32_rotr, kexec_num_i32_rotr((uint32_t)a, (uint32_t)b))
W_EXPR(i32_eqz, kexec_num_i32_eqz((uint32_t)a))
W_EXPR(i32_extend8_s, kexec_num_i32_extend8_s((uint32_t)a))
W_EXPR(i32_extend16_s, kexec_num_i32_extend16_s((uint32_t)a))
W_EXPR(i64_clz, kexec_num_i64_clz(a))
W_EXPR(i64_ctz, kexec_num_i64_ctz(a))
W_EXPR(i64_popcnt, kexec_num_i64_popcnt(a))
W_EXPR(i64_shl, kexec_num_i64_shl(a, b))
W_EXPR(i64_shr_s, kexec_num_i64_shr_s(a, b))
W_EXPR(i64_shr_u, kexec_num_i64_shr_u(a, b))
W_EXPR(i64_rotl, kexec_num_i64_rotl(a, b))
W_EXPR(i64_rotr, kexec_num_i64_rotr(a, b))
W_EXPR(i64_eqz, kexec_num_i64_eqz(a))
W_EXPR(i64_extend8_s, kexec_num_i64_extend8_s(a))
W_EXPR(i64_extend16_s, kexec_num_i64_extend16_s(a))
W_EXPR(i64_extend32_s, kexec_num_i64_extend32_s(a))
W_EXPR(i32_wrap_i64, kexec_num_i32_wrap_i64(a))
W_EXPR(i64_extend_i32_s, kexec_num_i64_extend_i32_s((uint32_t)a))
W_EXPR(i64_extend_i32_u, kexec_num_i64_extend_i32_u((uint32_t)a))

/* ---- float, on values ---- */
#define W_F32_BIN(op) W_EXPR(f32_##op, B32(kexec_num_f32_##op(F32(a), F32(b))))
#define W_F64_BIN(op) W_EXPR(f64_##op, B64(kexec_num_f64_##op(F64(a), F64(b))))
#define W_F32_UN(op) W_EXPR(f32_##op, B32(kexec_num_f32_##op(F32(a))))
#define W_F64_UN(op) W_EXPR(f64_##op, B64(kexec_num_f64_##op(F64(a))))
#define W_F32_CMP(op) W_EXPR(f32_##op, kexec_num_f32_##op(F32(a), F32(b)))
#define W_F64_CMP(op) W_EXPR(f64_##op, kexec_num_f64_##op(F64(a), F64(b)))
W_F32_BIN(add) W_F32_BIN(sub) W_F32_BIN(mul) W_F32_BIN(div) W_F32_BIN(min) W_F32_BIN(max)
W_F64_BIN(add) W_F64_BIN(sub) W_F64_BIN(mul) W_F64_BIN(div) W_F64_BIN(min) W_F64_BIN(max)
W_F32_UN(sqrt) W_F32_UN(ceil) W_F32_UN(floor) W_F32_UN(trunc) W_F32_UN(nearest)
W_F64_UN(sqrt) W_F64_UN(ceil) W_F64_UN(floor) W_F64_UN(trunc) W_F64_UN(nearest)
W_F32_CMP(eq) W_F32_CMP(ne) W_F32_CMP(lt) W_F32_CMP(gt) W_F32_CMP(le) W_F32_CMP(ge)
W_F64_CMP(eq) W_F64_CMP(ne) W_F64_CMP(lt) W_F64_CMP(gt) W_F64_CMP(le) W_F64_CMP(ge)

/* ---- float, on bits ---- */
W_EXPR(f32_abs, kexec_num_f32_abs((uint32_t)a))
W_EXPR(f32_neg, kexec_num_f32_neg((uint32_t)a))
W_EXPR(f32_copysign, kexec_num_f32_copysign((uint32_t)a, (uint32_t)b))
W_EXPR(f64_abs, kexec_num_f64_abs(a))
W_EXPR(f64_neg, kexec_num_f64_neg(a))
W_EXPR(f64_copysign, kexec_num_f64_copysign(a, b))

/* ---- conversions ---- */
W_TRAP(i32_trunc_f32_s, uint32_t, F32(a))
W_TRAP(i32_trunc_f32_u, uint32_t, F32(a))
W_TRAP(i32_trunc_f64_s, uint32_t, F64(a))
W_TRAP(i32_trunc_f64_u, uint32_t, F64(a))
W_TRAP(i64_trunc_f32_s, uint64_t, F32(a))
W_TRAP(i64_trunc_f32_u, uint64_t, F32(a))
W_TRAP(i64_trunc_f64_s, uint64_t, F64(a))
W_TRAP(i64_trunc_f64_u, uint64_t, F64(a))
W_EXPR(i32_trunc_sat_f32_s, kexec_num_i32_trunc_sat_f32_s(F32(a)))
W_EXPR(i32_trunc_sat_f32_u, kexec_num_i32_trunc_sat_f32_u(F32(a)))
W_EXPR(i32_trunc_sat_f64_s, kexec_num_i32_trunc_sat_f64_s(F64(a)))
W_EXPR(i32_trunc_sat_f64_u, kexec_num_i32_trunc_sat_f64_u(F64(a)))
W_EXPR(i64_trunc_sat_f32_s, kexec_num_i64_trunc_sat_f32_s(F32(a)))
W_EXPR(i64_trunc_sat_f32_u, kexec_num_i64_trunc_sat_f32_u(F32(a)))
W_EXPR(i64_trunc_sat_f64_s, kexec_num_i64_trunc_sat_f64_s(F64(a)))
W_EXPR(i64_trunc_sat_f64_u, kexec_num_i64_trunc_sat_f64_u(F64(a)))
W_EXPR(f32_convert_i32_s, B32(kexec_num_f32_convert_i32_s((uint32_t)a)))
W_EXPR(f32_convert_i32_u, B32(kexec_num_f32_convert_i32_u((uint32_t)a)))
W_EXPR(f32_convert_i64_s, B32(kexec_num_f32_convert_i64_s(a)))
W_EXPR(f32_convert_i64_u, B32(kexec_num_f32_convert_i64_u(a)))
W_EXPR(f64_convert_i32_s, B64(kexec_num_f64_convert_i32_s((uint32_t)a)))
W_EXPR(f64_convert_i32_u, B64(kexec_num_f64_convert_i32_u((uint32_t)a)))
W_EXPR(f64_convert_i64_s, B64(kexec_num_f64_convert_i64_s(a)))
W_EXPR(f64_convert_i64_u, B64(kexec_num_f64_convert_i64_u(a)))
W_EXPR(f64_promote_f32, B64(kexec_num_f64_promote_f32(F32(a))))
W_EXPR(f32_demote_f64, B32(kexec_num_f32_demote_f64(F64(a))))
W_EXPR(f32_reinterpret_i32, B32(kexec_num_f32_from_bits((uint32_t)a)))
W_EXPR(f64_reinterpret_i64, B64(kexec_num_f64_from_bits(a)))
W_EXPR(i32_reinterpret_f32, kexec_num_f32_bits(F32(a)))
W_EXPR(i64_reinterpret_f64, kexec_num_f64_bits(F64(a)))

#define E(type, op, name) {name, type, w_##op}
static const op_entry ops[] = {
    E(T_I32, i32_div_s, "i32.div_s"), E(T_I32, i32_div_u, "i32.div_u"),
    E(T_I32, i32_rem_s, "i32.rem_s"), E(T_I32, i32_rem_u, "i32.rem_u"),
    E(T_I64, i64_div_s, "i64.div_s"), E(T_I64, i64_div_u, "i64.div_u"),
    E(T_I64, i64_rem_s, "i64.rem_s"), E(T_I64, i64_rem_u, "i64.rem_u"),
    E(T_I32, i32_clz, "i32.clz"), E(T_I32, i32_ctz, "i32.ctz"), E(T_I32, i32_popcnt, "i32.popcnt"),
    E(T_I32, i32_shl, "i32.shl"), E(T_I32, i32_shr_s, "i32.shr_s"), E(T_I32, i32_shr_u, "i32.shr_u"),
    E(T_I32, i32_rotl, "i32.rotl"), E(T_I32, i32_rotr, "i32.rotr"), E(T_I32, i32_eqz, "i32.eqz"),
    E(T_I32, i32_extend8_s, "i32.extend8_s"), E(T_I32, i32_extend16_s, "i32.extend16_s"),
    E(T_I64, i64_clz, "i64.clz"), E(T_I64, i64_ctz, "i64.ctz"), E(T_I64, i64_popcnt, "i64.popcnt"),
    E(T_I64, i64_shl, "i64.shl"), E(T_I64, i64_shr_s, "i64.shr_s"), E(T_I64, i64_shr_u, "i64.shr_u"),
    E(T_I64, i64_rotl, "i64.rotl"), E(T_I64, i64_rotr, "i64.rotr"), E(T_I32, i64_eqz, "i64.eqz"),
    E(T_I64, i64_extend8_s, "i64.extend8_s"), E(T_I64, i64_extend16_s, "i64.extend16_s"),
    E(T_I64, i64_extend32_s, "i64.extend32_s"), E(T_I32, i32_wrap_i64, "i32.wrap_i64"),
    E(T_I64, i64_extend_i32_s, "i64.extend_i32_s"), E(T_I64, i64_extend_i32_u, "i64.extend_i32_u"),
    E(T_F32, f32_add, "f32.add"), E(T_F32, f32_sub, "f32.sub"), E(T_F32, f32_mul, "f32.mul"),
    E(T_F32, f32_div, "f32.div"), E(T_F32, f32_min, "f32.min"), E(T_F32, f32_max, "f32.max"),
    E(T_F64, f64_add, "f64.add"), E(T_F64, f64_sub, "f64.sub"), E(T_F64, f64_mul, "f64.mul"),
    E(T_F64, f64_div, "f64.div"), E(T_F64, f64_min, "f64.min"), E(T_F64, f64_max, "f64.max"),
    E(T_F32, f32_sqrt, "f32.sqrt"), E(T_F32, f32_ceil, "f32.ceil"), E(T_F32, f32_floor, "f32.floor"),
    E(T_F32, f32_trunc, "f32.trunc"), E(T_F32, f32_nearest, "f32.nearest"),
    E(T_F64, f64_sqrt, "f64.sqrt"), E(T_F64, f64_ceil, "f64.ceil"), E(T_F64, f64_floor, "f64.floor"),
    E(T_F64, f64_trunc, "f64.trunc"), E(T_F64, f64_nearest, "f64.nearest"),
    E(T_I32, f32_eq, "f32.eq"), E(T_I32, f32_ne, "f32.ne"), E(T_I32, f32_lt, "f32.lt"),
    E(T_I32, f32_gt, "f32.gt"), E(T_I32, f32_le, "f32.le"), E(T_I32, f32_ge, "f32.ge"),
    E(T_I32, f64_eq, "f64.eq"), E(T_I32, f64_ne, "f64.ne"), E(T_I32, f64_lt, "f64.lt"),
    E(T_I32, f64_gt, "f64.gt"), E(T_I32, f64_le, "f64.le"), E(T_I32, f64_ge, "f64.ge"),
    E(T_F32, f32_abs, "f32.abs"), E(T_F32, f32_neg, "f32.neg"), E(T_F32, f32_copysign, "f32.copysign"),
    E(T_F64, f64_abs, "f64.abs"), E(T_F64, f64_neg, "f64.neg"), E(T_F64, f64_copysign, "f64.copysign"),
    E(T_I32, i32_trunc_f32_s, "i32.trunc_f32_s"), E(T_I32, i32_trunc_f32_u, "i32.trunc_f32_u"),
    E(T_I32, i32_trunc_f64_s, "i32.trunc_f64_s"), E(T_I32, i32_trunc_f64_u, "i32.trunc_f64_u"),
    E(T_I64, i64_trunc_f32_s, "i64.trunc_f32_s"), E(T_I64, i64_trunc_f32_u, "i64.trunc_f32_u"),
    E(T_I64, i64_trunc_f64_s, "i64.trunc_f64_s"), E(T_I64, i64_trunc_f64_u, "i64.trunc_f64_u"),
    E(T_I32, i32_trunc_sat_f32_s, "i32.trunc_sat_f32_s"), E(T_I32, i32_trunc_sat_f32_u, "i32.trunc_sat_f32_u"),
    E(T_I32, i32_trunc_sat_f64_s, "i32.trunc_sat_f64_s"), E(T_I32, i32_trunc_sat_f64_u, "i32.trunc_sat_f64_u"),
    E(T_I64, i64_trunc_sat_f32_s, "i64.trunc_sat_f32_s"), E(T_I64, i64_trunc_sat_f32_u, "i64.trunc_sat_f32_u"),
    E(T_I64, i64_trunc_sat_f64_s, "i64.trunc_sat_f64_s"), E(T_I64, i64_trunc_sat_f64_u, "i64.trunc_sat_f64_u"),
    E(T_F32, f32_convert_i32_s, "f32.convert_i32_s"), E(T_F32, f32_convert_i32_u, "f32.convert_i32_u"),
    E(T_F32, f32_convert_i64_s, "f32.convert_i64_s"), E(T_F32, f32_convert_i64_u, "f32.convert_i64_u"),
    E(T_F64, f64_convert_i32_s, "f64.convert_i32_s"), E(T_F64, f64_convert_i32_u, "f64.convert_i32_u"),
    E(T_F64, f64_convert_i64_s, "f64.convert_i64_s"), E(T_F64, f64_convert_i64_u, "f64.convert_i64_u"),
    E(T_F64, f64_promote_f32, "f64.promote_f32"), E(T_F32, f32_demote_f64, "f32.demote_f64"),
    E(T_F32, f32_reinterpret_i32, "f32.reinterpret_i32"), E(T_F64, f64_reinterpret_i64, "f64.reinterpret_i64"),
    E(T_I32, i32_reinterpret_f32, "i32.reinterpret_f32"), E(T_I64, i64_reinterpret_f64, "i64.reinterpret_f64"),
};
#undef E

static const op_entry *find_op(const char *name) {
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(ops[i].name, name) == 0) return &ops[i];
    return NULL;
}

/* ========================================================================
** Rows and the checker
** ======================================================================== */

enum {
    R_VAL,   /* 'expect' is the exact result bit pattern (NaN payloads included) */
    R_CANON, /* the result must be a canonical NaN, either sign (spec: nan:canonical) */
    R_ARITH, /* the result must be an arithmetic NaN (spec: nan:arithmetic) */
    R_TRAP   /* 'expect' is the KB_TRAP_* code */
};

typedef struct num_case {
    const char *op;
    uint64_t a, b; /* operands as bit patterns; unused ones are 0 */
    uint64_t expect;
    int kind;
} num_case;

static bool is_canonical(vtype t, uint64_t r) {
    if (t == T_F32) return (r & 0x7FFFFFFFu) == KEXEC_NUM_F32_CANON_NAN && r >> 32 == 0;
    return (r & ~KEXEC_NUM_F64_SIGN) == KEXEC_NUM_F64_CANON_NAN;
}

static bool is_arithmetic(vtype t, uint64_t r) {
    if (t == T_F32) return (r & 0x7FC00000u) == 0x7FC00000u && r >> 32 == 0;
    return (r & 0x7FF8000000000000u) == 0x7FF8000000000000u;
}

/* Runs every row; prints each failure and fails the test if any. */
static void run_cases(const num_case *cases, size_t n) {
    size_t failures = 0;
    for (size_t i = 0; i < n; i++) {
        const num_case *c = &cases[i];
        const op_entry *op = find_op(c->op);
        if (op == NULL) {
            printf("unknown operation '%s' in row %zu\n", c->op, i);
            failures++;
            continue;
        }
        uint64_t r = 0;
        uint32_t trap = op->fn(c->a, c->b, &r);
        if (op->result == T_I32 || op->result == T_F32) r &= 0xFFFFFFFFu;
        bool ok;
        switch (c->kind) {
        case R_TRAP: ok = trap == c->expect && r == 0xDEADBEEFu; break;
        case R_CANON: ok = trap == KB_TRAP_NONE && is_canonical(op->result, r); break;
        case R_ARITH: ok = trap == KB_TRAP_NONE && is_arithmetic(op->result, r); break;
        default: ok = trap == KB_TRAP_NONE && r == c->expect; break;
        }
        if (!ok) {
            printf("FAIL %s(0x%llx, 0x%llx): got 0x%llx trap %u, want %s 0x%llx\n", c->op,
                   (unsigned long long)c->a, (unsigned long long)c->b, (unsigned long long)r, trap,
                   c->kind == R_TRAP ? "trap" : c->kind == R_CANON ? "nan:canonical"
                   : c->kind == R_ARITH ? "nan:arithmetic" : "value",
                   (unsigned long long)c->expect);
            failures++;
        }
    }
    if (failures) fail_msg("%zu of %zu rows failed", failures, n);
}

#define RUN(table) run_cases(table, sizeof table / sizeof table[0])

#define DIVZ KB_TRAP_INTEGER_DIVIDE_BY_ZERO
#define OVF KB_TRAP_INTEGER_OVERFLOW
#define INVC KB_TRAP_INVALID_CONVERSION

/* ========================================================================
** Spec test suite values (one row per assertion; see the top of the file)
** ======================================================================== */

static const num_case integer_cases[] = {
    {"i32.div_s", 0x1u, 0x0u, DIVZ, R_TRAP},
    {"i32.div_s", 0x0u, 0x0u, DIVZ, R_TRAP},
    {"i32.div_s", 0x80000000u, 0xffffffffu, OVF, R_TRAP},
    {"i32.div_s", 0x80000000u, 0x0u, DIVZ, R_TRAP},
    {"i32.div_s", 0x1u, 0x1u, 0x1u, R_VAL},
    {"i32.div_s", 0x0u, 0xffffffffu, 0x0u, R_VAL},
    {"i32.div_s", 0x80000001u, 0x3e8u, 0xffdf3b65u, R_VAL},
    {"i32.div_s", 0x5u, 0xfffffffeu, 0xfffffffeu, R_VAL},
    {"i32.div_s", 0x7u, 0x3u, 0x2u, R_VAL},
    {"i32.div_s", 0xfffffff9u, 0xfffffffdu, 0x2u, R_VAL},
    {"i32.div_u", 0x1u, 0x0u, DIVZ, R_TRAP},
    {"i32.div_u", 0x0u, 0x0u, DIVZ, R_TRAP},
    {"i32.div_u", 0x1u, 0x1u, 0x1u, R_VAL},
    {"i32.div_u", 0x0u, 0x1u, 0x0u, R_VAL},
    {"i32.div_u", 0x80000000u, 0xffffffffu, 0x0u, R_VAL},
    {"i32.div_u", 0x8ff00ff0u, 0x10001u, 0x8fefu, R_VAL},
    {"i32.div_u", 0x5u, 0x2u, 0x2u, R_VAL},
    {"i32.div_u", 0xfffffffbu, 0x2u, 0x7ffffffdu, R_VAL},
    {"i32.div_u", 0xfffffffbu, 0xfffffffeu, 0x0u, R_VAL},
    {"i32.div_u", 0xbu, 0x5u, 0x2u, R_VAL},
    {"i32.rem_s", 0x1u, 0x0u, DIVZ, R_TRAP},
    {"i32.rem_s", 0x0u, 0x0u, DIVZ, R_TRAP},
    {"i32.rem_s", 0x7fffffffu, 0xffffffffu, 0x0u, R_VAL},
    {"i32.rem_s", 0x0u, 0x1u, 0x0u, R_VAL},
    {"i32.rem_s", 0xffffffffu, 0xffffffffu, 0x0u, R_VAL},
    {"i32.rem_s", 0x80000000u, 0x2u, 0x0u, R_VAL},
    {"i32.rem_s", 0xfffffffbu, 0x2u, 0xffffffffu, R_VAL},
    {"i32.rem_s", 0xfffffffbu, 0xfffffffeu, 0xffffffffu, R_VAL},
    {"i32.rem_s", 0xfffffff9u, 0x3u, 0xffffffffu, R_VAL},
    {"i32.rem_s", 0xfffffff9u, 0xfffffffdu, 0xffffffffu, R_VAL},
    {"i32.rem_u", 0x1u, 0x0u, DIVZ, R_TRAP},
    {"i32.rem_u", 0x0u, 0x0u, DIVZ, R_TRAP},
    {"i32.rem_u", 0x1u, 0x1u, 0x0u, R_VAL},
    {"i32.rem_u", 0x0u, 0x1u, 0x0u, R_VAL},
    {"i32.rem_u", 0x80000000u, 0xffffffffu, 0x80000000u, R_VAL},
    {"i32.rem_u", 0x8ff00ff0u, 0x10001u, 0x8001u, R_VAL},
    {"i32.rem_u", 0x5u, 0x2u, 0x1u, R_VAL},
    {"i32.rem_u", 0xfffffffbu, 0x2u, 0x1u, R_VAL},
    {"i32.rem_u", 0xfffffffbu, 0xfffffffeu, 0xfffffffbu, R_VAL},
    {"i32.rem_u", 0xbu, 0x5u, 0x1u, R_VAL},
    {"i32.shl", 0x1u, 0x1u, 0x2u, R_VAL},
    {"i32.shl", 0x1u, 0x0u, 0x1u, R_VAL},
    {"i32.shl", 0x7fffffffu, 0x1u, 0xfffffffeu, R_VAL},
    {"i32.shl", 0xffffffffu, 0x1u, 0xfffffffeu, R_VAL},
    {"i32.shl", 0x80000000u, 0x1u, 0x0u, R_VAL},
    {"i32.shl", 0x40000000u, 0x1u, 0x80000000u, R_VAL},
    {"i32.shl", 0x1u, 0x1fu, 0x80000000u, R_VAL},
    {"i32.shl", 0x1u, 0x20u, 0x1u, R_VAL},
    {"i32.shl", 0x1u, 0x21u, 0x2u, R_VAL},
    {"i32.shl", 0x1u, 0xffffffffu, 0x80000000u, R_VAL},
    {"i32.shr_s", 0x1u, 0x1u, 0x0u, R_VAL},
    {"i32.shr_s", 0x1u, 0x0u, 0x1u, R_VAL},
    {"i32.shr_s", 0x7fffffffu, 0x1u, 0x3fffffffu, R_VAL},
    {"i32.shr_s", 0x40000000u, 0x1u, 0x20000000u, R_VAL},
    {"i32.shr_s", 0x1u, 0x20u, 0x1u, R_VAL},
    {"i32.shr_s", 0x1u, 0xffffffffu, 0x0u, R_VAL},
    {"i32.shr_s", 0x1u, 0x80000000u, 0x1u, R_VAL},
    {"i32.shr_s", 0x80000000u, 0x1fu, 0xffffffffu, R_VAL},
    {"i32.shr_s", 0xffffffffu, 0x21u, 0xffffffffu, R_VAL},
    {"i32.shr_s", 0xffffffffu, 0x7fffffffu, 0xffffffffu, R_VAL},
    {"i32.shr_u", 0x1u, 0x1u, 0x0u, R_VAL},
    {"i32.shr_u", 0x1u, 0x0u, 0x1u, R_VAL},
    {"i32.shr_u", 0x7fffffffu, 0x1u, 0x3fffffffu, R_VAL},
    {"i32.shr_u", 0x40000000u, 0x1u, 0x20000000u, R_VAL},
    {"i32.shr_u", 0x1u, 0x20u, 0x1u, R_VAL},
    {"i32.shr_u", 0x1u, 0xffffffffu, 0x0u, R_VAL},
    {"i32.shr_u", 0x1u, 0x80000000u, 0x1u, R_VAL},
    {"i32.shr_u", 0x80000000u, 0x1fu, 0x1u, R_VAL},
    {"i32.shr_u", 0xffffffffu, 0x21u, 0x7fffffffu, R_VAL},
    {"i32.shr_u", 0xffffffffu, 0x7fffffffu, 0x1u, R_VAL},
    {"i32.rotl", 0x1u, 0x1u, 0x2u, R_VAL},
    {"i32.rotl", 0x1u, 0x0u, 0x1u, R_VAL},
    {"i32.rotl", 0xffffffffu, 0x1u, 0xffffffffu, R_VAL},
    {"i32.rotl", 0x1u, 0x20u, 0x1u, R_VAL},
    {"i32.rotl", 0xfe00dc00u, 0x4u, 0xe00dc00fu, R_VAL},
    {"i32.rotl", 0xb0c1d2e3u, 0x5u, 0x183a5c76u, R_VAL},
    {"i32.rotl", 0x8000u, 0x25u, 0x100000u, R_VAL},
    {"i32.rotl", 0x769abcdfu, 0xffffffedu, 0x579beed3u, R_VAL},
    {"i32.rotl", 0x769abcdfu, 0x8000000du, 0x579beed3u, R_VAL},
    {"i32.rotl", 0x1u, 0x1fu, 0x80000000u, R_VAL},
    {"i32.rotr", 0x1u, 0x1u, 0x80000000u, R_VAL},
    {"i32.rotr", 0x1u, 0x0u, 0x1u, R_VAL},
    {"i32.rotr", 0xffffffffu, 0x1u, 0xffffffffu, R_VAL},
    {"i32.rotr", 0x1u, 0x20u, 0x1u, R_VAL},
    {"i32.rotr", 0x80000u, 0x4u, 0x8000u, R_VAL},
    {"i32.rotr", 0xb0c1d2e3u, 0x5u, 0x1d860e97u, R_VAL},
    {"i32.rotr", 0x8000u, 0x25u, 0x400u, R_VAL},
    {"i32.rotr", 0x769abcdfu, 0xffffffedu, 0xe6fbb4d5u, R_VAL},
    {"i32.rotr", 0x769abcdfu, 0x8000000du, 0xe6fbb4d5u, R_VAL},
    {"i32.rotr", 0x1u, 0x1fu, 0x2u, R_VAL},
    {"i32.clz", 0xffffffffu, 0, 0x0u, R_VAL},
    {"i32.clz", 0x0u, 0, 0x20u, R_VAL},
    {"i32.clz", 0x8000u, 0, 0x10u, R_VAL},
    {"i32.clz", 0xffu, 0, 0x18u, R_VAL},
    {"i32.clz", 0x80000000u, 0, 0x0u, R_VAL},
    {"i32.clz", 0x1u, 0, 0x1fu, R_VAL},
    {"i32.clz", 0x2u, 0, 0x1eu, R_VAL},
    {"i32.clz", 0x7fffffffu, 0, 0x1u, R_VAL},
    {"i32.ctz", 0xffffffffu, 0, 0x0u, R_VAL},
    {"i32.ctz", 0x0u, 0, 0x20u, R_VAL},
    {"i32.ctz", 0x8000u, 0, 0xfu, R_VAL},
    {"i32.ctz", 0x10000u, 0, 0x10u, R_VAL},
    {"i32.ctz", 0x80000000u, 0, 0x1fu, R_VAL},
    {"i32.ctz", 0x7fffffffu, 0, 0x0u, R_VAL},
    {"i32.popcnt", 0xffffffffu, 0, 0x20u, R_VAL},
    {"i32.popcnt", 0x0u, 0, 0x0u, R_VAL},
    {"i32.popcnt", 0x8000u, 0, 0x1u, R_VAL},
    {"i32.popcnt", 0x80008000u, 0, 0x2u, R_VAL},
    {"i32.popcnt", 0x7fffffffu, 0, 0x1fu, R_VAL},
    {"i32.popcnt", 0xaaaaaaaau, 0, 0x10u, R_VAL},
    {"i32.popcnt", 0x55555555u, 0, 0x10u, R_VAL},
    {"i32.popcnt", 0xdeadbeefu, 0, 0x18u, R_VAL},
    {"i32.extend8_s", 0x0u, 0, 0x0u, R_VAL},
    {"i32.extend8_s", 0x7fu, 0, 0x7fu, R_VAL},
    {"i32.extend8_s", 0x80u, 0, 0xffffff80u, R_VAL},
    {"i32.extend8_s", 0xffu, 0, 0xffffffffu, R_VAL},
    {"i32.extend8_s", 0x1234500u, 0, 0x0u, R_VAL},
    {"i32.extend8_s", 0xfedcba80u, 0, 0xffffff80u, R_VAL},
    {"i32.extend8_s", 0xffffffffu, 0, 0xffffffffu, R_VAL},
    {"i32.extend16_s", 0x0u, 0, 0x0u, R_VAL},
    {"i32.extend16_s", 0x7fffu, 0, 0x7fffu, R_VAL},
    {"i32.extend16_s", 0x8000u, 0, 0xffff8000u, R_VAL},
    {"i32.extend16_s", 0xffffu, 0, 0xffffffffu, R_VAL},
    {"i32.extend16_s", 0x1230000u, 0, 0x0u, R_VAL},
    {"i32.extend16_s", 0xfedc8000u, 0, 0xffff8000u, R_VAL},
    {"i32.extend16_s", 0xffffffffu, 0, 0xffffffffu, R_VAL},
    {"i32.eqz", 0x0u, 0, 0x1u, R_VAL},
    {"i32.eqz", 0x1u, 0, 0x0u, R_VAL},
    {"i32.eqz", 0x80000000u, 0, 0x0u, R_VAL},
    {"i32.eqz", 0x7fffffffu, 0, 0x0u, R_VAL},
    {"i32.eqz", 0xffffffffu, 0, 0x0u, R_VAL},
    {"i64.div_s", 0x1u, 0x0u, DIVZ, R_TRAP},
    {"i64.div_s", 0x0u, 0x0u, DIVZ, R_TRAP},
    {"i64.div_s", 0x8000000000000000u, 0xffffffffffffffffu, OVF, R_TRAP},
    {"i64.div_s", 0x8000000000000000u, 0x0u, DIVZ, R_TRAP},
    {"i64.div_s", 0x1u, 0x1u, 0x1u, R_VAL},
    {"i64.div_s", 0x0u, 0x1u, 0x0u, R_VAL},
    {"i64.div_s", 0x0u, 0xffffffffffffffffu, 0x0u, R_VAL},
    {"i64.div_s", 0x8000000000000001u, 0x3e8u, 0xffdf3b645a1cac09u, R_VAL},
    {"i64.div_s", 0x5u, 0x2u, 0x2u, R_VAL},
    {"i64.div_s", 0xbu, 0x5u, 0x2u, R_VAL},
    {"i64.div_u", 0x1u, 0x0u, DIVZ, R_TRAP},
    {"i64.div_u", 0x0u, 0x0u, DIVZ, R_TRAP},
    {"i64.div_u", 0x1u, 0x1u, 0x1u, R_VAL},
    {"i64.div_u", 0x0u, 0x1u, 0x0u, R_VAL},
    {"i64.div_u", 0xffffffffffffffffu, 0xffffffffffffffffu, 0x1u, R_VAL},
    {"i64.div_u", 0x8000000000000000u, 0xffffffffffffffffu, 0x0u, R_VAL},
    {"i64.div_u", 0x8ff00ff00ff00ff0u, 0x100000001u, 0x8ff00fefu, R_VAL},
    {"i64.div_u", 0x5u, 0x2u, 0x2u, R_VAL},
    {"i64.div_u", 0xfffffffffffffffbu, 0x2u, 0x7ffffffffffffffdu, R_VAL},
    {"i64.div_u", 0xbu, 0x5u, 0x2u, R_VAL},
    {"i64.rem_s", 0x1u, 0x0u, DIVZ, R_TRAP},
    {"i64.rem_s", 0x0u, 0x0u, DIVZ, R_TRAP},
    {"i64.rem_s", 0x7fffffffffffffffu, 0xffffffffffffffffu, 0x0u, R_VAL},
    {"i64.rem_s", 0x1u, 0x1u, 0x0u, R_VAL},
    {"i64.rem_s", 0x0u, 0x1u, 0x0u, R_VAL},
    {"i64.rem_s", 0x0u, 0xffffffffffffffffu, 0x0u, R_VAL},
    {"i64.rem_s", 0xffffffffffffffffu, 0xffffffffffffffffu, 0x0u, R_VAL},
    {"i64.rem_s", 0x8000000000000001u, 0x3e8u, 0xfffffffffffffcd9u, R_VAL},
    {"i64.rem_s", 0x5u, 0x2u, 0x1u, R_VAL},
    {"i64.rem_s", 0xbu, 0x5u, 0x1u, R_VAL},
    {"i64.rem_u", 0x1u, 0x0u, DIVZ, R_TRAP},
    {"i64.rem_u", 0x0u, 0x0u, DIVZ, R_TRAP},
    {"i64.rem_u", 0x1u, 0x1u, 0x0u, R_VAL},
    {"i64.rem_u", 0x0u, 0x1u, 0x0u, R_VAL},
    {"i64.rem_u", 0xffffffffffffffffu, 0xffffffffffffffffu, 0x0u, R_VAL},
    {"i64.rem_u", 0x8000000000000000u, 0xffffffffffffffffu, 0x8000000000000000u, R_VAL},
    {"i64.rem_u", 0x8ff00ff00ff00ff0u, 0x100000001u, 0x80000001u, R_VAL},
    {"i64.rem_u", 0x5u, 0x2u, 0x1u, R_VAL},
    {"i64.rem_u", 0xfffffffffffffffbu, 0x2u, 0x1u, R_VAL},
    {"i64.rem_u", 0xbu, 0x5u, 0x1u, R_VAL},
    {"i64.shl", 0x1u, 0x1u, 0x2u, R_VAL},
    {"i64.shl", 0x1u, 0x0u, 0x1u, R_VAL},
    {"i64.shl", 0x7fffffffffffffffu, 0x1u, 0xfffffffffffffffeu, R_VAL},
    {"i64.shl", 0xffffffffffffffffu, 0x1u, 0xfffffffffffffffeu, R_VAL},
    {"i64.shl", 0x8000000000000000u, 0x1u, 0x0u, R_VAL},
    {"i64.shl", 0x4000000000000000u, 0x1u, 0x8000000000000000u, R_VAL},
    {"i64.shl", 0x1u, 0x3fu, 0x8000000000000000u, R_VAL},
    {"i64.shl", 0x1u, 0x40u, 0x1u, R_VAL},
    {"i64.shl", 0x1u, 0xffffffffffffffffu, 0x8000000000000000u, R_VAL},
    {"i64.shl", 0x1u, 0x7fffffffffffffffu, 0x8000000000000000u, R_VAL},
    {"i64.shr_s", 0x1u, 0x1u, 0x0u, R_VAL},
    {"i64.shr_s", 0x1u, 0x0u, 0x1u, R_VAL},
    {"i64.shr_s", 0xffffffffffffffffu, 0x1u, 0xffffffffffffffffu, R_VAL},
    {"i64.shr_s", 0x7fffffffffffffffu, 0x1u, 0x3fffffffffffffffu, R_VAL},
    {"i64.shr_s", 0x4000000000000000u, 0x1u, 0x2000000000000000u, R_VAL},
    {"i64.shr_s", 0x1u, 0x40u, 0x1u, R_VAL},
    {"i64.shr_s", 0x1u, 0xffffffffffffffffu, 0x0u, R_VAL},
    {"i64.shr_s", 0x1u, 0x7fffffffffffffffu, 0x0u, R_VAL},
    {"i64.shr_s", 0x1u, 0x8000000000000000u, 0x1u, R_VAL},
    {"i64.shr_s", 0xffffffffffffffffu, 0x40u, 0xffffffffffffffffu, R_VAL},
    {"i64.shr_u", 0x1u, 0x1u, 0x0u, R_VAL},
    {"i64.shr_u", 0x1u, 0x0u, 0x1u, R_VAL},
    {"i64.shr_u", 0xffffffffffffffffu, 0x1u, 0x7fffffffffffffffu, R_VAL},
    {"i64.shr_u", 0x7fffffffffffffffu, 0x1u, 0x3fffffffffffffffu, R_VAL},
    {"i64.shr_u", 0x4000000000000000u, 0x1u, 0x2000000000000000u, R_VAL},
    {"i64.shr_u", 0x1u, 0x40u, 0x1u, R_VAL},
    {"i64.shr_u", 0x1u, 0xffffffffffffffffu, 0x0u, R_VAL},
    {"i64.shr_u", 0x1u, 0x7fffffffffffffffu, 0x0u, R_VAL},
    {"i64.shr_u", 0x1u, 0x8000000000000000u, 0x1u, R_VAL},
    {"i64.shr_u", 0xffffffffffffffffu, 0x40u, 0xffffffffffffffffu, R_VAL},
    {"i64.rotl", 0x1u, 0x1u, 0x2u, R_VAL},
    {"i64.rotl", 0x1u, 0x0u, 0x1u, R_VAL},
    {"i64.rotl", 0xffffffffffffffffu, 0x1u, 0xffffffffffffffffu, R_VAL},
    {"i64.rotl", 0x1u, 0x40u, 0x1u, R_VAL},
    {"i64.rotl", 0xfe000000dc000000u, 0x4u, 0xe000000dc000000fu, R_VAL},
    {"i64.rotl", 0xabcd1234ef567809u, 0x35u, 0x13579a2469deacfu, R_VAL},
    {"i64.rotl", 0xabd1234ef567809cu, 0x3fu, 0x55e891a77ab3c04eu, R_VAL},
    {"i64.rotl", 0xabcd7294ef567809u, 0xffffffffffffffedu, 0xcf013579ae529deau, R_VAL},
    {"i64.rotl", 0xabd1234ef567809cu, 0x800000000000003fu, 0x55e891a77ab3c04eu, R_VAL},
    {"i64.rotl", 0x1u, 0x3fu, 0x8000000000000000u, R_VAL},
    {"i64.rotr", 0x1u, 0x1u, 0x8000000000000000u, R_VAL},
    {"i64.rotr", 0x1u, 0x0u, 0x1u, R_VAL},
    {"i64.rotr", 0xffffffffffffffffu, 0x1u, 0xffffffffffffffffu, R_VAL},
    {"i64.rotr", 0x1u, 0x40u, 0x1u, R_VAL},
    {"i64.rotr", 0xfe000000dc000000u, 0x4u, 0xfe000000dc00000u, R_VAL},
    {"i64.rotr", 0xabcd1234ef567809u, 0x35u, 0x6891a77ab3c04d5eu, R_VAL},
    {"i64.rotr", 0xabd1234ef567809cu, 0x3fu, 0x57a2469deacf0139u, R_VAL},
    {"i64.rotr", 0xabcd7294ef567809u, 0xffffffffffffffedu, 0x94a77ab3c04d5e6bu, R_VAL},
    {"i64.rotr", 0xabd1234ef567809cu, 0x800000000000003fu, 0x57a2469deacf0139u, R_VAL},
    {"i64.rotr", 0x1u, 0x3fu, 0x2u, R_VAL},
    {"i64.clz", 0xffffffffffffffffu, 0, 0x0u, R_VAL},
    {"i64.clz", 0x0u, 0, 0x40u, R_VAL},
    {"i64.clz", 0x8000u, 0, 0x30u, R_VAL},
    {"i64.clz", 0xffu, 0, 0x38u, R_VAL},
    {"i64.clz", 0x8000000000000000u, 0, 0x0u, R_VAL},
    {"i64.clz", 0x1u, 0, 0x3fu, R_VAL},
    {"i64.clz", 0x2u, 0, 0x3eu, R_VAL},
    {"i64.clz", 0x7fffffffffffffffu, 0, 0x1u, R_VAL},
    {"i64.ctz", 0xffffffffffffffffu, 0, 0x0u, R_VAL},
    {"i64.ctz", 0x0u, 0, 0x40u, R_VAL},
    {"i64.ctz", 0x8000u, 0, 0xfu, R_VAL},
    {"i64.ctz", 0x10000u, 0, 0x10u, R_VAL},
    {"i64.ctz", 0x8000000000000000u, 0, 0x3fu, R_VAL},
    {"i64.ctz", 0x7fffffffffffffffu, 0, 0x0u, R_VAL},
    {"i64.popcnt", 0xffffffffffffffffu, 0, 0x40u, R_VAL},
    {"i64.popcnt", 0x0u, 0, 0x0u, R_VAL},
    {"i64.popcnt", 0x8000u, 0, 0x1u, R_VAL},
    {"i64.popcnt", 0x8000800080008000u, 0, 0x4u, R_VAL},
    {"i64.popcnt", 0x7fffffffffffffffu, 0, 0x3fu, R_VAL},
    {"i64.popcnt", 0xaaaaaaaa55555555u, 0, 0x20u, R_VAL},
    {"i64.popcnt", 0x99999999aaaaaaaau, 0, 0x20u, R_VAL},
    {"i64.popcnt", 0xdeadbeefdeadbeefu, 0, 0x30u, R_VAL},
    {"i64.extend8_s", 0x0u, 0, 0x0u, R_VAL},
    {"i64.extend8_s", 0x7fu, 0, 0x7fu, R_VAL},
    {"i64.extend8_s", 0x80u, 0, 0xffffffffffffff80u, R_VAL},
    {"i64.extend8_s", 0xffu, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.extend8_s", 0x123456789abcd00u, 0, 0x0u, R_VAL},
    {"i64.extend8_s", 0xfedcba9876543280u, 0, 0xffffffffffffff80u, R_VAL},
    {"i64.extend8_s", 0xffffffffffffffffu, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.extend16_s", 0x0u, 0, 0x0u, R_VAL},
    {"i64.extend16_s", 0x7fffu, 0, 0x7fffu, R_VAL},
    {"i64.extend16_s", 0x8000u, 0, 0xffffffffffff8000u, R_VAL},
    {"i64.extend16_s", 0xffffu, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.extend16_s", 0x123456789abc0000u, 0, 0x0u, R_VAL},
    {"i64.extend16_s", 0xfedcba9876548000u, 0, 0xffffffffffff8000u, R_VAL},
    {"i64.extend16_s", 0xffffffffffffffffu, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.extend32_s", 0x0u, 0, 0x0u, R_VAL},
    {"i64.extend32_s", 0x7fffu, 0, 0x7fffu, R_VAL},
    {"i64.extend32_s", 0x8000u, 0, 0x8000u, R_VAL},
    {"i64.extend32_s", 0xffffu, 0, 0xffffu, R_VAL},
    {"i64.extend32_s", 0x7fffffffu, 0, 0x7fffffffu, R_VAL},
    {"i64.extend32_s", 0x80000000u, 0, 0xffffffff80000000u, R_VAL},
    {"i64.extend32_s", 0xffffffffu, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.extend32_s", 0x123456700000000u, 0, 0x0u, R_VAL},
    {"i64.extend32_s", 0xfedcba9880000000u, 0, 0xffffffff80000000u, R_VAL},
    {"i64.extend32_s", 0xffffffffffffffffu, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.eqz", 0x0u, 0, 0x1u, R_VAL},
    {"i64.eqz", 0x1u, 0, 0x0u, R_VAL},
    {"i64.eqz", 0x8000000000000000u, 0, 0x0u, R_VAL},
    {"i64.eqz", 0x7fffffffffffffffu, 0, 0x0u, R_VAL},
    {"i64.eqz", 0xffffffffffffffffu, 0, 0x0u, R_VAL},
};

static const num_case arith_cases[] = {
    {"f32.add", 0x80000000u, 0x80000000u, 0x80000000u, R_VAL},
    {"f32.add", 0x80000000u, 0xff800000u, 0xff800000u, R_VAL},
    {"f32.add", 0x80000000u, 0x7f800000u, 0x7f800000u, R_VAL},
    {"f32.add", 0x0u, 0xff800000u, 0xff800000u, R_VAL},
    {"f32.add", 0x0u, 0x7f800000u, 0x7f800000u, R_VAL},
    {"f32.add", 0x80000000u, 0xffc00000u, 0, R_CANON},
    {"f32.add", 0x1u, 0xbf800000u, 0xbf800000u, R_VAL},
    {"f32.add", 0xbf000000u, 0x80800000u, 0xbf000000u, R_VAL},
    {"f32.add", 0x3f800000u, 0x7f7fffffu, 0x7f7fffffu, R_VAL},
    {"f32.add", 0xff7fffffu, 0x3f800000u, 0xff7fffffu, R_VAL},
    {"f32.sub", 0x80000000u, 0x80000000u, 0x0u, R_VAL},
    {"f32.sub", 0x80000000u, 0xff800000u, 0x7f800000u, R_VAL},
    {"f32.sub", 0x80000000u, 0x7f800000u, 0xff800000u, R_VAL},
    {"f32.sub", 0x0u, 0xff800000u, 0x7f800000u, R_VAL},
    {"f32.sub", 0x0u, 0x7f800000u, 0xff800000u, R_VAL},
    {"f32.sub", 0x80000000u, 0xffc00000u, 0, R_CANON},
    {"f32.sub", 0x80000001u, 0x3f800000u, 0xbf800000u, R_VAL},
    {"f32.sub", 0x3f000000u, 0x80000001u, 0x3f000000u, R_VAL},
    {"f32.sub", 0x3f800000u, 0x40c90fdbu, 0xc0a90fdbu, R_VAL},
    {"f32.sub", 0xff7fffffu, 0xbf000000u, 0xff7fffffu, R_VAL},
    {"f32.mul", 0x80000000u, 0x80000000u, 0x0u, R_VAL},
    {"f32.mul", 0x80000000u, 0xff800000u, 0, R_CANON},
    {"f32.mul", 0x80000000u, 0x7f800000u, 0, R_CANON},
    {"f32.mul", 0x0u, 0xff800000u, 0, R_CANON},
    {"f32.mul", 0x0u, 0x7f800000u, 0, R_CANON},
    {"f32.mul", 0x80000000u, 0xffc00000u, 0, R_CANON},
    {"f32.mul", 0x80000001u, 0x3f800000u, 0x80000001u, R_VAL},
    {"f32.mul", 0x3f000000u, 0x80000001u, 0x80000000u, R_VAL},
    {"f32.mul", 0x3f800000u, 0x40c90fdbu, 0x40c90fdbu, R_VAL},
    {"f32.mul", 0xff7fffffu, 0xbf000000u, 0x7effffffu, R_VAL},
    {"f32.div", 0x80000000u, 0x80000000u, 0, R_CANON},
    {"f32.div", 0x80000000u, 0x0u, 0, R_CANON},
    {"f32.div", 0x0u, 0x80000000u, 0, R_CANON},
    {"f32.div", 0x0u, 0x0u, 0, R_CANON},
    {"f32.div", 0x80000000u, 0x80000001u, 0x0u, R_VAL},
    {"f32.div", 0x80000000u, 0xff800000u, 0x0u, R_VAL},
    {"f32.div", 0x1u, 0xc0c90fdbu, 0x80000000u, R_VAL},
    {"f32.div", 0xbf000000u, 0x3f000000u, 0xbf800000u, R_VAL},
    {"f32.div", 0x40c90fdbu, 0x0u, 0x7f800000u, R_VAL},
    {"f32.div", 0x7f7fffffu, 0xc0c90fdbu, 0xfe22f982u, R_VAL},
    {"f32.sqrt", 0x80000000u, 0, 0x80000000u, R_VAL},
    {"f32.sqrt", 0x80000001u, 0, 0, R_CANON},
    {"f32.sqrt", 0x80800000u, 0, 0, R_CANON},
    {"f32.sqrt", 0xbf000000u, 0, 0, R_CANON},
    {"f32.sqrt", 0xbf800000u, 0, 0, R_CANON},
    {"f32.sqrt", 0xc0c90fdbu, 0, 0, R_CANON},
    {"f32.sqrt", 0x40c90fdbu, 0, 0x40206c99u, R_VAL},
    {"f32.sqrt", 0xff7fffffu, 0, 0, R_CANON},
    {"f32.sqrt", 0xff800000u, 0, 0, R_CANON},
    {"f32.sqrt", 0x3da15adbu, 0, 0x3e8fb687u, R_VAL},
    {"f32.sqrt", 0x3987596u, 0, 0x218bb203u, R_VAL},
    {"f32.sqrt", 0x3f800001u, 0, 0x3f800000u, R_VAL},
    {"f32.sqrt", 0x3e800001u, 0, 0x3f000000u, R_VAL},
    {"f32.sqrt", 0x4e932c06u, 0, 0x4709406bu, R_VAL},
    {"f64.add", 0x8000000000000000u, 0x8000000000000000u, 0x8000000000000000u, R_VAL},
    {"f64.add", 0x8000000000000000u, 0xfff0000000000000u, 0xfff0000000000000u, R_VAL},
    {"f64.add", 0x8000000000000000u, 0x7ff0000000000000u, 0x7ff0000000000000u, R_VAL},
    {"f64.add", 0x0u, 0xfff0000000000000u, 0xfff0000000000000u, R_VAL},
    {"f64.add", 0x0u, 0x7ff0000000000000u, 0x7ff0000000000000u, R_VAL},
    {"f64.add", 0x8000000000000000u, 0xfff8000000000000u, 0, R_CANON},
    {"f64.add", 0x8000000000000001u, 0x401921fb54442d18u, 0x401921fb54442d18u, R_VAL},
    {"f64.add", 0x3fe0000000000000u, 0xbfe0000000000000u, 0x0u, R_VAL},
    {"f64.add", 0x401921fb54442d18u, 0x1u, 0x401921fb54442d18u, R_VAL},
    {"f64.add", 0x3ff1f9add3739636u, 0x3de0f782bf7cc83fu, 0x3ff1f9add37c11f7u, R_VAL},
    {"f64.sub", 0x8000000000000000u, 0x8000000000000000u, 0x0u, R_VAL},
    {"f64.sub", 0x8000000000000000u, 0xfff0000000000000u, 0x7ff0000000000000u, R_VAL},
    {"f64.sub", 0x8000000000000000u, 0x7ff0000000000000u, 0xfff0000000000000u, R_VAL},
    {"f64.sub", 0x0u, 0xfff0000000000000u, 0x7ff0000000000000u, R_VAL},
    {"f64.sub", 0x0u, 0x7ff0000000000000u, 0xfff0000000000000u, R_VAL},
    {"f64.sub", 0x8000000000000000u, 0xfff8000000000000u, 0, R_CANON},
    {"f64.sub", 0x1u, 0x3ff0000000000000u, 0xbff0000000000000u, R_VAL},
    {"f64.sub", 0x3fe0000000000000u, 0x8010000000000000u, 0x3fe0000000000000u, R_VAL},
    {"f64.sub", 0xc01921fb54442d18u, 0x0u, 0xc01921fb54442d18u, R_VAL},
    {"f64.sub", 0xffefffffffffffffu, 0xc01921fb54442d18u, 0xffefffffffffffffu, R_VAL},
    {"f64.mul", 0x8000000000000000u, 0x8000000000000000u, 0x0u, R_VAL},
    {"f64.mul", 0x8000000000000000u, 0xfff0000000000000u, 0, R_CANON},
    {"f64.mul", 0x8000000000000000u, 0x7ff0000000000000u, 0, R_CANON},
    {"f64.mul", 0x0u, 0xfff0000000000000u, 0, R_CANON},
    {"f64.mul", 0x0u, 0x7ff0000000000000u, 0, R_CANON},
    {"f64.mul", 0x8000000000000000u, 0xfff8000000000000u, 0, R_CANON},
    {"f64.mul", 0x8000000000000001u, 0xc01921fb54442d18u, 0x6u, R_VAL},
    {"f64.mul", 0xbfe0000000000000u, 0xbfe0000000000000u, 0x3fd0000000000000u, R_VAL},
    {"f64.mul", 0xc01921fb54442d18u, 0x8000000000000001u, 0x6u, R_VAL},
    {"f64.mul", 0xffefffffffffffffu, 0xffefffffffffffffu, 0x7ff0000000000000u, R_VAL},
    {"f64.div", 0x8000000000000000u, 0x8000000000000000u, 0, R_CANON},
    {"f64.div", 0x8000000000000000u, 0x0u, 0, R_CANON},
    {"f64.div", 0x0u, 0x8000000000000000u, 0, R_CANON},
    {"f64.div", 0x0u, 0x0u, 0, R_CANON},
    {"f64.div", 0x8000000000000000u, 0x8000000000000001u, 0x0u, R_VAL},
    {"f64.div", 0x8000000000000000u, 0xfff0000000000000u, 0x0u, R_VAL},
    {"f64.div", 0x8000000000000001u, 0x7fefffffffffffffu, 0x8000000000000000u, R_VAL},
    {"f64.div", 0x3fe0000000000000u, 0x3ff0000000000000u, 0x3fe0000000000000u, R_VAL},
    {"f64.div", 0xc01921fb54442d18u, 0x3fe0000000000000u, 0xc02921fb54442d18u, R_VAL},
    {"f64.div", 0x18dd6867e741e0a9u, 0x33335eb19a9aae4u, 0x55987e342d11f519u, R_VAL},
    {"f64.sqrt", 0x8000000000000000u, 0, 0x8000000000000000u, R_VAL},
    {"f64.sqrt", 0x8000000000000001u, 0, 0, R_CANON},
    {"f64.sqrt", 0x8010000000000000u, 0, 0, R_CANON},
    {"f64.sqrt", 0xbfe0000000000000u, 0, 0, R_CANON},
    {"f64.sqrt", 0xbff0000000000000u, 0, 0, R_CANON},
    {"f64.sqrt", 0xc01921fb54442d18u, 0, 0, R_CANON},
    {"f64.sqrt", 0xffefffffffffffffu, 0, 0, R_CANON},
    {"f64.sqrt", 0x7fefffffffffffffu, 0, 0x5fefffffffffffffu, R_VAL},
    {"f64.sqrt", 0xfff0000000000000u, 0, 0, R_CANON},
    {"f64.sqrt", 0x3fefffffffffffffu, 0, 0x3fefffffffffffffu, R_VAL},
    {"f64.sqrt", 0x3e1a48f348266ad1u, 0, 0x3f0481ee7540baf7u, R_VAL},
    {"f64.sqrt", 0x213c201b94757145u, 0, 0x3095369ee6bf2967u, R_VAL},
    {"f64.sqrt", 0x3feffffffffffffdu, 0, 0x3feffffffffffffeu, R_VAL},
    {"f64.sqrt", 0x42b65f02cc93a100u, 0, 0x4152eb5440000000u, R_VAL},
};

static const num_case minmax_cases[] = {
    {"f32.min", 0x80000000u, 0x80000000u, 0x80000000u, R_VAL},
    {"f32.min", 0x80000000u, 0x0u, 0x80000000u, R_VAL},
    {"f32.min", 0x0u, 0x80000000u, 0x80000000u, R_VAL},
    {"f32.min", 0x0u, 0x0u, 0x0u, R_VAL},
    {"f32.min", 0x80000000u, 0x80000001u, 0x80000001u, R_VAL},
    {"f32.min", 0x80000000u, 0x7f7fffffu, 0x80000000u, R_VAL},
    {"f32.min", 0x80000000u, 0xff800000u, 0xff800000u, R_VAL},
    {"f32.min", 0x80000000u, 0x7f800000u, 0x80000000u, R_VAL},
    {"f32.min", 0x0u, 0xff800000u, 0xff800000u, R_VAL},
    {"f32.min", 0x0u, 0x7f800000u, 0x0u, R_VAL},
    {"f32.min", 0x80000000u, 0xffc00000u, 0, R_CANON},
    {"f32.min", 0x1u, 0xbf800000u, 0xbf800000u, R_VAL},
    {"f32.min", 0x80800000u, 0xbf000000u, 0xbf000000u, R_VAL},
    {"f32.min", 0xbf000000u, 0x1u, 0xbf000000u, R_VAL},
    {"f32.min", 0x3f000000u, 0xff7fffffu, 0xff7fffffu, R_VAL},
    {"f32.min", 0xbf800000u, 0xc0c90fdbu, 0xc0c90fdbu, R_VAL},
    {"f32.min", 0xc0c90fdbu, 0x3f000000u, 0xc0c90fdbu, R_VAL},
    {"f32.min", 0x7f7fffffu, 0x80000001u, 0x80000001u, R_VAL},
    {"f32.max", 0x80000000u, 0x80000000u, 0x80000000u, R_VAL},
    {"f32.max", 0x80000000u, 0x0u, 0x0u, R_VAL},
    {"f32.max", 0x0u, 0x80000000u, 0x0u, R_VAL},
    {"f32.max", 0x0u, 0x0u, 0x0u, R_VAL},
    {"f32.max", 0x80000000u, 0x80000001u, 0x80000000u, R_VAL},
    {"f32.max", 0x80000000u, 0x7f7fffffu, 0x7f7fffffu, R_VAL},
    {"f32.max", 0x80000000u, 0xff800000u, 0x80000000u, R_VAL},
    {"f32.max", 0x80000000u, 0x7f800000u, 0x7f800000u, R_VAL},
    {"f32.max", 0x0u, 0xff800000u, 0x0u, R_VAL},
    {"f32.max", 0x0u, 0x7f800000u, 0x7f800000u, R_VAL},
    {"f32.max", 0x80000000u, 0xffc00000u, 0, R_CANON},
    {"f32.max", 0x1u, 0xbf800000u, 0x1u, R_VAL},
    {"f32.max", 0x80800000u, 0xbf000000u, 0x80800000u, R_VAL},
    {"f32.max", 0xbf000000u, 0x1u, 0x1u, R_VAL},
    {"f32.max", 0x3f000000u, 0xff7fffffu, 0x3f000000u, R_VAL},
    {"f32.max", 0xbf800000u, 0xc0c90fdbu, 0xbf800000u, R_VAL},
    {"f32.max", 0xc0c90fdbu, 0x3f000000u, 0x3f000000u, R_VAL},
    {"f32.max", 0x7f7fffffu, 0x80000001u, 0x7f7fffffu, R_VAL},
    {"f64.min", 0x8000000000000000u, 0x8000000000000000u, 0x8000000000000000u, R_VAL},
    {"f64.min", 0x8000000000000000u, 0x0u, 0x8000000000000000u, R_VAL},
    {"f64.min", 0x0u, 0x8000000000000000u, 0x8000000000000000u, R_VAL},
    {"f64.min", 0x0u, 0x0u, 0x0u, R_VAL},
    {"f64.min", 0x8000000000000000u, 0x8000000000000001u, 0x8000000000000001u, R_VAL},
    {"f64.min", 0x8000000000000000u, 0x7fefffffffffffffu, 0x8000000000000000u, R_VAL},
    {"f64.min", 0x8000000000000000u, 0xfff0000000000000u, 0xfff0000000000000u, R_VAL},
    {"f64.min", 0x8000000000000000u, 0x7ff0000000000000u, 0x8000000000000000u, R_VAL},
    {"f64.min", 0x0u, 0xfff0000000000000u, 0xfff0000000000000u, R_VAL},
    {"f64.min", 0x0u, 0x7ff0000000000000u, 0x0u, R_VAL},
    {"f64.min", 0x8000000000000000u, 0xfff8000000000000u, 0, R_CANON},
    {"f64.min", 0x1u, 0xbff0000000000000u, 0xbff0000000000000u, R_VAL},
    {"f64.min", 0x8010000000000000u, 0xbfe0000000000000u, 0xbfe0000000000000u, R_VAL},
    {"f64.min", 0xbfe0000000000000u, 0x1u, 0xbfe0000000000000u, R_VAL},
    {"f64.min", 0x3fe0000000000000u, 0xffefffffffffffffu, 0xffefffffffffffffu, R_VAL},
    {"f64.min", 0xbff0000000000000u, 0xc01921fb54442d18u, 0xc01921fb54442d18u, R_VAL},
    {"f64.min", 0xc01921fb54442d18u, 0x3fe0000000000000u, 0xc01921fb54442d18u, R_VAL},
    {"f64.min", 0x7fefffffffffffffu, 0x8000000000000001u, 0x8000000000000001u, R_VAL},
    {"f64.max", 0x8000000000000000u, 0x8000000000000000u, 0x8000000000000000u, R_VAL},
    {"f64.max", 0x8000000000000000u, 0x0u, 0x0u, R_VAL},
    {"f64.max", 0x0u, 0x8000000000000000u, 0x0u, R_VAL},
    {"f64.max", 0x0u, 0x0u, 0x0u, R_VAL},
    {"f64.max", 0x8000000000000000u, 0x8000000000000001u, 0x8000000000000000u, R_VAL},
    {"f64.max", 0x8000000000000000u, 0x7fefffffffffffffu, 0x7fefffffffffffffu, R_VAL},
    {"f64.max", 0x8000000000000000u, 0xfff0000000000000u, 0x8000000000000000u, R_VAL},
    {"f64.max", 0x8000000000000000u, 0x7ff0000000000000u, 0x7ff0000000000000u, R_VAL},
    {"f64.max", 0x0u, 0xfff0000000000000u, 0x0u, R_VAL},
    {"f64.max", 0x0u, 0x7ff0000000000000u, 0x7ff0000000000000u, R_VAL},
    {"f64.max", 0x8000000000000000u, 0xfff8000000000000u, 0, R_CANON},
    {"f64.max", 0x1u, 0xbff0000000000000u, 0x1u, R_VAL},
    {"f64.max", 0x8010000000000000u, 0xbfe0000000000000u, 0x8010000000000000u, R_VAL},
    {"f64.max", 0xbfe0000000000000u, 0x1u, 0x1u, R_VAL},
    {"f64.max", 0x3fe0000000000000u, 0xffefffffffffffffu, 0x3fe0000000000000u, R_VAL},
    {"f64.max", 0xbff0000000000000u, 0xc01921fb54442d18u, 0xbff0000000000000u, R_VAL},
    {"f64.max", 0xc01921fb54442d18u, 0x3fe0000000000000u, 0x3fe0000000000000u, R_VAL},
    {"f64.max", 0x7fefffffffffffffu, 0x8000000000000001u, 0x7fefffffffffffffu, R_VAL},
};

static const num_case rounding_cases[] = {
    {"f32.floor", 0x80000000u, 0, 0x80000000u, R_VAL},
    {"f32.floor", 0x80000001u, 0, 0xbf800000u, R_VAL},
    {"f32.floor", 0x80800000u, 0, 0xbf800000u, R_VAL},
    {"f32.floor", 0x3f000000u, 0, 0x0u, R_VAL},
    {"f32.floor", 0x3f800000u, 0, 0x3f800000u, R_VAL},
    {"f32.floor", 0x40c90fdbu, 0, 0x40c00000u, R_VAL},
    {"f32.floor", 0xff800000u, 0, 0xff800000u, R_VAL},
    {"f32.floor", 0x7f800000u, 0, 0x7f800000u, R_VAL},
    {"f32.floor", 0xffc00000u, 0, 0, R_CANON},
    {"f32.floor", 0xffa00000u, 0, 0, R_ARITH},
    {"f32.floor", 0x7fc00000u, 0, 0, R_CANON},
    {"f32.floor", 0x7fa00000u, 0, 0, R_ARITH},
    {"f32.floor", 0xbf7fffffu, 0, 0xbf800000u, R_VAL},
    {"f32.floor", 0xcaffffffu, 0, 0xcb000000u, R_VAL},
    {"f32.ceil", 0x80000000u, 0, 0x80000000u, R_VAL},
    {"f32.ceil", 0x80000001u, 0, 0x80000000u, R_VAL},
    {"f32.ceil", 0x800000u, 0, 0x3f800000u, R_VAL},
    {"f32.ceil", 0x3f000000u, 0, 0x3f800000u, R_VAL},
    {"f32.ceil", 0xc0c90fdbu, 0, 0xc0c00000u, R_VAL},
    {"f32.ceil", 0xff7fffffu, 0, 0xff7fffffu, R_VAL},
    {"f32.ceil", 0xff800000u, 0, 0xff800000u, R_VAL},
    {"f32.ceil", 0x7f800000u, 0, 0x7f800000u, R_VAL},
    {"f32.ceil", 0xffc00000u, 0, 0, R_CANON},
    {"f32.ceil", 0xffa00000u, 0, 0, R_ARITH},
    {"f32.ceil", 0x7fc00000u, 0, 0, R_CANON},
    {"f32.ceil", 0x7fa00000u, 0, 0, R_ARITH},
    {"f32.ceil", 0x3f800001u, 0, 0x40000000u, R_VAL},
    {"f32.ceil", 0xcaffffffu, 0, 0xcafffffeu, R_VAL},
    {"f32.trunc", 0x80000000u, 0, 0x80000000u, R_VAL},
    {"f32.trunc", 0x80000001u, 0, 0x80000000u, R_VAL},
    {"f32.trunc", 0x80800000u, 0, 0x80000000u, R_VAL},
    {"f32.trunc", 0xbf000000u, 0, 0x80000000u, R_VAL},
    {"f32.trunc", 0xbf800000u, 0, 0xbf800000u, R_VAL},
    {"f32.trunc", 0xc0c90fdbu, 0, 0xc0c00000u, R_VAL},
    {"f32.trunc", 0xff7fffffu, 0, 0xff7fffffu, R_VAL},
    {"f32.trunc", 0xff800000u, 0, 0xff800000u, R_VAL},
    {"f32.trunc", 0x7f800000u, 0, 0x7f800000u, R_VAL},
    {"f32.trunc", 0xffc00000u, 0, 0, R_CANON},
    {"f32.trunc", 0xffa00000u, 0, 0, R_ARITH},
    {"f32.trunc", 0x7fc00000u, 0, 0, R_CANON},
    {"f32.trunc", 0x7fa00000u, 0, 0, R_ARITH},
    {"f32.trunc", 0xcaffffffu, 0, 0xcafffffeu, R_VAL},
    {"f32.nearest", 0x80000000u, 0, 0x80000000u, R_VAL},
    {"f32.nearest", 0x80000001u, 0, 0x80000000u, R_VAL},
    {"f32.nearest", 0x800000u, 0, 0x0u, R_VAL},
    {"f32.nearest", 0xbf800000u, 0, 0xbf800000u, R_VAL},
    {"f32.nearest", 0x40c90fdbu, 0, 0x40c00000u, R_VAL},
    {"f32.nearest", 0xff800000u, 0, 0xff800000u, R_VAL},
    {"f32.nearest", 0x7f800000u, 0, 0x7f800000u, R_VAL},
    {"f32.nearest", 0xffc00000u, 0, 0, R_CANON},
    {"f32.nearest", 0xffa00000u, 0, 0, R_ARITH},
    {"f32.nearest", 0x7fc00000u, 0, 0, R_CANON},
    {"f32.nearest", 0x7fa00000u, 0, 0, R_ARITH},
    {"f32.nearest", 0x4b000001u, 0, 0x4b000001u, R_VAL},
    {"f32.nearest", 0x577fffffu, 0, 0x577fffffu, R_VAL},
    {"f32.nearest", 0xc0600000u, 0, 0xc0800000u, R_VAL},
    {"f64.floor", 0x8000000000000000u, 0, 0x8000000000000000u, R_VAL},
    {"f64.floor", 0x8000000000000001u, 0, 0xbff0000000000000u, R_VAL},
    {"f64.floor", 0x8010000000000000u, 0, 0xbff0000000000000u, R_VAL},
    {"f64.floor", 0x3fe0000000000000u, 0, 0x0u, R_VAL},
    {"f64.floor", 0x3ff0000000000000u, 0, 0x3ff0000000000000u, R_VAL},
    {"f64.floor", 0x401921fb54442d18u, 0, 0x4018000000000000u, R_VAL},
    {"f64.floor", 0xfff0000000000000u, 0, 0xfff0000000000000u, R_VAL},
    {"f64.floor", 0x7ff0000000000000u, 0, 0x7ff0000000000000u, R_VAL},
    {"f64.floor", 0xfff8000000000000u, 0, 0, R_CANON},
    {"f64.floor", 0xfff4000000000000u, 0, 0, R_ARITH},
    {"f64.floor", 0x7ff8000000000000u, 0, 0, R_CANON},
    {"f64.floor", 0x7ff4000000000000u, 0, 0, R_ARITH},
    {"f64.floor", 0xbfefffffffffffffu, 0, 0xbff0000000000000u, R_VAL},
    {"f64.floor", 0xc32fffffffffffffu, 0, 0xc330000000000000u, R_VAL},
    {"f64.ceil", 0x8000000000000000u, 0, 0x8000000000000000u, R_VAL},
    {"f64.ceil", 0x8000000000000001u, 0, 0x8000000000000000u, R_VAL},
    {"f64.ceil", 0x10000000000000u, 0, 0x3ff0000000000000u, R_VAL},
    {"f64.ceil", 0x3fe0000000000000u, 0, 0x3ff0000000000000u, R_VAL},
    {"f64.ceil", 0xc01921fb54442d18u, 0, 0xc018000000000000u, R_VAL},
    {"f64.ceil", 0xffefffffffffffffu, 0, 0xffefffffffffffffu, R_VAL},
    {"f64.ceil", 0xfff0000000000000u, 0, 0xfff0000000000000u, R_VAL},
    {"f64.ceil", 0x7ff0000000000000u, 0, 0x7ff0000000000000u, R_VAL},
    {"f64.ceil", 0xfff8000000000000u, 0, 0, R_CANON},
    {"f64.ceil", 0xfff4000000000000u, 0, 0, R_ARITH},
    {"f64.ceil", 0x7ff8000000000000u, 0, 0, R_CANON},
    {"f64.ceil", 0x7ff4000000000000u, 0, 0, R_ARITH},
    {"f64.ceil", 0x3ff0000000000001u, 0, 0x4000000000000000u, R_VAL},
    {"f64.ceil", 0xc32fffffffffffffu, 0, 0xc32ffffffffffffeu, R_VAL},
    {"f64.trunc", 0x8000000000000000u, 0, 0x8000000000000000u, R_VAL},
    {"f64.trunc", 0x8000000000000001u, 0, 0x8000000000000000u, R_VAL},
    {"f64.trunc", 0x8010000000000000u, 0, 0x8000000000000000u, R_VAL},
    {"f64.trunc", 0xbfe0000000000000u, 0, 0x8000000000000000u, R_VAL},
    {"f64.trunc", 0xbff0000000000000u, 0, 0xbff0000000000000u, R_VAL},
    {"f64.trunc", 0xc01921fb54442d18u, 0, 0xc018000000000000u, R_VAL},
    {"f64.trunc", 0xffefffffffffffffu, 0, 0xffefffffffffffffu, R_VAL},
    {"f64.trunc", 0xfff0000000000000u, 0, 0xfff0000000000000u, R_VAL},
    {"f64.trunc", 0x7ff0000000000000u, 0, 0x7ff0000000000000u, R_VAL},
    {"f64.trunc", 0xfff8000000000000u, 0, 0, R_CANON},
    {"f64.trunc", 0xfff4000000000000u, 0, 0, R_ARITH},
    {"f64.trunc", 0x7ff8000000000000u, 0, 0, R_CANON},
    {"f64.trunc", 0x7ff4000000000000u, 0, 0, R_ARITH},
    {"f64.trunc", 0xc32fffffffffffffu, 0, 0xc32ffffffffffffeu, R_VAL},
    {"f64.nearest", 0x8000000000000000u, 0, 0x8000000000000000u, R_VAL},
    {"f64.nearest", 0x8000000000000001u, 0, 0x8000000000000000u, R_VAL},
    {"f64.nearest", 0x10000000000000u, 0, 0x0u, R_VAL},
    {"f64.nearest", 0xbff0000000000000u, 0, 0xbff0000000000000u, R_VAL},
    {"f64.nearest", 0x401921fb54442d18u, 0, 0x4018000000000000u, R_VAL},
    {"f64.nearest", 0xfff0000000000000u, 0, 0xfff0000000000000u, R_VAL},
    {"f64.nearest", 0x7ff0000000000000u, 0, 0x7ff0000000000000u, R_VAL},
    {"f64.nearest", 0xfff8000000000000u, 0, 0, R_CANON},
    {"f64.nearest", 0xfff4000000000000u, 0, 0, R_ARITH},
    {"f64.nearest", 0x7ff8000000000000u, 0, 0, R_CANON},
    {"f64.nearest", 0x7ff4000000000000u, 0, 0, R_ARITH},
    {"f64.nearest", 0x4330000000000001u, 0, 0x4330000000000001u, R_VAL},
    {"f64.nearest", 0x468fffffffffffffu, 0, 0x468fffffffffffffu, R_VAL},
    {"f64.nearest", 0xc00c000000000000u, 0, 0xc010000000000000u, R_VAL},
};

static const num_case compare_cases[] = {
    {"f32.eq", 0x80000000u, 0x80000000u, 0x1u, R_VAL},
    {"f32.eq", 0x80000000u, 0xff800000u, 0x0u, R_VAL},
    {"f32.eq", 0x80000000u, 0x7f800000u, 0x0u, R_VAL},
    {"f32.eq", 0x0u, 0xff800000u, 0x0u, R_VAL},
    {"f32.eq", 0x3f000000u, 0xbf000000u, 0x0u, R_VAL},
    {"f32.ne", 0x80000000u, 0x80000000u, 0x0u, R_VAL},
    {"f32.ne", 0x80000000u, 0xff800000u, 0x1u, R_VAL},
    {"f32.ne", 0x80000000u, 0x7f800000u, 0x1u, R_VAL},
    {"f32.ne", 0x0u, 0xff800000u, 0x1u, R_VAL},
    {"f32.ne", 0x3f000000u, 0xbf000000u, 0x1u, R_VAL},
    {"f32.lt", 0x80000000u, 0x80000000u, 0x0u, R_VAL},
    {"f32.lt", 0x80000000u, 0xff800000u, 0x0u, R_VAL},
    {"f32.lt", 0x80000000u, 0x7f800000u, 0x1u, R_VAL},
    {"f32.lt", 0x0u, 0xff800000u, 0x0u, R_VAL},
    {"f32.lt", 0x3f000000u, 0xbf000000u, 0x0u, R_VAL},
    {"f32.le", 0x80000000u, 0x80000000u, 0x1u, R_VAL},
    {"f32.le", 0x80000000u, 0xff800000u, 0x0u, R_VAL},
    {"f32.le", 0x80000000u, 0x7f800000u, 0x1u, R_VAL},
    {"f32.le", 0x0u, 0xff800000u, 0x0u, R_VAL},
    {"f32.le", 0x3f000000u, 0xbf000000u, 0x0u, R_VAL},
    {"f32.gt", 0x80000000u, 0x80000000u, 0x0u, R_VAL},
    {"f32.gt", 0x80000000u, 0xff800000u, 0x1u, R_VAL},
    {"f32.gt", 0x80000000u, 0x7f800000u, 0x0u, R_VAL},
    {"f32.gt", 0x0u, 0xff800000u, 0x1u, R_VAL},
    {"f32.gt", 0x3f000000u, 0xbf000000u, 0x1u, R_VAL},
    {"f32.ge", 0x80000000u, 0x80000000u, 0x1u, R_VAL},
    {"f32.ge", 0x80000000u, 0xff800000u, 0x1u, R_VAL},
    {"f32.ge", 0x80000000u, 0x7f800000u, 0x0u, R_VAL},
    {"f32.ge", 0x0u, 0xff800000u, 0x1u, R_VAL},
    {"f32.ge", 0x3f000000u, 0xbf000000u, 0x1u, R_VAL},
    {"f64.eq", 0x8000000000000000u, 0x8000000000000000u, 0x1u, R_VAL},
    {"f64.eq", 0x8000000000000000u, 0xfff0000000000000u, 0x0u, R_VAL},
    {"f64.eq", 0x8000000000000000u, 0x7ff0000000000000u, 0x0u, R_VAL},
    {"f64.eq", 0x0u, 0xfff0000000000000u, 0x0u, R_VAL},
    {"f64.eq", 0x3fe0000000000000u, 0xbfe0000000000000u, 0x0u, R_VAL},
    {"f64.ne", 0x8000000000000000u, 0x8000000000000000u, 0x0u, R_VAL},
    {"f64.ne", 0x8000000000000000u, 0xfff0000000000000u, 0x1u, R_VAL},
    {"f64.ne", 0x8000000000000000u, 0x7ff0000000000000u, 0x1u, R_VAL},
    {"f64.ne", 0x0u, 0xfff0000000000000u, 0x1u, R_VAL},
    {"f64.ne", 0x3fe0000000000000u, 0xbfe0000000000000u, 0x1u, R_VAL},
    {"f64.lt", 0x8000000000000000u, 0x8000000000000000u, 0x0u, R_VAL},
    {"f64.lt", 0x8000000000000000u, 0xfff0000000000000u, 0x0u, R_VAL},
    {"f64.lt", 0x8000000000000000u, 0x7ff0000000000000u, 0x1u, R_VAL},
    {"f64.lt", 0x0u, 0xfff0000000000000u, 0x0u, R_VAL},
    {"f64.lt", 0x3fe0000000000000u, 0xbfe0000000000000u, 0x0u, R_VAL},
    {"f64.le", 0x8000000000000000u, 0x8000000000000000u, 0x1u, R_VAL},
    {"f64.le", 0x8000000000000000u, 0xfff0000000000000u, 0x0u, R_VAL},
    {"f64.le", 0x8000000000000000u, 0x7ff0000000000000u, 0x1u, R_VAL},
    {"f64.le", 0x0u, 0xfff0000000000000u, 0x0u, R_VAL},
    {"f64.le", 0x3fe0000000000000u, 0xbfe0000000000000u, 0x0u, R_VAL},
    {"f64.gt", 0x8000000000000000u, 0x8000000000000000u, 0x0u, R_VAL},
    {"f64.gt", 0x8000000000000000u, 0xfff0000000000000u, 0x1u, R_VAL},
    {"f64.gt", 0x8000000000000000u, 0x7ff0000000000000u, 0x0u, R_VAL},
    {"f64.gt", 0x0u, 0xfff0000000000000u, 0x1u, R_VAL},
    {"f64.gt", 0x3fe0000000000000u, 0xbfe0000000000000u, 0x1u, R_VAL},
    {"f64.ge", 0x8000000000000000u, 0x8000000000000000u, 0x1u, R_VAL},
    {"f64.ge", 0x8000000000000000u, 0xfff0000000000000u, 0x1u, R_VAL},
    {"f64.ge", 0x8000000000000000u, 0x7ff0000000000000u, 0x0u, R_VAL},
    {"f64.ge", 0x0u, 0xfff0000000000000u, 0x1u, R_VAL},
    {"f64.ge", 0x3fe0000000000000u, 0xbfe0000000000000u, 0x1u, R_VAL},
};

static const num_case bitwise_cases[] = {
    {"f32.copysign", 0x80000000u, 0x80000000u, 0x80000000u, R_VAL},
    {"f32.copysign", 0x80000000u, 0xff800000u, 0x80000000u, R_VAL},
    {"f32.copysign", 0x80000000u, 0x7f800000u, 0x0u, R_VAL},
    {"f32.copysign", 0x0u, 0xff800000u, 0x80000000u, R_VAL},
    {"f32.copysign", 0x0u, 0x7f800000u, 0x0u, R_VAL},
    {"f32.copysign", 0x80000001u, 0x40c90fdbu, 0x1u, R_VAL},
    {"f32.copysign", 0x3f000000u, 0xbf000000u, 0xbf000000u, R_VAL},
    {"f32.copysign", 0x40c90fdbu, 0x1u, 0x40c90fdbu, R_VAL},
    {"f32.abs", 0x80000000u, 0, 0x0u, R_VAL},
    {"f32.abs", 0x1u, 0, 0x1u, R_VAL},
    {"f32.abs", 0x3f000000u, 0, 0x3f000000u, R_VAL},
    {"f32.abs", 0xc0c90fdbu, 0, 0x40c90fdbu, R_VAL},
    {"f32.abs", 0xff800000u, 0, 0x7f800000u, R_VAL},
    {"f32.abs", 0x7f800000u, 0, 0x7f800000u, R_VAL},
    {"f32.abs", 0xffc00000u, 0, 0x7fc00000u, R_VAL},
    {"f32.abs", 0x7fc00000u, 0, 0x7fc00000u, R_VAL},
    {"f32.neg", 0x80000000u, 0, 0x0u, R_VAL},
    {"f32.neg", 0x1u, 0, 0x80000001u, R_VAL},
    {"f32.neg", 0x3f000000u, 0, 0xbf000000u, R_VAL},
    {"f32.neg", 0xc0c90fdbu, 0, 0x40c90fdbu, R_VAL},
    {"f32.neg", 0xff800000u, 0, 0x7f800000u, R_VAL},
    {"f32.neg", 0x7f800000u, 0, 0xff800000u, R_VAL},
    {"f32.neg", 0xffc00000u, 0, 0x7fc00000u, R_VAL},
    {"f32.neg", 0x7fc00000u, 0, 0xffc00000u, R_VAL},
    {"f64.copysign", 0x8000000000000000u, 0x8000000000000000u, 0x8000000000000000u, R_VAL},
    {"f64.copysign", 0x8000000000000000u, 0xfff0000000000000u, 0x8000000000000000u, R_VAL},
    {"f64.copysign", 0x8000000000000000u, 0x7ff0000000000000u, 0x0u, R_VAL},
    {"f64.copysign", 0x0u, 0xfff0000000000000u, 0x8000000000000000u, R_VAL},
    {"f64.copysign", 0x0u, 0x7ff0000000000000u, 0x0u, R_VAL},
    {"f64.copysign", 0x8000000000000001u, 0x401921fb54442d18u, 0x1u, R_VAL},
    {"f64.copysign", 0x3fe0000000000000u, 0xbfe0000000000000u, 0xbfe0000000000000u, R_VAL},
    {"f64.copysign", 0x401921fb54442d18u, 0x1u, 0x401921fb54442d18u, R_VAL},
    {"f64.abs", 0x8000000000000000u, 0, 0x0u, R_VAL},
    {"f64.abs", 0x1u, 0, 0x1u, R_VAL},
    {"f64.abs", 0x3fe0000000000000u, 0, 0x3fe0000000000000u, R_VAL},
    {"f64.abs", 0xc01921fb54442d18u, 0, 0x401921fb54442d18u, R_VAL},
    {"f64.abs", 0xfff0000000000000u, 0, 0x7ff0000000000000u, R_VAL},
    {"f64.abs", 0x7ff0000000000000u, 0, 0x7ff0000000000000u, R_VAL},
    {"f64.abs", 0xfff8000000000000u, 0, 0x7ff8000000000000u, R_VAL},
    {"f64.abs", 0x7ff8000000000000u, 0, 0x7ff8000000000000u, R_VAL},
    {"f64.neg", 0x8000000000000000u, 0, 0x0u, R_VAL},
    {"f64.neg", 0x1u, 0, 0x8000000000000001u, R_VAL},
    {"f64.neg", 0x3fe0000000000000u, 0, 0xbfe0000000000000u, R_VAL},
    {"f64.neg", 0xc01921fb54442d18u, 0, 0x401921fb54442d18u, R_VAL},
    {"f64.neg", 0xfff0000000000000u, 0, 0x7ff0000000000000u, R_VAL},
    {"f64.neg", 0x7ff0000000000000u, 0, 0xfff0000000000000u, R_VAL},
    {"f64.neg", 0xfff8000000000000u, 0, 0x7ff8000000000000u, R_VAL},
    {"f64.neg", 0x7ff8000000000000u, 0, 0xfff8000000000000u, R_VAL},
};

static const num_case convert_cases[] = {
    {"i64.extend_i32_s", 0x0u, 0, 0x0u, R_VAL},
    {"i64.extend_i32_s", 0x2710u, 0, 0x2710u, R_VAL},
    {"i64.extend_i32_s", 0xffffd8f0u, 0, 0xffffffffffffd8f0u, R_VAL},
    {"i64.extend_i32_s", 0xffffffffu, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.extend_i32_s", 0x7fffffffu, 0, 0x7fffffffu, R_VAL},
    {"i64.extend_i32_s", 0x80000000u, 0, 0xffffffff80000000u, R_VAL},
    {"i64.extend_i32_u", 0x0u, 0, 0x0u, R_VAL},
    {"i64.extend_i32_u", 0x2710u, 0, 0x2710u, R_VAL},
    {"i64.extend_i32_u", 0xffffd8f0u, 0, 0xffffd8f0u, R_VAL},
    {"i64.extend_i32_u", 0xffffffffu, 0, 0xffffffffu, R_VAL},
    {"i64.extend_i32_u", 0x7fffffffu, 0, 0x7fffffffu, R_VAL},
    {"i64.extend_i32_u", 0x80000000u, 0, 0x80000000u, R_VAL},
    {"i32.wrap_i64", 0xffffffffffffffffu, 0, 0xffffffffu, R_VAL},
    {"i32.wrap_i64", 0xfffffffffffe7960u, 0, 0xfffe7960u, R_VAL},
    {"i32.wrap_i64", 0x80000000u, 0, 0x80000000u, R_VAL},
    {"i32.wrap_i64", 0xffffffff7fffffffu, 0, 0x7fffffffu, R_VAL},
    {"i32.wrap_i64", 0xffffffff00000000u, 0, 0x0u, R_VAL},
    {"i32.wrap_i64", 0xfffffffeffffffffu, 0, 0xffffffffu, R_VAL},
    {"i32.wrap_i64", 0x0u, 0, 0x0u, R_VAL},
    {"i32.wrap_i64", 0x123456789abcdef0u, 0, 0x9abcdef0u, R_VAL},
    {"i32.wrap_i64", 0xffffffffu, 0, 0xffffffffu, R_VAL},
    {"i32.wrap_i64", 0x100000000u, 0, 0x0u, R_VAL},
    {"f32.convert_i32_s", 0x1u, 0, 0x3f800000u, R_VAL},
    {"f32.convert_i32_s", 0xffffffffu, 0, 0xbf800000u, R_VAL},
    {"f32.convert_i32_s", 0x0u, 0, 0x0u, R_VAL},
    {"f32.convert_i32_s", 0x7fffffffu, 0, 0x4f000000u, R_VAL},
    {"f32.convert_i32_s", 0x80000000u, 0, 0xcf000000u, R_VAL},
    {"f32.convert_i32_s", 0x499602d2u, 0, 0x4e932c06u, R_VAL},
    {"f32.convert_i32_s", 0x1000001u, 0, 0x4b800000u, R_VAL},
    {"f32.convert_i32_s", 0xfeffffffu, 0, 0xcb800000u, R_VAL},
    {"f32.convert_i32_s", 0x1000003u, 0, 0x4b800002u, R_VAL},
    {"f32.convert_i32_s", 0xfefffffdu, 0, 0xcb800002u, R_VAL},
    {"f32.convert_i64_s", 0x1u, 0, 0x3f800000u, R_VAL},
    {"f32.convert_i64_s", 0xffffffffffffffffu, 0, 0xbf800000u, R_VAL},
    {"f32.convert_i64_s", 0x0u, 0, 0x0u, R_VAL},
    {"f32.convert_i64_s", 0x7fffffffffffffffu, 0, 0x5f000000u, R_VAL},
    {"f32.convert_i64_s", 0x11db9e76a2483u, 0, 0x578edcf4u, R_VAL},
    {"f32.convert_i64_s", 0x1000001u, 0, 0x4b800000u, R_VAL},
    {"f32.convert_i64_s", 0x1000003u, 0, 0x4b800002u, R_VAL},
    {"f32.convert_i64_s", 0xfffffffffefffffdu, 0, 0xcb800002u, R_VAL},
    {"f32.convert_i64_s", 0x8000004000000001u, 0, 0xdeffffffu, R_VAL},
    {"f32.convert_i64_s", 0x20000020000001u, 0, 0x5a000001u, R_VAL},
    {"f64.convert_i32_s", 0x1u, 0, 0x3ff0000000000000u, R_VAL},
    {"f64.convert_i32_s", 0xffffffffu, 0, 0xbff0000000000000u, R_VAL},
    {"f64.convert_i32_s", 0x0u, 0, 0x0u, R_VAL},
    {"f64.convert_i32_s", 0x7fffffffu, 0, 0x41dfffffffc00000u, R_VAL},
    {"f64.convert_i32_s", 0x80000000u, 0, 0xc1e0000000000000u, R_VAL},
    {"f64.convert_i32_s", 0x3ade68b1u, 0, 0x41cd6f3458800000u, R_VAL},
    {"f64.convert_i64_s", 0x1u, 0, 0x3ff0000000000000u, R_VAL},
    {"f64.convert_i64_s", 0xffffffffffffffffu, 0, 0xbff0000000000000u, R_VAL},
    {"f64.convert_i64_s", 0x0u, 0, 0x0u, R_VAL},
    {"f64.convert_i64_s", 0x7fffffffffffffffu, 0, 0x43e0000000000000u, R_VAL},
    {"f64.convert_i64_s", 0x8000000000000000u, 0, 0xc3e0000000000000u, R_VAL},
    {"f64.convert_i64_s", 0x10969d374b968eu, 0, 0x4330969d374b968eu, R_VAL},
    {"f64.convert_i64_s", 0x20000000000001u, 0, 0x4340000000000000u, R_VAL},
    {"f64.convert_i64_s", 0xffdfffffffffffffu, 0, 0xc340000000000000u, R_VAL},
    {"f64.convert_i64_s", 0x20000000000003u, 0, 0x4340000000000002u, R_VAL},
    {"f64.convert_i64_s", 0xffdffffffffffffdu, 0, 0xc340000000000002u, R_VAL},
    {"f32.convert_i32_u", 0x1u, 0, 0x3f800000u, R_VAL},
    {"f32.convert_i32_u", 0x0u, 0, 0x0u, R_VAL},
    {"f32.convert_i32_u", 0x7fffffffu, 0, 0x4f000000u, R_VAL},
    {"f32.convert_i32_u", 0x12345678u, 0, 0x4d91a2b4u, R_VAL},
    {"f32.convert_i32_u", 0xffffffffu, 0, 0x4f800000u, R_VAL},
    {"f32.convert_i32_u", 0x80000081u, 0, 0x4f000001u, R_VAL},
    {"f32.convert_i32_u", 0xfffffe80u, 0, 0x4f7ffffeu, R_VAL},
    {"f32.convert_i32_u", 0xfffffe81u, 0, 0x4f7fffffu, R_VAL},
    {"f32.convert_i32_u", 0xfffffe82u, 0, 0x4f7fffffu, R_VAL},
    {"f32.convert_i32_u", 0x1000001u, 0, 0x4b800000u, R_VAL},
    {"f32.convert_i64_u", 0x1u, 0, 0x3f800000u, R_VAL},
    {"f32.convert_i64_u", 0x0u, 0, 0x0u, R_VAL},
    {"f32.convert_i64_u", 0x7fffffffffffffffu, 0, 0x5f000000u, R_VAL},
    {"f32.convert_i64_u", 0x8000000000000000u, 0, 0x5f000000u, R_VAL},
    {"f32.convert_i64_u", 0xffffffffffffffffu, 0, 0x5f800000u, R_VAL},
    {"f32.convert_i64_u", 0x1000001u, 0, 0x4b800000u, R_VAL},
    {"f32.convert_i64_u", 0x1000003u, 0, 0x4b800002u, R_VAL},
    {"f32.convert_i64_u", 0x20000020000001u, 0, 0x5a000001u, R_VAL},
    {"f32.convert_i64_u", 0x7fffffbfffffffffu, 0, 0x5effffffu, R_VAL},
    {"f32.convert_i64_u", 0x8000008000000001u, 0, 0x5f000001u, R_VAL},
    {"f64.convert_i32_u", 0x1u, 0, 0x3ff0000000000000u, R_VAL},
    {"f64.convert_i32_u", 0x0u, 0, 0x0u, R_VAL},
    {"f64.convert_i32_u", 0x7fffffffu, 0, 0x41dfffffffc00000u, R_VAL},
    {"f64.convert_i32_u", 0x80000000u, 0, 0x41e0000000000000u, R_VAL},
    {"f64.convert_i32_u", 0xffffffffu, 0, 0x41efffffffe00000u, R_VAL},
    {"f64.convert_i64_u", 0x1u, 0, 0x3ff0000000000000u, R_VAL},
    {"f64.convert_i64_u", 0x0u, 0, 0x0u, R_VAL},
    {"f64.convert_i64_u", 0x7fffffffffffffffu, 0, 0x43e0000000000000u, R_VAL},
    {"f64.convert_i64_u", 0xffffffffffffffffu, 0, 0x43f0000000000000u, R_VAL},
    {"f64.convert_i64_u", 0x8000000000000400u, 0, 0x43e0000000000000u, R_VAL},
    {"f64.convert_i64_u", 0x8000000000000401u, 0, 0x43e0000000000001u, R_VAL},
    {"f64.convert_i64_u", 0xfffffffffffff400u, 0, 0x43effffffffffffeu, R_VAL},
    {"f64.convert_i64_u", 0xfffffffffffff401u, 0, 0x43efffffffffffffu, R_VAL},
    {"f64.convert_i64_u", 0xfffffffffffff402u, 0, 0x43efffffffffffffu, R_VAL},
    {"f64.convert_i64_u", 0x20000000000001u, 0, 0x4340000000000000u, R_VAL},
    {"f64.promote_f32", 0x0u, 0, 0x0u, R_VAL},
    {"f64.promote_f32", 0x1u, 0, 0x36a0000000000000u, R_VAL},
    {"f64.promote_f32", 0x3f800000u, 0, 0x3ff0000000000000u, R_VAL},
    {"f64.promote_f32", 0xff7fffffu, 0, 0xc7efffffe0000000u, R_VAL},
    {"f64.promote_f32", 0x4000000u, 0, 0x3880000000000000u, R_VAL},
    {"f64.promote_f32", 0x7f800000u, 0, 0x7ff0000000000000u, R_VAL},
    {"f64.promote_f32", 0xff800000u, 0, 0xfff0000000000000u, R_VAL},
    {"f64.promote_f32", 0x7fc00000u, 0, 0, R_CANON},
    {"f64.promote_f32", 0x7fa00000u, 0, 0, R_ARITH},
    {"f64.promote_f32", 0xffc00000u, 0, 0, R_CANON},
    {"f32.demote_f64", 0x0u, 0, 0x0u, R_VAL},
    {"f32.demote_f64", 0x380fffffdfffffffu, 0, 0x7fffffu, R_VAL},
    {"f32.demote_f64", 0xc7efffffe0000000u, 0, 0xff7fffffu, R_VAL},
    {"f32.demote_f64", 0x47effffff0000000u, 0, 0x7f800000u, R_VAL},
    {"f32.demote_f64", 0xc7effffff0000000u, 0, 0xff800000u, R_VAL},
    {"f32.demote_f64", 0x7ff0000000000000u, 0, 0x7f800000u, R_VAL},
    {"f32.demote_f64", 0xfff0000000000000u, 0, 0xff800000u, R_VAL},
    {"f32.demote_f64", 0x3fefffffffffffffu, 0, 0x3f800000u, R_VAL},
    {"f32.demote_f64", 0x3ff000002fffffffu, 0, 0x3f800001u, R_VAL},
    {"f32.demote_f64", 0x380cb98354d521ffu, 0, 0x72e60du, R_VAL},
    {"f32.reinterpret_i32", 0x0u, 0, 0x0u, R_VAL},
    {"f32.reinterpret_i32", 0x80000000u, 0, 0x80000000u, R_VAL},
    {"f32.reinterpret_i32", 0x1u, 0, 0x1u, R_VAL},
    {"f32.reinterpret_i32", 0xffffffffu, 0, 0xffffffffu, R_VAL},
    {"f32.reinterpret_i32", 0x75bcd15u, 0, 0x75bcd15u, R_VAL},
    {"f32.reinterpret_i32", 0x80000001u, 0, 0x80000001u, R_VAL},
    {"f32.reinterpret_i32", 0x7f800000u, 0, 0x7f800000u, R_VAL},
    {"f32.reinterpret_i32", 0xff800000u, 0, 0xff800000u, R_VAL},
    {"f32.reinterpret_i32", 0x7fc00000u, 0, 0x7fc00000u, R_VAL},
    {"f32.reinterpret_i32", 0xffc00000u, 0, 0xffc00000u, R_VAL},
    {"f64.reinterpret_i64", 0x0u, 0, 0x0u, R_VAL},
    {"f64.reinterpret_i64", 0x1u, 0, 0x1u, R_VAL},
    {"f64.reinterpret_i64", 0xffffffffffffffffu, 0, 0xffffffffffffffffu, R_VAL},
    {"f64.reinterpret_i64", 0x8000000000000000u, 0, 0x8000000000000000u, R_VAL},
    {"f64.reinterpret_i64", 0x499602d2u, 0, 0x499602d2u, R_VAL},
    {"f64.reinterpret_i64", 0x8000000000000001u, 0, 0x8000000000000001u, R_VAL},
    {"f64.reinterpret_i64", 0x7ff0000000000000u, 0, 0x7ff0000000000000u, R_VAL},
    {"f64.reinterpret_i64", 0xfff0000000000000u, 0, 0xfff0000000000000u, R_VAL},
    {"f64.reinterpret_i64", 0x7ff8000000000000u, 0, 0x7ff8000000000000u, R_VAL},
    {"f64.reinterpret_i64", 0xfff8000000000000u, 0, 0xfff8000000000000u, R_VAL},
    {"i32.reinterpret_f32", 0x0u, 0, 0x0u, R_VAL},
    {"i32.reinterpret_f32", 0x80000000u, 0, 0x80000000u, R_VAL},
    {"i32.reinterpret_f32", 0xffffffffu, 0, 0xffffffffu, R_VAL},
    {"i32.reinterpret_f32", 0x80000001u, 0, 0x80000001u, R_VAL},
    {"i32.reinterpret_f32", 0x3f800000u, 0, 0x3f800000u, R_VAL},
    {"i32.reinterpret_f32", 0x7f7fffffu, 0, 0x7f7fffffu, R_VAL},
    {"i32.reinterpret_f32", 0x7f800000u, 0, 0x7f800000u, R_VAL},
    {"i32.reinterpret_f32", 0xff800000u, 0, 0xff800000u, R_VAL},
    {"i32.reinterpret_f32", 0x7fc00000u, 0, 0x7fc00000u, R_VAL},
    {"i32.reinterpret_f32", 0xffc00000u, 0, 0xffc00000u, R_VAL},
    {"i64.reinterpret_f64", 0x0u, 0, 0x0u, R_VAL},
    {"i64.reinterpret_f64", 0x8000000000000000u, 0, 0x8000000000000000u, R_VAL},
    {"i64.reinterpret_f64", 0xffffffffffffffffu, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.reinterpret_f64", 0x8000000000000001u, 0, 0x8000000000000001u, R_VAL},
    {"i64.reinterpret_f64", 0x3ff0000000000000u, 0, 0x3ff0000000000000u, R_VAL},
    {"i64.reinterpret_f64", 0x7fefffffffffffffu, 0, 0x7fefffffffffffffu, R_VAL},
    {"i64.reinterpret_f64", 0x7ff0000000000000u, 0, 0x7ff0000000000000u, R_VAL},
    {"i64.reinterpret_f64", 0xfff0000000000000u, 0, 0xfff0000000000000u, R_VAL},
    {"i64.reinterpret_f64", 0x7ff8000000000000u, 0, 0x7ff8000000000000u, R_VAL},
    {"i64.reinterpret_f64", 0xfff8000000000000u, 0, 0xfff8000000000000u, R_VAL},
};

static const num_case trunc_cases[] = {
    {"i32.trunc_f32_s", 0x0u, 0, 0x0u, R_VAL},
    {"i32.trunc_f32_s", 0x80000000u, 0, 0x0u, R_VAL},
    {"i32.trunc_f32_s", 0x80000001u, 0, 0x0u, R_VAL},
    {"i32.trunc_f32_s", 0x3f800000u, 0, 0x1u, R_VAL},
    {"i32.trunc_f32_s", 0x3fc00000u, 0, 0x1u, R_VAL},
    {"i32.trunc_f32_s", 0xbf800000u, 0, 0xffffffffu, R_VAL},
    {"i32.trunc_f32_s", 0xbf8ccccdu, 0, 0xffffffffu, R_VAL},
    {"i32.trunc_f32_s", 0xbfc00000u, 0, 0xffffffffu, R_VAL},
    {"i32.trunc_f32_s", 0xbff33333u, 0, 0xffffffffu, R_VAL},
    {"i32.trunc_f32_s", 0xc0000000u, 0, 0xfffffffeu, R_VAL},
    {"i32.trunc_f32_u", 0x0u, 0, 0x0u, R_VAL},
    {"i32.trunc_f32_u", 0x1u, 0, 0x0u, R_VAL},
    {"i32.trunc_f32_u", 0x3f800000u, 0, 0x1u, R_VAL},
    {"i32.trunc_f32_u", 0x3ff33333u, 0, 0x1u, R_VAL},
    {"i32.trunc_f32_u", 0x4f000000u, 0, 0x80000000u, R_VAL},
    {"i32.trunc_f32_u", 0x4f7fffffu, 0, 0xffffff00u, R_VAL},
    {"i32.trunc_f32_u", 0x4f800000u, 0, OVF, R_TRAP},
    {"i32.trunc_f32_u", 0xbf800000u, 0, OVF, R_TRAP},
    {"i32.trunc_f32_u", 0x7f800000u, 0, OVF, R_TRAP},
    {"i32.trunc_f32_u", 0xff800000u, 0, OVF, R_TRAP},
    {"i32.trunc_f64_s", 0x0u, 0, 0x0u, R_VAL},
    {"i32.trunc_f64_s", 0x8000000000000001u, 0, 0x0u, R_VAL},
    {"i32.trunc_f64_s", 0x3ff8000000000000u, 0, 0x1u, R_VAL},
    {"i32.trunc_f64_s", 0xbff8000000000000u, 0, 0xffffffffu, R_VAL},
    {"i32.trunc_f64_s", 0x41dfffffffc00000u, 0, 0x7fffffffu, R_VAL},
    {"i32.trunc_f64_s", 0x41e0000000000000u, 0, OVF, R_TRAP},
    {"i32.trunc_f64_s", 0xc1e0000000200000u, 0, OVF, R_TRAP},
    {"i32.trunc_f64_s", 0x7ff0000000000000u, 0, OVF, R_TRAP},
    {"i32.trunc_f64_s", 0xfff0000000000000u, 0, OVF, R_TRAP},
    {"i32.trunc_f64_s", 0x7ff8000000000000u, 0, INVC, R_TRAP},
    {"i32.trunc_f64_u", 0x0u, 0, 0x0u, R_VAL},
    {"i32.trunc_f64_u", 0x8000000000000001u, 0, 0x0u, R_VAL},
    {"i32.trunc_f64_u", 0x3ff8000000000000u, 0, 0x1u, R_VAL},
    {"i32.trunc_f64_u", 0x41e0000000000000u, 0, 0x80000000u, R_VAL},
    {"i32.trunc_f64_u", 0xbfefffffffffffffu, 0, 0x0u, R_VAL},
    {"i32.trunc_f64_u", 0x41f0000000000000u, 0, OVF, R_TRAP},
    {"i32.trunc_f64_u", 0xbff0000000000000u, 0, OVF, R_TRAP},
    {"i32.trunc_f64_u", 0x4341c37937e08000u, 0, OVF, R_TRAP},
    {"i32.trunc_f64_u", 0x46293e5939a08ceau, 0, OVF, R_TRAP},
    {"i32.trunc_f64_u", 0x43e0000000000000u, 0, OVF, R_TRAP},
    {"i64.trunc_f32_s", 0x0u, 0, 0x0u, R_VAL},
    {"i64.trunc_f32_s", 0x1u, 0, 0x0u, R_VAL},
    {"i64.trunc_f32_s", 0x3f800000u, 0, 0x1u, R_VAL},
    {"i64.trunc_f32_s", 0x3fc00000u, 0, 0x1u, R_VAL},
    {"i64.trunc_f32_s", 0xbf800000u, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.trunc_f32_s", 0xbf8ccccdu, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.trunc_f32_s", 0xbfc00000u, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.trunc_f32_s", 0xbff33333u, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.trunc_f32_s", 0xc0000000u, 0, 0xfffffffffffffffeu, R_VAL},
    {"i64.trunc_f32_s", 0xcf800000u, 0, 0xffffffff00000000u, R_VAL},
    {"i64.trunc_f32_u", 0x0u, 0, 0x0u, R_VAL},
    {"i64.trunc_f32_u", 0x1u, 0, 0x0u, R_VAL},
    {"i64.trunc_f32_u", 0x3f800000u, 0, 0x1u, R_VAL},
    {"i64.trunc_f32_u", 0x3fc00000u, 0, 0x1u, R_VAL},
    {"i64.trunc_f32_u", 0x5f7fffffu, 0, 0xffffff0000000000u, R_VAL},
    {"i64.trunc_f32_u", 0x5f800000u, 0, OVF, R_TRAP},
    {"i64.trunc_f32_u", 0xbf800000u, 0, OVF, R_TRAP},
    {"i64.trunc_f32_u", 0x7f800000u, 0, OVF, R_TRAP},
    {"i64.trunc_f32_u", 0xff800000u, 0, OVF, R_TRAP},
    {"i64.trunc_f32_u", 0x7fc00000u, 0, INVC, R_TRAP},
    {"i64.trunc_f64_s", 0x0u, 0, 0x0u, R_VAL},
    {"i64.trunc_f64_s", 0x8000000000000000u, 0, 0x0u, R_VAL},
    {"i64.trunc_f64_s", 0x8000000000000001u, 0, 0x0u, R_VAL},
    {"i64.trunc_f64_s", 0x3ff199999999999au, 0, 0x1u, R_VAL},
    {"i64.trunc_f64_s", 0xbff0000000000000u, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.trunc_f64_s", 0xbff199999999999au, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.trunc_f64_s", 0xbff8000000000000u, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.trunc_f64_s", 0xbffe666666666666u, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.trunc_f64_s", 0xc000000000000000u, 0, 0xfffffffffffffffeu, R_VAL},
    {"i64.trunc_f64_s", 0x41f0000000000000u, 0, 0x100000000u, R_VAL},
    {"i64.trunc_f64_u", 0x0u, 0, 0x0u, R_VAL},
    {"i64.trunc_f64_u", 0x1u, 0, 0x0u, R_VAL},
    {"i64.trunc_f64_u", 0x3ff199999999999au, 0, 0x1u, R_VAL},
    {"i64.trunc_f64_u", 0x41f0000000000000u, 0, 0x100000000u, R_VAL},
    {"i64.trunc_f64_u", 0x43efffffffffffffu, 0, 0xfffffffffffff800u, R_VAL},
    {"i64.trunc_f64_u", 0x4197d78400000000u, 0, 0x5f5e100u, R_VAL},
    {"i64.trunc_f64_u", 0x43f0000000000000u, 0, OVF, R_TRAP},
    {"i64.trunc_f64_u", 0xbff0000000000000u, 0, OVF, R_TRAP},
    {"i64.trunc_f64_u", 0x7ff0000000000000u, 0, OVF, R_TRAP},
    {"i64.trunc_f64_u", 0xfff0000000000000u, 0, OVF, R_TRAP},
};

static const num_case trunc_sat_cases[] = {
    {"i32.trunc_sat_f32_s", 0x0u, 0, 0x0u, R_VAL},
    {"i32.trunc_sat_f32_s", 0x80000000u, 0, 0x0u, R_VAL},
    {"i32.trunc_sat_f32_s", 0x80000001u, 0, 0x0u, R_VAL},
    {"i32.trunc_sat_f32_s", 0x3f8ccccdu, 0, 0x1u, R_VAL},
    {"i32.trunc_sat_f32_s", 0xbf800000u, 0, 0xffffffffu, R_VAL},
    {"i32.trunc_sat_f32_s", 0xbf8ccccdu, 0, 0xffffffffu, R_VAL},
    {"i32.trunc_sat_f32_s", 0xbfc00000u, 0, 0xffffffffu, R_VAL},
    {"i32.trunc_sat_f32_s", 0xbff33333u, 0, 0xffffffffu, R_VAL},
    {"i32.trunc_sat_f32_s", 0xc0000000u, 0, 0xfffffffeu, R_VAL},
    {"i32.trunc_sat_f32_s", 0xcf000000u, 0, 0x80000000u, R_VAL},
    {"i32.trunc_sat_f32_u", 0x0u, 0, 0x0u, R_VAL},
    {"i32.trunc_sat_f32_u", 0x1u, 0, 0x0u, R_VAL},
    {"i32.trunc_sat_f32_u", 0x3f8ccccdu, 0, 0x1u, R_VAL},
    {"i32.trunc_sat_f32_u", 0x3ff33333u, 0, 0x1u, R_VAL},
    {"i32.trunc_sat_f32_u", 0x4f7fffffu, 0, 0xffffff00u, R_VAL},
    {"i32.trunc_sat_f32_u", 0xbf666666u, 0, 0x0u, R_VAL},
    {"i32.trunc_sat_f32_u", 0x4f800000u, 0, 0xffffffffu, R_VAL},
    {"i32.trunc_sat_f32_u", 0x7f800000u, 0, 0xffffffffu, R_VAL},
    {"i32.trunc_sat_f32_u", 0xff800000u, 0, 0x0u, R_VAL},
    {"i32.trunc_sat_f32_u", 0x7fc00000u, 0, 0x0u, R_VAL},
    {"i32.trunc_sat_f64_s", 0x0u, 0, 0x0u, R_VAL},
    {"i32.trunc_sat_f64_s", 0x8000000000000001u, 0, 0x0u, R_VAL},
    {"i32.trunc_sat_f64_s", 0x3ff8000000000000u, 0, 0x1u, R_VAL},
    {"i32.trunc_sat_f64_s", 0xbff8000000000000u, 0, 0xffffffffu, R_VAL},
    {"i32.trunc_sat_f64_s", 0x41dfffffffc00000u, 0, 0x7fffffffu, R_VAL},
    {"i32.trunc_sat_f64_s", 0x7ff0000000000000u, 0, 0x7fffffffu, R_VAL},
    {"i32.trunc_sat_f64_s", 0xfff0000000000000u, 0, 0x80000000u, R_VAL},
    {"i32.trunc_sat_f64_s", 0x7ff8000000000000u, 0, 0x0u, R_VAL},
    {"i32.trunc_sat_f64_s", 0x7ff4000000000000u, 0, 0x0u, R_VAL},
    {"i32.trunc_sat_f64_s", 0xfff8000000000000u, 0, 0x0u, R_VAL},
    {"i32.trunc_sat_f64_u", 0x0u, 0, 0x0u, R_VAL},
    {"i32.trunc_sat_f64_u", 0x8000000000000001u, 0, 0x0u, R_VAL},
    {"i32.trunc_sat_f64_u", 0x3ffe666666666666u, 0, 0x1u, R_VAL},
    {"i32.trunc_sat_f64_u", 0xbfeccccccccccccdu, 0, 0x0u, R_VAL},
    {"i32.trunc_sat_f64_u", 0xbff0000000000000u, 0, 0x0u, R_VAL},
    {"i32.trunc_sat_f64_u", 0x7ff0000000000000u, 0, 0xffffffffu, R_VAL},
    {"i32.trunc_sat_f64_u", 0xfff0000000000000u, 0, 0x0u, R_VAL},
    {"i32.trunc_sat_f64_u", 0x7ff8000000000000u, 0, 0x0u, R_VAL},
    {"i32.trunc_sat_f64_u", 0x7ff4000000000000u, 0, 0x0u, R_VAL},
    {"i32.trunc_sat_f64_u", 0xfff8000000000000u, 0, 0x0u, R_VAL},
    {"i64.trunc_sat_f32_s", 0x0u, 0, 0x0u, R_VAL},
    {"i64.trunc_sat_f32_s", 0x1u, 0, 0x0u, R_VAL},
    {"i64.trunc_sat_f32_s", 0x3f800000u, 0, 0x1u, R_VAL},
    {"i64.trunc_sat_f32_s", 0xbf800000u, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.trunc_sat_f32_s", 0xbf8ccccdu, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.trunc_sat_f32_s", 0xbfc00000u, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.trunc_sat_f32_s", 0xbff33333u, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.trunc_sat_f32_s", 0xc0000000u, 0, 0xfffffffffffffffeu, R_VAL},
    {"i64.trunc_sat_f32_s", 0x4f800000u, 0, 0x100000000u, R_VAL},
    {"i64.trunc_sat_f32_s", 0x5effffffu, 0, 0x7fffff8000000000u, R_VAL},
    {"i64.trunc_sat_f32_u", 0x0u, 0, 0x0u, R_VAL},
    {"i64.trunc_sat_f32_u", 0x1u, 0, 0x0u, R_VAL},
    {"i64.trunc_sat_f32_u", 0x3f800000u, 0, 0x1u, R_VAL},
    {"i64.trunc_sat_f32_u", 0x4f800000u, 0, 0x100000000u, R_VAL},
    {"i64.trunc_sat_f32_u", 0xbf666666u, 0, 0x0u, R_VAL},
    {"i64.trunc_sat_f32_u", 0x5f800000u, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.trunc_sat_f32_u", 0x7f800000u, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.trunc_sat_f32_u", 0xff800000u, 0, 0x0u, R_VAL},
    {"i64.trunc_sat_f32_u", 0x7fc00000u, 0, 0x0u, R_VAL},
    {"i64.trunc_sat_f32_u", 0x7fa00000u, 0, 0x0u, R_VAL},
    {"i64.trunc_sat_f64_s", 0x0u, 0, 0x0u, R_VAL},
    {"i64.trunc_sat_f64_s", 0x1u, 0, 0x0u, R_VAL},
    {"i64.trunc_sat_f64_s", 0x3ff0000000000000u, 0, 0x1u, R_VAL},
    {"i64.trunc_sat_f64_s", 0x3ff8000000000000u, 0, 0x1u, R_VAL},
    {"i64.trunc_sat_f64_s", 0xbff0000000000000u, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.trunc_sat_f64_s", 0xbff199999999999au, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.trunc_sat_f64_s", 0xbff8000000000000u, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.trunc_sat_f64_s", 0xbffe666666666666u, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.trunc_sat_f64_s", 0xc000000000000000u, 0, 0xfffffffffffffffeu, R_VAL},
    {"i64.trunc_sat_f64_s", 0xc3e0000000000000u, 0, 0x8000000000000000u, R_VAL},
    {"i64.trunc_sat_f64_u", 0x0u, 0, 0x0u, R_VAL},
    {"i64.trunc_sat_f64_u", 0x8000000000000001u, 0, 0x0u, R_VAL},
    {"i64.trunc_sat_f64_u", 0x3ff8000000000000u, 0, 0x1u, R_VAL},
    {"i64.trunc_sat_f64_u", 0x43efffffffffffffu, 0, 0xfffffffffffff800u, R_VAL},
    {"i64.trunc_sat_f64_u", 0xbfeccccccccccccdu, 0, 0x0u, R_VAL},
    {"i64.trunc_sat_f64_u", 0x4341c37937e08000u, 0, 0x2386f26fc10000u, R_VAL},
    {"i64.trunc_sat_f64_u", 0x43f0000000000000u, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.trunc_sat_f64_u", 0x7ff0000000000000u, 0, 0xffffffffffffffffu, R_VAL},
    {"i64.trunc_sat_f64_u", 0xfff0000000000000u, 0, 0x0u, R_VAL},
    {"i64.trunc_sat_f64_u", 0x7ff8000000000000u, 0, 0x0u, R_VAL},
};

/* ========================================================================
** Table-driven tests (one per table, runnable by name)
** ======================================================================== */

static void test_integer(void **state) { (void)state; RUN(integer_cases); }
static void test_float_arith(void **state) { (void)state; RUN(arith_cases); }
static void test_float_minmax(void **state) { (void)state; RUN(minmax_cases); }
static void test_float_rounding(void **state) { (void)state; RUN(rounding_cases); }
static void test_float_compare(void **state) { (void)state; RUN(compare_cases); }
static void test_float_bitwise(void **state) { (void)state; RUN(bitwise_cases); }
static void test_convert(void **state) { (void)state; RUN(convert_cases); }
static void test_trunc(void **state) { (void)state; RUN(trunc_cases); }
static void test_trunc_sat(void **state) { (void)state; RUN(trunc_sat_cases); }

#if defined(KEXEC_NUM_EXTRA_VECTORS)
static const num_case extra_cases[] = {
#include KEXEC_NUM_EXTRA_VECTORS
};
static void test_extra_vectors(void **state) { (void)state; RUN(extra_cases); }
#endif

/* ========================================================================
** Hand-written cases
** ======================================================================== */

/* Cases the suite's tables do not spell out: INT_MIN rem -1, shift counts
** with high bits set, and a trap never writing its output. */
static const num_case extra_edges[] = {
    {"i32.rem_s", 0x80000000u, 0xFFFFFFFFu, 0, R_VAL},
    {"i64.rem_s", 0x8000000000000000u, 0xFFFFFFFFFFFFFFFFu, 0, R_VAL},
    {"i32.div_s", 0x80000000u, 0xFFFFFFFFu, OVF, R_TRAP},
    {"i64.div_s", 0x8000000000000000u, 0xFFFFFFFFFFFFFFFFu, OVF, R_TRAP},
    {"i32.div_s", 0x80000000u, 1, 0x80000000u, R_VAL},
    {"i32.rotl", 0x80000001u, 0xFFFFFFE1u, 0x00000003u, R_VAL},
    {"i64.shl", 1, 0xFFFFFFFFFFFFFF41u, 2, R_VAL},
    {"i64.rotr", 1, 0x8000000000000041u, 0x8000000000000000u, R_VAL},
    {"i64.eqz", 0x100000000u, 0, 0, R_VAL},
    {"i64.extend32_s", 0xFFFFFFFF80000000u, 0, 0xFFFFFFFF80000000u, R_VAL},
    {"i64.extend32_s", 0x123456787FFFFFFFu, 0, 0x7FFFFFFFu, R_VAL},
    /* Just inside and just outside the trunc ranges (nextafter of a bound). */
    {"i32.trunc_f64_s", 0xC1E00000001FFFFFu, 0, 0x80000000u, R_VAL},       /* -2147483648.99.. */
    {"i32.trunc_f64_s", 0xC1E0000000200000u, 0, OVF, R_TRAP},              /* -2147483649 */
    {"i32.trunc_f64_u", 0xBFEFFFFFFFFFFFFFu, 0, 0, R_VAL},                 /* -0.99.. */
    {"i32.trunc_f64_u", 0xBFF0000000000000u, 0, OVF, R_TRAP},              /* -1 */
    {"i64.trunc_f32_u", 0x5F7FFFFFu, 0, 0xFFFFFF0000000000u, R_VAL},       /* 2^64 - 2^40 */
    {"i64.trunc_f32_u", 0x5F800000u, 0, OVF, R_TRAP},                      /* 2^64 */
    {"i64.trunc_f64_s", 0xC3E0000000000000u, 0, 0x8000000000000000u, R_VAL}, /* -2^63 */
    {"i64.trunc_f64_s", 0x43E0000000000000u, 0, OVF, R_TRAP},              /* 2^63 */
    {"i32.trunc_f32_s", 0xFFC00000u, 0, INVC, R_TRAP},                     /* -nan */
    {"i64.trunc_sat_f64_u", 0xFFF0000000000000u, 0, 0, R_VAL},             /* -inf */
    {"i64.trunc_sat_f64_s", 0x7FF4000000000000u, 0, 0, R_VAL},             /* sNaN */
    /* Double rounding: through double this would be 0x5A000000. */
    {"f32.convert_i64_u", 0x0020000020000001u, 0, 0x5A000001u, R_VAL},
    {"f32.convert_i64_u", 0x8000008000000001u, 0, 0x5F000001u, R_VAL},
    {"f32.convert_i64_u", 0x8000008000000000u, 0, 0x5F000000u, R_VAL},     /* tie to even */
    {"f64.convert_i64_u", 0x8000000000000401u, 0, 0x43E0000000000001u, R_VAL},
    /* NaN payloads through min/max stay arithmetic; canonical stays canonical. */
    {"f32.min", 0x7FA00000u, 0x3F800000u, 0, R_ARITH},
    {"f32.max", 0x3F800000u, 0xFFC00000u, 0, R_CANON},
    {"f64.min", 0x7FF0000000000001u, 0x7FF8000000000000u, 0, R_ARITH},
    {"f64.max", 0x8000000000000000u, 0x0000000000000000u, 0, R_VAL},
    {"f64.min", 0x0000000000000000u, 0x8000000000000000u, 0x8000000000000000u, R_VAL},
    /* Rounding at the 2^23 / 2^52 edges of the integer trick. */
    {"f32.nearest", 0x4AFFFFFFu, 0, 0x4B000000u, R_VAL},                   /* 8388607.5 -> 8388608 */
    {"f32.nearest", 0x4B000001u, 0, 0x4B000001u, R_VAL},                   /* 8388609 */
    {"f32.floor", 0xCAFFFFFFu, 0, 0xCB000000u, R_VAL},                     /* -8388607.5 */
    {"f64.nearest", 0x432FFFFFFFFFFFFFu, 0, 0x4330000000000000u, R_VAL},   /* 2^52 - 0.5 */
    {"f64.ceil", 0x432FFFFFFFFFFFFFu, 0, 0x4330000000000000u, R_VAL},
    {"f64.trunc", 0xC32FFFFFFFFFFFFFu, 0, 0xC32FFFFFFFFFFFFEu, R_VAL},
    {"f32.trunc", 0x7FA00000u, 0, 0, R_ARITH},
    {"f64.sqrt", 0xBFF0000000000000u, 0, 0, R_ARITH},
    {"f64.promote_f32", 0x7FC00000u, 0, 0, R_CANON},
    {"f32.demote_f64", 0x7FF8000000000000u, 0, 0, R_CANON},
    {"f32.demote_f64", 0x7FF0000000000001u, 0, 0, R_ARITH},
};

static void test_edges(void **state) { (void)state; RUN(extra_edges); }

/* Wide arithmetic: (lo, hi) pairs, checked against known products and, where
** the compiler has it, against __int128. */
static void test_wide_arithmetic(void **state) {
    (void)state;
    uint64_t lo, hi;
    kexec_num_i64_add128(UINT64_MAX, 0, 1, 0, &lo, &hi);
    assert_true(lo == 0 && hi == 1);
    kexec_num_i64_add128(UINT64_MAX, UINT64_MAX, 1, 0, &lo, &hi);
    assert_true(lo == 0 && hi == 0);
    kexec_num_i64_sub128(0, 0, 1, 0, &lo, &hi);
    assert_true(lo == UINT64_MAX && hi == UINT64_MAX);
    kexec_num_i64_sub128(0, 1, 1, 0, &lo, &hi);
    assert_true(lo == UINT64_MAX && hi == 0);
    kexec_num_i64_mul_wide_u(UINT64_MAX, UINT64_MAX, &lo, &hi);
    assert_true(lo == 1 && hi == 0xFFFFFFFFFFFFFFFEu);
    kexec_num_i64_mul_wide_s(UINT64_MAX, UINT64_MAX, &lo, &hi); /* -1 * -1 */
    assert_true(lo == 1 && hi == 0);
    kexec_num_i64_mul_wide_s(UINT64_MAX, 1, &lo, &hi); /* -1 * 1 */
    assert_true(lo == UINT64_MAX && hi == UINT64_MAX);
    kexec_num_i64_mul_wide_s(0x8000000000000000u, 0x8000000000000000u, &lo, &hi); /* 2^126 */
    assert_true(lo == 0 && hi == 0x4000000000000000u);
    kexec_num_i64_mul_wide_s(0x8000000000000000u, 0x7FFFFFFFFFFFFFFFu, &lo, &hi);
    assert_true(lo == 0x8000000000000000u && hi == 0xC000000000000000u);
#if defined(__SIZEOF_INT128__)
    __extension__ typedef __int128 i128;
    __extension__ typedef unsigned __int128 u128;
    uint64_t s = 0x9E3779B97F4A7C15u;
    for (int i = 0; i < 20000; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        uint64_t a = s;
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        uint64_t b = i & 1 ? s : s >> (i % 64);
        i128 p = (i128)(int64_t)a * (int64_t)b;
        kexec_num_i64_mul_wide_s(a, b, &lo, &hi);
        assert_true(lo == (uint64_t)p && hi == (uint64_t)((u128)p >> 64));
        u128 q = (u128)a * b;
        kexec_num_i64_mul_wide_u(a, b, &lo, &hi);
        assert_true(lo == (uint64_t)q && hi == (uint64_t)(q >> 64));
    }
#endif
}

static void test_selfcheck(void **state) {
    (void)state;
    kb_error *err = kexec_num_selfcheck();
    if (err != NULL) fail_msg("%s", err->message);
}

/* A signalling NaN survives the trip through a C float and the bit ops. */
static void test_nan_passthrough(void **state) {
    (void)state;
    uint32_t snan = 0x7FA00001u;
    assert_int_equal(kexec_num_f32_bits(kexec_num_f32_from_bits(snan)), snan);
    assert_int_equal(kexec_num_f32_neg(snan), 0xFFA00001u);
    assert_int_equal(kexec_num_f32_abs(0xFFA00001u), snan);
    assert_int_equal(kexec_num_f32_copysign(snan, 0x80000000u), 0xFFA00001u);
    uint64_t dsnan = 0x7FF0000000000001u;
    assert_true(kexec_num_f64_bits(kexec_num_f64_from_bits(dsnan)) == dsnan);
    assert_true(kexec_num_f64_neg(dsnan) == 0xFFF0000000000001u);
}

static uint64_t xorshift(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* trunc/floor/ceil/nearest (integer tricks) against libm's versions on random
** bit patterns, biased toward the interesting exponent range. */
static void test_rounding_random(void **state) {
    (void)state;
    uint64_t s = 0x243F6A8885A308D3u;
    for (int i = 0; i < 100000; i++) {
        uint32_t b = (uint32_t)xorshift(&s);
        if (i & 1) b = (b & 0x807FFFFFu) | ((uint32_t)(110 + i % 50) << 23); /* |x| ~ 2^-17 .. 2^32 */
        float x = kexec_num_f32_from_bits(b);
        if (x != x) continue;
        assert_int_equal(kexec_num_f32_bits(kexec_num_f32_trunc(x)), kexec_num_f32_bits(truncf(x)));
        assert_int_equal(kexec_num_f32_bits(kexec_num_f32_floor(x)), kexec_num_f32_bits(floorf(x)));
        assert_int_equal(kexec_num_f32_bits(kexec_num_f32_ceil(x)), kexec_num_f32_bits(ceilf(x)));
        assert_int_equal(kexec_num_f32_bits(kexec_num_f32_nearest(x)), kexec_num_f32_bits(nearbyintf(x)));

        uint64_t d = xorshift(&s);
        if (i & 1) d = (d & 0x800FFFFFFFFFFFFFu) | ((uint64_t)(1000 + i % 80) << 52);
        double y = kexec_num_f64_from_bits(d);
        if (y != y) continue;
        assert_true(kexec_num_f64_bits(kexec_num_f64_trunc(y)) == kexec_num_f64_bits(trunc(y)));
        assert_true(kexec_num_f64_bits(kexec_num_f64_floor(y)) == kexec_num_f64_bits(floor(y)));
        assert_true(kexec_num_f64_bits(kexec_num_f64_ceil(y)) == kexec_num_f64_bits(ceil(y)));
        assert_true(kexec_num_f64_bits(kexec_num_f64_nearest(y)) == kexec_num_f64_bits(nearbyint(y)));
    }
}

/* Reference u64 -> binary32 with integers only: keep 24 significant bits,
** round half to even on the rest. */
static uint32_t ref_u64_to_f32(uint64_t v) {
    if (v == 0) return 0;
    int top = 63 - __builtin_clzll(v); /* exponent */
    uint64_t mant;
    if (top <= 23) {
        mant = v << (23 - top);
    } else {
        int drop = top - 23;
        mant = v >> drop;
        uint64_t rest = v & ((1ull << drop) - 1), half = 1ull << (drop - 1);
        if (rest > half || (rest == half && (mant & 1))) mant++;
        if (mant >> 24) mant >>= 1, top++;
    }
    return ((uint32_t)(top + 127) << 23) | ((uint32_t)mant & 0x7FFFFFu);
}

static void test_convert_u64_random(void **state) {
    (void)state;
    uint64_t s = 0x13198A2E03707344u;
    for (int i = 0; i < 100000; i++) {
        uint64_t v = xorshift(&s);
        /* Every third value is a tie or near-tie: 24 bits, a half, maybe a sticky bit. */
        if (i % 3 == 0) v = (v & 0xFFFFFF0000000000u) | (1ull << 39) | (uint64_t)(i % 2);
        v >>= i % 41;
        assert_int_equal(kexec_num_f32_bits(kexec_num_f32_convert_i64_u(v)), ref_u64_to_f32(v));
        assert_true(kexec_num_f64_convert_i64_u(v) == (double)v);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integer),
        cmocka_unit_test(test_float_arith),
        cmocka_unit_test(test_float_minmax),
        cmocka_unit_test(test_float_rounding),
        cmocka_unit_test(test_float_compare),
        cmocka_unit_test(test_float_bitwise),
        cmocka_unit_test(test_convert),
        cmocka_unit_test(test_trunc),
        cmocka_unit_test(test_trunc_sat),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_wide_arithmetic),
        cmocka_unit_test(test_selfcheck),
        cmocka_unit_test(test_nan_passthrough),
        cmocka_unit_test(test_rounding_random),
        cmocka_unit_test(test_convert_u64_random),
#if defined(KEXEC_NUM_EXTRA_VECTORS)
        cmocka_unit_test(test_extra_vectors),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

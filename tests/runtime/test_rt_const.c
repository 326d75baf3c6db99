/*
** test_rt_const.c -- constant expression evaluation (engine/rt/krt_const.c)
** over hand-written instruction bytes, against a hand-built instance.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rt/krt_int.h"

typedef struct fixture {
    kbin_module bin;
    krt_module module;
    krt_instance inst;
    krt_global g0, g1;
    krt_global *globals[2];
    krt_func f0, f1;
    krt_func *funcs[2];
} fixture;

static void setup(fixture *fx, const uint8_t *code, size_t len) {
    memset(fx, 0, sizeof *fx);
    fx->bin.bytes = (uint8_t *)code;
    fx->bin.size = len;
    fx->bin.func_count = 2;
    fx->bin.global_count = 2;
    fx->module.bin = &fx->bin;
    fx->inst.module = &fx->module;
    fx->g0.type = kbin_vt(KVT_I32);
    fx->g0.value[0] = 40;
    fx->g1.type = kbin_vt(KVT_V128);
    fx->g1.value[0] = 0x0102030405060708ull;
    fx->g1.value[1] = 0x1112131415161718ull;
    fx->globals[0] = &fx->g0;
    fx->globals[1] = &fx->g1;
    fx->funcs[0] = &fx->f0;
    fx->funcs[1] = &fx->f1;
    fx->inst.globals = fx->globals;
    fx->inst.funcs = fx->funcs;
}

static kb_error *eval(const uint8_t *code, size_t len, uint32_t nglobals, uint64_t out[2], fixture *fx) {
    setup(fx, code, len);
    kbin_range r = {0, (uint32_t)len};
    return krt_const_eval(&fx->inst, nglobals, r, out);
}

#define EVAL_OK(ng, out, ...)                                           \
    do {                                                                \
        static const uint8_t code_[] = {__VA_ARGS__};                   \
        kb_error *e_ = eval(code_, sizeof code_, (ng), (out), &fx);     \
        if (e_ != NULL) fail_msg("eval failed: %s", e_->message);       \
    } while (0)

static void test_numeric_consts(void **state) {
    (void)state;
    fixture fx;
    uint64_t v[2];
    EVAL_OK(0, v, 0x41, 0x7F, 0x0B); /* i32.const -1 */
    assert_int_equal(v[0], 0xFFFFFFFFull);          /* zero-extended slot */
    EVAL_OK(0, v, 0x42, 0x7F, 0x0B); /* i64.const -1 */
    assert_true(v[0] == UINT64_MAX);
    EVAL_OK(0, v, 0x43, 0x00, 0x00, 0x80, 0x3F, 0x0B); /* f32.const 1.0 */
    assert_int_equal(v[0], 0x3F800000u);
    EVAL_OK(0, v, 0x44, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x0B); /* f64.const 1.0 */
    assert_true(v[0] == 0x3FF0000000000000ull);
    /* v128.const i8x16 0..15: low slot holds bytes 0..7. */
    EVAL_OK(0, v, 0xFD, 0x0C, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0x0B);
    assert_true(v[0] == 0x0706050403020100ull);
    assert_true(v[1] == 0x0F0E0D0C0B0A0908ull);
}

static void test_extended_const(void **state) {
    (void)state;
    fixture fx;
    uint64_t v[2];
    /* global.get 0 (40) + i32.const 2 = 42 */
    EVAL_OK(1, v, 0x23, 0x00, 0x41, 0x02, 0x6A, 0x0B);
    assert_int_equal(v[0], 42);
    /* i32 wraps: 0x7FFFFFFF * 2 + 3 */
    EVAL_OK(0, v, 0x41, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x41, 0x02, 0x6C, 0x41, 0x03, 0x6A, 0x0B);
    assert_int_equal(v[0], 1);
    /* i32.sub below zero stays a zero-extended 32-bit value */
    EVAL_OK(0, v, 0x41, 0x01, 0x41, 0x02, 0x6B, 0x0B);
    assert_int_equal(v[0], 0xFFFFFFFFull);
    /* i64: 1 - 2 = -1, then * 5 */
    EVAL_OK(0, v, 0x42, 0x01, 0x42, 0x02, 0x7D, 0x42, 0x05, 0x7E, 0x0B);
    assert_true(v[0] == (uint64_t)-5);
    /* global.get of a v128 global copies both slots */
    EVAL_OK(2, v, 0x23, 0x01, 0x0B);
    assert_true(v[0] == 0x0102030405060708ull && v[1] == 0x1112131415161718ull);
}

static void test_refs(void **state) {
    (void)state;
    fixture fx;
    uint64_t v[2] = {1, 1};
    EVAL_OK(0, v, 0xD0, 0x70, 0x0B); /* ref.null func */
    assert_int_equal(v[0], 0);
    EVAL_OK(0, v, 0xD2, 0x01, 0x0B); /* ref.func 1 */
    assert_ptr_equal((void *)(uintptr_t)v[0], &fx.f1);
}

static void test_errors(void **state) {
    (void)state;
    fixture fx;
    uint64_t v[2];
    kb_error *err;
    /* global.get of a global not created yet (only 1 exists). */
    static const uint8_t late[] = {0x23, 0x01, 0x0B};
    assert_non_null(err = eval(late, sizeof late, 1, v, &fx));
    assert_int_equal(err->kind, KB_ERR_INVALID);
    kb_error_free(err);
    /* ref.func out of range. */
    static const uint8_t badf[] = {0xD2, 0x05, 0x0B};
    assert_non_null(err = eval(badf, sizeof badf, 0, v, &fx));
    kb_error_free(err);
    /* A non-constant instruction. */
    static const uint8_t nonconst[] = {0x41, 0x01, 0x41, 0x02, 0x6D, 0x0B}; /* i32.div_s */
    assert_non_null(err = eval(nonconst, sizeof nonconst, 0, v, &fx));
    assert_int_equal(err->kind, KB_ERR_INVALID);
    assert_non_null(strstr(err->message, "constant expression required"));
    kb_error_free(err);
    /* Stack underflow and leftovers. */
    static const uint8_t under[] = {0x6A, 0x0B};
    assert_non_null(err = eval(under, sizeof under, 0, v, &fx));
    kb_error_free(err);
    static const uint8_t two[] = {0x41, 0x01, 0x41, 0x02, 0x0B};
    assert_non_null(err = eval(two, sizeof two, 0, v, &fx));
    kb_error_free(err);
    /* Missing end; truncated immediate. */
    static const uint8_t noend[] = {0x41, 0x01};
    assert_non_null(err = eval(noend, sizeof noend, 0, v, &fx));
    kb_error_free(err);
    static const uint8_t trunc[] = {0x41, 0x80};
    assert_non_null(err = eval(trunc, sizeof trunc, 0, v, &fx));
    assert_int_equal(err->kind, KB_ERR_MALFORMED);
    kb_error_free(err);
    /* GC constant instructions: unsupported for now, cleanly. */
    static const uint8_t i31[] = {0x41, 0x01, 0xFB, 0x1C, 0x0B};
    assert_non_null(err = eval(i31, sizeof i31, 0, v, &fx));
    assert_int_equal(err->kind, KB_ERR_UNSUPPORTED);
    kb_error_free(err);
    /* Deeper than the evaluator's stack: a clean limit error. */
    uint8_t deep[2 * 80 + 1];
    for (int i = 0; i < 80; i++) {
        deep[2 * i] = 0x41;
        deep[2 * i + 1] = 0x01;
    }
    deep[160] = 0x0B;
    assert_non_null(err = eval(deep, sizeof deep, 0, v, &fx));
    assert_int_equal(err->kind, KB_ERR_LIMIT);
    kb_error_free(err);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numeric_consts),
        cmocka_unit_test(test_extended_const),
        cmocka_unit_test(test_refs),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests_name("rt_const", tests, NULL, NULL);
}

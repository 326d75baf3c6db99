/*
** test_exec_basic.c -- compile/ + exec/: arithmetic, locals, blocks and
** branches, br_table, multi-value, calls, recursion, tail calls.
*/
#include "test_exec_harness.h"

static void test_exec_basic__arith(void **state) {
    (void)state;
    th t;
    th_load(&t,
            "(module"
            " (func (export \"add\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)"
            " (func (export \"sub_c\") (param i32) (result i32) local.get 0 i32.const 7 i32.sub)"
            " (func (export \"c_sub\") (param i32) (result i32) i32.const 7 local.get 0 i32.sub)"
            " (func (export \"mul64\") (param i64 i64) (result i64) local.get 0 local.get 1 i64.mul)"
            " (func (export \"div\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)"
            " (func (export \"f\") (param f64) (result f64) local.get 0 f64.const 0.5 f64.mul f64.sqrt)"
            " (func (export \"conv\") (param f32) (result i32) local.get 0 i32.trunc_f32_s)"
            " (func (export \"big\") (result i64) i64.const 0x123456789abcdef0)"
            " (func (export \"neg\") (result i32) i32.const -1 i32.const 2 i32.add))",
            NULL);
    assert_int_equal(th_call1(&t, "add", 2, (uint64_t)2, (uint64_t)40), 42);
    assert_int_equal(th_call1(&t, "add", 2, (uint64_t)0xFFFFFFFFu, (uint64_t)2), 1);
    assert_int_equal(th_call1(&t, "sub_c", 1, (uint64_t)10), 3);
    assert_int_equal(th_call1(&t, "c_sub", 1, (uint64_t)10), 0xFFFFFFFDu);
    assert_int_equal(th_call1(&t, "mul64", 2, (uint64_t)1 << 40, (uint64_t)3), (uint64_t)3 << 40);
    assert_int_equal(th_call1(&t, "div", 2, (uint64_t)(uint32_t)-9, (uint64_t)2), (uint32_t)-4);
    assert_int_equal(th_call1(&t, "big", 0), 0x123456789abcdef0ull);
    assert_int_equal(th_call1(&t, "neg", 0), 1);
    double x = 32.0;
    uint64_t bits;
    memcpy(&bits, &x, 8);
    uint64_t r = th_call1(&t, "f", 1, bits);
    memcpy(&x, &r, 8);
    assert_true(x == 4.0);
    uint64_t a0[2] = {7, 0};
    th_trap(&t, "div", a0, KB_TRAP_INTEGER_DIVIDE_BY_ZERO);
    float nan = __builtin_nanf("");
    uint32_t nb;
    memcpy(&nb, &nan, 4);
    uint64_t a1[1] = {nb};
    th_trap(&t, "conv", a1, KB_TRAP_INVALID_CONVERSION);
    th_free(&t);
}

static void test_exec_basic__locals_and_swap(void **state) {
    (void)state;
    th t;
    th_load(&t,
            "(module"
            " (func (export \"swap\") (param i32 i32) (result i32)"
            "   local.get 0 local.get 1 local.set 0 local.set 1"
            "   local.get 0 i32.const 10 i32.mul local.get 1 i32.add)"
            " (func (export \"tee\") (param i32) (result i32) (local i32)"
            "   local.get 0 local.get 0 i32.const 1 i32.add local.tee 0 i32.add)"
            " (func (export \"zero\") (result i64) (local i64) local.get 0))",
            NULL);
    assert_int_equal(th_call1(&t, "swap", 2, (uint64_t)1, (uint64_t)2), 21);
    assert_int_equal(th_call1(&t, "tee", 1, (uint64_t)5), 11);
    assert_int_equal(th_call1(&t, "zero", 0), 0);
    th_free(&t);
}

static void test_exec_basic__loops_and_branches(void **state) {
    (void)state;
    th t;
    th_load(&t,
            "(module"
            " (func (export \"sum\") (param i32) (result i32) (local i32 i32)"
            "   (block (loop"
            "     (br_if 1 (i32.gt_s (local.get 1) (local.get 0)))"
            "     (local.set 2 (i32.add (local.get 2) (local.get 1)))"
            "     (local.set 1 (i32.add (local.get 1) (i32.const 1)))"
            "     (br 0)))"
            "   local.get 2)"
            " (func (export \"sel\") (param i32) (result i32)"
            "   (select (i32.const 10) (i32.const 20) (local.get 0)))"
            " (func (export \"ifelse\") (param i32) (result i32)"
            "   (if (result i32) (local.get 0) (then (i32.const 1)) (else (i32.const 2))))"
            " (func (export \"brval\") (param i32) (result i32)"
            "   (block (result i32) (i32.const 5) (local.get 0) (br_if 0) (drop) (i32.const 6)))"
            " (func (export \"table\") (param i32) (result i32)"
            "   (block (block (block (block (local.get 0) (br_table 0 1 2 3))"
            "     (return (i32.const 100))) (return (i32.const 101))) (return (i32.const 102)))"
            "   (i32.const 103))"
            " (func (export \"tableval\") (param i32) (result i32)"
            "   (block (result i32) (block (result i32) (i32.const 7) (local.get 0) (br_table 0 1))"
            "     (i32.const 1) (i32.add)))"
            " (func (export \"dead\") (result i32)"
            "   (block (result i32) (i32.const 1) (br 0) (i32.const 2) (i32.add) (block (loop)))))",
            NULL);
    assert_int_equal(th_call1(&t, "sum", 1, (uint64_t)100), 5050);
    assert_int_equal(th_call1(&t, "sel", 1, (uint64_t)1), 10);
    assert_int_equal(th_call1(&t, "sel", 1, (uint64_t)0), 20);
    assert_int_equal(th_call1(&t, "ifelse", 1, (uint64_t)1), 1);
    assert_int_equal(th_call1(&t, "ifelse", 1, (uint64_t)0), 2);
    assert_int_equal(th_call1(&t, "brval", 1, (uint64_t)1), 5);
    assert_int_equal(th_call1(&t, "brval", 1, (uint64_t)0), 6);
    for (uint64_t i = 0; i < 6; i++)
        assert_int_equal(th_call1(&t, "table", 1, i), i < 3 ? 100 + i : 103);
    assert_int_equal(th_call1(&t, "tableval", 1, (uint64_t)0), 8);
    assert_int_equal(th_call1(&t, "tableval", 1, (uint64_t)1), 7);
    assert_int_equal(th_call1(&t, "tableval", 1, (uint64_t)9), 7);
    assert_int_equal(th_call1(&t, "dead", 0), 1);
    th_free(&t);
}

static void test_exec_basic__multi_value(void **state) {
    (void)state;
    th t;
    th_load(&t,
            "(module"
            " (type $pp (func (param i32 i32) (result i32 i32)))"
            " (func $two (result i32 i64) (i32.const 1) (i64.const 2))"
            " (func $swap (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))"
            " (func (export \"mv\") (result i32)"
            "   (call $two) (i32.wrap_i64) (i32.const 10) (i32.mul) (i32.add))"
            " (func (export \"swap\") (param i32 i32) (result i32)"
            "   (call $swap (local.get 0) (local.get 1)) (i32.const 10) (i32.mul) (i32.add))"
            " (func (export \"blk\") (param i32) (result i32)"
            "   (local.get 0) (i32.const 3)"
            "   (block (type $pp) (br_if 0 (local.get 0)) (i32.add) (i32.const 0))"
            "   (i32.sub))"
            " (func (export \"ifp\") (param i32) (result i32)"
            "   (i32.const 6) (i32.const 3)"
            "   (if (type $pp) (local.get 0) (then (i32.sub) (i32.const 0)) (else (i32.mul) (i32.const 0)))"
            "   (drop))"
            " (func (export \"loopp\") (result i32) (local i32)"
            "   (i32.const 0) (i32.const 10)"
            "   (loop (type $pp) (i32.const 1) (i32.sub) (local.tee 0)"
            "     (local.get 0) (br_if 0) (drop) (local.get 0))"
            "   (i32.add))"
            " (func (export \"retmulti\") (param i32) (result i32)"
            "   (call $swap (i32.const 4) (local.get 0)) (i32.sub)))",
            NULL);
    assert_int_equal(th_call1(&t, "mv", 0), 21);
    assert_int_equal(th_call1(&t, "swap", 2, (uint64_t)1, (uint64_t)2), 12);
    assert_int_equal(th_call1(&t, "blk", 1, (uint64_t)0), 3);  /* (0+3) - 0 */
    assert_int_equal(th_call1(&t, "blk", 1, (uint64_t)5), 2);  /* 5 - 3 */
    assert_int_equal(th_call1(&t, "ifp", 1, (uint64_t)1), 3);
    assert_int_equal(th_call1(&t, "ifp", 1, (uint64_t)0), 18);
    assert_int_equal(th_call1(&t, "retmulti", 1, (uint64_t)10), 6);
    assert_int_equal(th_call1(&t, "loopp", 0), 0);
    th_free(&t);
}

static void test_exec_basic__calls_and_recursion(void **state) {
    (void)state;
    th t;
    th_load_limits(&t,
            "(module"
            " (func $fac (export \"fac\") (param i64) (result i64)"
            "   (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 1))"
            "     (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))"
            " (func $fib (export \"fib\") (param i32) (result i32)"
            "   (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))"
            "     (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))"
            "                    (call $fib (i32.sub (local.get 0) (i32.const 2)))))))"
            " (func $inf (export \"inf\") (param i32) (result i32) (i32.add (call $inf (local.get 0)) (i32.const 1)))"
            " (func $tc (export \"tc\") (param i32 i64) (result i64)"
            "   (if (result i64) (i32.eqz (local.get 0)) (then (local.get 1))"
            "     (else (return_call $tc (i32.sub (local.get 0) (i32.const 1))"
            "                            (i64.add (local.get 1) (i64.const 2)))))))",
            NULL, 1000, 1 << 20);
    assert_int_equal(th_call1(&t, "fac", 1, (uint64_t)20), 2432902008176640000ull);
    assert_int_equal(th_call1(&t, "fib", 1, (uint64_t)20), 6765);
    uint64_t a[2] = {1, 0};
    th_trap(&t, "inf", a, KB_TRAP_STACK_EXHAUSTED);
    /* The store stays usable after the trap. */
    assert_int_equal(th_call1(&t, "fib", 1, (uint64_t)10), 55);
    /* 1e6 tail calls with a frame stack of 1000. */
    assert_int_equal(th_call1(&t, "tc", 2, (uint64_t)1000000, (uint64_t)0), 2000000);
    th_free(&t);
}

static void test_exec_basic__backtrace(void **state) {
    (void)state;
    th t;
    th_load(&t,
            "(module"
            " (func $inner (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))"
            " (func $outer (export \"outer\") (param i32) (result i32) (call $inner (local.get 0)))"
            " (func (export \"unr\") unreachable))",
            NULL);
    uint64_t a[1] = {0}, r[1];
    kb_error *err = th_call(&t, "outer", a, r);
    assert_non_null(err);
    assert_int_equal(err->trap, KB_TRAP_INTEGER_DIVIDE_BY_ZERO);
    assert_int_equal(err->frame_count, 2);
    assert_int_equal(err->frames[0].func_index, 0);
    assert_int_equal(err->frames[1].func_index, 1);
    assert_string_equal(err->frames[0].func_name, "inner");
    assert_true(err->frames[0].code_offset != UINT32_MAX);
    kb_error_free(err);
    th_trap(&t, "unr", a, KB_TRAP_UNREACHABLE);
    th_free(&t);
}

static void test_exec_basic__v128_moves(void **state) {
    (void)state;
    /* v128 values move through locals, blocks, select, globals and calls
       without SIMD instructions: two slots each (krt.h slot layout). */
    th t;
    th_load(&t,
            "(module"
            " (global $g (mut v128) (v128.const i64x2 0 0))"
            " (func $id (param v128) (result v128) (local.get 0))"
            " (func (export \"pick\") (param v128 v128 i32) (result v128)"
            "   (block (result v128) (select (result v128) (call $id (local.get 0)) (local.get 1) (local.get 2))))"
            " (func (export \"glob\") (param v128) (result v128) (global.set $g (local.get 0)) (global.get $g)))",
            NULL);
    uint64_t args[5] = {1, 2, 3, 4, 1}, r[2] = {0, 0};
    assert_null(th_call(&t, "pick", args, r));
    assert_int_equal(r[0], 1);
    assert_int_equal(r[1], 2);
    args[4] = 0;
    assert_null(th_call(&t, "pick", args, r));
    assert_int_equal(r[0], 3);
    assert_int_equal(r[1], 4);
    uint64_t g[2] = {5, 6};
    assert_null(th_call(&t, "glob", g, r));
    assert_int_equal(r[0], 5);
    assert_int_equal(r[1], 6);
    th_free(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exec_basic__arith),
        cmocka_unit_test(test_exec_basic__locals_and_swap),
        cmocka_unit_test(test_exec_basic__loops_and_branches),
        cmocka_unit_test(test_exec_basic__multi_value),
        cmocka_unit_test(test_exec_basic__calls_and_recursion),
        cmocka_unit_test(test_exec_basic__backtrace),
        cmocka_unit_test(test_exec_basic__v128_moves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

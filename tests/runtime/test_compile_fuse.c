/*
** test_compile_fuse.c -- compile/ round 2 (issue 10): multiply-add fusion
** (also across the op computing the addend), constant folding through the
** interpreter's own numeric list, float ops with a constant operand,
** constant 'if' and 'select' conditions,
** constant left operands moved right, the counted-loop branch
** (br_if.i32.add_i), and the pc map keeping trap positions. Each test checks
** the code's shape and what it computes.
*/
#include "test_exec_harness.h"

/* The ops of function 'fi' in order, space-separated names. */
static void ops_of(const kcomp_code *code, uint32_t fi, char *out, size_t cap) {
    const kcomp_func *f = kcomp_func_entry(code, fi);
    assert_non_null(f);
    const uint32_t *w = kcomp_func_code(f);
    out[0] = 0;
    for (uint32_t pc = 0; pc < f->code_len;) {
        uint32_t kx = w[pc];
        assert_true(kx < KX_COUNT_);
        int words = kcomp_ops[kx].words;
        if (words < 0) words = 2 + (int)w[pc + 2] + 1;
        if (out[0]) strncat(out, " ", cap - strlen(out) - 1);
        strncat(out, kcomp_ops[kx].name, cap - strlen(out) - 1);
        pc += 1u + (uint32_t)words;
    }
}

static void expect_shape(th *t, const char *name, const char *want) {
    uint32_t fi = UINT32_MAX;
    for (uint32_t i = 0; i < t->bin->export_count; i++)
        if (t->bin->exports[i].kind == KEXT_FUNC && strcmp(t->bin->exports[i].name, name) == 0)
            fi = t->bin->exports[i].index;
    assert_true(fi != UINT32_MAX);
    char got[512];
    ops_of(t->code, fi, got, sizeof got);
    if (strcmp(got, want) != 0) fprintf(stderr, "%s: want: %s\n got: %s\n", name, want, got);
    assert_string_equal(got, want);
}

static uint64_t f64b(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static uint64_t f32b(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

static void test_compile_fuse__madd(void **state) {
    (void)state;
    th t;
    th_load(&t,
            "(module (memory 1)"
            " (func (export \"f64_r\") (param f64 f64 f64) (result f64)"
            "   (f64.add (local.get 2) (f64.mul (local.get 0) (local.get 1))))"
            " (func (export \"f64_l\") (param f64 f64 f64) (result f64)"
            "   (f64.add (f64.mul (local.get 0) (local.get 1)) (local.get 2)))"
            " (func (export \"f64_s\") (param f64 f64 f64) (result f64)"
            "   (f64.sub (local.get 2) (f64.mul (local.get 0) (local.get 1))))"
            " (func (export \"f32_r\") (param f32 f32 f32) (result f32)"
            "   (f32.add (local.get 2) (f32.mul (local.get 0) (local.get 1))))"
            " (func (export \"i64_imm\") (param i64 i64) (result i64)"
            "   (i64.add (i64.mul (local.get 0) (i64.const 31)) (local.get 1)))"
            " (func (export \"i32_s\") (param i32 i32 i32) (result i32)"
            "   (i32.sub (local.get 2) (i32.mul (local.get 0) (local.get 1))))"
            /* the addend is loaded after the product: the load moves first */
            " (func (export \"across\") (param f64 i32) (result f64)"
            "   (f64.add (f64.mul (local.get 0) (f64.load (local.get 1))) (f64.load offset=8 (local.get 1))))"
            /* ... into a free slot when its own home is a mul operand */
            " (func (export \"across2\") (param i32) (result f64)"
            "   (f64.add (f64.mul (f64.load (local.get 0)) (f64.load offset=8 (local.get 0)))"
            "            (f64.load offset=16 (local.get 0))))"
            " (data (i32.const 0) \"\\00\\00\\00\\00\\00\\00\\08\\40\\00\\00\\00\\00\\00\\00\\10\\40\\00\\00\\00\\00\\00\\00\\14\\40\"))",
            NULL);
    expect_shape(&t, "f64_r", "f64.madd return");
    expect_shape(&t, "f64_l", "f64.madd return");
    expect_shape(&t, "f64_s", "f64.msub return");
    expect_shape(&t, "i64_imm", "i64.madd_i return");
    expect_shape(&t, "i32_s", "i32.msub return");
    expect_shape(&t, "across", "f64.load f64.load f64.madd return");
    expect_shape(&t, "across2", "f64.load f64.load f64.load f64.madd return");
    /* Product and sum round separately (no fused multiply-add, core spec
       4.3.3): (1+2^-52)^2 - 1 is 2^-51 here, 2^-51 + 2^-104 with fma. */
    double x = 1.0 + 0x1p-52;
    assert_true(th_call1(&t, "f64_r", 3, f64b(x), f64b(x), f64b(-1.0)) == f64b(0x1p-51));
    assert_true(th_call1(&t, "f64_l", 3, f64b(x), f64b(x), f64b(-1.0)) == f64b(0x1p-51));
    assert_true(th_call1(&t, "f64_s", 3, f64b(x), f64b(x), f64b(1.0)) == f64b(-0x1p-51));
    float y = 1.0f + 0x1p-23f;
    assert_true(th_call1(&t, "f32_r", 3, f32b(y), f32b(y), f32b(-1.0f)) == f32b(0x1p-22f));
    assert_true(th_call1(&t, "i64_imm", 2, (uint64_t)0x100000000ull, (uint64_t)7) == 0x1F00000007ull);
    assert_int_equal(th_call1(&t, "i32_s", 3, (uint64_t)3, (uint64_t)4, (uint64_t)2), 0xFFFFFFF6u);
    assert_true(th_call1(&t, "across", 2, f64b(2.0), (uint64_t)0) == f64b(2.0 * 3.0 + 4.0));
    assert_true(th_call1(&t, "across2", 1, (uint64_t)0) == f64b(3.0 * 4.0 + 5.0));
    th_free(&t);
}

static void test_compile_fuse__fold(void **state) {
    (void)state;
    th t;
    th_load(&t,
            "(module"
            " (func (export \"wrap\") (result i32) (i32.add (i32.const 0xffffffff) (i32.const 2)))"
            " (func (export \"shift\") (param i64) (result i64) (i64.shl (local.get 0) (i64.const 0x7fffffff00000041)))"
            " (func (export \"flt\") (result f64) (f64.add (f64.const 0.1) (f64.const 0.2)))"
            " (func (export \"nan\") (result f64) (f64.sub (f64.const inf) (f64.const inf)))"
            " (func (export \"div0\") (result i32) (i32.div_s (i32.const 1) (i32.const 0)))"
            " (func (export \"mirror\") (param i32) (result i32) (i32.lt_s (i32.const 5) (local.get 0)))"
            " (func (export \"chain\") (result i32) (i32.trunc_sat_f64_s (f64.convert_i32_s (i32.mul (i32.const 3) (i32.const 4))))))",
            NULL);
    expect_shape(&t, "wrap", "const32 return");
    expect_shape(&t, "shift", "i64.shl_i return");
    expect_shape(&t, "flt", "const64 return");
    expect_shape(&t, "nan", "const64 f64.sub_k return");   /* a NaN result is left to the run */
    expect_shape(&t, "div0", "const32 const32 i32.div_s return"); /* traps stay */
    expect_shape(&t, "mirror", "i32.gt_s_i return");
    expect_shape(&t, "chain", "const32 return");
    assert_int_equal(th_call1(&t, "wrap", 0), 1);
    assert_true(th_call1(&t, "shift", 1, (uint64_t)1) == 2);
    assert_true(th_call1(&t, "flt", 0) == f64b(0.1 + 0.2));
    assert_int_equal(th_call1(&t, "mirror", 1, (uint64_t)6), 1);
    assert_int_equal(th_call1(&t, "mirror", 1, (uint64_t)5), 0);
    assert_int_equal(th_call1(&t, "chain", 0), 12);
    th_trap(&t, "div0", NULL, KB_TRAP_INTEGER_DIVIDE_BY_ZERO);
    th_free(&t);
}

static void test_compile_fuse__float_constant_operand(void **state) {
    (void)state;
    th t;
    th_load(&t,
            "(module"
            " (func (export \"mul\") (param f64) (result f64) (f64.mul (f64.const 2.5) (local.get 0)))"
            " (func (export \"sub\") (param f64) (result f64) (f64.sub (local.get 0) (f64.const 0.25)))"
            " (func (export \"div\") (param f32) (result f32) (f32.div (local.get 0) (f32.const 4)))"
            /* in a loop the constant is in a pool slot: the plain op reads it */
            " (func (export \"loop\") (param f64 i32) (result f64)"
            "   (loop $l (local.set 0 (f64.mul (local.get 0) (f64.const 1.5)))"
            "     (br_if $l (local.tee 1 (i32.add (local.get 1) (i32.const -1)))))"
            "   (local.get 0)))",
            NULL);
    expect_shape(&t, "mul", "f64.mul_k return");
    expect_shape(&t, "sub", "f64.sub_k return");
    expect_shape(&t, "div", "f32.div_k return");
    expect_shape(&t, "loop", "const64 loop_check f64.mul br_if.i32.add_i return");
    assert_true(th_call1(&t, "mul", 1, f64b(3.0)) == f64b(7.5));
    assert_true(th_call1(&t, "sub", 1, f64b(1.0)) == f64b(0.75));
    assert_true(th_call1(&t, "div", 1, f32b(1.0f)) == f32b(0.25f));
    assert_true(th_call1(&t, "loop", 2, f64b(1.0), (uint64_t)2) == f64b(2.25));
    th_free(&t);
}

static void test_compile_fuse__constant_conditions(void **state) {
    (void)state;
    th t;
    th_load(&t,
            "(module"
            " (func (export \"if_t\") (result i32) (if (result i32) (i32.const 7) (then (i32.const 1)) (else (i32.const 2))))"
            " (func (export \"if_f\") (result i32) (if (result i32) (i32.const 0) (then (i32.const 1)) (else (i32.const 2))))"
            " (func (export \"if_br\") (result i32)"
            "   (block $b (result i32) (if (result i32) (i32.const 1) (then (br $b (i32.const 5))) (else (i32.const 6)))))"
            " (func (export \"sel_a\") (param i32 i32) (result i32) (select (local.get 0) (local.get 1) (i32.const 1)))"
            " (func (export \"sel_b\") (param i32 i32) (result i32)"
            "   (select (i32.const 3) (i32.mul (local.get 0) (local.get 1)) (i32.const 0))))",
            NULL);
    expect_shape(&t, "if_t", "const32 return");
    expect_shape(&t, "if_f", "const32 return");
    assert_int_equal(th_call1(&t, "if_t", 0), 1);
    assert_int_equal(th_call1(&t, "if_f", 0), 2);
    assert_int_equal(th_call1(&t, "if_br", 0), 5);
    expect_shape(&t, "sel_a", "return");
    assert_int_equal(th_call1(&t, "sel_a", 2, (uint64_t)5, (uint64_t)6), 5);
    assert_int_equal(th_call1(&t, "sel_b", 2, (uint64_t)5, (uint64_t)6), 30);
    th_free(&t);
}

static void test_compile_fuse__counted_loop(void **state) {
    (void)state;
    th t;
    th_load(&t,
            "(module"
            " (func (export \"loop\") (param i32) (result i32) (local i32)"
            "   (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 3)))"
            "     (br_if $l (local.tee 0 (i32.add (local.get 0) (i32.const -1)))))"
            "   (i32.add (local.get 1) (local.get 0))))",
            NULL);
    expect_shape(&t, "loop", "loop_check i32.add_i br_if.i32.add_i i32.add return");
    assert_int_equal(th_call1(&t, "loop", 1, (uint64_t)4), 12);
    th_free(&t);
}

static void test_compile_fuse__pcmap_traps(void **state) {
    (void)state;
    /* The pc map keeps trap positions only, which still name the trapping
       instruction: byte offsets of i32.div_s and the call are found. */
    th t;
    th_load(&t,
            "(module (func $g (param i32) (result i32) (i32.div_s (i32.add (local.get 0) (i32.const 1)) (i32.const 0)))"
            " (func (export \"f\") (result i32) (local i32) (local.set 0 (i32.const 5))"
            "   (call $g (i32.mul (local.get 0) (i32.const 3)))))",
            NULL);
    const kcomp_func *g = kcomp_func_entry(t.code, 0);
    const uint32_t *w = kcomp_func_code(g);
    uint32_t pc = 0;
    while (w[pc] != KX_I32_DIV_S) pc += 1u + (uint32_t)kcomp_ops[w[pc]].words;
    uint32_t off = kcomp_wasm_offset(g, pc);
    assert_true(off != UINT32_MAX);
    assert_int_equal(t.bin->bytes[off], 0x6d); /* i32.div_s */
    assert_true(g->pcmap_count < 4);
    th_trap(&t, "f", NULL, KB_TRAP_INTEGER_DIVIDE_BY_ZERO);
    th_free(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compile_fuse__madd),
        cmocka_unit_test(test_compile_fuse__fold),
        cmocka_unit_test(test_compile_fuse__float_constant_operand),
        cmocka_unit_test(test_compile_fuse__constant_conditions),
        cmocka_unit_test(test_compile_fuse__counted_loop),
        cmocka_unit_test(test_compile_fuse__pcmap_traps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
